/**
 * The update runs' records (`update_runs`, `update_run_lines`): one running run at most across
 * replicas (a unique partial index), held by a lease its updater renews; a run whose lease ran out
 * (its updater crashed or was killed) is closed as abandoned by whoever looks next, so no lock is
 * ever left stuck. Each change of a run's steps and each batch of output lines is published on
 * `update.progress` after its transaction commits.
 */
import type pg from 'pg';
import { inTransaction, type SqlClient } from '../db/sql.ts';
import { Channels } from '../events/channels.ts';
import type { PubSub } from '../events/pubsub.ts';
import type { TransactionEvents } from '../events/after-commit.ts';
import { ConflictError, NotFoundError } from '../errors.ts';

export const UPDATE_STEPS = ['drain', 'fetch', 'prepare', 'install', 'build', 'migrate', 'start', 'ready', 'switch', 'stop-old'] as const;
export type UpdateStepName = (typeof UPDATE_STEPS)[number];
export type StepState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';
export type RunState = 'running' | 'succeeded' | 'failed' | 'abandoned';

export const STEP_LABELS: Record<UpdateStepName, string> = {
  drain: 'Drain: hand out no new operation runs, wait for the running ones',
  fetch: 'Fetch the new version',
  prepare: 'Prepare the new version beside the running one',
  install: 'Install dependencies',
  build: 'Build the dashboard',
  migrate: 'Apply database migrations',
  start: 'Start the new version',
  ready: 'Wait until it is ready',
  switch: 'Switch traffic to it',
  'stop-old': 'Stop the old version',
};

export interface UpdateStep {
  name: UpdateStepName;
  label: string;
  state: StepState;
  startedAt: string | null;
  finishedAt: string | null;
  /** One line: what it came to (or why it failed). */
  detail: string | null;
}

export interface UpdateRunRow {
  id: number;
  state: RunState;
  fromCommit: string;
  fromVersion: string;
  toCommit: string | null;
  toVersion: string | null;
  remote: string;
  branch: string;
  drain: boolean;
  requestedBy: string;
  replica: string;
  leaseExpiresAt: Date;
  startedAt: Date;
  finishedAt: Date | null;
  steps: UpdateStep[];
  failedStep: string | null;
  error: string | null;
  releaseRoot: string | null;
  migrationsBefore: string | null;
  appliedMigrations: string[];
}

export interface UpdateLine {
  seq: number;
  step: string;
  at: Date;
  line: string;
}

/** Lines kept per run; later ones are counted in one last line. */
export const MAX_LINES_PER_RUN = 5000;
/** Characters kept per line. */
export const MAX_LINE_LENGTH = 2000;

interface Row {
  id: string;
  state: RunState;
  from_commit: string;
  from_version: string;
  to_commit: string | null;
  to_version: string | null;
  remote: string;
  branch: string;
  drain: boolean;
  requested_by: string;
  replica: string;
  lease_expires_at: Date;
  started_at: Date;
  finished_at: Date | null;
  /** As stored: read it through readSteps. */
  steps: unknown;
  failed_step: string | null;
  error: string | null;
  release_root: string | null;
  migrations_before: string | null;
  applied_migrations: string[];
}

const STEP_STATES: readonly StepState[] = ['pending', 'running', 'succeeded', 'failed', 'skipped'];

/**
 * A run's steps as stored, made safe to use: `steps` is JSON that other versions of Lookout write
 * too (old and new share the database), so anything but a list of steps with a name is dropped, and
 * a state this version does not know is shown as skipped, saying what it was.
 */
export function readSteps(stored: unknown): UpdateStep[] {
  if (!Array.isArray(stored)) return [];
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return stored.flatMap((s: unknown) => {
    if (typeof s !== 'object' || s === null || typeof (s as { name?: unknown }).name !== 'string') return [];
    const step = s as Record<string, unknown>;
    const name = step.name as UpdateStepName;
    const known = STEP_STATES.includes(step.state as StepState);
    const detail = text(step.detail);
    return [{
      name,
      label: text(step.label) ?? STEP_LABELS[name] ?? name,
      state: known ? (step.state as StepState) : 'skipped',
      startedAt: text(step.startedAt),
      finishedAt: text(step.finishedAt),
      detail: known ? detail : `${detail ? `${detail} ` : ''}(stored as ${JSON.stringify(String(step.state)).slice(0, 40)}, a state this version of Lookout does not know)`,
    }];
  });
}

