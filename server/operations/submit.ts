/**
 * Submitting runs: one or a batch, idempotent per workspace. A batch is all or nothing: bad input or
 * an idempotency conflict anywhere refuses the whole batch, naming the entry, and creates nothing.
 * New runs and their idempotency keys are written by one statement; nothing is read back.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { SqlClient } from '../db/sql.ts';
import type { StatementAudit } from '../audit/audit.ts';
import type { TransactionEvents } from '../events/after-commit.ts';
import type { Actor } from '../auth/actor.ts';
import type { Clock } from '../clock.ts';
import { BadInputError, ConflictError, fieldPath, type BatchField } from '../errors.ts';
import { TYPE_PATTERN } from './catalog.ts';
import { recordDispatchEvents, type DispatchEventRow } from './dispatch-log.ts';
import { recordRunChanges } from './run-events.ts';
import { runRowsById, type RunRow } from './runs.ts';
import type { StuckRunClassifier } from './stuck.ts';
import { assertWorkspaceAccess, validateSlug, type Place, type WorkspaceDirectory } from './workspaces.ts';

export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
const MAX_INPUT_BYTES = 256 * 1024;
/** The most runs one `submitRuns` call may queue. */
export const MAX_SUBMIT_BATCH = 500;

/** JSON with sorted keys: the same input always hashes the same. */
function stableStringify(value: unknown): string {
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
  run: RunRow;
  /** True when the idempotency key matched an earlier submission with the same input. */
  replay: boolean;
}

export interface Prepared {
  type: string;
  workspace: string;
  tenant: string | null;
  input: unknown;
  key: string | null;
  initiator: string | null;
  context: Record<string, unknown>;
  /** Hash of type, tenant and input: what "the same submission" means for an idempotency key. */
  inputHash: string;
}

/** The largest `result` a run is completed with: as large as its input may be. */
export const MAX_RESULT_BYTES = MAX_INPUT_BYTES;

/**
 * Refuses a completion's result over MAX_RESULT_BYTES, naming `field`: every read of the run (each
 * list, each subscriber of its changes) carried it — 3.5 MB results made a page of 60 run ids cost
 * 150 MB and a second, and a completion with 100 subscribers 9 s of CPU.
 */
export function checkRunResult(result: unknown, field: string): void {
  if (result === undefined || result === null) return;
  const bytes = Buffer.byteLength(JSON.stringify(result));
  if (bytes > MAX_RESULT_BYTES) throw new BadInputError(field, `${field} is larger than ${MAX_RESULT_BYTES / 1024} KiB (${Math.ceil(bytes / 1024).toLocaleString('en')} KiB); store a large result elsewhere and give its address.`);
}

function prepare(actor: Actor | null, entry: SubmitInput, field: BatchField): Prepared {
  const type = entry.type.trim();
  if (!TYPE_PATTERN.test(type)) throw new BadInputError(field('type'), `type must be a lower-case name such as "billing.invoice", got ${JSON.stringify(entry.type)}.`);
  const workspace = validateSlug(entry.workspace, field('workspace'));
  assertWorkspaceAccess(actor, workspace);
  const tenant = entry.tenant ? validateSlug(entry.tenant, field('tenant')) : null;
  const input = entry.input ?? {};
  const text = stableStringify(input);
  if (Buffer.byteLength(text) > MAX_INPUT_BYTES) throw new BadInputError(field('input'), `input is larger than ${MAX_INPUT_BYTES / 1024} KiB.`);
  const key = entry.idempotencyKey?.trim() || null;
  if (key !== null && key.length > 200) throw new BadInputError(field('idempotencyKey'), 'idempotencyKey must be at most 200 characters.');
  const initiator = (entry.initiatorName?.trim() || actor?.label || null)?.slice(0, 200) ?? null;
  const inputHash = createHash('sha256').update(`${type}\n${tenant ?? ''}\n${text}`).digest('hex');
  return { type, workspace, tenant, input, key, initiator, context: entry.context ?? {}, inputHash };
}

export interface SubmitDeps {
  clock: Clock;
  /** The pool: workspaces are created outside the submission's transaction (see WorkspaceDirectory). */
  pool: pg.Pool;
  workspaces: WorkspaceDirectory;
  classifier: StuckRunClassifier;
  /** The batch argument's name (`runs`), so errors name the entry; omitted for a single submission. */
  batchField?: string;
  /**
   * The call's audit row, to be written by the statement that creates the runs (auditedStatement):
   * only for entries without idempotency keys, whose submission is that one statement.
   */
  audit?: StatementAudit;
}

/**
 * Queues runs (in the caller's transaction; the new runs are announced on `events`). Entries whose
 * idempotency key was used in the last 24 h with the same input return the original run as a
 * replay; with a different input the whole call is refused with CONFLICT and nothing is created.
 */
/** A submission checked, and its workspaces and tenants found (or made), before its transaction. */
export interface ReadySubmission {
  prepared: Prepared[];
  places: Place[];
  now: Date;
}

