/** Monitoring: services, their status, history and uptime; recheck, diagnose, pause (the dashboard's overview: monitoring-overview.ts; live changes: monitoring-events.ts). */
import { maskOptions, maskTarget } from '../server/secret-text.ts';
import type { CheckResult, CheckStep } from '../server/monitoring/checkers/checker.ts';
import { formatDuration } from '../server/duration.ts';
import { MAX_SERVICE_PAGE, listServices, timelines, uptimeReport, UPTIME_RANGES, type ServiceDetails, type ServiceSummary, type TimelineWindow, type UptimeReport } from '../server/monitoring/overview.ts';
import { recentChecks, type CheckRow, type LatencyPoint } from '../server/monitoring/check-reads.ts';
import { uptimeRatio, type TimeInStatus } from '../server/monitoring/uptime.ts';
import type { MaintenanceSpan } from '../server/alerting/maintenance-time.ts';
import { BadInputError, NotFoundError } from '../server/errors.ts';
import type { RequestContext } from '../server/context.ts';
import { loadWithinBudget } from './budgeted-loader.ts';
import { QUERY_UNITS, readBudget } from '../server/monitoring/read-budget.ts';
import { builder } from './builder.ts';
import { admitted, latencySeriesWithinBudget, optionalService, pageArgs, range } from './service-reads.ts';
import { runThenAudited } from './outcome-audit.ts';
import { boundedFilter } from './filters.ts';

export const ServiceStatusEnum = builder.enumType('ServiceStatus', {
  values: { HEALTHY: { value: 'healthy' }, DEGRADED: { value: 'degraded' }, DOWN: { value: 'down' } } as const,
});
const StatusFilterEnum = builder.enumType('ServiceStatusFilter', {
  values: { HEALTHY: { value: 'healthy' }, DEGRADED: { value: 'degraded' }, DOWN: { value: 'down' }, PENDING: { value: 'pending' } } as const,
});
const ServiceSourceEnum = builder.enumType('ServiceSource', {
  description: 'Where a service is defined: the config file, the API, or built in (Lookout monitoring itself).',
  values: { CONFIG: { value: 'config' }, API: { value: 'api' }, BUILTIN: { value: 'builtin' } } as const,
});

const TimeInStatusRef = builder.objectRef<UptimeReport['time']>('TimeInStatus').implement({
  description: 'Milliseconds spent in each status.',
  fields: (t) => ({
    healthyMs: t.float({ resolve: (x) => x.healthyMs }),
    degradedMs: t.float({ resolve: (x) => x.degradedMs }),
    downMs: t.float({ resolve: (x) => x.downMs }),
    pausedMs: t.float({ resolve: (x) => x.pausedMs }),
    maintenanceMs: t.float({ description: 'Covered by maintenance windows: left out of uptime like paused time.', resolve: (x) => x.maintenanceMs }),
  }),
});

export const MaintenanceSpanRef = builder.objectRef<MaintenanceSpan>('MaintenanceSpan').implement({
  description: 'A stretch of a maintenance window on a timeline.',
  fields: (t) => ({
    window: t.exposeString('window'),
    start: t.field({ type: 'DateTime', resolve: (x) => x.start }),
    end: t.field({ type: 'DateTime', resolve: (x) => x.end }),
  }),
});

const UptimeReportRef = builder.objectRef<UptimeReport>('UptimeReport').implement({
  description: 'Uptime over a range, from time spent in each status (degraded counted at the configured weight; paused time left out).',
  fields: (t) => ({
    from: t.field({ type: 'DateTime', resolve: (r) => r.from }),
    to: t.field({ type: 'DateTime', resolve: (r) => r.to }),
    ratio: t.float({ nullable: true, description: '0–1; null when nothing was monitored in the range.', resolve: (r) => r.ratio }),
    time: t.field({ type: TimeInStatusRef, resolve: (r) => r.time }),
  }),
});