function toRun(r: Row): UpdateRunRow {
  return {
    id: Number(r.id),
    state: r.state,
    fromCommit: r.from_commit,
    fromVersion: r.from_version,
    toCommit: r.to_commit,
    toVersion: r.to_version,
    remote: r.remote,
    branch: r.branch,
    drain: r.drain,
    requestedBy: r.requested_by,
    replica: r.replica,
    leaseExpiresAt: r.lease_expires_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    steps: readSteps(r.steps),
    failedStep: r.failed_step,
    error: r.error,
    releaseRoot: r.release_root,
    migrationsBefore: r.migrations_before,
    appliedMigrations: r.applied_migrations,
  };
}

/** The steps of a new run, all pending (drain skipped unless asked for). */
export function initialSteps(drain: boolean): UpdateStep[] {
  return UPDATE_STEPS.map((name) => ({
    name,
    label: STEP_LABELS[name],
    state: name === 'drain' && !drain ? 'skipped' : 'pending',
    startedAt: null,
    finishedAt: null,
    detail: name === 'drain' && !drain ? 'not asked for: no operation run was queued or running' : null,
  }));
}

const progress = (events: TransactionEvents, runId: number, state: RunState, stepsChanged: boolean, lines: UpdateLine[] = []) =>
  events.record(Channels.updateProgress, { runId, state, stepsChanged, lines: lines.map((l) => ({ seq: l.seq, step: l.step, at: l.at.toISOString(), line: l.line })) });

/**
 * Closes runs whose lease has run out as abandoned (their updater is gone), saying so on the step
 * that was under way. Returns those it closed.
 */
export async function abandonExpired(pool: pg.Pool, pubsub: PubSub, now: Date): Promise<UpdateRunRow[]> {
  return inTransaction(
    pool,
    async (sql, events) => {
      const { rows } = await sql.query<Row>(`select * from update_runs where state = 'running' and lease_expires_at < $1 for update`, [now]);
      const closed: UpdateRunRow[] = [];
      for (const row of rows) {
        const reason = `its updater stopped (on ${row.replica}) without finishing: the lease ran out at ${row.lease_expires_at.toISOString()}`;
        const steps = readSteps(row.steps).map((s) => (s.state === 'running' ? { ...s, state: 'failed' as const, finishedAt: now.toISOString(), detail: reason } : s));
        const failed = readSteps(row.steps).find((s) => s.state === 'running')?.name ?? null;
        const { rows: updated } = await sql.query<Row>(
          `update update_runs set state = 'abandoned', finished_at = $2, steps = $3, failed_step = $4, error = $5 where id = $1 returning *`,
          [row.id, now, JSON.stringify(steps), failed, reason],
        );
        const run = toRun(updated[0]);
        progress(events, run.id, 'abandoned', true);
        closed.push(run);
      }
      return closed;
    },
    pubsub,
  );
}

export interface NewRun {
  fromCommit: string;
  fromVersion: string;
  toCommit: string;
  toVersion: string | null;
  remote: string;
  branch: string;
  drain: boolean;
  requestedBy: string;
  replica: string;
  leaseMs: number;
  now: Date;
}

