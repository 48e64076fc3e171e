/**
 * The time maintenance windows covered, per service, within a range: what uptime leaves out like
 * paused time (monitoring/uptime.ts), and what the timeline shows.
 */
import type { SqlClient } from '../db/sql.ts';
import { coveringIndex, loadWindowsOverlapping, storedRule, type StoredWindow } from './maintenance.ts';

export interface MaintenanceSpan {
  window: string;
  start: Date;
  end: Date;
}

/** Occurrences of one window overlapping [from, to), cut to its early end; at most `limit`. */
export function spansOf(window: StoredWindow, from: Date, to: Date, limit = 1000): MaintenanceSpan[] {
  const cut = (start: Date, end: Date): MaintenanceSpan | null => {
    const stop = window.endedAt && window.endedAt < end ? window.endedAt : end;
    return stop > from && start < to && stop > start ? { window: window.name, start, end: stop } : null;
  };
  if (!window.rrule) return window.endsAt ? [cut(window.startsAt, window.endsAt)].filter((s): s is MaintenanceSpan => s !== null) : [];
  const duration = window.durationMs ?? 0;
  const spans: MaintenanceSpan[] = [];
  // An occurrence that began up to one duration before `from` still covers part of the range.
  const since = new Date(from.getTime() - duration);
  storedRule(window, since)?.between(since, to, true, (date, i) => {
    const span = cut(date, new Date(date.getTime() + duration));
    if (span) spans.push(span);
    return i + 1 < limit;
  });
  return spans;
}

/** Sorted, merged [start, end) intervals (overlapping windows count once). */
export function merge(spans: { start: Date; end: Date }[]): [number, number][] {
  const sorted = spans.map((s) => [s.start.getTime(), s.end.getTime()] as [number, number]).sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [s, e] of sorted) {
    const last = merged.at(-1);
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  return merged;
}

/**
 * Per service id: the maintenance spans over [from, to) of the windows covering it. Services no
 * window covers are absent. `admit`, when given, is told how many spans that is in all before they
 * are gathered (it throws to refuse: a window's spans are repeated for each service it covers).
 */
export async function maintenanceSpans(sql: SqlClient, from: Date, to: Date, serviceIds?: number[], admit?: (spans: number) => void): Promise<Map<number, MaintenanceSpan[]>> {
  const windows = await loadWindowsOverlapping(sql, from, to);
  const result = new Map<number, MaintenanceSpan[]>();
  if (!windows.length) return result;
  const { rows } = await sql.query<{ id: number; name: string; tags: string[] }>(
    `select id, name, tags from services ${serviceIds ? 'where id = any($1::int[])' : ''}`,
    serviceIds ? [serviceIds] : [],
  );
  const spans = new Map(windows.map((w) => [w.id, spansOf(w, from, to)]));
  const coveringOf = coveringIndex(windows);
  const covering = rows.map((service) => ({ service, windows: coveringOf(service) }));
  if (admit) admit(covering.reduce((n, c) => n + c.windows.reduce((m, w) => m + spans.get(w.id)!.length, 0), 0));
  for (const { service, windows: own } of covering) {
    const list = own.flatMap((w) => spans.get(w.id) ?? []);
    if (list.length) result.set(service.id, list);
  }
  return result;
}

/**
 * The services maintenance windows covered over [from, to), grouped by the windows covering them
 * (most services share theirs: one window over everything is one group): each group's merged
 * spans in ms and its services. Services no window covers are in no group.
 */
export async function maintenanceGroups(sql: SqlClient, from: Date, to: Date, serviceIds?: number[]): Promise<{ spans: [number, number][]; services: number[] }[]> {
  const windows = await loadWindowsOverlapping(sql, from, to);
  if (!windows.length) return [];
  const spans = new Map(windows.map((w) => [w.id, spansOf(w, from, to)]));
  const { rows } = await sql.query<{ id: number; name: string; tags: string[] }>(
    `select id, name, tags from services ${serviceIds ? 'where id = any($1::int[])' : ''}`,
    serviceIds ? [serviceIds] : [],
  );
  const groups = new Map<string, { spans: [number, number][]; services: number[] }>();
  const coveringOf = coveringIndex(windows);
  for (const service of rows) {
    const own = coveringOf(service).filter((w) => spans.get(w.id)!.length);
    if (!own.length) continue;
    const key = own.map((w) => w.id).join(',');
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { spans: merge(own.flatMap((w) => spans.get(w.id)!)), services: [] }));
    group.services.push(service.id);
  }
  return [...groups.values()];
}
