/**
 * Leases: workers claim the oldest queued runs (`FOR UPDATE SKIP LOCKED`, so two workers never get
 * the same run), extend them with heartbeats and finish them; each run has its own lease token,
 * stored only as a hash. A stale or foreign token changes nothing. Every call takes one or many
 * runs and costs one statement, whatever the count. A caller limited to some workspaces reaches
 * only their runs: the statement itself says so, and a run of another workspace is refused exactly
 * as one that does not exist. The sweep re-queues or fails expired leases (after a grace, recording
 * what happened in the run and, as the system, in the audit log).
 */
import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { CompiledQuery } from 'kysely';
import { prepared, runPrepared, type SqlClient } from '../db/sql.ts';
import type { TransactionEvents } from '../events/after-commit.ts';
import type { Actor } from '../auth/actor.ts';
import { sha256 } from '../auth/secrets.ts';
import type { Clock } from '../clock.ts';
import { BadInputError, ConflictError, fieldPath, NotFoundError, type LookoutError } from '../errors.ts';
import type { OperationCatalog } from './catalog.ts';
import { recordSystemActions, type StatementAudit, type SystemAction } from '../audit/audit.ts';
import { DispatchEvent, OperationRun } from './entities.ts';
import { dispatchRecord, withLapse, type DispatchRecord, type LeaseLapse } from './lease-history.ts';
import { recordRunChanges } from './run-events.ts';
import { selectRunsFrom, toRunRow, type RunRow } from './runs.ts';
import type { StuckRunClassifier } from './stuck.ts';
import { validateTypeNames, validateWorkerName } from './workers.ts';

/** The most runs one claim, heartbeat or completion call may carry. */
export const MAX_LEASE_BATCH = 500;

export interface Claimed {
  run: RunRow;
  /** Give it back with heartbeatRun and completeRun; it is stored only as a hash. */
  leaseToken: string;
}

/** What happened to one run of a heartbeat or completion call: done, or refused and unchanged. */
export type LeaseResult = { id: number; run: RunRow; refused: null } | { id: number; run: null; refused: LookoutError };

function validateLeaseSeconds(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 5 || seconds > 3600) throw new BadInputError('leaseSeconds', 'leaseSeconds must be a whole number from 5 to 3600.');
  return seconds;
}

function validateTypes(types: string[]): string[] {
  if (!types.length) throw new BadInputError('types', 'Give at least one operation type the worker runs.');
  return validateTypeNames(types);
}

function validateBatch(length: number, field: string): void {
  if (length > MAX_LEASE_BATCH) throw new BadInputError(field, `Send at most ${MAX_LEASE_BATCH} runs at a time, got ${length}.`);
}

/** The runs a statement's `updated` CTE returns, as the API shows them. */
const JOIN_UPDATED = selectRunsFrom('updated', 'u');

/** The workspace slugs a caller is limited to, as a statement's parameter: null for every workspace. */
const scopeOf = (actor: Pick<Actor, 'workspaces'> | null): string[] | null => (actor ? (actor.workspaces === null ? null : [...actor.workspaces]) : []);

/**
 * The condition that keeps a statement to the caller's workspaces (parameter `$n`, from `scopeOf`).
 * It is part of the statement that does the work, so nothing can change between a check and the act.
 */
const IN_SCOPE = (table: string, n: number) => `($${n}::text[] is null or ${table}.workspace_id in (select id from workspaces where slug = any($${n}::text[])))`;

/**
 * Up to `limit` of the oldest queued runs of these types (in the caller's workspaces), leased to
 * `worker`, oldest first; none when the queue is empty, or while an update drains (it holds new runs
 * back until it ends or its lease runs out). The worker is recorded as seen.
 */
