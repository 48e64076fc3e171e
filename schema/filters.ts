/**
 * A list's filter, bounded before it reaches SQL: each text is matched against every row (`ILIKE
 * '%…%'` on several columns), so its cost grows with its length — 1 MiB of filter text held
 * PostgreSQL for 100 s on 10,000 services, and nothing cancelled it — and no name, tag or type
 * Lookout stores is longer than this anyway.
 */
import { BadInputError } from '../server/errors.ts';

export const MAX_FILTER_TEXT = 200;
export const MAX_FILTER_LIST = 100;

/** `filter` as given, or BAD_USER_INPUT naming the field of it that is too long. */
export function boundedFilter<T extends object>(filter: T | null | undefined, arg = 'filter'): T | null | undefined {
  if (!filter) return filter;
  for (const [key, value] of Object.entries(filter)) {
    const field = `${arg}.${key}`;
    if (typeof value === 'string' && value.length > MAX_FILTER_TEXT) {
      throw new BadInputError(field, `${field} must be at most ${MAX_FILTER_TEXT} characters (got ${value.length.toLocaleString('en')}).`);
    }
    if (Array.isArray(value)) {
      if (value.length > MAX_FILTER_LIST) throw new BadInputError(field, `${field} may list at most ${MAX_FILTER_LIST} values (got ${value.length.toLocaleString('en')}).`);
      if (value.some((item) => typeof item === 'string' && item.length > MAX_FILTER_TEXT)) throw new BadInputError(field, `each of ${field} must be at most ${MAX_FILTER_TEXT} characters.`);
    }
  }
  return filter;
}
