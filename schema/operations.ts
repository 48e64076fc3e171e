/** Operations: the run ledger, dispatch for workers, triage, the ops summary and the start-up checklist. */
import { queryAuditLog } from '../server/audit/audit.ts';
import { auditRowsFor, type AuditView } from '../server/operations/audit-view.ts';
import { timelines, windowCount } from '../server/monitoring/overview.ts';
import type { OperationPolicy } from '../server/operations/catalog.ts';
import { RUN_OUTCOMES, RUN_STATUSES, Workspace } from '../server/operations/entities.ts';
import { getRun, lineage, listRuns, type RunList, type RunPage, type RunRow } from '../server/operations/runs.ts';
import { STUCK_CLASSES, type StuckVerdict } from '../server/operations/stuck.ts';
import { opsSummary, SUMMARY_REASONS, type OpsSummary } from '../server/operations/summary.ts';
import { cancelRun, markInvestigated, retryRefusal, retryRun } from '../server/operations/triage.ts';
import { dispatchRecord, queuedSince, type LeaseLapse } from '../server/operations/lease-history.ts';
import { MAX_LISTED } from '../server/db/paging.ts';
import { allowedWorkspaceIds, listTenants, listWorkspaces, type Named, type TenantListing } from '../server/operations/workspaces.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** `first` and `offset` of a list of workspaces, tenants or workers (checked where it is read). */
export function listPageArgs(t: PothosSchemaTypes.QueryFieldBuilder<Types, {}>) {
  return {
    first: t.arg.int({ required: false, description: `At most this many (0 to ${MAX_LISTED.toLocaleString('en')}).` }),
    offset: t.arg.int({ required: false, description: 'Skip this many first (0 when omitted).' }),
  };
}
import { BadInputError, NotFoundError } from '../server/errors.ts';
import type { RequestContext } from '../server/context.ts';
import { builder } from './builder.ts';
import { QUERY_UNITS, readBudget } from '../server/monitoring/read-budget.ts';

/** The most services `servicesAroundFailure` shows (all critical services were read for each failed run of a list). */
const SERVICES_AROUND_FAILURE = 50;
import { WITHHELD_DESCRIPTION } from './audit.ts';

export const upper = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((v) => [v.toUpperCase(), { value: v }])) as Record<Uppercase<T>, { value: T }>;
const RunStatusEnum = builder.enumType('OperationStatus', { values: upper(RUN_STATUSES) });
export const RunOutcomeEnum = builder.enumType('OperationOutcome', { values: upper(RUN_OUTCOMES) });
const StuckClassEnum = builder.enumType('StuckClass', {
  description: 'Why a run is stuck: queued too long (no worker took it), lease expired (worker gone), heartbeat missing, running past its expected duration.',
  values: upper(STUCK_CLASSES),
});
const SummaryReasonEnum = builder.enumType('OpsSummaryReason', { values: upper(SUMMARY_REASONS) });

const NamedRef = builder.objectRef<Named>('WorkspaceRef').implement({
  description: 'A workspace or tenant.',
  fields: (t) => ({ id: t.id({ resolve: (w) => String(w.id) }), slug: t.exposeString('slug'), name: t.exposeString('name') }),
});

const TenantRef = builder.objectRef<TenantListing>('Tenant').implement({
  description: 'A tenant of a workspace (runs may name one; platform runs have none).',
  fields: (t) => ({
    id: t.id({ resolve: (x) => String(x.id) }),
    slug: t.exposeString('slug'),
    name: t.exposeString('name'),
    workspace: t.field({ type: NamedRef, resolve: (x) => x.workspace }),
  }),
});

const OperationTypeRef = builder.objectRef<OperationPolicy>('OperationType').implement({
  fields: (t) => ({
    type: t.exposeString('type'),
    label: t.exposeString('label'),
    retryable: t.exposeBoolean('retryable'),
    cancelable: t.exposeBoolean('cancelable'),
    expectedDurationMs: t.exposeInt('expectedDurationMs'),
    queuedTooLongMs: t.exposeInt('queuedTooLongMs'),
    heartbeatTimeoutMs: t.exposeInt('heartbeatTimeoutMs'),
    onLeaseExpired: t.exposeString('onLeaseExpired'),
    maxAttempts: t.exposeInt('maxAttempts'),
    services: t.exposeStringList('services', { description: 'Services shown around a failure (empty: the critical services).' }),
  }),
});