export async function claimRuns(
  sql: SqlClient,
  events: TransactionEvents,
  actor: Actor | null,
  input: { worker: string; types: string[]; leaseSeconds: number; limit: number },
  deps: { clock: Clock; classifier: StuckRunClassifier; audit?: StatementAudit },
): Promise<Claimed[]> {
  const worker = validateWorkerName(input.worker);
  validateLeaseSeconds(input.leaseSeconds);
  validateTypes(input.types);
  if (!Number.isInteger(input.limit) || input.limit < 1 || input.limit > MAX_LEASE_BATCH) throw new BadInputError('limit', `limit must be a whole number from 1 to ${MAX_LEASE_BATCH}.`);
  const now = deps.clock.now();
  const tokens = Array.from({ length: input.limit }, () => randomBytes(24).toString('base64url'));
  const params: unknown[] = [input.types, input.limit, tokens.map(sha256), worker, new Date(now.getTime() + input.leaseSeconds * 1000), now, scopeOf(actor)];
  // Given the call's audit (auditedStatement), its row is written by this same statement: one round trip.
  const audit = deps.audit ? `, ${deps.audit.cte('select id, n as ord from updated', 'operation_run', params)}` : '';
  const { rows } = await sql.query(
    `with next as (select id, created_at from operation_runs
                    where status = 'queued' and type = any($1::text[]) and ${IN_SCOPE('operation_runs', 7)}
                      -- an update that drains (server/updates/) holds new runs back while its lease is valid
                      and not exists (select 1 from update_runs u where u.state = 'running' and u.drain and u.lease_expires_at > $6)
                    order by created_at, id limit $2 for update skip locked),
          numbered as (select id, row_number() over (order by created_at, id) as n from next),
          tokens as (select * from unnest($3::text[]) with ordinality as t(hash, n)),
          updated as (update operation_runs r set status = 'running', lease_worker = $4, lease_token_hash = tokens.hash, lease_expires_at = $5,
                             last_heartbeat_at = $6, started_at = coalesce(r.started_at, $6),
                             -- a requeued run records when this attempt was leased (lease-history.ts)
                             context = case when r.context ? 'dispatch' then jsonb_set(r.context, '{dispatch,leasedAt}', to_jsonb($6::timestamptz)) else r.context end
                        from numbered join tokens using (n) where r.id = numbered.id
                      returning r.*, numbered.n),
          -- the worker is seen now; one unknown so far is registered with these types
          touched as (insert into workers (name, types, capacity, registered_at, last_heartbeat_at) values ($4, $1::text[], 1, $6, $6)
                      on conflict (name) do update set last_heartbeat_at = excluded.last_heartbeat_at)${audit}
     ${JOIN_UPDATED} order by u.n`,
    params,
  );
  const claimed = rows.map((r) => ({ run: toRunRow(r, deps.classifier, now), leaseToken: tokens[Number(r.n) - 1] }));
  recordRunChanges(events, claimed.map((c) => c.run), now);
  return claimed;
}

export interface LeaseRef {
  id: number;
  leaseToken: string;
}

/**
 * Why each run that an update left alone was refused: gone, not the current lease, or expired. A run
 * of a workspace the caller may not use is read as gone: the same NOT_FOUND, by the same query.
 */
async function refusals(sql: SqlClient, scope: string[] | null, refs: LeaseRef[]): Promise<Map<number, LookoutError>> {
  const reasons = new Map<number, LookoutError>();
  if (!refs.length) return reasons;
  const { rows } = await sql.query<{ id: string; status: string; lease_token_hash: string | null; lease_expires_at: Date | null }>(
    `select id, status, lease_token_hash, lease_expires_at from operation_runs where id = any($1::bigint[]) and ${IN_SCOPE('operation_runs', 2)}`,
    [refs.map((r) => r.id), scope],
  );
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  for (const ref of refs) {
    const run = byId.get(ref.id);
    if (!run) reasons.set(ref.id, new NotFoundError('Operation', `#${ref.id}`));
    else if (run.status !== 'running' || run.lease_token_hash !== sha256(ref.leaseToken)) {
      reasons.set(ref.id, new ConflictError(`The lease token is not the current lease of Operation #${ref.id} (it was re-queued, cancelled, completed or leased to another worker); nothing changed.`, { field: 'leaseToken' }));
    } else {
      const expired = run.lease_expires_at ? new Date(run.lease_expires_at).toISOString() : 'an earlier time';
      reasons.set(ref.id, new ConflictError(`The lease of Operation #${ref.id} expired at ${expired}; nothing changed.`, { field: 'leaseToken' }));
    }
  }
  return reasons;
}

async function applyToLeases(sql: SqlClient, scope: string[] | null, refs: LeaseRef[], now: Date, classifier: StuckRunClassifier, rows: Record<string, unknown>[]): Promise<LeaseResult[]> {
  const done = new Map(rows.map((r) => [Number(r.id), toRunRow(r, classifier, now)]));
  const reasons = await refusals(sql, scope, refs.filter((r) => !done.has(r.id)));
  return refs.map((ref) => {
    const run = done.get(ref.id);
    return run ? { id: ref.id, run, refused: null } : { id: ref.id, run: null, refused: reasons.get(ref.id)! };
  });
}