const UptimeSummaryRef = builder.objectRef<{ serviceId?: number }>('UptimeSummary').implement({
  fields: (t) => {
    const range = (days: number) =>
      t.field({
        type: UptimeReportRef,
        resolve: (s, _a, ctx, info) => {
          // A range is up to four statements (windows, services, time in status). The overall one
          // reads every service's time: read once per request, however many aliases ask it.
          const budget = readBudget(ctx, info);
          const read = () => uptimeReport(ctx.app.sql, days, ctx.app.clock.now(), ctx.app.monitoring.settings.degradedWeight, s.serviceId);
          if (s.serviceId !== undefined) {
            budget.take(info.fieldName, 4 * QUERY_UNITS);
            return read();
          }
          return budget.once(`uptime/${days}`, () => {
            budget.take(info.fieldName, 4 * QUERY_UNITS);
            return read();
          });
        },
      });
    return { last24h: range(UPTIME_RANGES.last24h), last7d: range(UPTIME_RANGES.last7d), last30d: range(UPTIME_RANGES.last30d) };
  },
});

const CheckRef = builder.objectRef<CheckRow>('HealthCheck').implement({
  fields: (t) => ({
    checkedAt: t.field({ type: 'DateTime', resolve: (c) => c.checkedAt }),
    status: t.field({ type: ServiceStatusEnum, resolve: (c) => c.status }),
    latencyMs: t.exposeInt('latencyMs'),
    error: t.string({ nullable: true, resolve: (c) => c.error }),
  }),
});

const CheckPageRef = builder.objectRef<{ checks: CheckRow[]; hasNextPage: boolean }>('HealthCheckPage').implement({
  fields: (t) => ({
    checks: t.field({ type: [CheckRef], resolve: (p) => p.checks }),
    hasNextPage: t.exposeBoolean('hasNextPage'),
    endCursor: t.string({
      nullable: true,
      description: 'Pass as `before` for the next (older) page: the instant of the page’s last check (a page never ends between checks at the same instant).',
      resolve: (p) => (p.hasNextPage ? p.checks.at(-1)!.checkedAt.toISOString() : null),
    }),
  }),
});

const LatencyPointRef = builder.objectRef<LatencyPoint>('LatencyPoint').implement({
  fields: (t) => ({
    at: t.field({ type: 'DateTime', resolve: (p) => p.at }),
    avgMs: t.exposeInt('avgMs'),
    maxMs: t.exposeInt('maxMs'),
    p95Ms: t.exposeInt('p95Ms'),
    healthy: t.exposeInt('healthy'),
    degraded: t.exposeInt('degraded'),
    down: t.exposeInt('down'),
  }),
});

export const WindowRef = builder.objectRef<TimelineWindow>('StatusWindow').implement({
  description: 'A stretch of time in one status (or paused).',
  fields: (t) => ({
    status: t.string({ description: 'healthy, degraded, down or paused.', resolve: (w) => w.status }),
    startedAt: t.field({ type: 'DateTime', resolve: (w) => w.startedAt }),
    endedAt: t.field({ type: 'DateTime', nullable: true, description: 'Null while it lasts.', resolve: (w) => w.endedAt }),
  }),
});

/** Whether the caller may edit services, and so read their credentials (admins). */
const mayEditServices = (ctx: RequestContext) => ctx.actor?.capabilities.has('platform.system.admin') ?? false;

/** A resolver for a field a service loads on first use (`ServiceSummary.details`). */
const detail =
  <K extends keyof ServiceDetails>(key: K) =>
  async (s: ServiceSummary): Promise<ServiceDetails[K]> =>
    (await s.details())[key];