const StuckRef = builder.objectRef<StuckVerdict>('StuckVerdict').implement({
  fields: (t) => ({ stuckClass: t.field({ type: StuckClassEnum, resolve: (v) => v.stuckClass }), reason: t.exposeString('reason') }),
});

const LeaseLapseRef = builder.objectRef<LeaseLapse>('LeaseLapse').implement({
  description: 'A lease of an earlier attempt that expired: attempt N was leased to a worker, which stopped heartbeating; the lease sweep requeued the run or failed it by policy.',
  fields: (t) => {
    const at = (value: string | null) => (value ? new Date(value) : null);
    return {
      attempt: t.exposeInt('attempt'),
      worker: t.string({ nullable: true, resolve: (l) => l.worker }),
      leasedAt: t.field({ type: 'DateTime', nullable: true, resolve: (l) => at(l.leasedAt) }),
      lastHeartbeatAt: t.field({ type: 'DateTime', nullable: true, resolve: (l) => at(l.lastHeartbeatAt) }),
      expiredAt: t.field({ type: 'DateTime', nullable: true, resolve: (l) => at(l.expiredAt) }),
      sweptAt: t.field({ type: 'DateTime', description: 'When the lease sweep acted (about 30 s of grace after the expiry).', resolve: (l) => new Date(l.sweptAt) }),
      outcome: t.string({ description: 'requeued (the next attempt went back to the queue) or failed (the policy allowed no further attempt).', resolve: (l) => l.outcome }),
    };
  },
});

const InvestigatedRef = builder.objectRef<{ by: string | null; at: string; reason: string }>('RunInvestigation').implement({
  fields: (t) => ({
    by: t.string({ nullable: true, resolve: (i) => i.by }),
    at: t.field({ type: 'DateTime', resolve: (i) => new Date(i.at) }),
    reason: t.exposeString('reason'),
  }),
});

/** context.triage.investigated, when it is well formed. */
function investigationOf(run: RunRow): { by: string | null; at: string; reason: string } | null {
  const value = ((run.context?.triage ?? null) as { investigated?: unknown } | null)?.investigated as { by?: unknown; at?: unknown; reason?: unknown } | undefined;
  if (!value || typeof value.at !== 'string' || typeof value.reason !== 'string') return null;
  return { by: typeof value.by === 'string' ? value.by : null, at: value.at, reason: value.reason };
}

const AuditTrailRef = builder.objectRef<AuditView>('OperationAuditEntry').implement({
  fields: (t) => ({
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
    action: t.exposeString('action'),
    actorType: t.exposeString('actorType', { description: 'user, token, system (Lookout itself: the lease sweep) or anonymous.' }),
    actorLabel: t.string({ nullable: true, resolve: (e) => e.actorLabel ?? null }),
    outcome: t.exposeString('outcome'),
    input: t.field({ type: 'JSON', nullable: true, resolve: (e) => e.input ?? null }),
    withheld: t.string({ nullable: true, description: WITHHELD_DESCRIPTION, resolve: (e) => e.withheld }),
  }),
});

const ServiceAtFailureRef = builder.objectRef<{ service: string; critical: boolean; windows: { status: string; startedAt: Date; endedAt: Date | null }[] }>('ServiceAroundFailure').implement({
  fields: (t) => ({
    service: t.exposeString('service'),
    critical: t.exposeBoolean('critical'),
    worstStatus: t.string({ description: 'The worst status in the window around the failure.', resolve: (s) => (['down', 'degraded', 'healthy'].find((st) => s.windows.some((w) => w.status === st)) ?? 'unknown') }),
    windows: t.field({
      type: [builder.objectRef<{ status: string; startedAt: Date; endedAt: Date | null }>('ServiceWindowAroundFailure').implement({
        fields: (w) => ({
          status: w.exposeString('status'),
          startedAt: w.field({ type: 'DateTime', resolve: (x) => x.startedAt }),
          endedAt: w.field({ type: 'DateTime', nullable: true, resolve: (x) => x.endedAt }),
        }),
      })],
      resolve: (s) => s.windows,
    }),
  }),
});