/** Starts a run, or refuses (CONFLICT) while another is running; an expired one is closed first. */
export async function createRun(pool: pg.Pool, pubsub: PubSub, input: NewRun): Promise<UpdateRunRow> {
  await abandonExpired(pool, pubsub, input.now);
  try {
    return await inTransaction(
      pool,
      async (sql, events) => {
        const { rows } = await sql.query<Row>(
          `insert into update_runs (state, from_commit, from_version, to_commit, to_version, remote, branch, drain, requested_by, replica, lease_expires_at, started_at, steps)
           values ('running', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning *`,
          [input.fromCommit, input.fromVersion, input.toCommit, input.toVersion, input.remote, input.branch, input.drain, input.requestedBy, input.replica, new Date(input.now.getTime() + input.leaseMs), input.now, JSON.stringify(initialSteps(input.drain))],
        );
        const run = toRun(rows[0]);
        progress(events, run.id, 'running', true);
        return run;
      },
      pubsub,
    );
  } catch (error) {
    if ((error as { code?: string }).code !== '23505') throw error;
    const running = await currentRun(pool);
    throw new ConflictError(
      running
        ? `An update is already running (#${running.id}, to ${running.toVersion ?? running.toCommit?.slice(0, 12)}, started by ${running.requestedBy} at ${running.startedAt.toISOString()} on ${running.replica}): one at a time. Follow it with updateProgress.`
        : 'An update is already running: one at a time.',
      { updateRunId: running?.id ?? null },
    );
  }
}

/** Renews the run's lease; false when it is no longer running (abandoned by another replica meanwhile). */
export async function renewLease(sql: SqlClient, id: number, until: Date): Promise<boolean> {
  const { rowCount } = await sql.query(`update update_runs set lease_expires_at = $2 where id = $1 and state = 'running'`, [id, until]);
  return (rowCount ?? 0) > 0;
}

/** Changes one step (and, optionally, other columns of the run) in one statement. */
export async function updateStep(
  pool: pg.Pool,
  pubsub: PubSub,
  id: number,
  step: UpdateStepName,
  change: Partial<Pick<UpdateStep, 'state' | 'detail' | 'startedAt' | 'finishedAt'>>,
  columns: Partial<{ to_commit: string; to_version: string | null; release_root: string | null; migrations_before: string | null; applied_migrations: string[] }> = {},
): Promise<UpdateRunRow> {
  return inTransaction(
    pool,
    async (sql, events) => {
      const { rows } = await sql.query<Row>(`select * from update_runs where id = $1 for update`, [id]);
      if (!rows[0]) throw new NotFoundError('Update run', `#${id}`);
      const steps = readSteps(rows[0].steps).map((s) => (s.name === step ? { ...s, ...change } : s));
      const names = Object.keys(columns);
      const sets = names.map((name, i) => `"${name}" = $${i + 3}`);
      const { rows: updated } = await sql.query<Row>(`update update_runs set steps = $2${sets.length ? `, ${sets.join(', ')}` : ''} where id = $1 returning *`, [
        id,
        JSON.stringify(steps),
        ...names.map((n) => (columns as Record<string, unknown>)[n]),
      ]);
      const run = toRun(updated[0]);
      progress(events, id, run.state, true);
      return run;
    },
    pubsub,
  );
}

/** Ends the run: succeeded, or failed at `failedStep` with `error` (the steps it did not reach are marked skipped). */
export async function finishRun(pool: pg.Pool, pubsub: PubSub, id: number, outcome: { state: 'succeeded' } | { state: 'failed'; failedStep: string | null; error: string }, now: Date): Promise<UpdateRunRow> {
  return inTransaction(
    pool,
    async (sql, events) => {
      const { rows: current } = await sql.query<Row>(`select * from update_runs where id = $1 for update`, [id]);
      const steps = readSteps(current[0]?.steps).map((s) =>
        outcome.state === 'failed' && s.state === 'pending' ? { ...s, state: 'skipped' as const, detail: `not reached: ${outcome.failedStep ?? 'the update'} failed` } : s,
      );
      const { rows } = await sql.query<Row>(
        `update update_runs set state = $2, finished_at = $3, failed_step = $4, error = $5, steps = $6 where id = $1 and state = 'running' returning *`,
        [id, outcome.state, now, outcome.state === 'failed' ? outcome.failedStep : null, outcome.state === 'failed' ? outcome.error : null, JSON.stringify(steps)],
      );
      if (!rows[0]) throw new ConflictError(`Update run #${id} is no longer running (its lease ran out and another replica closed it).`);
      const run = toRun(rows[0]);
      progress(events, id, run.state, true);
      return run;
    },
    pubsub,
  );
}

