/**
 * The public view of one status page, computed from the stored state in four queries whatever the
 * number of services: the services' current status, their 90 days of status windows (the same
 * uptime records the dashboard's uptime reads), the maintenance windows and the open incidents.
 * It carries nothing internal: display names only, no targets, errors, reasons, ids or replicas.
 */
import type pg from 'pg';
import { timelines, type TimelineWindow } from '../monitoring/overview.ts';
import { EMPTY_TIME, timeInStatus, uptimeRatio, type TimeInStatus } from '../monitoring/uptime.ts';
import { coveringIndex, covers, currentOrNext, loadWindowsOverlapping, occurrenceAt } from '../alerting/maintenance.ts';
import { merge, spansOf } from '../alerting/maintenance-time.ts';
import { servicesOf, type StatusPageDefinition } from './definition.ts';

/** A service's state as the public reads it. */
export type PublicStatus = 'operational' | 'degraded' | 'outage' | 'maintenance' | 'unknown';

export const DAYS_SHOWN = 90;
/** Upcoming maintenance this far ahead is announced. */
export const UPCOMING_MS = 14 * 86400_000;
const DAY_MS = 86400_000;

export interface PublicDay {
  /** The UTC day, YYYY-MM-DD. */
  date: string;
  /** Share of monitored time up (degraded at the configured weight), null without data. */
  uptime: number | null;
  downMinutes: number;
}

export interface PublicService {
  name: string;
  status: PublicStatus;
  uptime: { '24h': number | null; '7d': number | null; '30d': number | null };
  days: PublicDay[];
}

export interface PublicIncident {
  service: string;
  /** `major` for a service down, `minor` for a degraded one. */
  impact: 'major' | 'minor';
  since: string;
  /** Someone is on it (the incident was acknowledged). */
  acknowledged: boolean;
}

export interface PublicMaintenance {
  title: string;
  services: string[];
  start: string;
  end: string;
  active: boolean;
}

export interface StatusPageSnapshot {
  slug: string;
  title: string;
  description: string;
  status: PublicStatus;
  groups: { name: string; services: PublicService[] }[];
  incidents: PublicIncident[];
  maintenance: PublicMaintenance[];
  generatedAt: string;
}

/** A computed page and, for badges, its services by their internal name (never serialized). */
export interface ComputedPage {
  snapshot: StatusPageSnapshot;
  byServiceName: Map<string, PublicService>;
}

const RANK: Record<PublicStatus, number> = { outage: 4, degraded: 3, maintenance: 2, operational: 1, unknown: 0 };

/** The worst of the page's statuses; `unknown` only when nothing is known. */
export function overallStatus(statuses: PublicStatus[]): PublicStatus {
  return statuses.reduce<PublicStatus>((worst, s) => (RANK[s] > RANK[worst] ? s : worst), 'unknown');
}

const dayStart = (at: Date) => Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());

/** Time in status per UTC day for the last `DAYS_SHOWN` days: each window is cut into the days it spans, not every day scanned for every window. */
function dailyTime(windows: TimelineWindow[], firstDay: number, now: Date, maintenance: [number, number][]): TimeInStatus[] {
  const days = Array.from({ length: DAYS_SHOWN }, () => ({ ...EMPTY_TIME }));
  for (const w of windows) {
    const end = (w.endedAt ?? now).getTime();
    const from = Math.max(0, Math.floor((w.startedAt.getTime() - firstDay) / DAY_MS));
    const to = Math.min(DAYS_SHOWN - 1, Math.floor((Math.min(end, now.getTime()) - 1 - firstDay) / DAY_MS));
    for (let d = from; d <= to; d++) {
      const t = timeInStatus([w], new Date(firstDay + d * DAY_MS), new Date(firstDay + (d + 1) * DAY_MS), now, maintenance);
      for (const key of Object.keys(t) as (keyof TimeInStatus)[]) days[d][key] += t[key];
    }
  }
  return days;
}

const publicStatus = (status: string | null, paused: boolean, inMaintenance: boolean): PublicStatus =>
  inMaintenance ? 'maintenance' : paused || status === null ? 'unknown' : status === 'down' ? 'outage' : status === 'degraded' ? 'degraded' : 'operational';