export const ServiceRef = builder.objectRef<ServiceSummary>('Service').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    displayName: t.exposeString('displayName'),
    kind: t.exposeString('kind'),
    target: t.string({
      description: 'URL, host:port or path. Its password, and query values named like credentials, are masked ("[redacted]") for those who may not edit services.',
      resolve: (s, _a, ctx) => (mayEditServices(ctx) ? s.target : maskTarget(s.target)),
    }),
    options: t.field({
      type: 'JSON',
      description: "The kind's options. Values named like credentials (an `Authorization` header, a password, a token) are masked for those who may not edit services.",
      resolve: async (s, _a, ctx) => {
        const options = await detail('options')(s);
        return mayEditServices(ctx) ? options : maskOptions(options);
      },
    }),
    interval: t.string({ description: 'e.g. "30s"', resolve: async (s) => formatDuration(await detail('intervalMs')(s)) }),
    intervalMs: t.int({ resolve: detail('intervalMs') }),
    timeoutMs: t.int({ resolve: detail('timeoutMs') }),
    degradedLatencyMs: t.int({ nullable: true, resolve: detail('degradedLatencyMs') }),
    failureThreshold: t.int({ resolve: detail('failureThreshold') }),
    recoveryThreshold: t.int({ resolve: detail('recoveryThreshold') }),
    critical: t.exposeBoolean('critical'),
    tags: t.exposeStringList('tags'),
    dependsOn: t.stringList({ resolve: detail('dependsOn') }),
    paused: t.exposeBoolean('paused'),
    source: t.field({ type: ServiceSourceEnum, resolve: (s) => s.source }),
    sourcePath: t.string({ nullable: true, description: 'The config file a CONFIG service comes from.', resolve: detail('sourcePath') }),
    status: t.field({ type: ServiceStatusEnum, nullable: true, description: 'Null until the first check.', resolve: (s) => s.status }),
    statusSince: t.field({ type: 'DateTime', nullable: true, resolve: (s) => s.statusSince }),
    lastCheckedAt: t.field({ type: 'DateTime', nullable: true, resolve: (s) => s.lastCheckedAt }),
    latencyMs: t.int({ nullable: true, description: 'Latency of the last check.', resolve: (s) => s.latencyMs }),
    lastError: t.string({ nullable: true, resolve: (s) => s.lastError }),
    lastDetails: t.field({ type: 'JSON', nullable: true, resolve: detail('lastDetails') }),
    recentLatencies: t.intList({ description: 'Latencies of the last checks, oldest first (a sparkline).', resolve: (s) => s.recentLatencies }),
    uptime24h: t.float({
      nullable: true,
      description: 'Uptime over the last 24 h (0–1), from time in each status.',
      resolve: (s, _a, ctx) => uptimeRatio(s.day, ctx.app.monitoring.settings.degradedWeight),
    }),
    pingUrl: t.string({
      nullable: true,
      description: 'For heartbeat services: POST here (append /fail to report a failure).',
      authScopes: { 'platform.operations.manage': true },
      unauthorizedResolver: () => null,
      resolve: async (s, _a, ctx) => {
        const { pingToken } = await s.details();
        return pingToken ? `${ctx.app.publicUrl}/ping/${pingToken}` : null;
      },
    }),
    uptime: t.field({ type: UptimeSummaryRef, description: 'Uptime over 24 h, 7 d and 30 d (one query each).', resolve: (s) => ({ serviceId: s.id }) }),
    monitoredSince: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When its first status was recorded (its oldest kept status window): uptime over a longer range covers only the time since. Null before the first check.',
      resolve: (s) => s.monitoredSince(),
    }),
    recentChecks: t.field({
      type: CheckPageRef,
      description:
        'Checks, newest first. Checks at the same instant (e.g. two rechecks started together) stay on one page, so paging with `endCursor` returns each check once: a page holds at most `first` checks, fewer when the next instant would not fit whole, and more only when more than `first` checks share its one instant.',
      args: {
        first: t.arg.int({ required: false, defaultValue: 50 }),
        before: t.arg({ type: 'DateTime', required: false, description: 'An endCursor (or any instant): only checks before it.' }),
        since: t.arg({ type: 'DateTime', required: false, description: 'Only checks at or after this time.' }),
      },
      resolve: (s, { first, before, since }, ctx, info) => {
        const size = first ?? 50;
        if (size < 1 || size > 1000) throw new BadInputError('first', 'first must be between 1 and 1000.');
        readBudget(ctx, info).take('recentChecks', QUERY_UNITS + size);
        return recentChecks(ctx.app.sql, s.id, size, before ?? undefined, since ?? undefined);
      },
    }),
    latencySeries: t.field({
      type: [LatencyPointRef],
      description:
        'Latency and status counts per minute (ranges up to 6 h, from the raw checks; per five minutes where those are past retention, or more than one request may read), per five minutes (up to a day) or per hour (longer). A point is a bucket that starts in the range, with its checks before the range ends. Default: the last 24 h.',
      args: { from: t.arg({ type: 'DateTime', required: false }), to: t.arg({ type: 'DateTime', required: false }) },
      resolve: (s, args, ctx, info) => latencySeriesWithinBudget(ctx, info, s.id, range(args, ctx, 86400_000)),
    }),
    timeline: t.field({
      type: [WindowRef],
      description: 'Status windows, oldest first. Default: the last 24 h.',
      args: { from: t.arg({ type: 'DateTime', required: false }), to: t.arg({ type: 'DateTime', required: false }) },
      resolve: async (s, args, ctx, info) => {
        const r = range(args, ctx, 86400_000);
        // Keyed by the range: the items of a list (one "now") share one statement.
        return loadWithinBudget(ctx, info, 'timeline', `timeline/${r.from.getTime()}/${r.to.getTime()}`, (ids: number[], limit: number) => timelines(ctx.app.sql, r.from, r.to, r.now, ids, limit), s.id);
      },
    }),
  }),
});