/**
 * Appends output lines to a run (each cut at MAX_LINE_LENGTH; past MAX_LINES_PER_RUN one line says
 * how many more were left out), numbered after those it has.
 */
export async function appendLines(pool: pg.Pool, pubsub: PubSub, id: number, state: RunState, lines: { step: string; at: Date; line: string }[]): Promise<void> {
  if (!lines.length) return;
  await inTransaction(
    pool,
    async (sql, events) => {
      // The run's row is locked so that two appends (a late flush and the next) number in order.
      await sql.query(`select 1 from update_runs where id = $1 for update`, [id]);
      const { rows } = await sql.query<{ n: string }>(`select coalesce(max(seq), 0) as n from update_run_lines where run_id = $1`, [id]);
      let seq = Number(rows[0].n);
      const room = Math.max(0, MAX_LINES_PER_RUN - seq);
      const kept: UpdateLine[] = lines.slice(0, room).map((l) => ({ seq: ++seq, step: l.step, at: l.at, line: l.line.length > MAX_LINE_LENGTH ? `${l.line.slice(0, MAX_LINE_LENGTH - 1)}…` : l.line }));
      if (lines.length > room && seq === MAX_LINES_PER_RUN) {
        // The last line kept says that more were left out (once: later batches add nothing).
        kept.push({ seq: MAX_LINES_PER_RUN + 1, step: lines[room]?.step ?? 'output', at: lines[room]?.at ?? new Date(), line: `… later output not kept (a run keeps ${MAX_LINES_PER_RUN} lines)` });
      }
      if (!kept.length) return;
      await sql.query(
        `insert into update_run_lines (run_id, seq, step, at, line) select $1, * from unnest($2::int[], $3::text[], $4::timestamptz[], $5::text[]) on conflict do nothing`,
        [id, kept.map((l) => l.seq), kept.map((l) => l.step), kept.map((l) => l.at), kept.map((l) => l.line)],
      );
      progress(events, id, state, false, kept);
    },
    pubsub,
  );
}

/** Adds a note to a finished run's error (what a later recovery did about it). */
export async function noteOnRun(pool: pg.Pool, pubsub: PubSub, id: number, note: string): Promise<void> {
  await inTransaction(
    pool,
    async (sql, events) => {
      const { rows } = await sql.query<Row>(`update update_runs set error = coalesce(error || '; ', '') || $2 where id = $1 returning *`, [id, note]);
      if (rows[0]) progress(events, id, rows[0].state, true);
    },
    pubsub,
  );
}

export async function getRun(sql: SqlClient, id: number): Promise<UpdateRunRow | null> {
  const { rows } = await sql.query<Row>(`select * from update_runs where id = $1`, [id]);
  return rows[0] ? toRun(rows[0]) : null;
}

export async function currentRun(sql: SqlClient): Promise<UpdateRunRow | null> {
  const { rows } = await sql.query<Row>(`select * from update_runs where state = 'running' order by id desc limit 1`);
  return rows[0] ? toRun(rows[0]) : null;
}

export async function listRuns(sql: SqlClient, limit: number): Promise<UpdateRunRow[]> {
  const { rows } = await sql.query<Row>(`select * from update_runs order by id desc limit $1`, [limit]);
  return rows.map(toRun);
}

/** A run's lines after `afterSeq`, oldest first, at most `limit`. */
export async function runLines(sql: SqlClient, id: number, afterSeq: number, limit: number): Promise<UpdateLine[]> {
  const { rows } = await sql.query<{ seq: number; step: string; at: Date; line: string }>(
    `select seq, step, at, line from update_run_lines where run_id = $1 and seq > $2 order by seq limit $3`,
    [id, afterSeq, limit],
  );
  return rows.map((r) => ({ seq: r.seq, step: r.step, at: r.at, line: r.line }));
}
