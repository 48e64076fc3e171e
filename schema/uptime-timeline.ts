/**
 * `uptimeTimeline`: every service's status windows over a range, side by side (the Uptime page),
 * a page of services at a time, each within the request's read budget.
 */
import { listServices, type ServiceSummary, type TimelineWindow } from '../server/monitoring/overview.ts';
import { EMPTY_TIME, timeInStatusByService, uptimeRatio, type TimeInStatus } from '../server/monitoring/uptime.ts';
import { maintenanceSpans, type MaintenanceSpan } from '../server/alerting/maintenance-time.ts';
import { BadInputError, NotFoundError } from '../server/errors.ts';
import { QUERY_UNITS, readBudget } from '../server/monitoring/read-budget.ts';
import { builder } from './builder.ts';
import { MaintenanceSpanRef, ServiceRef, WindowRef } from './monitoring.ts';
import { admitted, optionalService, pageArgs, range, windowsWithinBudget } from './service-reads.ts';

/**
 * The most status windows, and maintenance spans, `uptimeTimeline` lists per service (its latest):
 * a page of 200 services then stays within one request's budget however often one of them flapped
 * (a service flapping for days was more windows than the budget, and the whole page was refused).
 */
export const TIMELINE_WINDOWS_PER_SERVICE = 200;

const ServiceTimelineRef = builder.objectRef<{ service: ServiceSummary; windows: TimelineWindow[]; maintenance: MaintenanceSpan[]; time: TimeInStatus; cut: boolean }>('ServiceTimeline').implement({
  fields: (t) => ({
    service: t.field({ type: ServiceRef, resolve: (x) => x.service }),
    windows: t.field({ type: [WindowRef], description: `Status windows over the range, oldest first: the latest ${TIMELINE_WINDOWS_PER_SERVICE} when there are more (\`windowsCut\`).`, resolve: (x) => x.windows }),
    windowsCut: t.boolean({ description: `Whether the service had more than ${TIMELINE_WINDOWS_PER_SERVICE} windows, or maintenance spans, over the range: only the latest are listed (ask its own \`timeline\` for all).`, resolve: (x) => x.cut }),
    maintenance: t.field({ type: [MaintenanceSpanRef], description: `Maintenance windows over the range, oldest first (the latest ${TIMELINE_WINDOWS_PER_SERVICE}).`, resolve: (x) => x.maintenance }),
    uptime: t.float({
      nullable: true,
      description: 'Uptime over the range (0–1) from its time in each status (all of it, whatever the windows listed), degraded at the configured weight, paused and maintenance time left out.',
      resolve: (x, _a, ctx) => uptimeRatio(x.time, ctx.app.monitoring.settings.degradedWeight),
    }),
  }),
});

builder.queryFields((t) => ({
  uptimeTimeline: t.field({
    type: [ServiceTimelineRef],
    description: 'Status windows of every service (or one) over a range, side by side. Default: the last 24 h.',
    authScopes: { 'platform.access_system_panel': true },
    args: { service: t.arg.string({ required: false }), from: t.arg({ type: 'DateTime', required: false }), to: t.arg({ type: 'DateTime', required: false }), ...pageArgs(t) },
    resolve: async (_r, args, ctx, info) => {
      const r = range(args, ctx, 86400_000);
      const page = { first: args.first, offset: args.offset };
      const service = optionalService(args.service);
      if (service !== null && ((page.first ?? null) !== null || (page.offset ?? null) !== null)) {
        throw new BadInputError((page.first ?? null) !== null ? 'first' : 'offset', '`first` and `offset` page the services; with `service` there is one: leave them out.');
      }
      const services = await listServices(ctx.app.sql, service !== null ? { names: [service] } : {}, ctx.app.clock.now(), page, admitted(ctx, info, 'uptimeTimeline'));
      if (service !== null && !services.length) throw new NotFoundError('Service', service);
      // Every service's windows when the list is all of them; else the listed ones'.
      const ids = service !== null || (page.first ?? null) !== null || page.offset ? services.map((s) => s.id) : undefined;
      const cap = TIMELINE_WINDOWS_PER_SERVICE;
      // One more than listed per service: to tell a cut list.
      const windows = await windowsWithinBudget(ctx, info, 'uptimeTimeline', r, ids, cap + 1);
      const budget = readBudget(ctx, info);
      budget.take('uptimeTimeline', 5 * QUERY_UNITS);
      const now = ctx.app.clock.now();
      const time = await timeInStatusByService(ctx.app.sql, r.from, r.to, now, ids);
      const maintenance = await maintenanceSpans(ctx.app.sql, r.from, r.to, ids, (spans) => budget.take('uptimeTimeline', Math.min(spans, services.length * cap)));
      return services.map((service) => {
        const own = windows.get(service.id) ?? [];
        const spans = (maintenance.get(service.id) ?? []).sort((a, b) => a.start.getTime() - b.start.getTime());
        return {
          service,
          windows: own.length > cap ? own.slice(-cap) : own,
          maintenance: spans.length > cap ? spans.slice(-cap) : spans,
          time: time.get(service.id) ?? { ...EMPTY_TIME },
          cut: own.length > cap || spans.length > cap,
        };
      });
    },
  }),
}));
