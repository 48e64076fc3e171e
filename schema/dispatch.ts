/**
 * Dispatch for workers: submit, claim, heartbeat and complete runs, one at a time or in batches
 * (one statement and one audit row per call that changed something, whatever the count); register workers.
 */
import { Worker } from '../server/operations/entities.ts';
import { claimRuns, completeRuns, heartbeatRuns, MAX_LEASE_BATCH, only, type LeaseResult } from '../server/operations/leases.ts';
import { checkRunResult, MAX_SUBMIT_BATCH, readySubmission, recordRefusal, submitRuns, type SubmitInput, type Submitted } from '../server/operations/submit.ts';
import { registerWorker, WORKER_ONLINE_MS } from '../server/operations/workers.ts';
import type { RunRow } from '../server/operations/runs.ts';
import type { RequestContext } from '../server/context.ts';
import { auditedStatement, type AuditSpec, type StatementAudit } from '../server/audit/audit.ts';
import type { SqlClient } from '../server/db/sql.ts';
import type { TransactionEvents } from '../server/events/after-commit.ts';
import { builder } from './builder.ts';
import { parseId, runTarget } from './operations.ts';
import { OperationRunRef } from './operation-run.ts';
import { MAX_LISTED, pageClause, refuseLongList } from '../server/db/paging.ts';
import { listPageArgs } from './operations.ts';

const CompleteOutcomeEnum = builder.enumType('CompletionOutcome', { values: { SUCCEEDED: { value: 'succeeded' }, FAILED: { value: 'failed' } } as const });

const WorkerRef = builder.objectRef<Worker>('Worker').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    types: t.exposeStringList('types'),
    capacity: t.exposeInt('capacity'),
    lastHeartbeatAt: t.field({ type: 'DateTime', resolve: (w) => w.lastHeartbeatAt }),
    online: t.boolean({ resolve: (w, _a, ctx) => ctx.app.clock.now().getTime() - w.lastHeartbeatAt.getTime() < WORKER_ONLINE_MS }),
  }),
});

const SubmittedRef = builder.objectRef<{ run: RunRow; replay: boolean }>('SubmittedRun').implement({
  fields: (t) => ({
    run: t.field({ type: OperationRunRef, resolve: (s) => s.run }),
    replay: t.exposeBoolean('replay', { description: 'True when the idempotency key matched an earlier submission with the same input.' }),
  }),
});

const ClaimedRef = builder.objectRef<{ run: RunRow; leaseToken: string }>('ClaimedRun').implement({
  fields: (t) => ({
    run: t.field({ type: OperationRunRef, resolve: (c) => c.run }),
    leaseToken: t.exposeString('leaseToken', { description: 'Give it back with heartbeatRun(s) and completeRun(s).' }),
  }),
});

const RefusalRef = builder.objectRef<{ code: string; message: string }>('LeaseRefusal').implement({
  description: 'Why one run of a batch call was left unchanged.',
  fields: (t) => ({
    code: t.exposeString('code', { description: 'CONFLICT (not the current lease, or it expired) or NOT_FOUND (no such run in the caller’s workspaces).' }),
    message: t.exposeString('message'),
  }),
});

const LeaseResultRef = builder.objectRef<LeaseResult>('LeaseResult').implement({
  description: 'One run of heartbeatRuns or completeRuns: changed (run), or refused and unchanged (refused).',
  fields: (t) => ({
    id: t.id({ resolve: (r) => String(r.id) }),
    run: t.field({ type: OperationRunRef, nullable: true, resolve: (r) => r.run }),
    refused: t.field({ type: RefusalRef, nullable: true, resolve: (r) => (r.refused ? { code: r.refused.code, message: r.refused.message } : null) }),
  }),
});

const SubmitRunInput = builder.inputType('SubmitRunInput', {
  fields: (t) => ({
    type: t.string(),
    workspace: t.string(),
    tenant: t.string({ required: false }),
    input: t.field({ type: 'JSON', required: false }),
    idempotencyKey: t.string({ required: false }),
    initiatorName: t.string({ required: false }),
  }),
});

