/** Operations: the run ledger, dispatch for workers, triage, the ops summary and the start-up checklist (the run itself: operation-run.ts). */
import { isIdCursor } from '../server/ids.ts';
import { Workspace } from '../server/operations/entities.ts';
import { getRun, listRuns, type RunList, type RunPage, type RunRow } from '../server/operations/runs.ts';
import { opsSummary, SUMMARY_REASONS, type OpsSummary } from '../server/operations/summary.ts';
import { cancelRun, markInvestigated, retryRun } from '../server/operations/triage.ts';
import { MAX_LISTED } from '../server/db/paging.ts';
import { allowedWorkspaceIds, listTenants, listWorkspaces, type TenantListing } from '../server/operations/workspaces.ts';
import { BadInputError, NotFoundError } from '../server/errors.ts';
import type { RequestContext } from '../server/context.ts';
import { builder } from './builder.ts';
import { NamedRef, OperationRunRef, OperationTypeRef, RunOutcomeEnum, RunStatusEnum, StuckClassEnum, upper } from './operation-run.ts';
import { boundedFilter } from './filters.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** `first` and `offset` of a list of workspaces, tenants or workers (checked where it is read). */
export function listPageArgs(t: PothosSchemaTypes.QueryFieldBuilder<Types, {}>) {
  return {
    first: t.arg.int({ required: false, description: `At most this many (0 to ${MAX_LISTED.toLocaleString('en')}).` }),
    offset: t.arg.int({ required: false, description: 'Skip this many first (0 when omitted).' }),
  };
}

const SummaryReasonEnum = builder.enumType('OpsSummaryReason', { values: upper(SUMMARY_REASONS) });

const TenantRef = builder.objectRef<TenantListing>('Tenant').implement({
  description: 'A tenant of a workspace (runs may name one; platform runs have none).',
  fields: (t) => ({
    id: t.id({ resolve: (x) => String(x.id) }),
    slug: t.exposeString('slug'),
    name: t.exposeString('name'),
    workspace: t.field({ type: NamedRef, resolve: (x) => x.workspace }),
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
      boundedFilter(filter);
      const size = first ?? 50;
      if (size < 1 || size > 500) throw new BadInputError('first', 'first must be between 1 and 500.');
      if (after && !isIdCursor(after)) throw new BadInputError('after', 'after must be an endCursor from this list.');
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
        // The run it created is named too, so its own audit trail says how it came to be.
        targetsOf: (created) => ({ type: 'operation_run', ids: [String(runId), String(created.id)] }),
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