const label = (ctx: RequestContext, type: string) => ctx.app.operations.catalog.get(type).label;

export const OperationRunRef: ReturnType<typeof builder.objectRef<RunRow>> = builder.objectRef<RunRow>('OperationRun');
OperationRunRef.implement({
  description: 'An operation a worker runs ("Operation #id").',
  fields: (t) => ({
    id: t.id({ resolve: (r) => String(r.id) }),
    title: t.string({ description: '"Operation #id"', resolve: (r) => `Operation #${r.id}` }),
    workspace: t.field({ type: NamedRef, resolve: (r) => r.workspace }),
    tenant: t.field({ type: NamedRef, nullable: true, resolve: (r) => r.tenant }),
    initiatorName: t.string({ nullable: true, resolve: (r) => r.initiatorName }),
    type: t.exposeString('type'),
    typeLabel: t.string({ resolve: (r, _a, ctx) => label(ctx, r.type) }),
    status: t.field({ type: RunStatusEnum, resolve: (r) => r.status }),
    outcome: t.field({ type: RunOutcomeEnum, resolve: (r) => r.outcome }),
    context: t.field({ type: 'JSON', resolve: (r) => r.context }),
    input: t.field({ type: 'JSON', nullable: true, resolve: (r) => r.input ?? null }),
    result: t.field({ type: 'JSON', nullable: true, resolve: (r) => r.result ?? null }),
    error: t.string({ nullable: true, resolve: (r) => r.error }),
    attempt: t.exposeInt('attempt'),
    leaseWorker: t.string({ nullable: true, resolve: (r) => r.leaseWorker }),
    leaseExpiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.leaseExpiresAt }),
    lastHeartbeatAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.lastHeartbeatAt }),
    idempotencyKey: t.string({ nullable: true, resolve: (r) => r.idempotencyKey }),
    retryOfRunId: t.id({ nullable: true, resolve: (r) => (r.retryOfRunId === null ? null : String(r.retryOfRunId)) }),
    retriedById: t.id({ nullable: true, description: 'The retry of this run, when it was retried (a run is retried at most once).', resolve: (r) => (r.retriedById === null ? null : String(r.retriedById)) }),
    retryRefusal: t.string({
      nullable: true,
      description: 'Why retryOperationRun would refuse this run now (not failed, not retryable, already retried, no attempts left), or null when it may be retried.',
      resolve: (r, _a, ctx) => retryRefusal(r, ctx.app.operations.catalog.get(r.type), r.retriedById)?.message ?? null,
    }),
    investigated: t.field({ type: InvestigatedRef, nullable: true, description: 'Who marked it investigated, when and why.', resolve: (r) => investigationOf(r) }),
    durationMs: t.float({
      nullable: true,
      description: 'From its first start to its completion (or to now while it runs); null before any worker took it, and while a requeued run waits.',
      resolve: (r, _a, ctx) => {
        if (!r.startedAt) return null;
        const end = r.completedAt ?? (r.status === 'running' ? ctx.app.clock.now() : null);
        return end ? Math.max(0, end.getTime() - r.startedAt.getTime()) : null;
      },
    }),
    queuedSince: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'While queued: since when it waits for a worker (its last requeue, or its creation).',
      resolve: (r) => (r.status === 'queued' ? queuedSince(r) : null),
    }),
    leaseLapses: t.field({
      type: [LeaseLapseRef],
      description: 'Leases of earlier attempts that expired, oldest first, and what the lease sweep did.',
      resolve: (r) => dispatchRecord(r.context).lapses,
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (r) => r.createdAt }),
    startedAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.startedAt }),
    completedAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.completedAt }),
    stuck: t.field({ type: StuckRef, nullable: true, description: 'Why the run is stuck, when it is.', resolve: (r) => r.stuck }),
    stuckClass: t.field({ type: StuckClassEnum, nullable: true, resolve: (r) => r.stuck?.stuckClass ?? null }),
    policy: t.field({ type: OperationTypeRef, resolve: (r, _a, ctx) => ctx.app.operations.catalog.get(r.type) }),
    retriedFrom: t.field({
      type: [OperationRunRef],
      description: 'The runs this one retries, oldest first (detail view: one query).',
      resolve: async (r, _a, ctx, info) => {
        readBudget(ctx, info).take('retriedFrom', 2 * QUERY_UNITS);
        return (await lineage(ctx.app.sql, r.id, await allowedWorkspaceIds(ctx.em, ctx.actor), ctx.app.operations.classifier, ctx.app.clock.now())).ancestors;
      },
    }),
    retries: t.field({
      type: [OperationRunRef],
      description: 'The retries of this run, in order.',
      resolve: async (r, _a, ctx, info) => {
        readBudget(ctx, info).take('retries', 2 * QUERY_UNITS);
        return (await lineage(ctx.app.sql, r.id, await allowedWorkspaceIds(ctx.em, ctx.actor), ctx.app.operations.classifier, ctx.app.clock.now())).descendants;
      },
    }),
    auditTrail: t.field({
      type: [AuditTrailRef],
      description: 'What was done to this run, oldest first. A batch row shows only the runs and workspaces the caller may see (see `withheld`).',
      resolve: async (r, _a, ctx, info) => {
        // Its read is a few statements and up to 200 rows: within the request's budget (one run's trail, or a page of them).
        readBudget(ctx, info).take('auditTrail', 3 * QUERY_UNITS + 200);
        const page = await queryAuditLog(ctx.em, { targetType: 'operation_run', targetId: String(r.id) }, 200, null, (rows) => auditRowsFor(ctx.app.sql, ctx.actor, rows));
        return page.entries.reverse();
      },
    }),
    servicesAroundFailure: t.field({
      type: [ServiceAtFailureRef],
      description: `Status of the services its type depends on (the critical services when it names none), at most ${SERVICES_AROUND_FAILURE} by name, from 15 minutes before it failed to 5 minutes after.`,
      resolve: async (r, _a, ctx, info) => {
        if (r.outcome !== 'failed' || !r.completedAt) return [];
        const at = r.completedAt.getTime();
        const named = ctx.app.operations.catalog.get(r.type).services;
        const budget = readBudget(ctx, info);
        budget.take('servicesAroundFailure', 2 * QUERY_UNITS + SERVICES_AROUND_FAILURE);
        const { rows } = named.length
          ? await ctx.app.sql.query(`select id, name, critical from services where name = any($1) order by name limit ${SERVICES_AROUND_FAILURE}`, [named])
          : await ctx.app.sql.query(`select id, name, critical from services where critical order by name limit ${SERVICES_AROUND_FAILURE}`);
        const range = { from: new Date(at - 15 * 60_000), to: new Date(at + 5 * 60_000) };
        const windows = await budget.cutRead('servicesAroundFailure', (limit) => timelines(ctx.app.sql, range.from, range.to, ctx.app.clock.now(), rows.map((s) => s.id), limit), windowCount);
        return rows.map((s) => ({ service: s.name, critical: s.critical, windows: windows.get(s.id) ?? [] }));
      },
    }),
  }),
});