function validateRefs(refs: LeaseRef[], batchField?: string): void {
  if (batchField) validateBatch(refs.length, batchField);
  const seen = new Set<number>();
  refs.forEach((ref, i) => {
    if (seen.has(ref.id)) throw new BadInputError(fieldPath(batchField, i)('id'), `Operation #${ref.id} appears twice in this call.`);
    seen.add(ref.id);
  });
}

/** Extends the leases of runs (in the caller's workspaces) whose current lease token is given; the others are refused, unchanged. */
export async function heartbeatRuns(
  sql: SqlClient,
  actor: Pick<Actor, 'workspaces'> | null,
  refs: LeaseRef[],
  leaseSeconds: number,
  deps: { clock: Clock; classifier: StuckRunClassifier; batchField?: string; audit?: StatementAudit },
): Promise<LeaseResult[]> {
  validateLeaseSeconds(leaseSeconds);
  validateRefs(refs, deps.batchField);
  const now = deps.clock.now();
  const scope = scopeOf(actor);
  const params: unknown[] = [refs.map((r) => r.id), refs.map((r) => sha256(r.leaseToken)), now, new Date(now.getTime() + leaseSeconds * 1000), scope];
  // Given the call's audit (auditedStatement), its row is written by this same statement: one round trip.
  const audit = deps.audit ? `, ${deps.audit.cte('select u.id, h.ord from updated u join h using (id)', 'operation_run', params)}` : '';
  const { rows } = await sql.query(
    `with h as (select * from unnest($1::bigint[], $2::text[]) with ordinality as h(id, hash, ord)),
          updated as (update operation_runs r set last_heartbeat_at = $3, lease_expires_at = $4
                        from h where r.id = h.id and r.status = 'running' and r.lease_token_hash = h.hash and r.lease_expires_at > $3 and ${IN_SCOPE('r', 5)}
                      returning r.*),
          touched as (update workers set last_heartbeat_at = $3 where name in (select lease_worker from updated))${audit}
     ${JOIN_UPDATED}`,
    params,
  );
  return applyToLeases(sql, scope, refs, now, deps.classifier, rows);
}

export interface Completion extends LeaseRef {
  outcome: 'succeeded' | 'failed';
  result?: unknown;
  error?: string | null;
}

/** Finishes runs (in the caller's workspaces) whose current lease token is given, with their outcome; the others are refused, unchanged. */
export async function completeRuns(
  sql: SqlClient,
  events: TransactionEvents,
  actor: Pick<Actor, 'workspaces'> | null,
  completions: Completion[],
  deps: { clock: Clock; classifier: StuckRunClassifier; batchField?: string; audit?: StatementAudit },
): Promise<LeaseResult[]> {
  validateRefs(completions, deps.batchField);
  completions.forEach((c, i) => {
    if (c.outcome === 'failed' && !c.error?.trim()) throw new BadInputError(fieldPath(deps.batchField, i)('error'), `Say why Operation #${c.id} failed (error).`);
  });
  const now = deps.clock.now();
  const rows = JSON.stringify(
    completions.map((c) => ({
      id: c.id,
      hash: sha256(c.leaseToken),
      outcome: c.outcome,
      result: c.result ?? null,
      error: c.outcome === 'failed' ? c.error!.slice(0, 10_000) : null,
    })),
  );
  const scope = scopeOf(actor);
  const params: unknown[] = [rows, now, scope];
  // Given the call's audit (auditedStatement), its row is written by this same statement: one round trip.
  const audit = deps.audit ? `, ${deps.audit.cte('select u.id, c.ord from updated u join c using (id)', 'operation_run', params)}` : '';
  const { rows: updated } = await sql.query(
    `with c as (select * from rows from (jsonb_to_recordset($1::jsonb) as (id bigint, hash text, outcome text, result jsonb, error text)) with ordinality as c(id, hash, outcome, result, error, ord)),
          updated as (update operation_runs r set status = 'completed', outcome = c.outcome, result = c.result, error = c.error, completed_at = $2,
                             lease_token_hash = null, lease_expires_at = null
                        from c where r.id = c.id and r.status = 'running' and r.lease_token_hash = c.hash and r.lease_expires_at > $2 and ${IN_SCOPE('r', 3)}
                      returning r.*)${audit}
     ${JOIN_UPDATED}`,
    params,
  );
  const results = await applyToLeases(sql, scope, completions, now, deps.classifier, updated);
  recordRunChanges(events, results.flatMap((r) => (r.run ? [r.run] : [])), now);
  return results;
}

