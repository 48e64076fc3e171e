/**
 * Maintenance windows: which are in force at an instant, and for which services. One-off windows
 * run from `starts_at` to `ends_at`; recurring ones (an RFC 5545 rule, expanded with `rrule`) last
 * `duration_ms` from each occurrence. A window ended early (`ended_at`) is over for good.
 */
import type { SqlClient } from '../db/sql.ts';
import { pageClause, refuseLongList, type ListPage } from '../db/paging.ts';
import { parseRule } from './settings.ts';

export interface StoredWindow {
  id: number;
  name: string;
  services: string[];
  tags: string[];
  everything: boolean;
  startsAt: Date;
  endsAt: Date | null;
  rrule: string | null;
  durationMs: number | null;
  reason: string | null;
  endWhenHealthy: boolean;
  endedAt: Date | null;
  source: string;
  createdBy: string | null;
  createdAt: Date;
}

/** A window's occurrence: the one in force at an instant, or the next one. */
export interface Occurrence {
  start: Date;
  end: Date;
}

const COLUMNS = `id, name, services, tags, everything, starts_at, ends_at, rrule, duration_ms, reason, end_when_healthy, ended_at, source, created_by, created_at`;

export const windowFromRow = (r: Record<string, any>): StoredWindow => ({
  id: r.id,
  name: r.name,
  services: r.services,
  tags: r.tags,
  everything: r.everything,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  rrule: r.rrule,
  durationMs: r.duration_ms,
  reason: r.reason,
  endWhenHealthy: r.end_when_healthy,
  endedAt: r.ended_at,
  source: r.source,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

/**
 * The windows not ended early (with `includeEnded`, all of them); with `liveAt`, also not run out
 * by then (a one-off past its end): what can silence anything at or after that instant.
 */
export async function loadWindows(sql: SqlClient, options: { includeEnded?: boolean; liveAt?: Date } = {}): Promise<StoredWindow[]> {
  const where = options.includeEnded ? '' : options.liveAt ? `where ${LIVE_WINDOW_SQL}` : 'where ended_at is null';
  const { rows } = await sql.query(`select ${COLUMNS} from maintenance_windows ${where} order by starts_at, id`, options.liveAt && !options.includeEnded ? [options.liveAt] : []);
  return rows.map(windowFromRow);
}

/**
 * The windows that can have been in force at some time in [from, to): begun before `to`, not
 * ended (early) by `from`, and, one-off, not run out by then. Windows that ended stay in the table
 * for the record, so the reads of a range (uptime, status pages) ask for these, not for them all.
 */
export async function loadWindowsOverlapping(sql: SqlClient, from: Date, to: Date): Promise<StoredWindow[]> {
  const { rows } = await sql.query(
    `select ${COLUMNS} from maintenance_windows
      where starts_at < $2 and (ended_at is null or ended_at > $1) and (rrule is not null or ends_at is null or ends_at > $1)
      order by starts_at, id`,
    [from, to],
  );
  return rows.map(windowFromRow);
}

/** Not ended early and, one-off, not run out at $1 (a rule with no occurrence left is only found out by expanding it). */
export const LIVE_WINDOW_SQL = `(ended_at is null and (rrule is not null or ends_at is null or ends_at > $1))`;

/**
 * A page of the windows as the API lists them: those in force or to come, by start, then (with
 * `includeEnded`) the ended ones, the latest ended first (a rule whose last occurrence has passed
 * but that was never ended counts as in force here: only expanding it tells). Without `first`, more than MAX_LISTED are
 * refused, naming `first`. Without `includeEnded`, a rule with no occurrence left is left off after
 * the page is read, so such a page may hold fewer than `first`.
 */
export async function listWindows(sql: SqlClient, now: Date, options: { includeEnded: boolean; page: ListPage }): Promise<StoredWindow[]> {
  const { rows } = await sql.query(
    `select ${COLUMNS} from maintenance_windows ${options.includeEnded ? '' : `where ${LIVE_WINDOW_SQL}`}
      order by ${LIVE_WINDOW_SQL} desc, case when ${LIVE_WINDOW_SQL} then starts_at end, coalesce(least(ended_at, ends_at), starts_at) desc, id desc
      ${pageClause(options.page)}`,
    [now],
  );
  const windows = refuseLongList(rows, options.page, 'maintenance windows').map(windowFromRow);
  return options.includeEnded ? windows : windows.filter((w) => currentOrNext(w, now) !== null);
}

export async function loadWindow(sql: SqlClient, id: number): Promise<StoredWindow | null> {
  const { rows } = await sql.query(`select ${COLUMNS} from maintenance_windows where id = $1`, [id]);
  return rows[0] ? windowFromRow(rows[0]) : null;
}

/**
 * A stored window's rule, started again near `near`; null when it no longer passes the check (one
 * stored before the check grew stricter, or edited in the database). Every look at the windows
 * (the alerting pass, uptime, the API) goes through here: one bad row must not stop them all.
 */
export function storedRule(window: StoredWindow, near: Date): ReturnType<typeof parseRule> | null {
  if (!window.rrule) return null;
  try {
    return parseRule(window.rrule, 'rrule', window.startsAt, near);
  } catch {
    return null;
  }
}

/** The occurrence of `window` in force at `at`, or null. */
export function occurrenceAt(window: StoredWindow, at: Date): Occurrence | null {
  if (window.endedAt && window.endedAt <= at) return null;
  const cut = (o: Occurrence): Occurrence | null => {
    const end = window.endedAt && window.endedAt < o.end ? window.endedAt : o.end;
    return o.start <= at && at < end ? { start: o.start, end } : null;
  };
  if (!window.rrule) return window.endsAt ? cut({ start: window.startsAt, end: window.endsAt }) : null;
  // Started again just before the longest occurrence that can still be in force.
  const rule = storedRule(window, new Date(at.getTime() - (window.durationMs ?? 0)));
  const start = rule?.before(at, true);
  return start ? cut({ start, end: new Date(start.getTime() + (window.durationMs ?? 0)) }) : null;
}

/** The occurrence in force at `at`, else the next one to begin (null when none is left). */
export function currentOrNext(window: StoredWindow, at: Date): Occurrence | null {
  const now = occurrenceAt(window, at);
  if (now) return now;
  if (window.endedAt && window.endedAt <= at) return null;
  if (!window.rrule) return window.endsAt && window.startsAt > at ? { start: window.startsAt, end: window.endsAt } : null;
  const next = storedRule(window, at)?.after(at, false);
  return next ? { start: next, end: new Date(next.getTime() + (window.durationMs ?? 0)) } : null;
}

/** Each window's services and tags as sets, made once per loaded window (see covers). */
const coverage = new WeakMap<StoredWindow, { services: Set<string>; tags: Set<string> }>();

/**
 * Whether `window` covers `service`. Asked for every service of a page, a pass or the whole install
 * (100,000 services against a window listing 500 names and tags), so the window's lists are looked
 * up as sets, made once per window object, not scanned per service.
 */
export function covers(window: StoredWindow, service: { name: string; tags: string[] }): boolean {
  if (window.everything) return true;
  let sets = coverage.get(window);
  if (!sets) coverage.set(window, (sets = { services: new Set(window.services), tags: new Set(window.tags) }));
  return sets.services.has(service.name) || (sets.tags.size > 0 && service.tags.some((tag) => sets.tags.has(tag)));
}

/**
 * The windows covering a service, found through an index of the windows by service name and tag
 * instead of by asking each window: a read of every service's maintenance asked services × windows
 * (10,000 × 20,000 stalled the server for seconds). In the order of `windows`.
 */
export function coveringIndex(windows: readonly StoredWindow[]): (service: { name: string; tags: string[] }) => StoredWindow[] {
  const everything: number[] = [];
  const byName = new Map<string, number[]>();
  const byTag = new Map<string, number[]>();
  const add = (map: Map<string, number[]>, key: string, i: number) => {
    const list = map.get(key);
    if (list) list.push(i);
    else map.set(key, [i]);
  };
  windows.forEach((window, i) => {
    if (window.everything) return void everything.push(i);
    for (const name of new Set(window.services)) add(byName, name, i);
    for (const tag of new Set(window.tags)) add(byTag, tag, i);
  });
  return (service) => {
    const found = new Set<number>(everything);
    for (const i of byName.get(service.name) ?? []) found.add(i);
    for (const tag of service.tags) for (const i of byTag.get(tag) ?? []) found.add(i);
    return [...found].sort((a, b) => a - b).map((i) => windows[i]);
  };
}

/** The window (and its occurrence) that silences `service` at `at`, the one ending last when several do. */
export function silencing(windows: StoredWindow[], service: { name: string; tags: string[] }, at: Date): { window: StoredWindow; occurrence: Occurrence } | null {
  let found: { window: StoredWindow; occurrence: Occurrence } | null = null;
  for (const window of windows) {
    if (!covers(window, service)) continue;
    const occurrence = occurrenceAt(window, at);
    if (occurrence && (!found || occurrence.end > found.occurrence.end)) found = { window, occurrence };
  }
  return found;
}
