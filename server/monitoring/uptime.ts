/**
 * Uptime from time spent in each status, not from counts of checks: a service down for 10 minutes
 * of a day is 99.31% up however often it was checked. Degraded time counts at a weight (0.5 by
 * default); paused time, maintenance windows and time before the first check are left out.
 */
import type pg from 'pg';
import { maintenanceSpans, merge } from '../alerting/maintenance-time.ts';

export interface TimeInStatus {
  healthyMs: number;
  degradedMs: number;
  downMs: number;
  pausedMs: number;
  /** Time a maintenance window covered (whatever the status then): left out like paused time. */
  maintenanceMs: number;
}

export const EMPTY_TIME: TimeInStatus = { healthyMs: 0, degradedMs: 0, downMs: 0, pausedMs: 0, maintenanceMs: 0 };

/** The share of monitored time the service was up, or null when there was no monitored time. */
export function uptimeRatio(time: TimeInStatus, degradedWeight: number): number | null {
  const monitored = time.healthyMs + time.degradedMs + time.downMs;
  if (monitored <= 0) return null;
  return (time.healthyMs + time.degradedMs * degradedWeight) / monitored;
}

export interface StatusWindow {
  status: string;
  startedAt: Date;
  endedAt: Date | null;
}

/**
 * Time in each status within [from, to), with open windows running until `now`; the parts
 * `maintenance` covers (sorted, merged intervals in ms) count as maintenance instead.
 */
export function timeInStatus(windows: StatusWindow[], from: Date, to: Date, now: Date, maintenance: [number, number][] = []): TimeInStatus {
  const total = { ...EMPTY_TIME };
  for (const w of windows) {
    const start = Math.max(w.startedAt.getTime(), from.getTime());
    const end = Math.min((w.endedAt ?? now).getTime(), to.getTime(), now.getTime());
    if (end <= start) continue;
    const key = `${w.status}Ms` as keyof TimeInStatus;
    if (!(key in total) || key === 'maintenanceMs') continue;
    let covered = 0;
    if (w.status !== 'paused') for (const [s, e] of maintenance) covered += Math.max(0, Math.min(e, end) - Math.max(s, start));
    total[key] += end - start - covered;
    total.maintenanceMs += covered;
  }
  return total;
}

/**
 * Time in each status within [from, to) for many services in one query (the overview's 24 h
 * uptime for every service). Services with no window in the range are absent from the map.
 */
export async function timeInStatusByService(sql: pg.Pool, from: Date, to: Date, now: Date, serviceIds?: number[]): Promise<Map<number, TimeInStatus>> {
  const { rows } = await sql.query<{ service_id: number; status: string; ms: string }>(
    `select service_id, status,
            sum(extract(epoch from (least(coalesce(ended_at, $3::timestamptz), $2::timestamptz, $3::timestamptz) - greatest(started_at, $1::timestamptz))) * 1000) as ms
       from uptime_records
      where started_at < least($2::timestamptz, $3::timestamptz) and coalesce(ended_at, $3::timestamptz) > $1::timestamptz
        ${serviceIds ? 'and service_id = any($4)' : ''}
      group by service_id, status`,
    serviceIds ? [from, to, now, serviceIds] : [from, to, now],
  );
  const result = new Map<number, TimeInStatus>();
  for (const row of rows) {
    const time = result.get(row.service_id) ?? { ...EMPTY_TIME };
    const key = `${row.status}Ms` as keyof TimeInStatus;
    if (key in time) time[key] += Math.max(0, Math.round(Number(row.ms)));
    result.set(row.service_id, time);
  }
  // Services a maintenance window covered in the range (few): their windows again, with the covered time taken out.
  const maintenance = await maintenanceSpans(sql, from, to, serviceIds);
  if (maintenance.size) {
    const { rows: windows } = await sql.query<{ service_id: number; status: string; started_at: Date; ended_at: Date | null }>(
      `select service_id, status, started_at, ended_at from uptime_records
        where service_id = any($1::int[]) and started_at < least($3::timestamptz, $4::timestamptz) and coalesce(ended_at, $4::timestamptz) > $2::timestamptz`,
      [[...maintenance.keys()], from, to, now],
    );
    // Grouped once: each covered service filtering all of them was quadratic (a window over every one of
    // 100,000 services: 10^10 comparisons, tens of seconds of the event loop, on the dashboard's pages).
    const byService = new Map<number, StatusWindow[]>();
    for (const w of windows) {
      const own = byService.get(w.service_id);
      const window = { status: w.status, startedAt: w.started_at, endedAt: w.ended_at };
      if (own) own.push(window);
      else byService.set(w.service_id, [window]);
    }
    for (const [serviceId, spans] of maintenance) {
      const own = byService.get(serviceId);
      if (own) result.set(serviceId, timeInStatus(own, from, to, now, merge(spans)));
    }
  }
  return result;
}