/**
 * Checks a submission and finds its workspaces and tenants, making the new ones — on the pool,
 * before the submission's transaction takes a connection: made inside it, each submission held one
 * connection and asked the pool for another, and a dozen at once (new tenants, or a workspace not
 * yet cached after a restart) held every connection while each waited: every request of the
 * process failed with SERVICE_UNAVAILABLE for 10 s.
 */
export async function readySubmission(actor: Actor | null, entries: SubmitInput[], deps: Pick<SubmitDeps, 'clock' | 'pool' | 'workspaces' | 'batchField'>): Promise<ReadySubmission> {
  if (entries.length > MAX_SUBMIT_BATCH) throw new BadInputError(deps.batchField ?? 'runs', `Submit at most ${MAX_SUBMIT_BATCH} runs at a time, got ${entries.length}.`);
  const prepared = entries.map((entry, i) => prepare(actor, entry, fieldPath(deps.batchField, i)));
  const now = deps.clock.now();
  return { prepared, places: await deps.workspaces.resolve(deps.pool, prepared, now), now };
}

/**
 * An idempotency key used with another input: refused, nothing created. Its dispatch events (the
 * conflicts counted) are recorded once the transaction rolled back (`recordRefusal`): written inside
 * it they would go with it, and written on the pool meanwhile they asked for a second connection.
 */
export class IdempotencyConflict extends ConflictError {
  readonly dispatchEvents: DispatchEventRow[];
  readonly at: Date;
  constructor(message: string, details: Record<string, unknown>, dispatchEvents: DispatchEventRow[], at: Date) {
    super(message, details);
    this.dispatchEvents = dispatchEvents;
    this.at = at;
  }
}

/** After a submission was refused and its transaction rolled back: counts its idempotency conflicts. */
export async function recordRefusal(pool: SqlClient, error: unknown): Promise<void> {
  if (error instanceof IdempotencyConflict) await recordDispatchEvents(pool, error.at, error.dispatchEvents);
}

