/**
 * The operator's actions on a run: retry (a failed, retryable run, once, while its chain has attempts
 * left → a new queued run, the chain's next attempt, that records what it retries), cancel (a queued or running, cancelable run; needs explicit confirmation; the
 * lease is revoked so the worker's late completion is refused) and mark investigated (with a reason).
 * A run in the wrong state gets a clear error and nothing changes.
 */
import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../auth/actor.ts';
import type { Clock } from '../clock.ts';
import type { TransactionEvents } from '../events/after-commit.ts';
import { BadInputError, ConflictError, NotFoundError } from '../errors.ts';
import type { OperationCatalog, OperationPolicy } from './catalog.ts';
import { OperationRun } from './entities.ts';
import type { StuckRunClassifier } from './stuck.ts';
import { allowedWorkspaceIds } from './workspaces.ts';
import { reasonProblem } from './reason-rules.ts';
import { recordRunChanges } from './run-events.ts';

/**
 * The run, locked for this transaction, when it exists in a workspace the caller may use; otherwise
 * NOT_FOUND, the same for both (a run of another workspace is not revealed). The workspace limit is
 * in the query that reads and locks the run, and the lock holds the state checked until the change is
 * written (a worker's completion arriving meanwhile waits, then finds the run changed).
 */
async function runInScope(em: EntityManager, actor: Actor | null, id: number): Promise<OperationRun> {
  const scope = await allowedWorkspaceIds(em, actor);
  const where = scope ? { id, workspaceId: { $in: scope } } : { id };
  const run = Number.isSafeInteger(id) ? await em.findOne(OperationRun, where, { lockMode: LockMode.PESSIMISTIC_WRITE }) : null;
  if (!run) throw new NotFoundError('Operation', `#${id}`);
  return run;
}

function triage(run: OperationRun): Record<string, unknown> {
  return { ...((run.context.triage as Record<string, unknown>) ?? {}) };
}

/**
 * Why this run cannot be retried now, or null when it can: only a completed, failed run of a
 * retryable type, not retried already (one retry per run, so a chain has one line), whose chain has
 * attempts left (`attempt` counts every attempt of the chain: each retry is the next attempt).
 */
export function retryRefusal(run: Pick<OperationRun, 'id' | 'status' | 'outcome' | 'attempt'>, policy: OperationPolicy, retriedById: number | null): ConflictError | null {
  if (run.status !== 'completed' || run.outcome !== 'failed') {
    return new ConflictError(`Operation #${run.id} is ${run.status}${run.status === 'completed' ? ` (${run.outcome})` : ''}: only a completed, failed operation can be retried.`);
  }
  if (!policy.retryable) return new ConflictError(`Operations of type "${policy.label}" are not retryable.`);
  if (retriedById !== null) {
    return new ConflictError(`Operation #${run.id} was already retried as Operation #${retriedById}: retry that one if it fails.`, { runId: retriedById });
  }
  if (run.attempt >= policy.maxAttempts) {
    return new ConflictError(`Operation #${run.id} was attempt ${run.attempt} of ${policy.maxAttempts} for "${policy.label}": no attempts are left to retry it.`);
  }
  return null;
}

/** Run context keys that describe one run's own dispatch, never copied to its retry. */
const OWN_CONTEXT_KEYS = ['dispatch'];

export async function retryRun(em: EntityManager, events: TransactionEvents, actor: Actor | null, id: number, catalog: OperationCatalog, clock: Clock): Promise<OperationRun> {
  // The original stays locked until this commits: a second retry of it waits, then finds this one.
  const run = await runInScope(em, actor, id);
  const policy = catalog.get(run.type);
  const earlier = await em.findOne(OperationRun, { retryOfRunId: run.id }, { orderBy: { id: 'asc' }, fields: ['id'] });
  const refused = retryRefusal(run, policy, earlier?.id ?? null);
  if (refused) throw refused;
  const context = Object.fromEntries(Object.entries(run.context).filter(([key]) => !OWN_CONTEXT_KEYS.includes(key)));
  const retry = em.create(OperationRun, {
    workspaceId: run.workspaceId,
    tenantId: run.tenantId ?? null,
    initiatorName: actor?.label ?? null,
    type: run.type,
    status: 'queued',
    outcome: 'pending',
    context: { ...context, triage: { ...triage(run), retry_of_run_id: run.id, investigated: undefined } },
    input: run.input,
    result: null,
    attempt: run.attempt + 1,
    inputHash: run.inputHash,
    retryOfRunId: run.id,
    createdAt: clock.now(),
  });
  await em.flush();
  recordRunChanges(events, [retry, run], retry.createdAt); // the original's lineage changed too
  return retry;
}

export async function cancelRun(em: EntityManager, events: TransactionEvents, actor: Actor | null, id: number, confirm: boolean, catalog: OperationCatalog, clock: Clock): Promise<OperationRun> {
  if (!confirm) throw new BadInputError('confirm', 'Cancelling is destructive: pass confirm: true to cancel this operation.');
  const run = await runInScope(em, actor, id);
  const policy = catalog.get(run.type);
  if (run.status === 'completed') throw new ConflictError(`Operation #${id} is already completed (${run.outcome}): only a queued or running operation can be cancelled.`);
  if (!policy.cancelable) throw new ConflictError(`Operations of type "${policy.label}" cannot be cancelled.`);
  const now = clock.now();
  run.status = 'completed';
  run.outcome = 'cancelled';
  run.completedAt = now;
  run.leaseTokenHash = null; // the worker's late heartbeat or completion is refused
  run.leaseExpiresAt = null;
  run.context = { ...run.context, triage: { ...triage(run), cancelled: { by: actor?.label ?? null, at: now.toISOString() } } };
  await em.flush();
  recordRunChanges(events, [run], now);
  return run;
}

export async function markInvestigated(em: EntityManager, events: TransactionEvents, actor: Actor | null, id: number, reason: string, classifier: StuckRunClassifier, clock: Clock): Promise<OperationRun> {
  const text = reason.trim();
  const problem = reasonProblem(text);
  if (problem) throw new BadInputError('reason', problem);
  const run = await runInScope(em, actor, id);
  const now = clock.now();
  const failed = run.status === 'completed' && run.outcome === 'failed';
  if (!failed && !classifier.classify(run, now)) {
    throw new ConflictError(`Operation #${id} is neither failed nor stuck: there is nothing to investigate.`);
  }
  run.context = { ...run.context, triage: { ...triage(run), investigated: { by: actor?.label ?? null, at: now.toISOString(), reason: text } } };
  await em.flush();
  recordRunChanges(events, [run], now);
  return run;
}
