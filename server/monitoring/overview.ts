/**
 * Reads for the dashboard and integrators. `listServices` serves the whole grid in two queries
 * whatever the number of services: definitions with their state, then 24 h time-in-status for all.
 */
import type pg from 'pg';
import { isoInstant as iso } from '../db/sql.ts';
import { BadInputError } from '../errors.ts';
import type { Status } from './status.ts';
import { timeInStatusByService, uptimeRatio, EMPTY_TIME, type TimeInStatus } from './uptime.ts';
import type { ServiceSource } from './entities.ts';
import type { ServiceDefinition } from './services.ts';

/**
 * A service as the API shows it: what its card on the grid shows (loaded for every service of a
 * list), and the rest of its definition and state, loaded on first use for the whole list at once.
 */
export interface ServiceSummary {
  id: number;
  name: string;
  displayName: string;
  kind: string;
  target: string;
  source: ServiceSource;
  critical: boolean;
  tags: string[];
  paused: boolean;
  status: Status | null;
  /** ISO-8601 in UTC, as the API shows instants. */
  statusSince: string | null;
  lastCheckedAt: string | null;
  latencyMs: number | null;
  lastError: string | null;
  recentLatencies: number[];
  /** Time in each status over the last 24 h. */
  day: TimeInStatus;
  /** The rest, for this service; one query for every service of the list, the first time any is asked. */
  details(): Promise<ServiceDetails>;
  /** When its first status was recorded (null before its first check); one query for every service of the list, likewise. */
  monitoredSince(): Promise<Date | null>;
}

export interface ServiceDetails extends Omit<ServiceDefinition, 'name' | 'displayName' | 'kind' | 'target' | 'critical' | 'tags' | 'paused'> {
  sourcePath: string | null;
  pingToken: string | null;
  lastDetails: Record<string, unknown> | null;
}

export interface ServiceFilter {
  status?: (Status | 'pending')[] | null;
  tag?: string | null;
  kind?: string | null;
  /** Part of the name, display name or target. */
  text?: string | null;
  names?: string[] | null;
  ids?: number[] | null;
  criticalOnly?: boolean | null;
  /** Only paused services (true) or only the others (false). */
  paused?: boolean | null;
}

/** By name, or as the dashboard shows them: worst first. */
export type ServiceOrder = 'name' | 'worst';

/** Which of the services matching a filter, in which order: all of them by name unless told. */
export interface ServicePage {
  order?: ServiceOrder;
  first?: number | null;
  offset?: number | null;
}

/**
 * The most services one list may hold: a page's `first` at most, and a list asked without `first`
 * is refused when more match (at 100,000 services, every field of every one was 100–150 MB built
 * in memory for one request, REST's GET /admin/health among them).
 */
export const MAX_SERVICE_PAGE = 10_000;

/** Refuses a page outside its bounds, naming the argument. */
export function checkServicePage(page: ServicePage): void {
  const { first, offset } = page;
  if (first !== null && first !== undefined && (!Number.isInteger(first) || first < 0 || first > MAX_SERVICE_PAGE)) {
    throw new BadInputError('first', `Give 0 to ${MAX_SERVICE_PAGE} services a page, or omit it for all of them when there are at most ${MAX_SERVICE_PAGE}; got ${first}.`);
  }
  if (offset !== null && offset !== undefined && (!Number.isInteger(offset) || offset < 0)) throw new BadInputError('offset', `Give 0 or more; got ${offset}.`);
}

/**
 * The dashboard's order in an incident: down, degraded, pending, healthy, then paused; critical
 * before the rest within a status; then by display name with numbers in numeric order (`sort_key`),
 * the name breaking ties. PostgreSQL keeps only the page asked for (a top-N sort).
 */
const WORST_FIRST = `case when s.paused then 4 when st.status = 'down' then 0 when st.status = 'degraded' then 1 when st.status = 'healthy' then 3 else 2 end,
            s.critical desc, s.sort_key collate "C", s.name collate "C"`;