export async function submitRuns(sql: SqlClient, events: TransactionEvents, actor: Actor | null, entries: SubmitInput[], deps: SubmitDeps, ready?: ReadySubmission): Promise<Submitted[]> {
  const { prepared, places, now } = ready ?? (await readySubmission(actor, entries, deps));
  // Keys are checked and stored under a lock held to the end of a transaction: not one statement.
  if (deps.audit && prepared.some((p) => p.key !== null)) throw new Error('submitRuns: entries with idempotency keys need a transaction (auditedSql), not one audited statement');

  // Idempotency: the original run of every key seen in the last 24 h (keys locked for this transaction,
  // so two submissions of one new key cannot both create a run).
  const keyOf = (i: number) => `${places[i].workspace.id}:${prepared[i].key}`;
  const keyed = prepared.map((p, i) => ({ p, i, workspaceId: places[i].workspace.id })).filter((k) => k.p.key !== null);
  const firstOfKey = new Map<string, number>();
  const replayOf = new Map<number, number>(); // entry index → run id
  const conflicts: { i: number; runId: number | null }[] = [];
  if (keyed.length) {
    const ids = keyed.map((k) => k.workspaceId);
    const keys = keyed.map((k) => k.p.key!);
    await sql.query(
      `select pg_advisory_xact_lock(h) from (select distinct hashtextextended(w::text || ':' || k, 0) as h from unnest($1::int[], $2::text[]) as x(w, k) order by h) locks`,
      [ids, keys],
    );
    const { rows: existing } = await sql.query<{ workspace_id: number; key: string; run_id: string; input_hash: string; created_at: Date }>(
      `select i.workspace_id, i.key, i.run_id, i.input_hash, i.created_at from idempotency_keys i
         join unnest($1::int[], $2::text[]) as x(w, k) on i.workspace_id = x.w and i.key = x.k`,
      [ids, keys],
    );
    const live = new Map<string, { runId: number; inputHash: string }>();
    const expired: typeof existing = [];
    for (const row of existing) {
      if (new Date(row.created_at).getTime() > now.getTime() - IDEMPOTENCY_TTL_MS) live.set(`${row.workspace_id}:${row.key}`, { runId: Number(row.run_id), inputHash: row.input_hash });
      else expired.push(row);
    }
    if (expired.length) {
      await sql.query('delete from idempotency_keys i using unnest($1::int[], $2::text[]) as x(w, k) where i.workspace_id = x.w and i.key = x.k', [
        expired.map((r) => r.workspace_id),
        expired.map((r) => r.key),
      ]);
    }
    for (const { p, i } of keyed) {
      const id = keyOf(i);
      const earlier = live.get(id);
      const sameBatch = firstOfKey.get(id);
      if (earlier) {
        if (earlier.inputHash !== p.inputHash) conflicts.push({ i, runId: earlier.runId });
        else replayOf.set(i, earlier.runId);
      } else if (sameBatch !== undefined) {
        if (prepared[sameBatch].inputHash !== p.inputHash) conflicts.push({ i, runId: null });
      } else firstOfKey.set(id, i);
    }
    if (conflicts.length) {
      const { i, runId } = conflicts[0];
      const p = prepared[i];
      const with_ = runId === null ? `by another entry of this batch` : `(run ${runId})`;
      throw new IdempotencyConflict(
        `The idempotency key "${p.key}" was already used in workspace "${p.workspace}" with a different input ${with_}; nothing was created.`,
        { field: fieldPath(deps.batchField, i)('idempotencyKey'), runId },
        conflicts.map((c) => ({ kind: 'idempotency_conflict', workspaceId: places[c.i].workspace.id, runId: c.runId })),
        now,
      );
    }
  }

  // The entry that creates each run: itself, or the first entry of this batch with its key.
  const creator = prepared.map((p, i) => (p.key === null ? i : (firstOfKey.get(keyOf(i)) ?? i)));
  // New runs: every entry that is neither a replay nor a repeat of a key earlier in this batch.
  const fresh = prepared.map((p, i) => ({ p, i })).filter(({ i }) => !replayOf.has(i) && creator[i] === i);
  const newIds = new Map<number, number>();
  if (fresh.length) {
    const rows = JSON.stringify(
      fresh.map(({ p, i }) => ({
        ord: i,
        workspace_id: places[i].workspace.id,
        tenant_id: places[i].tenant?.id ?? null,
        initiator_name: p.initiator,
        type: p.type,
        context: p.context,
        input: p.input,
        idempotency_key: p.key,
        input_hash: p.inputHash,
      })),
    );
    const params: unknown[] = [rows, now];
    // Given the call's audit (auditedStatement), its row is written by this same statement: one round trip.
    const audit = deps.audit ? `, ${deps.audit.cte('select id, ord from ids', 'operation_run', params)}` : '';
    const { rows: inserted } = await sql.query<{ ord: number; id: string }>(
      `with x as (select * from jsonb_to_recordset($1::jsonb) as x(ord int, workspace_id int, tenant_id int, initiator_name text, type text,
                                                             context jsonb, input jsonb, idempotency_key text, input_hash text)),
            ids as (select ord, nextval(pg_get_serial_sequence('operation_runs', 'id')) as id from (select ord from x order by ord) o),
            runs as (insert into operation_runs (id, workspace_id, tenant_id, initiator_name, type, status, outcome, context, input, attempt, idempotency_key, input_hash, created_at)
                     select ids.id, x.workspace_id, x.tenant_id, x.initiator_name, x.type, 'queued', 'pending', x.context, x.input, 1, x.idempotency_key, x.input_hash, $2
                       from x join ids using (ord)),
            keys as (insert into idempotency_keys (workspace_id, key, run_id, input_hash, created_at)
                     select x.workspace_id, x.idempotency_key, ids.id, x.input_hash, $2 from x join ids using (ord) where x.idempotency_key is not null)${audit}
       select ord, id from ids`,
      params,
    );
    for (const r of inserted) newIds.set(r.ord, Number(r.id));
  }

  // Replays: of an earlier submission, or of an entry earlier in this batch with the same key and input.
  const replays: DispatchEventRow[] = prepared.flatMap((_p, i) => {
    const runId = replayOf.get(i) ?? (creator[i] !== i ? newIds.get(creator[i])! : undefined);
    return runId === undefined ? [] : [{ kind: 'idempotency_replay' as const, workspaceId: places[i].workspace.id, runId }];
  });
  await recordDispatchEvents(sql, now, replays);
  const originals = replayOf.size ? await runRowsById(sql, [...new Set(replayOf.values())], deps.classifier, now) : new Map<number, RunRow>();

  const submitted = prepared.map((p, i): Submitted => {
    const replayed = replayOf.get(i);
    if (replayed !== undefined) return { run: originals.get(replayed)!, replay: true };
    const first = creator[i];
    const id = newIds.get(first)!;
    const run: RunRow = {
      id,
      workspace: places[i].workspace,
      tenant: places[i].tenant,
      initiatorName: p.initiator,
      type: p.type,
      status: 'queued',
      outcome: 'pending',
      context: p.context,
      input: p.input,
      result: null,
      error: null,
      attempt: 1,
      leaseWorker: null,
      leaseExpiresAt: null,
      lastHeartbeatAt: null,
      idempotencyKey: p.key,
      retryOfRunId: null,
      retriedById: null,
      createdAt: now,
      startedAt: null,
      completedAt: null,
      stuck: null,
    };
    run.stuck = deps.classifier.classify(run, now);
    // A later entry of this batch with the same key and input is a replay of the first.
    return { run, replay: first !== i };
  });
  recordRunChanges(events, submitted.filter((s) => !s.replay).map((s) => s.run), now);
  return submitted;
}