/** The one result of a single-run call: its run, or its refusal thrown. */
export function only(results: LeaseResult[]): RunRow {
  const [result] = results;
  if (result.refused) throw result.refused;
  return result.run;
}

/** What subscribers are told of a swept run (the sweep's caller records it: operations.ts). */
type SweptRun = Pick<OperationRun, 'id' | 'workspaceId' | 'tenantId' | 'type' | 'status' | 'outcome'>;

/**
 * How long after a lease expires the sweep (every 10 s, server/job-registry.ts) acts on it. The
 * worker's heartbeat or completion is refused from the moment its lease expires, so this is no second
 * chance for the worker: it absorbs clock differences between replicas, and leaves the run on the
 * Stuck list as "lease expired" for a while before it moves. A run is requeued (or failed) 30–40 s
 * after its lease expired.
 */
export const LEASE_SWEEP_GRACE_MS = 30_000;

/** Leases that expired before this are swept: the look and the sweep judge by the one cutoff. */
const sweepCutoff = (clock: Clock, graceMs: number) => new Date(clock.now().getTime() - graceMs);

const LEASE_EXPIRED = prepared(
  'lease-sweep-due',
  `select exists (select 1 from operation_runs where status = 'running' and lease_expires_at < $1) as due`,
);

/**
 * Whether any running run's lease expired over `graceMs` ago: one indexed statement, outside any
 * transaction, before the sweep's transaction (three statements and the ORM every 10 s on a replica
 * with nothing to sweep, the usual case). A lease that expires just after it is swept next time, as
 * it would have been.
 */
export async function leaseSweepDue(sql: pg.Pool, clock: Clock, graceMs = LEASE_SWEEP_GRACE_MS): Promise<boolean> {
  const { rows } = await runPrepared<{ due: boolean }>(sql, LEASE_EXPIRED, [sweepCutoff(clock, graceMs)]);
  return rows[0].due;
}

/** Who the audit log names for what the sweep does. */
export const LEASE_SWEEP_ACTOR = 'lease sweep';

/** One expired run as the sweep reads it, locked: what it needs to decide and to record the lapse. */
interface ExpiredRow {
  id: string | number;
  workspace_id: number;
  tenant_id: number | null;
  type: string;
  outcome: OperationRun['outcome'];
  attempt: number;
  lease_worker: string | null;
  lease_token_hash: string | null;
  /** Timestamps come as the ORM's connection gives them (text), or as dates. */
  lease_expires_at: Date | string | null;
  last_heartbeat_at: Date | string | null;
  started_at: Date | string | null;
  dispatch: unknown;
}

/** What the sweep does to one run, decided under its row lock. */
interface SweepPlan {
  id: number;
  /** The lease it found: the write re-checks it, so a run changed meanwhile is left alone. */
  attempt: number;
  token: string | null;
  requeue: boolean;
  dispatch: DispatchRecord;
  error: string | null;
  swept: SweptRun;
  action: SystemAction;
}

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

/**
 * Runs whose lease expired over `graceMs` ago: back to the queue (next attempt) while the type's
 * policy allows, otherwise failed. Each run keeps what happened to the lapsed lease
 * (lease-history.ts) and gets an audit row by the system (operations.run.requeue or
 * operations.run.fail), in the same transaction. Returns the ids it changed, and the changed runs
 * to publish.
 *
 * Each run is taken under its row lock (`for update skip locked`), and the write re-checks that it is
 * still that running, expired lease: an operator's cancel or triage, a claim or another sweep that
 * holds or changed the run wins, and the run is left alone (no audit row, no event). The write sets
 * only the columns the sweep owns and merges its `dispatch` record into `context`, never rewriting
 * the rest of it (the operators' triage notes live there).
 */
