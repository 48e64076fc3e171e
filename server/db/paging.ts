/** Paging of the API's lists that others grow: `first` and `offset` checked, and an unpaged list bounded. */
import { BadInputError } from '../errors.ts';

/**
 * The most rows a list holds that others grow (workspaces, tenants and workers, created on first use
 * by what workers submit or claim with; maintenance windows, kept once ended): a page's `first` at
 * most; asked without `first`, a longer list is refused.
 */
export const MAX_LISTED = 10_000;

export interface ListPage {
  first?: number | null;
  offset?: number | null;
}

/** The SQL `limit … offset …` of a page (one more than MAX_LISTED when unpaged, to refuse a longer list), after checking it. */
export function pageClause(page: ListPage): string {
  const { first, offset } = page;
  if (first !== null && first !== undefined && (!Number.isInteger(first) || first < 0 || first > MAX_LISTED)) throw new BadInputError('first', `Give 0 to ${MAX_LISTED} a page; got ${first}.`);
  if (offset !== null && offset !== undefined && (!Number.isInteger(offset) || offset < 0)) throw new BadInputError('offset', `Give 0 or more; got ${offset}.`);
  return ` limit ${first ?? MAX_LISTED + 1} offset ${offset ?? 0}`;
}

/** Refuses an unpaged list longer than MAX_LISTED, naming `first`. */
export function refuseLongList<T>(rows: T[], page: ListPage, what: string): T[] {
  if ((page.first ?? null) === null && rows.length > MAX_LISTED) {
    throw new BadInputError('first', `More than ${MAX_LISTED.toLocaleString('en')} ${what}: ask for them a page at a time (first: at most ${MAX_LISTED.toLocaleString('en')}, and offset).`);
  }
  return rows;
}
