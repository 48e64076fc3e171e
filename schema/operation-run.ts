/** An operation run as the API shows it (`OperationRun`), with what its fields show: its policy, stuck verdict, lease lapses, audit trail and the services around its failure. */
import { queryAuditLog } from '../server/audit/audit.ts';
import { auditRowsFor, type AuditView } from '../server/operations/audit-view.ts';
import { timelines, windowCount } from '../server/monitoring/overview.ts';
import type { OperationPolicy } from '../server/operations/catalog.ts';
import { RUN_OUTCOMES, RUN_STATUSES } from '../server/operations/entities.ts';
import { lineage, type RunRow } from '../server/operations/runs.ts';
import { STUCK_CLASSES, type StuckVerdict } from '../server/operations/stuck.ts';
import { retryRefusal } from '../server/operations/triage.ts';
import { dispatchRecord, queuedSince, type LeaseLapse } from '../server/operations/lease-history.ts';
import { allowedWorkspaceIds, type Named } from '../server/operations/workspaces.ts';
import type { GraphQLResolveInfo } from 'graphql';
import type { RequestContext } from '../server/context.ts';
import { QUERY_UNITS, readBudget } from '../server/monitoring/read-budget.ts';
import { builder } from './builder.ts';
import { WITHHELD_DESCRIPTION } from './audit.ts';

/** The most services `servicesAroundFailure` shows (all critical services were read for each failed run of a list). */
const SERVICES_AROUND_FAILURE = 50;

export const upper = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((v) => [v.toUpperCase(), { value: v }])) as Record<Uppercase<T>, { value: T }>;
export const RunStatusEnum = builder.enumType('OperationStatus', { values: upper(RUN_STATUSES) });
export const RunOutcomeEnum = builder.enumType('OperationOutcome', { values: upper(RUN_OUTCOMES) });
export const StuckClassEnum = builder.enumType('StuckClass', {
  description: 'Why a run is stuck: queued too long (no worker took it), lease expired (worker gone), heartbeat missing, running past its expected duration.',
  values: upper(STUCK_CLASSES),
});

export const NamedRef = builder.objectRef<Named>('WorkspaceRef').implement({
  description: 'A workspace or tenant.',
  fields: (t) => ({ id: t.id({ resolve: (w) => String(w.id) }), slug: t.exposeString('slug'), name: t.exposeString('name') }),
});

export const OperationTypeRef = builder.objectRef<OperationPolicy>('OperationType').implement({
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

/** A run's retry lineage within the caller's workspaces, for `field` (two statements of the request's read budget). */
async function lineageOf(ctx: RequestContext, info: GraphQLResolveInfo, run: RunRow, field: string) {
  readBudget(ctx, info).take(field, 2 * QUERY_UNITS);
  return lineage(ctx.app.sql, run.id, await allowedWorkspaceIds(ctx.em, ctx.actor), ctx.app.operations.classifier, ctx.app.clock.now());
}

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
      resolve: async (r, _a, ctx, info) => (await lineageOf(ctx, info, r, 'retriedFrom')).ancestors,
    }),
    retries: t.field({
      type: [OperationRunRef],
      description: 'The retries of this run, in order.',
      resolve: async (r, _a, ctx, info) => (await lineageOf(ctx, info, r, 'retries')).descendants,
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
