/**
 * Dispatch for workers: idempotent submission, claims with leases (`FOR UPDATE SKIP LOCKED`, so two
 * workers never get the same run), heartbeats, completion, worker registration, and the sweep that
 * re-queues or fails runs whose lease expired. A stale or foreign lease token changes nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../auth/actor.ts';
import type { Clock } from '../clock.ts';
import { BadInputError, ConflictError, NotFoundError } from '../errors.ts';
import { sha256 } from '../auth/secrets.ts';
import { TYPE_PATTERN, type OperationCatalog } from './catalog.ts';
import { DispatchEvent, OperationRun, Worker } from './entities.ts';
import { assertWorkspaceAccess, resolveWorkspace, validateSlug } from './workspaces.ts';

export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
const MAX_INPUT_BYTES = 256 * 1024;

/** JSON with sorted keys: the same input always hashes the same. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export interface SubmitInput {
  type: string;
  workspace: string;
  tenant?: string | null;
  input?: unknown;
  idempotencyKey?: string | null;
  initiatorName?: string | null;
  context?: Record<string, unknown> | null;
}

export interface Submitted {
  run: OperationRun;
  /** True when the idempotency key matched an earlier submission with the same input. */
  replay: boolean;
}

/** Records replays and conflicts outside the caller's transaction: a refused submission still counts. */
async function recordEvent(em: EntityManager, kind: string, at: Date, workspaceId: number | null, runId: number | null): Promise<void> {
  await em.getConnection().execute('insert into dispatch_events (at, kind, workspace_id, run_id) values (?, ?, ?, ?)', [at, kind, workspaceId, runId]);
}

export async function submitRun(em: EntityManager, actor: Actor | null, input: SubmitInput, clock: Clock): Promise<Submitted> {
  const type = input.type.trim();
  if (!TYPE_PATTERN.test(type)) throw new BadInputError('type', `type must be a lower-case name such as "billing.invoice", got ${JSON.stringify(input.type)}.`);
  assertWorkspaceAccess(actor, validateSlug(input.workspace, 'workspace'));
  const payload = input.input ?? {};
  const text = stableStringify(payload);
  if (Buffer.byteLength(text) > MAX_INPUT_BYTES) throw new BadInputError('input', `input is larger than ${MAX_INPUT_BYTES / 1024} KiB.`);
  const key = input.idempotencyKey?.trim() || null;
  if (key !== null && key.length > 200) throw new BadInputError('idempotencyKey', 'idempotencyKey must be at most 200 characters.');
  const initiator = input.initiatorName?.trim() || actor?.label || null;
  const now = clock.now();
  const { workspace, tenant } = await resolveWorkspace(em, input.workspace, input.tenant, clock);
  const inputHash = createHash('sha256').update(`${type}\n${tenant?.id ?? ''}\n${text}`).digest('hex');
  const tx = em.getTransactionContext();

  if (key !== null) {
    const [existing] = await em.getConnection().execute<{ run_id: string; input_hash: string; created_at: Date }[]>(
      'select run_id, input_hash, created_at from idempotency_keys where workspace_id = ? and key = ? for update',
      [workspace.id, key], 'all', tx,
    );
    if (existing && new Date(existing.created_at).getTime() > now.getTime() - IDEMPOTENCY_TTL_MS) {
      const runId = Number(existing.run_id);
      if (existing.input_hash !== inputHash) {
        await recordEvent(em, 'idempotency_conflict', now, workspace.id, runId);
        throw new ConflictError(`The idempotency key "${key}" was already used in workspace "${workspace.slug}" with a different input (run ${runId}); nothing was created.`, { field: 'idempotencyKey', runId });
      }
      await recordEvent(em, 'idempotency_replay', now, workspace.id, runId);
      return { run: await em.findOneOrFail(OperationRun, { id: runId }), replay: true };
    }
    if (existing) await em.getConnection().execute('delete from idempotency_keys where workspace_id = ? and key = ?', [workspace.id, key], 'run', tx);
  }

  const run = em.create(OperationRun, {
    workspaceId: workspace.id,
    tenantId: tenant?.id ?? null,
    initiatorName: initiator,
    type,
    status: 'queued',
    outcome: 'pending',
    context: input.context ?? {},
    input: payload,
    result: null,
    attempt: 1,
    idempotencyKey: key,
    inputHash,
    createdAt: now,
  });
  await em.flush();
  if (key !== null) {
    await em.getConnection().execute(
      'insert into idempotency_keys (workspace_id, key, run_id, input_hash, created_at) values (?, ?, ?, ?, ?)',
      [workspace.id, key, run.id, inputHash, now], 'run', tx,
    );
  }
  return { run, replay: false };
}

