/** Dispatch for workers: submit, claim, heartbeat and complete runs; register workers. */
import { Worker } from '../server/operations/entities.ts';
import { claimRun, completeRun, heartbeatRun, registerWorker, submitRun, WORKER_ONLINE_MS } from '../server/operations/dispatch.ts';
import type { RunRow } from '../server/operations/runs.ts';
import { builder } from './builder.ts';
import { loadRun, OperationRunRef, parseId, runTarget } from './operations.ts';

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
    leaseToken: t.exposeString('leaseToken', { description: 'Give it back with heartbeatRun and completeRun.' }),
  }),
});

builder.queryFields((t) => ({
  workers: t.field({ type: [WorkerRef], authScopes: { 'platform.operations.view': true }, resolve: (_r, _a, ctx) => ctx.em.find(Worker, {}, { orderBy: { name: 'asc' } }) }),
}));

builder.mutationFields((t) => ({
  submitRun: t.field({
    type: SubmittedRef,
    description: 'Queues an operation. The same idempotency key with the same input returns the original run (replay: true); with a different input it is refused (CONFLICT) and nothing is created. Refused (NOT_READY) while the start-up checklist blocks.',
    authScopes: { 'platform.operations.manage': true },
    args: {
      type: t.arg.string(),
      workspace: t.arg.string(),
      tenant: t.arg.string({ required: false }),
      input: t.arg({ type: 'JSON', required: false }),
      idempotencyKey: t.arg.string({ required: false }),
      initiatorName: t.arg.string({ required: false }),
    },
    resolve: async (_r, args, ctx) => {
      ctx.app.operations.assertReady();
      const submitted = await ctx.audited((em) => submitRun(em, ctx.actor, args, ctx.app.clock), {
        action: 'operations.run.submit',
        input: { type: args.type, workspace: args.workspace, tenant: args.tenant, idempotencyKey: args.idempotencyKey },
        targetOf: (s) => runTarget(s.run.id),
      });
      const run = await loadRun(ctx, submitted.run.id);
      if (!submitted.replay) await ctx.app.operations.publishRun(run);
      return { run, replay: submitted.replay };
    },
  }),
  claimRun: t.field({
    type: ClaimedRef,
    nullable: true,
    description: 'The oldest queued run of these types, leased to the worker; null when there is none.',
    authScopes: { 'platform.operations.manage': true },
    args: { worker: t.arg.string(), types: t.arg.stringList(), leaseSeconds: t.arg.int({ required: false, defaultValue: 60 }) },
    resolve: async (_r, { worker, types, leaseSeconds }, ctx) => {
      const claimed = await ctx.audited((em) => claimRun(em, ctx.actor, worker, types, leaseSeconds ?? 60, ctx.app.clock), {
        action: 'operations.run.claim',
        input: { worker, types, leaseSeconds },
        targetOf: (c) => (c ? runTarget(c.run.id) : undefined),
      });
      if (!claimed) return null;
      const run = await loadRun(ctx, claimed.run.id);
      await ctx.app.operations.publishRun(run);
      return { run, leaseToken: claimed.leaseToken };
    },
  }),
  heartbeatRun: t.field({
    type: OperationRunRef,
    description: 'Extends the lease. A stale or foreign lease token is refused (CONFLICT) and changes nothing.',
    authScopes: { 'platform.operations.manage': true },
    args: { id: t.arg.id(), leaseToken: t.arg.string(), leaseSeconds: t.arg.int({ required: false, defaultValue: 60 }) },
    resolve: async (_r, { id, leaseToken, leaseSeconds }, ctx) => {
      const runId = parseId(id);
      await ctx.audited((em) => heartbeatRun(em, runId, leaseToken, leaseSeconds ?? 60, ctx.app.clock), { action: 'operations.run.heartbeat', input: { id, leaseToken }, target: runTarget(runId) });
      return loadRun(ctx, runId);
    },
  }),
  completeRun: t.field({
    type: OperationRunRef,
    description: 'Finishes the run with its outcome and result or error. A stale or foreign lease token is refused and changes nothing.',
    authScopes: { 'platform.operations.manage': true },
    args: {
      id: t.arg.id(),
      leaseToken: t.arg.string(),
      outcome: t.arg({ type: CompleteOutcomeEnum }),
      result: t.arg({ type: 'JSON', required: false }),
      error: t.arg.string({ required: false }),
    },
    resolve: async (_r, { id, leaseToken, outcome, result, error }, ctx) => {
      const runId = parseId(id);
      await ctx.audited((em) => completeRun(em, runId, leaseToken, outcome, result, error, ctx.app.clock), {
        action: 'operations.run.complete',
        input: { id, leaseToken, outcome, error },
        target: runTarget(runId),
      });
      const run = await loadRun(ctx, runId);
      await ctx.app.operations.publishRun(run);
      return run;
    },
  }),
  registerWorker: t.field({
    type: WorkerRef,
    description: 'Registers (or re-registers) a worker: its name, the types it runs and its capacity. Doubles as a heartbeat.',
    authScopes: { 'platform.operations.manage': true },
    args: { name: t.arg.string(), types: t.arg.stringList(), capacity: t.arg.int({ required: false }) },
    resolve: (_r, args, ctx) =>
      ctx.audited((em) => registerWorker(em, args, ctx.app.clock), { action: 'operations.worker.register', input: args, target: { type: 'worker', id: args.name } }),
  }),
}));