const LeaseInput = builder.inputType('LeaseInput', { fields: (t) => ({ id: t.id(), leaseToken: t.string() }) });

const CompletionInput = builder.inputType('CompletionInput', {
  fields: (t) => ({
    id: t.id(),
    leaseToken: t.string(),
    outcome: t.field({ type: CompleteOutcomeEnum }),
    result: t.field({ type: 'JSON', required: false }),
    error: t.string({ required: false }),
  }),
});

builder.queryFields((t) => ({
  workers: t.field({
    type: [WorkerRef],
    description: `Workers by name; \`first\` and \`offset\` keep one page (without \`first\`, more than ${MAX_LISTED.toLocaleString('en')} is refused).`,
    authScopes: { 'platform.operations.view': true },
    args: listPageArgs(t),
    resolve: async (_r, { first, offset }, ctx) => {
      pageClause({ first, offset }); // checks the page
      const found = await ctx.em.find(Worker, {}, { orderBy: { name: 'asc' }, limit: first ?? MAX_LISTED + 1, offset: offset ?? 0 });
      return refuseLongList(found, { first, offset }, 'workers');
    },
  }),
}));

const manage = { 'platform.operations.manage': true } as const;
const deps = (ctx: RequestContext, batchField?: string) => ({
  clock: ctx.app.clock,
  pool: ctx.app.sql,
  workspaces: ctx.app.operations.workspaces,
  classifier: ctx.app.operations.classifier,
  batchField,
});
const runIds = (runs: { id: number }[]) => ({ type: 'operation_run', ids: runs.map((r) => String(r.id)) });
const changed = (results: LeaseResult[]) => results.flatMap((r) => (r.run ? [r.run] : []));

/**
 * A dispatch call whose change is one statement carrying its own audit row (audit.ts
 * `auditedStatement`): one round trip to PostgreSQL, where a transaction would take four. Dispatch
 * actions reduce no one's access, so nothing else of `ctx.auditedSql` applies.
 */
function inOneStatement<T>(ctx: RequestContext, work: (sql: SqlClient, events: TransactionEvents, audit: StatementAudit) => Promise<T>, spec: AuditSpec<T>): Promise<T> {
  return auditedStatement(ctx.app.sql, { actor: ctx.actor, clientAddress: ctx.clientAddress }, ctx.app.clock, work, spec, ctx.app.pubsub);
}

async function submit(ctx: RequestContext, entries: SubmitInput[], batchField?: string) {
  ctx.app.operations.assertReady();
  // Idempotency keys are checked under a lock held for a transaction; without any, the submission is one statement.
  const oneStatement = entries.length > 0 && entries.every((e) => !e.idempotencyKey?.trim());
  const run = oneStatement
    ? <T>(work: (sql: SqlClient, events: TransactionEvents, audit?: StatementAudit) => Promise<T>, spec: AuditSpec<T>) => inOneStatement(ctx, work, spec)
    : <T>(work: (sql: SqlClient, events: TransactionEvents, audit?: StatementAudit) => Promise<T>, spec: AuditSpec<T>) => ctx.auditedSql(work, spec);
  const spec: AuditSpec<Submitted[]> = {
    action: batchField ? 'operations.runs.submit' : 'operations.run.submit',
    input: batchField
      ? { count: entries.length, types: [...new Set(entries.map((e) => e.type))], workspaces: [...new Set(entries.map((e) => e.workspace))] }
      : { type: entries[0]?.type, workspace: entries[0]?.workspace, tenant: entries[0]?.tenant, idempotencyKey: entries[0]?.idempotencyKey },
    targetsOf: (s) => runIds([...new Map(s.map((x) => [x.run.id, x.run])).values()]),
    // Every entry a replay of an earlier submission: nothing was created, no row.
    when: (s) => s.some((x) => !x.replay),
  };
  // Checked, and its workspaces and tenants found or made, before the transaction (submit.ts readySubmission).
  const ready = await ctx.auditedCheck(() => readySubmission(ctx.actor, entries, deps(ctx, batchField)), spec as AuditSpec<never>);
  try {
    return await run((sql, events, audit) => submitRuns(sql, events, ctx.actor, entries, { ...deps(ctx, batchField), audit }, ready), spec);
  } catch (error) {
    await recordRefusal(ctx.app.sql, error);
    throw error;
  }
}