const RunPageRef = builder.objectRef<RunPage>('OperationRunPage').implement({
  fields: (t) => ({
    runs: t.field({ type: [OperationRunRef], resolve: (p) => p.runs }),
    endCursor: t.string({ nullable: true, description: 'Pass as `after` for the next (older) page.', resolve: (p) => p.endCursor }),
    hasNextPage: t.exposeBoolean('hasNextPage'),
  }),
});

const RunFilterInput = builder.inputType('OperationRunFilter', {
  fields: (t) => ({
    workspace: t.string({ required: false }),
    tenant: t.string({ required: false }),
    type: t.string({ required: false }),
    status: t.field({ type: [RunStatusEnum], required: false }),
    outcome: t.field({ type: [RunOutcomeEnum], required: false }),
    initiator: t.string({ required: false }),
    createdFrom: t.field({ type: 'DateTime', required: false }),
    createdTo: t.field({ type: 'DateTime', required: false }),
    text: t.string({ required: false, description: 'Matches the id (#123), type, initiator, idempotency key or error.' }),
    stuckClass: t.field({ type: [StuckClassEnum], required: false }),
  }),
});

const OpsSummaryRef = builder.objectRef<OpsSummary>('OpsSummary').implement({
  description: '"Is the system healthy right now?"',
  fields: (t) => ({
    status: t.string({ description: 'healthy or degraded', resolve: (s) => s.status }),
    reasons: t.field({ type: [SummaryReasonEnum], resolve: (s) => s.reasons }),
    windowHours: t.exposeInt('windowHours'),
    generatedAt: t.field({ type: 'DateTime', resolve: (s) => s.generatedAt }),
    runsBlocked: t.int({ description: 'Queued runs that no online worker serves.', resolve: (s) => s.runs.blocked }),
    runsRunning: t.int({ resolve: (s) => s.runs.running }),
    runsQueued: t.int({ resolve: (s) => s.runs.queued }),
    runsFailed: t.int({ description: 'Failed in the window.', resolve: (s) => s.runs.failed }),
    leasesActive: t.int({ resolve: (s) => s.leases.active }),
    leasesStale: t.int({ resolve: (s) => s.leases.stale }),
    idempotencyReplays: t.int({ resolve: (s) => s.idempotency.replays }),
    idempotencyConflicts: t.int({ resolve: (s) => s.idempotency.conflicts }),
    dispatchTimeouts: t.int({ description: 'Runs created in the window that waited in the queue past their limit.', resolve: (s) => s.dispatchTimeouts }),
    servicesDown: t.int({ resolve: (s) => s.services.down }),
    servicesDegraded: t.int({ resolve: (s) => s.services.degraded }),
    criticalServicesDown: t.int({ resolve: (s) => s.services.criticalDown }),
    workersOnline: t.int({ resolve: (s) => s.workersOnline }),
  }),
});

