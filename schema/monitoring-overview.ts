/** The dashboard's overview: a page of the services (by name or worst first) with the counts and tags of all. */
import { MAX_SERVICE_PAGE, MAX_TAGS, checkServicePage, overview, type Overview, type OverviewSummary, type ServiceCounts, type StatusCounts } from '../server/monitoring/overview.ts';
import { builder } from './builder.ts';
import { ServiceFilterInput, ServiceRef } from './monitoring.ts';
import { admitted } from './service-reads.ts';
import { boundedFilter } from './filters.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** Services per status, paused apart whatever their last status: the fields every count of services shows. */
export function statusCountFields<Shape extends StatusCounts>(t: PothosSchemaTypes.ObjectFieldBuilder<Types, Shape>) {
  return {
    healthy: t.int({ resolve: (c) => c.healthy }),
    degraded: t.int({ resolve: (c) => c.degraded }),
    down: t.int({ resolve: (c) => c.down }),
    pending: t.int({ description: 'Not checked yet.', resolve: (c) => c.pending }),
    paused: t.int({ resolve: (c) => c.paused }),
  };
}

const CountsRef = builder.objectRef<StatusCounts>('StatusCounts').implement({
  fields: (t) => statusCountFields(t),
});

const SummaryRef = builder.objectRef<OverviewSummary>('OverviewSummary').implement({
  description: 'Every service, whatever the filter: per status (paused apart, whatever its last status), in all, and the critical ones down or degraded.',
  fields: (t) => ({
    total: t.exposeInt('total'),
    ...statusCountFields(t),
    criticalDown: t.exposeInt('criticalDown'),
    criticalDegraded: t.exposeInt('criticalDegraded'),
  }),
});

const OverviewRef = builder.objectRef<Overview>('HealthOverview').implement({
  fields: (t) => ({
    generatedAt: t.field({ type: 'DateTime', resolve: (o) => o.generatedAt }),
    counts: t.field({
      type: CountsRef,
      description: 'The services matching the filter per status (paused apart), on every page.',
      resolve: async (o): Promise<ServiceCounts> => (await o.counts()).matching,
    }),
    totalCount: t.int({ description: 'How many services match the filter, on every page.', resolve: async (o) => (await o.counts()).matching.total }),
    summary: t.field({ type: SummaryRef, description: "Every service, whatever the filter (what the dashboard's verdict reads).", resolve: async (o) => (await o.counts()).summary }),
    tags: t.stringList({ description: `Every tag in use, sorted, whatever the filter: the first ${MAX_TAGS.toLocaleString('en')} by name when there are more.`, resolve: async (o) => (await o.counts()).tags }),
    services: t.field({ type: [ServiceRef], description: 'The services matching the filter: the page asked for, in the order asked for.', resolve: (o) => o.services() }),
    configError: t.string({ nullable: true, description: 'Why the config file was not (re)loaded, while the last good one stays in force.', resolve: (_o, _a, ctx) => ctx.app.configFile.error }),
  }),
});

const ServiceOrderEnum = builder.enumType('ServiceOrder', {
  values: {
    NAME: { value: 'name', description: 'By name.' },
    WORST_FIRST: { value: 'worst', description: 'As the dashboard shows them: down, degraded, pending, healthy, then paused; critical first within a status; then by display name, numbers in numeric order.' },
  } as const,
});

builder.queryFields((t) => ({
  healthOverview: t.field({
    type: OverviewRef,
    description:
      'Every service (or those matching the filter) with its status, latency, last check, time in status, 24 h uptime and recent latencies, in one round trip (two SQL queries whatever the number of services), with counts and tags from one more. `first` and `offset` keep one page of them, in the order `orderBy` asks (by name unless told): the dashboard asks for the worst first, a page at a time, with the counts of all.',
    authScopes: { 'platform.access_system_panel': true },
    args: {
      filter: t.arg({ type: ServiceFilterInput, required: false }),
      orderBy: t.arg({ type: ServiceOrderEnum, required: false, description: 'NAME unless told.' }),
      first: t.arg.int({ required: false, description: `At most this many services (0 to ${MAX_SERVICE_PAGE.toLocaleString('en')}); all of them when omitted and at most ${MAX_SERVICE_PAGE.toLocaleString('en')} match (more is refused: ask a page at a time).` }),
      offset: t.arg.int({ required: false, description: 'Skip this many first (0 when omitted).' }),
    },
    resolve: (_r, { filter, orderBy, first, offset }, ctx, info) => {
      checkServicePage({ first, offset });
      boundedFilter(filter);
      // Read before the services: a transition after it is not in them.
      return overview(ctx.app.sql, filter ?? {}, ctx.app.clock.now(), { order: orderBy ?? 'name', first, offset }, admitted(ctx, info, 'healthOverview'));
    },
  }),
}));