export interface Claimed {
  run: OperationRun;
  /** Give it back with heartbeatRun and completeRun; it is stored only as a hash. */
  leaseToken: string;
}

async function touchWorker(em: EntityManager, name: string, types: string[], now: Date): Promise<void> {
  await em.getConnection().execute(
    `insert into workers (name, types, capacity, registered_at, last_heartbeat_at) values (?, ?, 1, ?, ?)
     on conflict (name) do update set last_heartbeat_at = excluded.last_heartbeat_at`,
    [name, `{${types.join(',')}}`, now, now], 'run', em.getTransactionContext(),
  );
}

function validateWorker(worker: string): string {
  const name = worker.trim();
  if (!name || name.length > 200) throw new BadInputError('worker', 'worker must be a name of 1–200 characters.');
  return name;
}

function validateLease(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 5 || seconds > 3600) throw new BadInputError('leaseSeconds', 'leaseSeconds must be a whole number from 5 to 3600.');
  return seconds;
}

/** The oldest queued run of these types (in the caller's workspaces), leased to `worker`; null when none. */
export async function claimRun(em: EntityManager, actor: Actor | null, worker: string, types: string[], leaseSeconds: number, clock: Clock): Promise<Claimed | null> {
  const name = validateWorker(worker);
  validateLease(leaseSeconds);
  if (!types.length) throw new BadInputError('types', 'Give at least one operation type the worker runs.');
  const bad = types.find((t) => !TYPE_PATTERN.test(t));
  if (bad !== undefined) throw new BadInputError('types', `${JSON.stringify(bad)} is not an operation type name.`);
  const now = clock.now();
  const token = randomBytes(24).toString('base64url');
  const scope = actor?.workspaces === null || actor === null ? '' : 'and workspace_id in (select id from workspaces where slug in (?))';
  const params: unknown[] = [types];
  if (scope) params.push(actor!.workspaces!.length ? [...actor!.workspaces!] : ['']);
  const rows = await em.getConnection().execute<{ id: string }[]>(
    `with next as (
       select id from operation_runs where status = 'queued' and type in (?) ${scope}
       order by created_at, id limit 1 for update skip locked)
     update operation_runs r set status = 'running', lease_worker = ?, lease_token_hash = ?,
            lease_expires_at = ?, last_heartbeat_at = ?, started_at = coalesce(r.started_at, ?)
       from next where r.id = next.id returning r.id`,
    [...params, name, sha256(token), new Date(now.getTime() + leaseSeconds * 1000), now, now],
    'all',
    em.getTransactionContext(),
  );
  await touchWorker(em, name, types, now);
  if (!rows.length) return null;
  return { run: await em.findOneOrFail(OperationRun, { id: Number(rows[0].id) }, { refresh: true }), leaseToken: token };
}

async function leasedRun(em: EntityManager, runId: number, leaseToken: string, now: Date): Promise<OperationRun> {
  const run = await em.findOne(OperationRun, { id: runId });
  if (!run) throw new NotFoundError('Operation', `#${runId}`);
  const current = run.status === 'running' && run.leaseTokenHash === sha256(leaseToken);
  if (!current) throw new ConflictError(`The lease token is not the current lease of Operation #${runId} (it was re-queued, cancelled, completed or leased to another worker); nothing changed.`, { field: 'leaseToken' });
  if (run.leaseExpiresAt && run.leaseExpiresAt <= now) throw new ConflictError(`The lease of Operation #${runId} expired at ${run.leaseExpiresAt.toISOString()}; nothing changed.`, { field: 'leaseToken' });
  return run;
}