builder.mutationFields((t) => ({
  submitRun: t.field({
    type: SubmittedRef,
    description: 'Queues an operation. The same idempotency key with the same input returns the original run (replay: true); with a different input it is refused (CONFLICT) and nothing is created. Refused (NOT_READY) while the start-up checklist blocks.',
    authScopes: manage,
    args: {
      type: t.arg.string(),
      workspace: t.arg.string(),
      tenant: t.arg.string({ required: false }),
      input: t.arg({ type: 'JSON', required: false }),
      idempotencyKey: t.arg.string({ required: false }),
      initiatorName: t.arg.string({ required: false }),
    },
    resolve: async (_r, args, ctx) => (await submit(ctx, [args]))[0],
  }),
  submitRuns: t.field({
    type: [SubmittedRef],
    description: `Queues up to ${MAX_SUBMIT_BATCH} operations at once, in order; all or nothing: bad input or an idempotency conflict in any entry refuses the whole call (the error names the entry, e.g. runs[3].type) and creates nothing.`,
    authScopes: manage,
    args: { runs: t.arg({ type: [SubmitRunInput] }) },
    resolve: (_r, { runs }, ctx) => submit(ctx, runs, 'runs'),
  }),
  claimRun: t.field({
    type: ClaimedRef,
    nullable: true,
    description: 'The oldest queued run of these types, leased to the worker; null when there is none (an empty poll is not audited: it changes nothing).',
    authScopes: manage,
    args: { worker: t.arg.string(), types: t.arg.stringList(), leaseSeconds: t.arg.int({ required: false, defaultValue: 60 }) },
    resolve: async (_r, { worker, types, leaseSeconds }, ctx) => {
      const [claimed] = await inOneStatement(ctx, (sql, events, audit) => claimRuns(sql, events, ctx.actor, { worker, types, leaseSeconds: leaseSeconds ?? 60, limit: 1 }, { ...deps(ctx), audit }), {
        action: 'operations.run.claim',
        input: { worker, types, leaseSeconds },
        targetsOf: (c) => runIds(c.map((x) => x.run)),
        when: (c) => c.length > 0, // an empty poll changes nothing: no row (an idle worker polls every second)
      });
      return claimed ?? null;
    },
  }),
  claimRuns: t.field({
    type: [ClaimedRef],
    description: `Up to \`limit\` (1–${MAX_LEASE_BATCH}) of the oldest queued runs of these types, oldest first, each with its own lease; empty when there is none (an empty poll is not audited: it changes nothing).`,
    authScopes: manage,
    args: {
      worker: t.arg.string(),
      types: t.arg.stringList(),
      limit: t.arg.int({ required: false, defaultValue: 10 }),
      leaseSeconds: t.arg.int({ required: false, defaultValue: 60 }),
    },
    resolve: (_r, { worker, types, limit, leaseSeconds }, ctx) =>
      inOneStatement(ctx, (sql, events, audit) => claimRuns(sql, events, ctx.actor, { worker, types, leaseSeconds: leaseSeconds ?? 60, limit: limit ?? 10 }, { ...deps(ctx), audit }), {
        action: 'operations.runs.claim',
        input: { worker, types, limit, leaseSeconds },
        targetsOf: (c) => runIds(c.map((x) => x.run)),
        when: (c) => c.length > 0, // an empty poll changes nothing: no row
      }),
  }),
  heartbeatRun: t.field({
    type: OperationRunRef,
    description: 'Extends the lease. A stale or foreign lease token is refused (CONFLICT) and changes nothing; a run outside the caller’s workspaces is NOT_FOUND, as one that does not exist.',
    authScopes: manage,
    args: { id: t.arg.id(), leaseToken: t.arg.string(), leaseSeconds: t.arg.int({ required: false, defaultValue: 60 }) },
    resolve: async (_r, { id, leaseToken, leaseSeconds }, ctx) => {
      const runId = parseId(id);
      return inOneStatement(ctx, async (sql, _events, audit) => only(await heartbeatRuns(sql, ctx.actor, [{ id: runId, leaseToken }], leaseSeconds ?? 60, { ...deps(ctx), audit })), {
        action: 'operations.run.heartbeat',
        input: { id, leaseToken },
        target: runTarget(runId),
      });
    },
  }),
  heartbeatRuns: t.field({
    type: [LeaseResultRef],
    description: `Extends the leases of up to ${MAX_LEASE_BATCH} runs; each run whose token is stale or foreign is refused (see \`refused\`) and unchanged.`,
    authScopes: manage,
    args: { leases: t.arg({ type: [LeaseInput] }), leaseSeconds: t.arg.int({ required: false, defaultValue: 60 }) },
    resolve: (_r, { leases, leaseSeconds }, ctx) => {
      const refs = leases.map((l, i) => ({ id: parseId(l.id, `leases[${i}].id`), leaseToken: l.leaseToken }));
      return inOneStatement(ctx, (sql, _events, audit) => heartbeatRuns(sql, ctx.actor, refs, leaseSeconds ?? 60, { ...deps(ctx, 'leases'), audit }), {
        action: 'operations.runs.heartbeat',
        input: { ids: refs.map((r) => r.id), leaseSeconds },
        targetsOf: (results) => runIds(changed(results)),
        when: (results) => changed(results).length > 0, // every run refused: nothing changed
      });
    },
  }),
  completeRun: t.field({
    type: OperationRunRef,
    description: 'Finishes the run with its outcome and result or error. A stale or foreign lease token is refused and changes nothing.',
    authScopes: manage,
    args: {
      id: t.arg.id(),
      leaseToken: t.arg.string(),
      outcome: t.arg({ type: CompleteOutcomeEnum }),
      result: t.arg({ type: 'JSON', required: false }),
      error: t.arg.string({ required: false }),
    },
    resolve: (_r, { id, leaseToken, outcome, result, error }, ctx) => {
      const runId = parseId(id);
      return inOneStatement(ctx, async (sql, events, audit) => {
        checkRunResult(result, 'result');
        return only(await completeRuns(sql, events, ctx.actor, [{ id: runId, leaseToken, outcome, result, error }], { ...deps(ctx), audit }));
      }, {
        action: 'operations.run.complete',
        input: { id, leaseToken, outcome, error },
        target: runTarget(runId),
      });
    },
  }),
  completeRuns: t.field({
    type: [LeaseResultRef],
    description: `Finishes up to ${MAX_LEASE_BATCH} runs with their outcomes; each run whose token is stale or foreign is refused (see \`refused\`) and unchanged. Bad input in any entry (a failure without its error) refuses the whole call, naming the entry.`,
    authScopes: manage,
    args: { completions: t.arg({ type: [CompletionInput] }) },
    resolve: (_r, { completions }, ctx) => {
      const entries = completions.map((c, i) => ({ ...c, id: parseId(c.id, `completions[${i}].id`) }));
      return inOneStatement(ctx, (sql, events, audit) => {
        entries.forEach((c, i) => checkRunResult(c.result, `completions[${i}].result`));
        return completeRuns(sql, events, ctx.actor, entries, { ...deps(ctx, 'completions'), audit });
      }, {
        action: 'operations.runs.complete',
        input: { completions: entries.map((c) => ({ id: c.id, outcome: c.outcome, error: c.error })) },
        targetsOf: (r) => runIds(changed(r)),
        when: (r) => changed(r).length > 0, // every run refused: nothing changed
      });
    },
  }),
  registerWorker: t.field({
    type: WorkerRef,
    description: 'Registers (or re-registers) a worker: its name, the types it runs and its capacity. Doubles as a heartbeat.',
    authScopes: manage,
    args: { name: t.arg.string(), types: t.arg.stringList(), capacity: t.arg.int({ required: false }) },
    resolve: (_r, args, ctx) =>
      ctx.audited((em) => registerWorker(em, args, ctx.app.clock), { action: 'operations.worker.register', input: args, target: { type: 'worker', id: args.name } }),
  }),
}));
