/**
 * What one request may read of the services' history. The query cost prices the document, not the
 * list it runs over: `{ services { recentChecks(first: 1000) { … } } }` costs as little as one
 * service's page of checks, and was a thousand checks read for each of 100,000 services — one query
 * each — for any viewer. Each history read (a service's checks, latency series, status windows or
 * uptime) takes from the request's budget what it may read: a query's worth, and the rows it may
 * return. Once the budget is spent, the next read is refused with an error naming the field, and the
 * rest of the answer is given.
 *
 * Units: one query is QUERY_UNITS, each row one. The budget allows about 500 per-service queries,
 * or 50,000 rows (a few megabytes of answer), per request; the dashboard's service page takes
 * about 2,100 of it (six queries, a day of minutes and twenty checks).
 */
import { BadInputError } from '../errors.ts';

export const HISTORY_BUDGET = 50_000;
export const QUERY_UNITS = 100;

export class ReadBudget {
  #left: number;
  readonly total: number;

  constructor(total = HISTORY_BUDGET) {
    this.total = total;
    this.#left = total;
  }

  /** Units still to spend. */
  get left(): number {
    return this.#left;
  }

  /** Spends `units` for `field`, or refuses (spending nothing) when fewer are left. */
  take(field: string, units: number): void {
    if (units > this.#left) {
      throw new BadInputError(
        field,
        `This request asks for more service history than one request may read (${field} here, beyond ${this.total.toLocaleString('en')} units: ${QUERY_UNITS} a query, 1 a row): ask for it for fewer services (one service, or a page with healthOverview(first: …)), fewer checks or a shorter range, in more requests.`,
      );
    }
    this.#left -= units;
  }
}

const budgets = new WeakMap<object, ReadBudget>();

/** The budget of the request whose context (any object living as long as the request) is `owner`. */
export function readBudget(owner: object): ReadBudget {
  let budget = budgets.get(owner);
  if (!budget) budgets.set(owner, (budget = new ReadBudget()));
  return budget;
}