export async function heartbeatRun(em: EntityManager, runId: number, leaseToken: string, leaseSeconds: number, clock: Clock): Promise<OperationRun> {
  validateLease(leaseSeconds);
  const now = clock.now();
  const run = await leasedRun(em, runId, leaseToken, now);
  run.lastHeartbeatAt = now;
  run.leaseExpiresAt = new Date(now.getTime() + leaseSeconds * 1000);
  if (run.leaseWorker) await touchWorker(em, run.leaseWorker, [run.type], now);
  await em.flush();
  return run;
}

export async function completeRun(
  em: EntityManager,
  runId: number,
  leaseToken: string,
  outcome: 'succeeded' | 'failed',
  result: unknown,
  error: string | null | undefined,
  clock: Clock,
): Promise<OperationRun> {
  const now = clock.now();
  const run = await leasedRun(em, runId, leaseToken, now);
  if (outcome === 'failed' && !error?.trim()) throw new BadInputError('error', 'Say why the operation failed (error).');
  run.status = 'completed';
  run.outcome = outcome;
  run.result = result ?? null;
  run.error = outcome === 'failed' ? error!.slice(0, 10_000) : null;
  run.completedAt = now;
  run.leaseTokenHash = null;
  run.leaseExpiresAt = null;
  await em.flush();
  return run;
}

export async function registerWorker(em: EntityManager, input: { name: string; types: string[]; capacity?: number | null }, clock: Clock): Promise<Worker> {
  const name = validateWorker(input.name);
  const bad = input.types.find((t) => !TYPE_PATTERN.test(t));
  if (bad !== undefined) throw new BadInputError('types', `${JSON.stringify(bad)} is not an operation type name.`);
  const capacity = input.capacity ?? 1;
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1000) throw new BadInputError('capacity', 'capacity must be a whole number from 1 to 1000.');
  const now = clock.now();
  await em.getConnection().execute(
    `insert into workers (name, types, capacity, registered_at, last_heartbeat_at) values (?, ?, ?, ?, ?)
     on conflict (name) do update set types = excluded.types, capacity = excluded.capacity, last_heartbeat_at = excluded.last_heartbeat_at`,
    [name, `{${input.types.join(',')}}`, capacity, now, now], 'run', em.getTransactionContext(),
  );
  return em.findOneOrFail(Worker, { name }, { refresh: true });
}

export const WORKER_ONLINE_MS = 60_000;

/**
 * Runs whose lease expired over `graceMs` ago: back to the queue (next attempt) while the type's
 * policy allows, otherwise failed. Returns the ids it changed.
 */
export async function sweepExpiredLeases(em: EntityManager, catalog: OperationCatalog, clock: Clock, graceMs = 30_000): Promise<{ requeued: number[]; failed: number[] }> {
  const now = clock.now();
  const expired = await em.find(OperationRun, { status: 'running', leaseExpiresAt: { $lt: new Date(now.getTime() - graceMs) } });
  const changed = { requeued: [] as number[], failed: [] as number[] };
  for (const run of expired) {
    const policy = catalog.get(run.type);
    const worker = run.leaseWorker;
    run.leaseTokenHash = null;
    run.leaseExpiresAt = null;
    if (policy.onLeaseExpired === 'requeue' && run.attempt < policy.maxAttempts) {
      run.status = 'queued';
      run.attempt += 1;
      run.leaseWorker = null;
      changed.requeued.push(run.id);
    } else {
      run.status = 'completed';
      run.outcome = 'failed';
      run.error = `The lease expired: worker ${worker ?? '?'} stopped heartbeating (attempt ${run.attempt} of ${policy.maxAttempts}).`;
      run.completedAt = now;
      changed.failed.push(run.id);
    }
    em.create(DispatchEvent, { at: now, kind: 'lease_expired', workspaceId: run.workspaceId, runId: run.id });
  }
  await em.flush();
  return changed;
}
