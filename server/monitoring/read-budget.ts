/**
 * What one request may read of the services and their history. The query cost prices the document,
 * not the lists it runs over: `{ services { recentChecks(first: 1000) { … } } }` costs as little as
 * one service's page of checks, and was a thousand checks read for each of 100,000 services — one
 * query each — for any viewer; thirty aliases of `services(first: 10000)` with every field ran the
 * server out of memory.
 *
 * Two budgets per request:
 * - services listed: 10,000 in all, whatever the number of lists (aliases, `services`,
 *   `healthOverview`, `uptimeTimeline`): a list taken beyond it is refused, its rows read but no
 *   field of them;
 * - history: each history read (a service's checks, latency series, status windows, uptime,
 *   maintenance spans) takes what it may read: a query's worth per query, and one per row it may
 *   return, reserved before the query where its size is known (checks, series), else charged as
 *   the rows come (windows are read for a whole list in one statement, cut at what is left; a
 *   latency series reserves its points, and is charged the raw checks it reads as it finds them).
 * Once a budget is spent, the read asking for more is refused with an error naming the field; the
 * answer is then that error (the fields above it are non-null, so null goes up to `data`).
 *
 * Units: one query is QUERY_UNITS, each row one. The history budget allows about 500 queries, or
 * 50,000 rows (a few megabytes of answer), per request; the dashboard's service page takes about
 * 3,000 of it and its windows (uptime's three ranges 1,200, a day per five minutes 389 and the last
 * 6 hours per minute 461, plus the raw checks those read: an hour's at 20 s, 180, or 6 hours' at 20 s,
 * 1,080 — 21,600 for a service checked every second; twenty checks 120, the timeline 100).
 */
import { BadInputError } from '../errors.ts';
import { MAX_SERVICE_PAGE } from './overview.ts';

export const HISTORY_BUDGET = 50_000;
export const QUERY_UNITS = 100;
export const LISTED_SERVICES_BUDGET = MAX_SERVICE_PAGE;

export class ReadBudget {
  #left: number;
  #servicesLeft: number;
  readonly total: number;
  readonly #memo = new Map<string, Promise<unknown>>();

  constructor(total = HISTORY_BUDGET, services = LISTED_SERVICES_BUDGET) {
    this.total = total;
    this.#left = total;
    this.#servicesLeft = services;
  }

  /** History units still to spend. */
  get left(): number {
    return this.#left;
  }

  /** Spends `units` of history for `field`, or refuses (spending nothing) when fewer are left. */
  take(field: string, units: number): void {
    if (units > this.#left) {
      throw new BadInputError(
        field,
        `This request asks for more service history than one request may read (${field} here, beyond ${this.total.toLocaleString('en')} units: ${QUERY_UNITS} a query, 1 a row): ask for it for fewer services (one service, or a smaller page of them), fewer checks or a shorter range, in more requests.`,
      );
    }
    this.#left -= units;
  }

  /**
   * Charges `units` already read for `field` (a read cut at what was left): beyond the budget, the
   * budget is spent whole and the read refused, so that the next reads of unknown size read nothing.
   */
  spend(field: string, units: number): void {
    if (units > this.#left) {
      this.#left = 0;
      this.take(field, units);
    }
    this.#left -= units;
  }

  /** Admits `count` more services listed by `field`, or refuses when the request would list more than its budget. */
  admitServices(field: string, count: number): void {
    if (count > this.#servicesLeft) {
      throw new BadInputError(
        'first',
        `This request lists more than ${LISTED_SERVICES_BUDGET.toLocaleString('en')} services in all (${field} here, with the lists before it): ask for them a page at a time, one list per request.`,
      );
    }
    this.#servicesLeft -= count;
  }

  #turn: Promise<unknown> = Promise.resolve();

  /**
   * Runs `read` for `field` after the reads of unknown size started before it: each is cut at what
   * is left when it starts and charged when it ends, so that reads at once (aliases) cannot each see
   * the whole budget; once nothing is left, it is refused without reading.
   */
  exclusive<T>(field: string, read: () => Promise<T>): Promise<T> {
    // Nothing left (a read before it was refused): refused without reading.
    const result = this.#turn.then(() => (this.#left > 0 ? read() : (this.take(field, 1) as never)));
    this.#turn = result.catch(() => {});
    return result;
  }

  /**
   * A read of unknown size for `field`: after the others (`exclusive`), given what is left plus one
   * as its limit, then charged what `count` finds in its answer (`spend`: refused if it was cut).
   */
  cutRead<T>(field: string, read: (limit: number) => Promise<T>, count: (found: T) => number): Promise<T> {
    return this.exclusive(field, async () => {
      const found = await read(this.#left + 1);
      this.spend(field, count(found));
      return found;
    });
  }

  /** `read()` once per request for `key`: aliases asking the same thing again share the answer. */
  once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let found = this.#memo.get(key) as Promise<T> | undefined;
    if (!found) this.#memo.set(key, (found = read()));
    return found;
  }
}

/** What a resolver knows of the execution it is part of (graphql's GraphQLResolveInfo has it). */
export interface ExecutionInfo {
  operation: { operation: string };
  rootValue: unknown;
}

const scopes = new WeakMap<object, WeakMap<object, object>>();

/**
 * The object one execution is known by: its context for a query or a mutation; for a subscription,
 * whose context lives as long as it does, its context and event together (each event is executed
 * apart, with the event as its root value), so that budgets and batched reads are per event.
 */
export function executionScope(context: object, info: ExecutionInfo): object {
  const root = info.rootValue;
  if (info.operation.operation !== 'subscription' || root === null || typeof root !== 'object') return context;
  let byRoot = scopes.get(context);
  if (!byRoot) scopes.set(context, (byRoot = new WeakMap()));
  let scope = byRoot.get(root);
  if (!scope) byRoot.set(root, (scope = {}));
  return scope;
}

const budgets = new WeakMap<object, ReadBudget>();

/** The budget of the execution a resolver is part of (per request; per event of a subscription). */
export function readBudget(context: object, info: ExecutionInfo): ReadBudget {
  const scope = executionScope(context, info);
  let budget = budgets.get(scope);
  if (!budget) budgets.set(scope, (budget = new ReadBudget()));
  return budget;
}