/** Computes a page's public view now. Services the page names that do not exist are left off. */
export async function computeStatusPage(sql: pg.Pool, page: StatusPageDefinition, now: Date, degradedWeight: number): Promise<ComputedPage> {
  const names = servicesOf(page);
  const { rows: services } = await sql.query<{ id: number; name: string; display_name: string; tags: string[]; paused: boolean; status: string | null }>(
    `select s.id, s.name, s.display_name, s.tags, s.paused, st.status
       from services s join service_states st on st.service_id = s.id where s.name = any($1::text[])`,
    [names],
  );
  const firstDay = dayStart(now) - (DAYS_SHOWN - 1) * DAY_MS;
  const from = new Date(firstDay);
  const ids = services.map((s) => s.id);
  const [windowsById, maintenanceWindows, incidents] = await Promise.all([
    ids.length ? timelines(sql, from, now, now, ids) : Promise.resolve(new Map<number, TimelineWindow[]>()),
    // Those that can cover the days shown, now, or the upcoming ones listed (kept once ended, they are not all read).
    loadWindowsOverlapping(sql, from, new Date(now.getTime() + UPCOMING_MS + 1)),
    sql.query<{ service_name: string; severity: string; started_at: Date; acknowledged_at: Date | null }>(
      `select service_name, severity, started_at, acknowledged_at from alert_incidents where state = 'open' and service_name = any($1::text[]) order by started_at desc limit 100`,
      [names],
    ),
  ]);
  const inRange = maintenanceWindows.filter((w) => w.startsAt < now && (!w.endedAt || w.endedAt > from));
  const spans = new Map(inRange.map((w) => [w.id, spansOf(w, from, now)]));

  const byServiceName = new Map<string, PublicService>();
  const displayName = new Map<string, string>();
  const inRangeOf = coveringIndex(inRange);
  const windowsOf = coveringIndex(maintenanceWindows);
  for (const s of services) {
    displayName.set(s.name, s.display_name);
    const own = merge(inRangeOf(s).flatMap((w) => spans.get(w.id) ?? []));
    const windows = windowsById.get(s.id) ?? [];
    const ratio = (t: TimeInStatus) => uptimeRatio(t, degradedWeight);
    const over = (ms: number) => ratio(timeInStatus(windows, new Date(now.getTime() - ms), now, now, own));
    const inMaintenance = windowsOf(s).some((w) => occurrenceAt(w, now) !== null);
    byServiceName.set(s.name, {
      name: s.display_name,
      status: publicStatus(s.status, s.paused, inMaintenance),
      uptime: { '24h': over(DAY_MS), '7d': over(7 * DAY_MS), '30d': over(30 * DAY_MS) },
      days: dailyTime(windows, firstDay, now, own).map((t, d) => ({
        date: new Date(firstDay + d * DAY_MS).toISOString().slice(0, 10),
        uptime: ratio(t),
        downMinutes: Math.round(t.downMs / 60_000),
      })),
    });
  }

  const groups = page.groups
    .map((g) => ({ name: g.name, services: g.services.map((n) => byServiceName.get(n)).filter((s): s is PublicService => s !== undefined) }))
    .filter((g) => g.services.length > 0);
  const onPage = services.map((s) => ({ name: s.name, tags: s.tags }));
  const maintenance: PublicMaintenance[] = [];
  for (const w of maintenanceWindows) {
    const covered = onPage.filter((s) => covers(w, s));
    if (!covered.length) continue;
    const next = currentOrNext(w, now);
    if (!next || next.start.getTime() - now.getTime() > UPCOMING_MS) continue;
    maintenance.push({
      title: w.name,
      services: covered.map((s) => displayName.get(s.name)!),
      start: next.start.toISOString(),
      end: next.end.toISOString(),
      active: next.start <= now,
    });
  }
  maintenance.sort((a, b) => a.start.localeCompare(b.start));

  return {
    snapshot: {
      slug: page.slug,
      title: page.title,
      description: page.description,
      status: overallStatus([...byServiceName.values()].map((s) => s.status)),
      groups,
      incidents: incidents.rows.filter((i) => displayName.has(i.service_name)).map((i) => ({
        service: displayName.get(i.service_name)!,
        impact: i.severity === 'critical' ? 'major' : 'minor',
        since: i.started_at.toISOString(),
        acknowledged: i.acknowledged_at !== null,
      })),
      maintenance,
      generatedAt: now.toISOString(),
    },
    byServiceName,
  };
}
