/** Host metrics (feature 208): the latest sample of the replica answering, live every 5 s, and the stored per-minute history. */
import type { Actor } from '../server/auth/actor.ts';
import { BadInputError } from '../server/errors.ts';
import { hostHistory, MAX_HISTORY_HOURS, type ActiveRun, type HostSamplePoint, type SystemHealth } from '../server/system/host-metrics.ts';
import { builder } from './builder.ts';

const ActiveRunRef = builder.objectRef<ActiveRun>('SystemHealthActiveRun').implement({
  description: 'An operation run being executed now.',
  fields: (t) => ({
    id: t.exposeID('id'),
    type: t.exposeString('type'),
    workspace: t.exposeString('workspace'),
    attempt: t.exposeInt('attempt'),
    worker: t.exposeString('worker', { nullable: true, description: 'The worker holding its lease.' }),
    startedAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.startedAt }),
  }),
});

const CpuRef = builder.objectRef<SystemHealth['cpu']>('SystemHealthCpu').implement({
  fields: (t) => ({
    usage: t.exposeFloat('usage', { description: 'Percent of all cores busy, over the interval since the previous sample (1 s at least).' }),
    cores: t.exposeInt('cores'),
  }),
});

const MemoryRef = builder.objectRef<SystemHealth['memory']>('SystemHealthMemory').implement({
  fields: (t) => ({
    used: t.exposeFloat('used', { description: 'Bytes in use (reclaimable cache counted as free).' }),
    total: t.exposeFloat('total', { description: 'Bytes.' }),
    percentage: t.exposeFloat('percentage'),
  }),
});

const DiskRef = builder.objectRef<SystemHealth['disk']>('SystemHealthDisk').implement({
  description: 'The volume holding the data directory (LOOKOUT_DATA_DIR), as df counts it.',
  fields: (t) => ({
    used: t.exposeFloat('used', { description: 'Bytes.' }),
    total: t.exposeFloat('total', { description: 'Bytes.' }),
    percentage: t.exposeFloat('percentage'),
    path: t.exposeString('path', { description: 'The directory measured.' }),
  }),
});

/** The queue with the active runs the caller may see (its workspaces only); the counts are the whole ledger's. */
type VisibleQueue = NonNullable<SystemHealth['queue']>;

const QueueRef = builder.objectRef<VisibleQueue>('SystemHealthQueue').implement({
  description: 'The run ledger across all workspaces: a load figure of the host.',
  fields: (t) => ({
    depth: t.exposeInt('depth', { description: 'Runs queued, waiting for a worker.' }),
    running: t.exposeInt('running', { description: 'Runs being executed.' }),
    activeJob: t.field({ type: ActiveRunRef, nullable: true, description: 'The longest-running run (of the workspaces the caller sees).', resolve: (q) => q.activeJob }),
    activeRuns: t.field({ type: [ActiveRunRef], description: 'Running runs, longest-running first (at most 10, of the workspaces the caller sees).', resolve: (q) => q.activeRuns }),
  }),
});

const SystemHealthRef = builder.objectRef<SystemHealth>('SystemHealth').implement({
  description: "One sample of the host Lookout runs on, in feature 208's shape: bytes, percent and seconds.",
  fields: (t) => ({
    replica: t.exposeString('replica', { description: 'host:pid of the replica that took it.' }),
    sampledAt: t.field({ type: 'DateTime', resolve: (s) => s.sampledAt }),
    cpu: t.field({ type: CpuRef, resolve: (s) => s.cpu }),
    memory: t.field({ type: MemoryRef, resolve: (s) => s.memory }),
    disk: t.field({ type: DiskRef, resolve: (s) => s.disk }),
    queue: t.field({ type: QueueRef, nullable: true, description: 'Null when the database did not answer within 2 s.', resolve: (s) => s.queue }),
    uptime: t.exposeInt('uptime', { description: 'Seconds this Lookout process has been up.' }),
  }),
});

const PointRef = builder.objectRef<HostSamplePoint>('SystemHealthPoint').implement({
  description: "One replica's stored minute: CPU averaged over the minute, the rest as sampled at its end.",
  fields: (t) => ({
    replica: t.exposeString('replica'),
    at: t.field({ type: 'DateTime', description: 'The start of the minute.', resolve: (p) => p.at }),
    cpuPercent: t.exposeFloat('cpuPercent'),
    memoryPercent: t.exposeFloat('memoryPercent'),
    memoryUsedBytes: t.exposeFloat('memoryUsedBytes'),
    diskPercent: t.exposeFloat('diskPercent'),
    diskUsedBytes: t.exposeFloat('diskUsedBytes'),
    queueDepth: t.exposeInt('queueDepth', { nullable: true }),
    runningRuns: t.exposeInt('runningRuns', { nullable: true }),
  }),
});

/** The sample with only the active runs of the caller's workspaces (a run's type names work of a workspace). */
function visibleTo(actor: Actor | null, sample: SystemHealth): SystemHealth {
  const allowed = actor?.workspaces;
  if (!allowed || !sample.queue) return sample;
  const activeRuns = sample.queue.activeRuns.filter((r) => allowed.includes(r.workspace));
  return { ...sample, queue: { ...sample.queue, activeRuns, activeJob: activeRuns[0] ?? null } };
}

builder.queryFields((t) => ({
  systemHealth: t.field({
    type: SystemHealthRef,
    description: "The host of the replica answering: its latest sample, taken now when older than 3 s.",
    authScopes: { 'platform.access_system_panel': true },
    resolve: async (_r, _a, ctx) => visibleTo(ctx.actor, await ctx.app.hostMetrics.current()),
  }),
  systemHealthHistory: t.field({
    type: [PointRef],
    description: `Stored minutes of the last \`hours\` (1–${MAX_HISTORY_HOURS}), oldest first: one point per replica per minute, of one replica (host:pid) or of all. At most 20,000 points (the newest).`,
    authScopes: { 'platform.access_system_panel': true },
    args: { hours: t.arg.int({ required: false, defaultValue: 24 }), replica: t.arg.string({ required: false }) },
    resolve: async (_r, { hours, replica }, ctx) => {
      const h = hours ?? 24;
      if (h < 1 || h > MAX_HISTORY_HOURS) throw new BadInputError('hours', `hours must be between 1 and ${MAX_HISTORY_HOURS}, got ${h}.`);
      if (replica != null && replica.length > 120) throw new BadInputError('replica', 'replica must be at most 120 characters (host:pid).');
      return hostHistory(ctx.app.sql, ctx.app.clock.now(), h, replica ?? null);
    },
  }),
}));

builder.subscriptionFields((t) => ({
  systemHealthUpdated: t.field({
    type: SystemHealthRef,
    description: 'The host of the replica serving the subscription: its latest sample at once, then one every 5 s. Every subscriber of a replica shares one sampler.',
    authScopes: { 'platform.access_system_panel': true },
    subscribe: (_r, _a, ctx) => ctx.app.hostMetrics.updates(),
    resolve: (sample, _a, ctx) => visibleTo(ctx.actor, sample),
  }),
}));
