/** Runtimes and the system status: the runtime matrix, Lookout's own metadata, restart (admins, audited) and live changes. */
import { projectRoot } from '../server/config.ts';
import { Channels } from '../server/events/channels.ts';
import { filteredEvents } from '../server/events/pubsub.ts';
import { fromEvent } from '../server/runtimes/runtimes.ts';
import type { RestartOutcome, RuntimeExit, RuntimeStatus } from '../server/runtimes/runtime.ts';
import { lookoutMetadata, serviceStates, type LookoutMetadata, type ServiceStates } from '../server/runtimes/system-status.ts';
import { builder } from './builder.ts';
import { statusCountFields } from './monitoring-overview.ts';
import { requireConfirm, runThenAudit } from './outcome-audit.ts';

const RuntimeStateEnum = builder.enumType('RuntimeState', {
  values: {
    RUNNING: { value: 'running' },
    STARTING: { value: 'starting' },
    RESTARTING: { value: 'restarting', description: 'A restart asked for is under way: degraded until it is running again or has failed.' },
    STOPPED: { value: 'stopped' },
    CRASHED: { value: 'crashed' },
    UNKNOWN: { value: 'unknown', description: 'Its state could not be read (an http runtime that does not answer, a command runtime without a status command).' },
  } as const,
});

const RuntimeExitRef = builder.objectRef<RuntimeExit>('RuntimeExit').implement({
  fields: (t) => ({
    code: t.int({ nullable: true, resolve: (e) => e.code }),
    signal: t.string({ nullable: true, resolve: (e) => e.signal }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
  }),
});

const RuntimeRef = builder.objectRef<RuntimeStatus>('Runtime').implement({
  description: 'A long-running process of the platform (config file `runtimes:`). A `process` runtime is supervised by the replica that answers.',
  fields: (t) => ({
    name: t.exposeString('name'),
    kind: t.exposeString('kind', { description: 'process, http or command.' }),
    state: t.field({ type: RuntimeStateEnum, resolve: (r) => r.state }),
    pid: t.int({ nullable: true, resolve: (r) => r.pid }),
    version: t.string({ nullable: true, resolve: (r) => r.version }),
    commit: t.string({ nullable: true, resolve: (r) => r.commit }),
    startedAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.startedAt }),
    restarts: t.exposeInt('restarts'),
    lastExit: t.field({ type: RuntimeExitRef, nullable: true, resolve: (r) => r.lastExit }),
    lastError: t.string({ nullable: true, resolve: (r) => r.lastError }),
    nextRestartAt: t.field({ type: 'DateTime', nullable: true, description: 'When a crashed process runtime is started again (its backoff).', resolve: (r) => r.nextRestartAt }),
    checkedAt: t.field({ type: 'DateTime', resolve: (r) => r.checkedAt }),
  }),
});

const RuntimeRestartRef = builder.objectRef<RestartOutcome>('RuntimeRestart').implement({
  fields: (t) => ({
    ok: t.exposeBoolean('ok', { description: 'Running again.' }),
    error: t.string({ nullable: true, description: 'Why the restart failed.', resolve: (o) => o.error }),
    durationMs: t.exposeInt('durationMs'),
    runtime: t.field({ type: RuntimeRef, resolve: (o) => o.runtime }),
  }),
});

const ServiceStatesRef = builder.objectRef<ServiceStates>('ServiceStates').implement({
  fields: (t) => ({ total: t.exposeInt('total'), ...statusCountFields(t) }),
});

const LookoutMetadataRef = builder.objectRef<LookoutMetadata>('LookoutMetadata').implement({
  fields: (t) => ({
    version: t.exposeString('version'),
    commit: t.string({ nullable: true, resolve: (m) => m.commit }),
    startedAt: t.field({ type: 'DateTime', resolve: (m) => m.startedAt }),
    nodeVersion: t.exposeString('nodeVersion'),
    pid: t.exposeInt('pid'),
    hostname: t.exposeString('hostname'),
    databaseKind: t.exposeString('databaseKind', { description: '`embedded` (under LOOKOUT_DATA_DIR) or `external` (DATABASE_URL).' }),
    databaseVersion: t.string({ nullable: true, resolve: (m) => m.databaseVersion }),
    replicasSeen: t.exposeInt('replicasSeen', { description: 'Replicas that claimed checks or periodic jobs in the last 2 minutes (this one at least).' }),
    pubsub: t.exposeString('pubsub', { description: '`in-process` or `redis`.' }),
  }),
});

interface SystemStatus {
  runtimes: RuntimeStatus[];
  services: ServiceStates;
  lookout: LookoutMetadata;
}

const SystemStatusRef = builder.objectRef<SystemStatus>('SystemStatus').implement({
  fields: (t) => ({
    runtimes: t.field({ type: [RuntimeRef], description: 'The runtime matrix, in the config file’s order.', resolve: (s) => s.runtimes }),
    services: t.field({ type: ServiceStatesRef, resolve: (s) => s.services }),
    lookout: t.field({ type: LookoutMetadataRef, description: 'The replica that answered.', resolve: (s) => s.lookout }),
  }),
});

/** A failed restart, thrown inside the audited work so that its audit row records the failure and the reason. */

builder.queryFields((t) => ({
  systemStatus: t.field({
    type: SystemStatusRef,
    description: 'The runtimes (read afresh), the services’ states and Lookout’s own metadata.',
    authScopes: { 'platform.access_system_panel': true },
    resolve: async (_r, _a, ctx) => {
      const { app } = ctx;
      const [runtimes, services, lookout] = await Promise.all([
        app.runtimes.statuses({ refresh: true }),
        serviceStates(app.sql),
        lookoutMetadata(app.sql, { version: app.version, startedAt: app.startedAt, root: projectRoot, embedded: app.embeddedDatabase, pubsub: app.pubsub.transport }),
      ]);
      return { runtimes, services, lookout };
    },
  }),
}));

builder.mutationFields((t) => ({
  restartRuntime: t.field({
    type: RuntimeRestartRef,
    description:
      'Restarts a runtime and answers once it is running again (ok) or has failed (ok false, with the reason); it shows RESTARTING meanwhile. Admins; destructive, so `confirm: true` is required. Audited with the outcome.',
    authScopes: { 'platform.system.admin': true },
    args: { name: t.arg.string(), confirm: t.arg.boolean() },
    resolve: (_r, { name, confirm }, ctx) =>
      runThenAudit(
        ctx,
        async () => {
          requireConfirm(confirm, 'Restarting a runtime interrupts its work');
          return ctx.app.runtimes.restart(name);
        },
        (outcome) => `The runtime "${outcome.runtime.name}" did not restart: ${outcome.error}`,
        { action: 'system.runtime.restart', input: { name, confirm }, target: { type: 'runtime', id: name } },
      ),
  }),
}));

builder.subscriptionFields((t) => ({
  runtimeChanged: t.field({
    type: RuntimeRef,
    description: 'Each change of a runtime’s state, from every replica (a `process` runtime’s from the replica that supervises it).',
    authScopes: { 'platform.access_system_panel': true },
    subscribe: (_r, _a, ctx) => filteredEvents(ctx.app.pubsub, Channels.runtimeChanged),
    resolve: (event) => fromEvent(event),
  }),
}));