const StepRef = builder.objectRef<CheckStep>('CheckStep').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    ok: t.exposeBoolean('ok'),
    durationMs: t.float({ resolve: (s) => s.durationMs }),
    detail: t.string({ nullable: true, resolve: (s) => s.detail ?? null }),
  }),
});

const CheckRunRef = builder.objectRef<CheckResult & { checkedAt: Date; service: string }>('CheckRun').implement({
  description: 'The result of a check run on request (recheck or diagnose).',
  fields: (t) => ({
    service: t.exposeString('service'),
    checkedAt: t.field({ type: 'DateTime', resolve: (r) => r.checkedAt }),
    status: t.field({ type: ServiceStatusEnum, resolve: (r) => r.status }),
    latencyMs: t.exposeInt('latencyMs'),
    error: t.string({ nullable: true, resolve: (r) => r.error }),
    details: t.field({ type: 'JSON', resolve: (r) => r.details }),
    steps: t.field({ type: [StepRef], resolve: (r) => r.steps ?? [] }),
  }),
});

export const ServiceFilterInput = builder.inputType('ServiceFilter', {
  fields: (t) => ({
    status: t.field({ type: [StatusFilterEnum], required: false }),
    tag: t.string({ required: false }),
    kind: t.string({ required: false }),
    text: t.string({ required: false, description: 'Part of the name, display name or target.' }),
    paused: t.boolean({ required: false, description: 'Only paused services (true), or only the others (false).' }),
  }),
});

export async function serviceByName(ctx: RequestContext, name: string): Promise<ServiceSummary> {
  const [service] = await listServices(ctx.app.sql, { names: [name] }, ctx.app.clock.now());
  if (!service) throw new NotFoundError('Service', name);
  return service;
}