export async function sweepExpiredLeases(
  em: EntityManager,
  catalog: OperationCatalog,
  clock: Clock,
  graceMs = LEASE_SWEEP_GRACE_MS,
): Promise<{ requeued: number[]; failed: number[]; runs: SweptRun[] }> {
  // The row locks hold until the transaction ends: called outside one, the sweep opens its own.
  if (!em.isInTransaction()) return em.transactional((tx) => sweepExpiredLeases(tx as EntityManager, catalog, clock, graceMs));
  const now = clock.now();
  const cutoff = sweepCutoff(clock, graceMs);
  const query = async <R>(text: string, params: unknown[]) => (await em.getKysely().executeQuery<R>(CompiledQuery.raw(text, params))).rows;
  // A run another transaction holds (a cancel, a triage note, a claim, another sweep) is skipped: the
  // next sweep finds it as that transaction left it.
  const expired = await query<ExpiredRow>(
    `select id, workspace_id, tenant_id, type, outcome, attempt, lease_worker, lease_token_hash, lease_expires_at, last_heartbeat_at, started_at,
            context->'dispatch' as dispatch
       from operation_runs where status = 'running' and lease_expires_at < $1
      order by id for update skip locked`,
    [cutoff],
  );
  const plans: SweepPlan[] = expired.map((run) => {
    const id = Number(run.id);
    const policy = catalog.get(run.type);
    const worker = run.lease_worker;
    const record = dispatchRecord({ dispatch: run.dispatch });
    const requeue = policy.onLeaseExpired === 'requeue' && run.attempt < policy.maxAttempts;
    const lapse: LeaseLapse = {
      attempt: run.attempt,
      worker: worker ?? null,
      leasedAt: record.leasedAt ?? iso(run.started_at),
      lastHeartbeatAt: iso(run.last_heartbeat_at),
      expiredAt: iso(run.lease_expires_at),
      sweptAt: now.toISOString(),
      outcome: requeue ? 'requeued' : 'failed',
    };
    const input = { id, worker, attempt: run.attempt, maxAttempts: policy.maxAttempts, leaseExpiredAt: lapse.expiredAt, onLeaseExpired: policy.onLeaseExpired };
    const base = { id, workspaceId: run.workspace_id, tenantId: run.tenant_id ?? null, type: run.type };
    if (requeue) {
      return {
        id, attempt: run.attempt, token: run.lease_token_hash, requeue, dispatch: withLapse(record, lapse), error: null,
        swept: { ...base, status: 'queued', outcome: run.outcome },
        action: { action: 'operations.run.requeue', target: { type: 'operation_run', id: String(id) }, input },
      };
    }
    const why = policy.onLeaseExpired === 'fail' ? 'its type fails a run whose lease expires' : `attempt ${run.attempt} of ${policy.maxAttempts} was the last`;
    const error = `The lease expired: worker ${worker ?? '?'} stopped heartbeating (attempt ${run.attempt} of ${policy.maxAttempts}; ${why}).`;
    return {
      id, attempt: run.attempt, token: run.lease_token_hash, requeue, dispatch: withLapse(record, lapse), error,
      swept: { ...base, status: 'completed', outcome: 'failed' },
      action: { action: 'operations.run.fail', target: { type: 'operation_run', id: String(id) }, input: { ...input, error } },
    };
  });
  const changed = { requeued: [] as number[], failed: [] as number[], runs: [] as SweptRun[] };
  if (!plans.length) return changed;
  // One statement for every run; it re-checks each one's lease (the lock already holds it; the check
  // keeps the statement right by itself) and adds the lapse to `context` without replacing the rest.
  const written = await query<{ id: string | number }>(
    `with s as (select * from jsonb_to_recordset($1::jsonb) as s(id bigint, attempt int, token text, requeue boolean, dispatch jsonb, error text))
     update operation_runs r
        set context = r.context || jsonb_build_object('dispatch', s.dispatch),
            lease_token_hash = null, lease_expires_at = null,
            status = case when s.requeue then 'queued' else 'completed' end,
            attempt = case when s.requeue then r.attempt + 1 else r.attempt end,
            lease_worker = case when s.requeue then null else r.lease_worker end,
            outcome = case when s.requeue then r.outcome else 'failed' end,
            error = case when s.requeue then r.error else s.error end,
            completed_at = case when s.requeue then r.completed_at else $2::timestamptz end
       from s
      where r.id = s.id and r.status = 'running' and r.attempt = s.attempt and r.lease_token_hash is not distinct from s.token
        and r.lease_expires_at < $3
     returning r.id`,
    [JSON.stringify(plans.map((p) => ({ id: p.id, attempt: p.attempt, token: p.token, requeue: p.requeue, dispatch: p.dispatch, error: p.error }))), now, cutoff],
  );
  const done = new Set(written.map((r) => Number(r.id)));
  const actions: SystemAction[] = [];
  for (const plan of plans.filter((p) => done.has(p.id))) {
    (plan.requeue ? changed.requeued : changed.failed).push(plan.id);
    actions.push(plan.action);
    em.create(DispatchEvent, { at: now, kind: 'lease_expired', workspaceId: plan.swept.workspaceId, runId: plan.id });
    changed.runs.push(plan.swept);
  }
  await em.flush();
  await recordSystemActions(em, clock, LEASE_SWEEP_ACTOR, actions);
  return changed;
}