/** Reads a run as the API shows it (workspace and tenant joined), within the caller's workspaces. */
export async function loadRun(ctx: RequestContext, id: number | string): Promise<RunRow> {
  const runId = Number(id);
  const run = Number.isSafeInteger(runId) ? await getRun(ctx.app.sql, runId, await allowedWorkspaceIds(ctx.em, ctx.actor), ctx.app.operations.classifier, ctx.app.clock.now()) : null;
  if (!run) throw new NotFoundError('Operation', `#${id}`);
  return run;
}

export function parseId(id: string | number, field = 'id'): number {
  const n = Number(String(id).replace(/^#/, ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new BadInputError(field, `${field} must be an operation id such as 42.`);
  return n;
}

const listField = (t: Parameters<Parameters<typeof builder.queryFields>[0]>[0], list: RunList, description: string) =>
  t.field({
    type: RunPageRef,
    description,
    authScopes: { 'platform.operations.view': true },
    args: {
      filter: t.arg({ type: RunFilterInput, required: false }),
      first: t.arg.int({ required: false, defaultValue: 50 }),
      after: t.arg.string({ required: false }),
    },
    resolve: async (_r, { filter, first, after }, ctx) => {
      const size = first ?? 50;
      if (size < 1 || size > 500) throw new BadInputError('first', 'first must be between 1 and 500.');
      if (after && !/^\d+$/.test(after)) throw new BadInputError('after', 'after must be an endCursor from this list.');
      return listRuns(ctx.app.sql, list, await allowedWorkspaceIds(ctx.em, ctx.actor), filter ?? {}, size, after, ctx.app.operations.classifier, ctx.app.clock.now());
    },
  });

builder.queryFields((t) => ({
  operationRuns: listField(t, 'runs', 'Every run, newest first.'),
  operationFailures: listField(t, 'failures', 'Completed runs that failed, newest first.'),
  operationStuck: listField(t, 'stuck', 'Runs the StuckRunClassifier finds stuck, newest first, each with its stuck class and why.'),
  operationRun: t.field({
    type: OperationRunRef,
    nullable: true,
    authScopes: { 'platform.operations.view': true },
    args: { id: t.arg.id() },
    resolve: async (_r, { id }, ctx) => loadRun(ctx, parseId(id)).catch((e) => (e instanceof NotFoundError ? null : Promise.reject(e))),
  }),
  operationTypes: t.field({ type: [OperationTypeRef], authScopes: { 'platform.operations.view': true }, resolve: (_r, _a, ctx) => ctx.app.operations.catalog.all() }),
  workspaces: t.field({
    type: [NamedRef],
    authScopes: { 'platform.operations.view': true },
    description: `Workspaces the caller may see, by slug; \`first\` and \`offset\` keep one page (without \`first\`, more than ${MAX_LISTED.toLocaleString('en')} is refused).`,
    args: listPageArgs(t),
    resolve: (_r, { first, offset }, ctx) => listWorkspaces(ctx.app.sql, ctx.actor, { first, offset }),
  }),
  tenants: t.field({
    type: [TenantRef],
    description: `Tenants of one workspace, or of every workspace the caller may see, by workspace then slug; \`first\` and \`offset\` keep one page (without \`first\`, more than ${MAX_LISTED.toLocaleString('en')} is refused).`,
    authScopes: { 'platform.operations.view': true },
    args: { workspace: t.arg.string({ required: false }), ...listPageArgs(t) },
    resolve: (_r, { workspace, first, offset }, ctx) => listTenants(ctx.app.sql, ctx.actor, workspace, { first, offset }),
  }),
  opsSummary: t.field({
    type: OpsSummaryRef,
    authScopes: { 'platform.operations.view': true },
    args: { hours: t.arg.int({ required: false, defaultValue: 24 }) },
    resolve: async (_r, { hours }, ctx) => {
      const h = hours ?? 24;
      if (h < 1 || h > 24 * 90) throw new BadInputError('hours', 'hours must be between 1 and 2160.');
      const { operations } = ctx.app;
      return opsSummary(ctx.app.sql, await allowedWorkspaceIds(ctx.em, ctx.actor), h, ctx.app.clock.now(), operations.catalog, !operations.checklist.report().ready);
    },
  }),
}));

export const runTarget = (id: number) => ({ type: 'operation_run', id: String(id) });

builder.mutationFields((t) => ({
  retryOperationRun: t.field({
    type: OperationRunRef,
    description: 'Only a completed, failed, retryable run, once, while its retry chain has attempts left (maxAttempts counts every attempt of the chain): queues a new run, the next attempt, with context.triage.retry_of_run_id. A run already retried is refused (CONFLICT naming the retry, extensions.runId).',
    authScopes: { 'platform.operations.manage': true },
    args: { id: t.arg.id() },
    resolve: async (_r, { id }, ctx) => {
      const runId = parseId(id);
      const retry = await ctx.audited((em, events) => retryRun(em, events, ctx.actor, runId, ctx.app.operations.catalog, ctx.app.clock), {
        action: 'platform.system_console.retry',
        input: { id },
        target: runTarget(runId),
      });
      return loadRun(ctx, retry.id);
    },
  }),
  cancelOperationRun: t.field({
    type: OperationRunRef,
    description: 'Only a queued or running, cancelable run; destructive, so `confirm: true` is required. The lease is revoked: the worker’s late completion is refused.',
    authScopes: { 'platform.operations.manage': true },
    args: { id: t.arg.id(), confirm: t.arg.boolean() },
    resolve: async (_r, { id, confirm }, ctx) => {
      const runId = parseId(id);
      await ctx.audited((em, events) => cancelRun(em, events, ctx.actor, runId, confirm, ctx.app.operations.catalog, ctx.app.clock), {
        action: 'platform.system_console.cancel',
        input: { id, confirm },
        target: runTarget(runId),
      });
      return loadRun(ctx, runId);
    },
  }),
  markOperationRunInvestigated: t.field({
    type: OperationRunRef,
    description: 'Records that someone looked into a failed or stuck run, and why (5–500 characters), in context.triage.investigated.',
    authScopes: { 'platform.operations.manage': true },
    args: { id: t.arg.id(), reason: t.arg.string() },
    resolve: async (_r, { id, reason }, ctx) => {
      const runId = parseId(id);
      await ctx.audited((em, events) => markInvestigated(em, events, ctx.actor, runId, reason, ctx.app.operations.classifier, ctx.app.clock), {
        action: 'platform.system_console.mark_investigated',
        input: { id, reason },
        target: runTarget(runId),
      });
      return loadRun(ctx, runId);
    },
  }),
}));