builder.queryFields((t) => ({
  services: t.field({
    type: [ServiceRef],
    authScopes: { 'platform.access_system_panel': true },
    description: `The services matching the filter, by name. \`first\` and \`offset\` keep one page of them; without \`first\`, all of them when at most ${MAX_SERVICE_PAGE.toLocaleString('en')} match (more is refused: ask a page at a time).`,
    args: { filter: t.arg({ type: ServiceFilterInput, required: false }), ...pageArgs(t) },
    resolve: (_r, { filter, first, offset }, ctx, info) => listServices(ctx.app.sql, boundedFilter(filter) ?? {}, ctx.app.clock.now(), { first, offset }, admitted(ctx, info, 'services')),
  }),
  service: t.field({
    type: ServiceRef,
    nullable: true,
    authScopes: { 'platform.access_system_panel': true },
    args: { name: t.arg.string() },
    resolve: async (_r, { name }, ctx) => (await listServices(ctx.app.sql, { names: [name] }, ctx.app.clock.now()))[0] ?? null,
  }),
  uptime: t.field({
    type: UptimeSummaryRef,
    description: 'Uptime over 24 h, 7 d and 30 d of one service, or of all services together when `service` is omitted.',
    authScopes: { 'platform.access_system_panel': true },
    args: { service: t.arg.string({ required: false }) },
    resolve: async (_r, args, ctx) => {
      const service = optionalService(args.service);
      return service !== null ? { serviceId: (await serviceByName(ctx, service)).id } : {};
    },
  }),
}));

builder.mutationFields((t) => ({
  recheckService: t.field({
    type: CheckRunRef,
    description: 'Checks a service now, outside its schedule, and records the result.',
    authScopes: { 'platform.operations.manage': true },
    args: { name: t.arg.string() },
    resolve: async (_r, { name }, ctx) => {
      const spec = { action: 'monitoring.service.recheck', input: { name }, target: { type: 'service', id: name } };
      // The check runs first, holding no pooled connection (it may take its whole timeout); then it is
      // written in the transaction of its audit row: both are stored, or neither.
      const completed = await ctx.auditedCheck(() => ctx.app.monitoring.runNow(name), spec);
      const result = await ctx.auditedSql((sql, events) => ctx.app.monitoring.recordIn(sql, events, completed), spec);
      return { ...result, service: name };
    },
  }),
  diagnoseService: t.field({
    type: CheckRunRef,
    description: 'An extended check with step-by-step details (DNS, connect, TLS, first byte for http); not recorded in the history.',
    authScopes: { 'platform.operations.manage': true },
    args: { name: t.arg.string() },
    resolve: (_r, { name }, ctx) =>
      runThenAudited(ctx, async () => ({ ...(await ctx.app.monitoring.recheck(name, true)), service: name }), {
        action: 'monitoring.service.diagnose',
        input: { name },
        target: { type: 'service', id: name },
      }),
  }),
  pauseService: t.field({
    type: ServiceRef,
    authScopes: { 'platform.operations.manage': true },
    args: { name: t.arg.string() },
    resolve: async (_r, { name }, ctx) => {
      await ctx.audited((em, events) => ctx.app.monitoring.setPaused(em, events, name, true), { action: 'monitoring.service.pause', input: { name }, target: { type: 'service', id: name } });
      return serviceByName(ctx, name);
    },
  }),
  resumeService: t.field({
    type: ServiceRef,
    authScopes: { 'platform.operations.manage': true },
    args: { name: t.arg.string() },
    resolve: async (_r, { name }, ctx) => {
      await ctx.audited((em, events) => ctx.app.monitoring.setPaused(em, events, name, false), { action: 'monitoring.service.resume', input: { name }, target: { type: 'service', id: name } });
      return serviceByName(ctx, name);
    },
  }),
  pingHeartbeat: t.field({
    type: ServiceStatusEnum,
    description: 'A heartbeat from a cron job or worker (same as POST /ping/<token>); `failed` reports that the job failed.',
    authScopes: { authenticated: true },
    args: { token: t.arg.string(), failed: t.arg.boolean({ required: false, defaultValue: false }) },
    resolve: async (_r, { token, failed }, ctx) => {
      const result = await runThenAudited(ctx, () => ctx.app.monitoring.ping(token, failed ?? false), {
        action: 'monitoring.heartbeat.ping',
        input: { failed },
        targetOf: (r) => ({ type: 'service', id: r.service }),
      });
      return result.status as 'healthy' | 'degraded' | 'down';
    },
  }),
}));