/** The filter as SQL conditions on `services s` and `service_states st`, its values in `params`. */
function filterConditions(filter: ServiceFilter, params: unknown[]): string[] {
  const where: string[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  if (filter.status?.length) {
    const statuses = filter.status.filter((s) => s !== 'pending');
    const pending = filter.status.includes('pending');
    where.push(`(${[statuses.length ? `st.status = any(${param(statuses)})` : null, pending ? 'st.status is null' : null].filter(Boolean).join(' or ')})`);
  }
  if (filter.tag) where.push(`${param(filter.tag)} = any(s.tags)`);
  if (filter.kind) where.push(`s.kind = ${param(filter.kind)}`);
  if (filter.text) {
    const p = param(`%${filter.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    // The target without its user, password and query: a text filter must not tell, letter by letter, a credential that is masked in what it lists.
    // (Up to the last `@` of a URL's run of text: a password may hold `@`; a query and what follows go.)
    where.push(`(s.name ilike ${p} or s.display_name ilike ${p} or regexp_replace(regexp_replace(s.target, '([a-z][a-z0-9+.-]*://)\\S*@', '\\1', 'gi'), '[?#].*$', '') ilike ${p})`);
  }
  if (filter.names) where.push(`s.name = any(${param(filter.names)})`);
  if (filter.ids) where.push(`s.id = any(${param(filter.ids)}::int[])`);
  if (filter.criticalOnly) where.push('s.critical');
  if (filter.paused !== null && filter.paused !== undefined) where.push(`${filter.paused ? '' : 'not '}s.paused`);
  return where;
}


/**
 * `{1,2,3}` → [1, 2, 3]; `{a,b}` → ['a', 'b']: cheaper than the driver's generic array parser. Tags
 * cannot hold commas, quotes or spaces (services.ts), so only a tag such as `null` comes quoted.
 */
const intArray = (text: string): number[] => (text.length > 2 ? text.slice(1, -1).split(',').map(Number) : []);
const nameArray = (text: string): string[] => (text.length > 2 ? text.slice(1, -1).split(',').map((t) => (t.startsWith('"') ? JSON.parse(t) : t)) : []);

/**
 * The services matching the filter, by name, with what their cards show and their 24 h time in
 * status: the grid of every service is the hottest read there is, so it reads only those columns
 * (two queries whatever the number of services); the rest comes from `details()` when asked.
 */
/**
 * The services matching the filter with what their cards show and their 24 h time in status: the
 * grid is the hottest read there is, so it reads only those columns (two queries whatever the number
 * of services); the rest comes from `details()` when asked. By name unless `page` says worst first;
 * `page.first` and `page.offset` keep one page of them (only its services' time in status is read).
 */
export async function listServices(sql: pg.Pool, filter: ServiceFilter, now: Date, page: ServicePage = {}, admit?: (count: number) => void): Promise<ServiceSummary[]> {
  const params: unknown[] = [];
  const where = filterConditions(filter, params);
  checkServicePage(page);
  const paged = (page.first ?? null) !== null;
  // Unpaged, one more than a page may hold: to refuse a list longer than that rather than build it.
  const limit = ` limit ${paged ? page.first! : MAX_SERVICE_PAGE + 1}`;
  const offset = page.offset ? ` offset ${page.offset}` : '';
  // Arrays and instants as text: the driver's generic parsers cost more than the rest of the row.
  const { rows } = await sql.query(
    `select s.id, s.name, s.display_name, s.kind, s.target, s.source, s.critical, s.tags::text as tags, s.paused, st.status,
            ${iso('st.status_since')} as status_since, ${iso('st.last_checked_at')} as last_checked_at, st.last_latency_ms,
            st.last_error, st.recent_latencies::text as recent_latencies
       from services s join service_states st on st.service_id = s.id
      ${where.length ? `where ${where.join(' and ')}` : ''}
      order by ${page.order === 'worst' ? WORST_FIRST : 's.name'}${limit}${offset}`,
    params,
  );
  if (!paged && rows.length > MAX_SERVICE_PAGE) {
    throw new BadInputError(
      'first',
      `More than ${MAX_SERVICE_PAGE.toLocaleString('en')} services match: ask for them a page at a time (first: at most ${MAX_SERVICE_PAGE.toLocaleString('en')}, and offset), or narrow the filter.`,
    );
  }
  // The caller's bound on what one request lists (monitoring/read-budget.ts), before anything more is read for them.
  admit?.(rows.length);
  // Every service's time in status when the list is all of them; else only the listed ones'.
  const every = !where.length && !paged && !offset;
  const day = rows.length ? await timeInStatusByService(sql, new Date(now.getTime() - 86400_000), now, now, every ? undefined : rows.map((r) => r.id)) : new Map();
  let details: Promise<Map<number, ServiceDetails>> | undefined;
  const detailsOf = async (id: number) => (await (details ??= loadDetails(sql, rows.map((r) => r.id)))).get(id)!;
  // One statement for the list: asked per service it was one query each (100,000 of them for REST's all-services read).
  let since: Promise<Map<number, Date>> | undefined;
  const sinceOf = async (id: number) => (await (since ??= loadMonitoredSince(sql, rows.map((r) => r.id)))).get(id) ?? null;
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    displayName: r.display_name,
    kind: r.kind,
    target: r.target,
    source: r.source,
    critical: r.critical,
    tags: nameArray(r.tags),
    paused: r.paused,
    status: r.status,
    statusSince: r.status_since,
    lastCheckedAt: r.last_checked_at,
    latencyMs: r.last_latency_ms,
    lastError: r.last_error,
    recentLatencies: intArray(r.recent_latencies),
    day: day.get(r.id) ?? { ...EMPTY_TIME },
    details: () => detailsOf(r.id),
    monitoredSince: () => sinceOf(r.id),
  }));
}

/** Each service's oldest kept status window's start (services with none are absent). */
async function loadMonitoredSince(sql: pg.Pool, ids: number[]): Promise<Map<number, Date>> {
  const { rows } = await sql.query<{ service_id: number; at: Date }>(
    'select service_id, min(started_at) as at from uptime_records where service_id = any($1::int[]) group by service_id',
    [ids],
  );
  return new Map(rows.map((r) => [r.service_id, r.at]));
}

async function loadDetails(sql: pg.Pool, ids: number[]): Promise<Map<number, ServiceDetails>> {
  const { rows } = await sql.query(
    `select s.id, s.options, s.interval_ms, s.timeout_ms, s.degraded_latency_ms, s.failure_threshold, s.recovery_threshold,
            s.depends_on, s.source_path, s.ping_token, st.last_details
       from services s join service_states st on st.service_id = s.id where s.id = any($1::int[])`,
    [ids],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        options: r.options,
        intervalMs: r.interval_ms,
        timeoutMs: r.timeout_ms,
        degradedLatencyMs: r.degraded_latency_ms,
        failureThreshold: r.failure_threshold,
        recoveryThreshold: r.recovery_threshold,
        dependsOn: r.depends_on,
        sourcePath: r.source_path,
        pingToken: r.ping_token,
        lastDetails: r.last_details,
      },
    ]),
  );
}

export interface StatusCounts {
  healthy: number;
  degraded: number;
  down: number;
  pending: number;
  paused: number;
}

/** Services per status (paused apart, whatever its last status) and in all. */
export interface ServiceCounts extends StatusCounts {
  total: number;
}

/** Every service's counts, whatever a filter: what the dashboard's verdict and status buttons read. */
export interface OverviewSummary extends ServiceCounts {
  /** Critical services down, and degraded (paused ones left out). */
  criticalDown: number;
  criticalDegraded: number;
}

export interface OverviewCounts {
  /** Every service. */
  summary: OverviewSummary;
  /** The services matching the filter, on every page. */
  matching: ServiceCounts;
  /** Every tag in use, sorted. */
  tags: string[];
}

/**
 * The counts of every service and of those matching the filter, and every tag in use, in one
 * statement (aggregates over the services and their states; nothing is shipped per service).
 */
export async function overviewCounts(sql: pg.Pool, filter: ServiceFilter): Promise<OverviewCounts> {
  const params: unknown[] = [];
  const where = filterConditions(filter, params);
  const counts = (prefix: string, condition: string) =>
    `count(*) filter (where ${condition})::int as ${prefix}total,
     count(*) filter (where ${condition} and s.paused)::int as ${prefix}paused,
     count(*) filter (where ${condition} and not s.paused and st.status = 'healthy')::int as ${prefix}healthy,
     count(*) filter (where ${condition} and not s.paused and st.status = 'degraded')::int as ${prefix}degraded,
     count(*) filter (where ${condition} and not s.paused and st.status = 'down')::int as ${prefix}down,
     count(*) filter (where ${condition} and not s.paused and (st.status is null or st.status not in ('healthy', 'degraded', 'down')))::int as ${prefix}pending`;
  const { rows } = await sql.query(
    `select ${counts('', 'true')}, ${where.length ? counts('m_', where.join(' and ')) : "0 as m_total"},
            count(*) filter (where s.critical and not s.paused and st.status = 'down')::int as critical_down,
            count(*) filter (where s.critical and not s.paused and st.status = 'degraded')::int as critical_degraded,
            (select coalesce(array_agg(t order by t), '{}') from (
               select distinct t from services, unnest(tags) as t order by t limit ${MAX_TAGS}) x)::text as tags
       from services s join service_states st on st.service_id = s.id`,
    params,
  );
  const r = rows[0];
  const read = (prefix: string): ServiceCounts => ({
    total: r[`${prefix}total`],
    healthy: r[`${prefix}healthy`],
    degraded: r[`${prefix}degraded`],
    down: r[`${prefix}down`],
    pending: r[`${prefix}pending`],
    paused: r[`${prefix}paused`],
  });
  const summary = { ...read(''), criticalDown: r.critical_down, criticalDegraded: r.critical_degraded };
  return { summary, matching: where.length ? read('m_') : read(''), tags: nameArray(r.tags) };
}

/**
 * The most tags an overview lists (the first by name): the tag filter's choices, on every refresh of
 * the grid; a tag per service was 100,000 of them each time.
 */
export const MAX_TAGS = 1000;

/** The dashboard's read of the services: a page of them and, when asked, the counts; each read at most once. */
export interface Overview {
  generatedAt: Date;
  services(): Promise<ServiceSummary[]>;
  counts(): Promise<OverviewCounts>;
}

export function overview(sql: pg.Pool, filter: ServiceFilter, now: Date, page: ServicePage, admit?: (count: number) => void): Overview {
  let services: Promise<ServiceSummary[]> | undefined;
  let counts: Promise<OverviewCounts> | undefined;
  const listed = () => (services ??= listServices(sql, filter, now, page, admit));
  // Every matching service listed: its counts are those of the list itself (one read, never apart).
  const whole = (page.first ?? null) === null && !page.offset;
  return {
    generatedAt: now,
    services: listed,
    counts: () =>
      (counts ??= (async () => {
        // The whole list, when it is being read anyway, counts the matching services; a list refused
        // (more than a page may hold) leaves them to the counts' own read. Never read only to count.
        // A turn first: the fields beside (services among them) are all asked before it ends.
        await Promise.resolve();
        const [all, rows] = await Promise.all([overviewCounts(sql, filter), whole && services ? services.catch(() => null) : null]);
        return rows ? { ...all, matching: countListed(rows) } : all;
      })()),
  };
}

function countListed(services: ServiceSummary[]): ServiceCounts {
  const counts: ServiceCounts = { total: services.length, healthy: 0, degraded: 0, down: 0, pending: 0, paused: 0 };
  for (const s of services) {
    if (s.paused) counts.paused++;
    else if (s.status === 'healthy' || s.status === 'degraded' || s.status === 'down') counts[s.status]++;
    else counts.pending++;
  }
  return counts;
}

export const UPTIME_RANGES = { last24h: 1, last7d: 7, last30d: 30 } as const;
export type UptimeRangeName = keyof typeof UPTIME_RANGES;

export interface UptimeReport {
  from: Date;
  to: Date;
  ratio: number | null;
  time: TimeInStatus;
}

/** Uptime of one service, or overall (all services' time added up) when `serviceId` is undefined. */
export async function uptimeReport(sql: pg.Pool, days: number, now: Date, degradedWeight: number, serviceId?: number): Promise<UptimeReport> {
  const from = new Date(now.getTime() - days * 86400_000);
  const byService = await timeInStatusByService(sql, from, now, now, serviceId === undefined ? undefined : [serviceId]);
  const time = { ...EMPTY_TIME };
  for (const t of byService.values()) for (const key of Object.keys(time) as (keyof TimeInStatus)[]) time[key] += t[key];
  return { from, to: now, ratio: uptimeRatio(time, degradedWeight), time };
}

export interface TimelineWindow {
  status: string;
  startedAt: Date;
  endedAt: Date | null;
}

/** How many windows a `timelines` read found, over every service. */
export function windowCount(found: Map<number, TimelineWindow[]>): number {
  let count = 0;
  for (const list of found.values()) count += list.length;
  return count;
}

/**
 * Status windows over [from, to) for the given services (all when omitted), in one query; at most
 * `limit` windows in all when given (the caller tells a cut list by its count: `limit` of them), and
 * at most `perService` of each service, its latest, when given.
 */
export async function timelines(sql: pg.Pool, from: Date, to: Date, now: Date, serviceIds?: number[], limit?: number, perService?: number): Promise<Map<number, TimelineWindow[]>> {
  const inRange = `from uptime_records
      where started_at < $2::timestamptz and coalesce(ended_at, $3::timestamptz) > $1::timestamptz ${serviceIds ? 'and service_id = any($4)' : ''}`;
  const source = perService === undefined ? inRange : `from (select *, row_number() over (partition by service_id order by started_at desc) as n ${inRange}) w where n <= ${Math.max(0, Math.trunc(perService))}`;
  const { rows } = await sql.query<{ service_id: number; status: string; started_at: Date; ended_at: Date | null }>(
    `select service_id, status, greatest(started_at, $1::timestamptz) as started_at,
            case when ended_at is null and $3::timestamptz <= $2::timestamptz then null else least(coalesce(ended_at, $2::timestamptz), $2::timestamptz) end as ended_at
       ${source}
      order by service_id, started_at${limit === undefined ? '' : ` limit ${Math.max(0, Math.trunc(limit))}`}`,
    serviceIds ? [from, to, now, serviceIds] : [from, to, now],
  );
  const result = new Map<number, TimelineWindow[]>();
  for (const r of rows) {
    const list = result.get(r.service_id) ?? [];
    list.push({ status: r.status, startedAt: r.started_at, endedAt: r.ended_at });
    result.set(r.service_id, list);
  }
  return result;
}
