/**
 * What the monitoring fields share to read services and their history within one request's bounds
 * (server/monitoring/read-budget.ts): ranges and their "now", the latency series within the budget, status
 * windows cut at the budget, and the page arguments and admission of a list of services.
 */
import { MAX_SERVICE_PAGE, timelines, windowCount } from '../server/monitoring/overview.ts';
import { BadInputError } from '../server/errors.ts';
import type { RequestContext } from '../server/context.ts';
import { QUERY_UNITS, readBudget, type ExecutionInfo } from '../server/monitoring/read-budget.ts';
import { BUCKET_MS, latencyResolution } from '../server/monitoring/latency-resolution.ts';
import { readLatencySeries, type LatencyPoint } from '../server/monitoring/check-reads.ts';
import type { builder } from './builder.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/**
 * At most how many points `latencySeries` returns over [from, to): per minute up to 6 hours, per five
 * minutes up to a day, else per hour (`latencyResolution`). Reserved before the read; the raw checks
 * it reads are charged as found (`readLatencySeries`).
 */
export function latencyPoints(from: Date, to: Date): number {
  const ms = to.getTime() - from.getTime();
  return Math.ceil(ms / BUCKET_MS[latencyResolution(ms)]) + 1;
}

/**
 * One service's latency series over `r` within the request's history budget: its points reserved
 * before the read, and the raw checks it reads (those of the buckets not rolled up, every one per
 * minute) charged as found, cut at what is left: their number is not the interval's (pings,
 * rechecks). Per minute, more of them than that (a service pinged many times a second) gives the
 * range per five minutes instead, from the rollups; the read that found too many is not charged.
 */
export async function latencySeriesWithinBudget(ctx: RequestContext, info: ExecutionInfo, serviceId: number, r: { from: Date; to: Date }): Promise<LatencyPoint[]> {
  const budget = readBudget(ctx, info);
  budget.take('latencySeries', QUERY_UNITS + latencyPoints(r.from, r.to));
  const series = await budget.cutRead(
    'latencySeries',
    async (limit) => {
      const found = await readLatencySeries(ctx.app.sql, serviceId, r.from, r.to, limit);
      return found.resolution === 'minute' && found.rawChecks >= limit ? readLatencySeries(ctx.app.sql, serviceId, r.from, r.to, limit, '5m') : found;
    },
    (found) => found.rawChecks,
  );
  return series.points;
}

/**
 * Status windows of `ids` (every service when omitted) over a range, in one statement cut at what is
 * left of the request's history budget, and refused if cut; the reads of unknown size run one after
 * another (ReadBudget.exclusive).
 */
export function windowsWithinBudget(ctx: RequestContext, info: ExecutionInfo, field: string, r: { from: Date; to: Date; now: Date }, ids?: number[], perService?: number) {
  const budget = readBudget(ctx, info);
  budget.take(field, QUERY_UNITS);
  return budget.cutRead(field, (limit) => timelines(ctx.app.sql, r.from, r.to, r.now, ids, limit, perService), windowCount);
}

/**
 * "Now" for the fields resolved in one turn of the event loop (a list's items are): one instant, so
 * that their ranges are the same and their reads one statement; the next turn (the next mutation of a
 * request) reads the clock again.
 */
const turnNows = new WeakMap<object, Date>();
function turnNow(ctx: RequestContext): Date {
  let now = turnNows.get(ctx);
  if (!now) {
    turnNows.set(ctx, (now = ctx.app.clock.now()));
    queueMicrotask(() => turnNows.delete(ctx));
  }
  return now;
}

/**
 * A field's range, and the "now" its reads go by: the turn's, when the range ends now. A window
 * still open is one that has not ended by `now`; read against a later instant than a `to` that
 * was now, it showed as ended at `to` (a few milliseconds on, under load: CI saw it).
 */
export function range(args: { from?: Date | null; to?: Date | null }, ctx: RequestContext, defaultMs: number): { from: Date; to: Date; now: Date } {
  const now = turnNow(ctx);
  const to = args.to ?? now;
  const from = args.from ?? new Date(to.getTime() - defaultMs);
  if (from >= to) throw new BadInputError('from', '`from` must be before `to`.');
  if (to.getTime() - from.getTime() > 400 * 86400_000) throw new BadInputError('from', 'The range can be at most 400 days.');
  return { from, to, now };
}

/** Admits a list's services within the request's bound on services listed (monitoring/read-budget.ts). */
export function admitted(ctx: RequestContext, info: ExecutionInfo, field: string): (count: number) => void {
  return (count) => readBudget(ctx, info).admitServices(field, count);
}

/**
 * An optional `service` argument: null when left out; an empty or blank name is the caller's error,
 * not "every service" (`uptime(service: "")` answered the whole fleet's figures as if for one).
 */
export function optionalService(service: string | null | undefined, field = 'service'): string | null {
  if (service === null || service === undefined) return null;
  if (!service.trim()) throw new BadInputError(field, `\`${field}\` names one service: give its name, or leave it out for every service.`);
  return service;
}

/** `first` and `offset` of a list of services, by name (checked by listServices). */
export function pageArgs(t: PothosSchemaTypes.QueryFieldBuilder<Types, {}>) {
  return {
    first: t.arg.int({ required: false, description: `At most this many services (0 to ${MAX_SERVICE_PAGE.toLocaleString('en')}).` }),
    offset: t.arg.int({ required: false, description: 'Skip this many first (0 when omitted).' }),
  };
}
