/**
 * Uptime from time spent in each status, not from counts of checks: a service down for 10 minutes
 * of a day is 99.31% up however often it was checked. Degraded time counts at a weight (0.5 by
 * default); paused time, maintenance windows and time before the first check are left out.
 */
import type pg from 'pg';
import { maintenanceGroups } from '../alerting/maintenance-time.ts';

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
  // The time maintenance covered, per service and status, summed by PostgreSQL from each group's
  // merged spans: the covered services' windows were read again and walked here (every service's at
  // 100,000 under one window over everything, for every read of uptime).
  const groups = await maintenanceGroups(sql, from, to, serviceIds);
  if (groups.length) {
    const spanGroup: number[] = [];
    const spanStart: Date[] = [];
    const spanEnd: Date[] = [];
    const memberId: number[] = [];
    const memberGroup: number[] = [];
    groups.forEach((group, g) => {
      for (const [s, e] of group.spans) {
        spanGroup.push(g);
        spanStart.push(new Date(s));
        spanEnd.push(new Date(e));
      }
      for (const id of group.services) {
        memberId.push(id);
        memberGroup.push(g);
      }
    });
    const { rows: covered } = await sql.query<{ service_id: number; status: string; ms: string }>(
      `with spans as (select * from unnest($5::int[], $6::timestamptz[], $7::timestamptz[]) as x(g, s, e)),
            members as (select * from unnest($8::int[], $9::int[]) as m(service_id, g)),
            windows as (
              select r.service_id, m.g, r.status, greatest(r.started_at, $1::timestamptz) as s,
                     least(coalesce(r.ended_at, $3::timestamptz), $2::timestamptz, $3::timestamptz) as e
                from uptime_records r join members m on m.service_id = r.service_id
               where r.status in ('healthy', 'degraded', 'down')
                 and r.started_at < least($2::timestamptz, $3::timestamptz) and coalesce(r.ended_at, $3::timestamptz) > $1::timestamptz
                 and ($4::int[] is null or r.service_id = any($4::int[])))
       select w.service_id, w.status, sum(extract(epoch from (least(w.e, sp.e) - greatest(w.s, sp.s))) * 1000) as ms
         from windows w join spans sp on sp.g = w.g and sp.s < w.e and sp.e > w.s
        group by w.service_id, w.status`,
      [from, to, now, serviceIds ?? null, spanGroup, spanStart, spanEnd, memberId, memberGroup],
    );
    for (const row of covered) {
      const time = result.get(row.service_id);
      const key = `${row.status}Ms` as keyof TimeInStatus;
      if (!time || !(key in time)) continue;
      const ms = Math.min(time[key], Math.max(0, Math.round(Number(row.ms))));
      time[key] -= ms;
      time.maintenanceMs += ms;
    }
  }
  return result;
}
