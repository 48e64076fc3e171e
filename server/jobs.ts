/**
 * Periodic jobs run once per period across any number of replicas: each job is a row of
 * `periodic_jobs` with its next due time, and a replica runs it only after claiming that row
 * (`FOR UPDATE SKIP LOCKED`, a lease it renews while the run lasts). After the run the row moves
 * to the next period boundary and the claim is cleared; a dead replica's claim expires and the
 * job, still due, is run by another. The jobs themselves are declared in job-registry.ts.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import type { Clock } from './clock.ts';
import type { Logger } from './logger.ts';
import { reportDatabaseError } from './db/pool.ts';
import { prepared, runPrepared } from './db/sql.ts';
import { periodicJobs, type JobCapability, type JobName, type JobRuns } from './job-registry.ts';

/** One row per job; written only by the statements below. */
export const PeriodicJobRow = defineEntity({
  name: 'PeriodicJobRow',
  tableName: 'periodic_jobs',
  properties: {
    name: p.string().length(100).primary(),
    /** The period in force (the latest start-up's declaration): the next boundaries are computed from it. */
    everyMs: p.integer(),
    /** When it is next due; moves by whole periods from here, so runs do not drift. */
    nextRunAt: p.datetime(),
    /** The scheduler holding the claim (host:pid:random), null when none does. */
    claimedBy: p.text().nullable(),
    /** When the claim lapses unless renewed: another replica may then take the job. */
    claimedUntil: p.datetime().nullable(),
    lastStartedAt: p.datetime().nullable(),
    lastFinishedAt: p.datetime().nullable(),
    /** The error of the last run, null when it succeeded. */
    lastError: p.text().nullable(),
    lastDurationMs: p.integer().nullable(),
    /** What the last run left for the next (JSON), on whichever replica that runs: a job's memory is not a process's. */
    state: p.json<unknown>().nullable(),
  },
});
export type PeriodicJobRow = InferEntity<typeof PeriodicJobRow>;

/** What a run is handed. */
export interface JobContext {
  /**
   * What the previous run left here (null at first), whichever replica ran it; what the run leaves
   * here (JSON) is stored with its end, for the next run.
   */
  state: unknown;
}

/** A job as a scheduler runs it: its declaration and its run function. */
export interface ScheduledJob {
  name: string;
  everyMs: number;
  leaseMs: number;
  run(context: JobContext): Promise<unknown>;
}

export interface JobSchedulerOptions {
  clock: Clock;
  logger: Logger;
  /** How often (real time) to renew running jobs' claims, and the shortest wait between looks; default 1 s. */
  pollMs?: number;
  /**
   * The longest wait between looks when no job of this scheduler is running here; default 60 s.
   * Otherwise it sleeps until the earliest of its jobs can next be claimed (read from the database,
   * so another replica's runs and lapsed claims count): an idle install looks about once a job's period.
   */
  idleMaxWaitMs?: number;
  /** Who claims (stored in `claimed_by`); default host:pid:random, unique per scheduler. */
  owner?: string;
}

/** A stored error message is bounded: an exception may carry a whole response body. */
const MAX_ERROR_CHARS = 2000;
const DEFAULT_POLL_MS = 1000;
const DEFAULT_IDLE_MAX_WAIT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const ms = `* interval '1 millisecond'`;

/** Inserts the jobs' rows (due at once), or applies a changed period: the next run is a new period after the last one started. */
async function registerJobs(sql: pg.Pool, jobs: ScheduledJob[], now: Date): Promise<void> {
  await sql.query(
    `insert into periodic_jobs (name, every_ms, next_run_at)
     select name, every_ms, $3 from unnest($1::text[], $2::int[]) as j(name, every_ms)
     on conflict (name) do update set
       every_ms = excluded.every_ms,
       next_run_at = coalesce(periodic_jobs.last_started_at + excluded.every_ms ${ms}, periodic_jobs.next_run_at)
     where periodic_jobs.every_ms <> excluded.every_ms`,
    [jobs.map((j) => j.name), jobs.map((j) => j.everyMs), now],
  );
}

/** claimDueJobs' statement, prepared: each replica's job scheduler runs it every few seconds. */
const CLAIM_DUE_JOBS = prepared(
  'claim-due-jobs',
  `with due as (
       select j.name from periodic_jobs j
        where j.name = any($1::text[]) and j.next_run_at <= $3 and (j.claimed_until is null or j.claimed_until <= $3)
        for update skip locked
     ),
     claimed as (
       update periodic_jobs j set claimed_by = $4, claimed_until = $3::timestamptz + l.lease_ms ${ms}, last_started_at = $3
         from due join unnest($1::text[], $2::int[]) as l(name, lease_ms) on l.name = due.name
        where j.name = due.name
       returning j.name, j.claimed_until, j.state)
     select name, claimed_until, state, null::timestamptz as next_at from claimed
     union all
     select null, null, null, min(greatest(j.next_run_at, coalesce(j.claimed_until, j.next_run_at)))
       from periodic_jobs j where j.name = any($1::text[]) and j.name not in (select name from due)`,
);

/**
 * Claims those of `jobs` that are due and not claimed (or whose claim lapsed), each for its lease;
 * in the same statement, when the earliest of the others can next be claimed (its `next_run_at`, or
 * the end of another replica's claim on it if later): the scheduler sleeps until then.
 */
async function claimDueJobs(sql: pg.Pool, owner: string, jobs: ScheduledJob[], now: Date): Promise<{ claims: { name: string; claimedUntil: Date; state: unknown }[]; nextAt: Date | null }> {
  if (!jobs.length) return { claims: [], nextAt: null };
  const { rows } = await runPrepared<{ name: string | null; claimed_until: Date | null; state: unknown; next_at: Date | null }>(sql, CLAIM_DUE_JOBS, [
    jobs.map((j) => j.name),
    jobs.map((j) => j.leaseMs),
    now,
    owner,
  ]);
  return {
    claims: rows.filter((r) => r.name !== null).map((r) => ({ name: r.name!, claimedUntil: r.claimed_until!, state: r.state })),
    nextAt: rows.find((r) => r.name === null)?.next_at ?? null,
  };
}

/** Extends `owner`'s claims on `jobs` by their leases; returns the names whose claim it still held. */
async function renewClaims(sql: pg.Pool, owner: string, jobs: ScheduledJob[], now: Date): Promise<Set<string>> {
  const { rows } = await sql.query<{ name: string }>(
    `update periodic_jobs j set claimed_until = $3::timestamptz + l.lease_ms ${ms}
       from unnest($1::text[], $2::int[]) as l(name, lease_ms)
      where j.name = l.name and j.claimed_by = $4
     returning j.name`,
    [jobs.map((j) => j.name), jobs.map((j) => j.leaseMs), now, owner],
  );
  return new Set(rows.map((r) => r.name));
}

/**
 * Records a finished run and releases the claim: the job is next due at the first boundary of its
 * grid after `now` (overdue by several periods, it has run once). Returns when it is next due, or
 * null when `owner` no longer held the claim (it lapsed and another replica took the job): that
 * replica records its run.
 */
async function finishJob(sql: pg.Pool, owner: string, name: string, now: Date, outcome: { error: string | null; durationMs: number; state: unknown }): Promise<Date | null> {
  // Whole milliseconds on both sides (dates come from JS): the division is exact, never a boundary short.
  const { rows } = await sql.query<{ next_run_at: Date }>(
    `update periodic_jobs set
       next_run_at = case when next_run_at > $2 then next_run_at
         else next_run_at + (round(extract(epoch from ($2::timestamptz - next_run_at)) * 1000)::bigint / every_ms + 1) * every_ms ${ms} end,
       claimed_by = null, claimed_until = null, last_finished_at = $2, last_error = $4, last_duration_ms = $5, state = $6::jsonb
     where name = $1 and claimed_by = $3
     returning next_run_at`,
    [name, now, owner, outcome.error, Math.min(2 ** 31 - 1, Math.round(outcome.durationMs)), outcome.state == null ? null : JSON.stringify(outcome.state)],
  );
  return rows[0]?.next_run_at ?? null;
}

interface Running {
  claimedUntil: number;
  /** Warned once that another replica took the job over while it ran here. */
  lost: boolean;
}

/**
 * Claims and runs `jobs` on one database, with any number of other schedulers of the same jobs (on
 * this or other replicas): each runs once per period among them all. Database failures are
 * reported (an unreachable database once per outage) and retried at the next poll; none stops it.
 */
export class JobScheduler {
  readonly owner: string;
  readonly #sql: pg.Pool;
  readonly #jobs: Map<string, ScheduledJob>;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #pollMs: number;
  readonly #idleMaxWaitMs: number;
  /** When to look next, as the last look found it (null: after pollMs). */
  #nextAt: Date | null = null;
  /**
   * The earliest next run of the jobs that finished here since the last look began (ms), or now
   * when a finish could not be recorded: the look did not see them, their finishes say when.
   */
  #finishedNext: number | null = null;
  /** While the loop sleeps: when it wakes (clock ms), and how to set that again after a job finishes. */
  #sleepingUntil: number | null = null;
  #rearm: (() => void) | undefined;
  readonly #running = new Map<string, Running>();
  readonly #tasks = new Set<Promise<void>>();
  #registered = false;
  #active = false;
  #polls = 0;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(sql: pg.Pool, jobs: ScheduledJob[], options: JobSchedulerOptions) {
    this.#pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.#idleMaxWaitMs = Math.max(this.#pollMs, options.idleMaxWaitMs ?? DEFAULT_IDLE_MAX_WAIT_MS);
    for (const job of jobs) {
      // Programming errors in a declaration, caught at start-up rather than as a job run twice.
      if (!Number.isInteger(job.everyMs) || job.everyMs < 1000 || job.everyMs > 2 ** 31 - 1) throw new Error(`periodic job ${job.name}: everyMs must be a whole number of milliseconds from 1 s to 24 days`);
      if (!Number.isInteger(job.leaseMs) || job.leaseMs < 3 * this.#pollMs) throw new Error(`periodic job ${job.name}: leaseMs must be at least three polls (${3 * this.#pollMs} ms), to be renewed in time`);
    }
    this.#sql = sql;
    this.#jobs = new Map(jobs.map((j) => [j.name, j]));
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.owner = options.owner ?? `${hostname().slice(0, 100)}:${process.pid}:${randomBytes(4).toString('hex')}`;
  }

  /** How many times it has looked for due jobs (tests wait on it instead of sleeping). */
  get polls(): number {
    return this.#polls;
  }

  /** The jobs running here now (a finished one leaves once its end is recorded and the sleep set again). */
  get running(): string[] {
    return [...this.#running.keys()];
  }

  /** While it sleeps between looks, when (by its clock, ms) it looks next; null while looking. */
  get sleepingUntil(): number | null {
    return this.#sleepingUntil;
  }

  start(): void {
    if (this.#active) return;
    this.#active = true;
    this.#loop = this.#run();
  }

  /**
   * Stops claiming and lets running jobs finish and record their runs, for up to `graceMs`: a job
   * hung on a stalled database must not hold the shutdown. One still running is left to its claim,
   * which lapses, and another replica runs the job then.
   */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.#active = false;
    this.#wake?.();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
    // The last poll first (it may start jobs), then the jobs, all within the one grace period.
    const finished = (await Promise.race([this.#loop, late])) !== false && (await Promise.race([Promise.allSettled([...this.#tasks]), late])) !== false;
    clearTimeout(timer);
    if (!finished) this.#logger.warn({ jobs: [...this.#running.keys()] }, `periodic jobs still running after ${graceMs} ms at shutdown: left to their claims, which lapse`);
  }

  async #run(): Promise<void> {
    while (this.#active) {
      await this.#poll();
      this.#polls++;
      if (!this.#active) break;
      await new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout;
        const arm = () => {
          const waitMs = this.#waitMs();
          this.#sleepingUntil = this.#clock.now().getTime() + waitMs;
          timer = setTimeout(resolve, waitMs);
          timer.unref(); // jobs alone do not keep a process alive
        };
        arm();
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
        // A job that finished while the loop slept: sleep until what the finish said instead of a poll.
        this.#rearm = () => {
          clearTimeout(timer);
          arm();
        };
      });
      this.#wake = undefined;
      this.#rearm = undefined;
      this.#sleepingUntil = null;
    }
  }

  /**
   * Until the next look: a poll while a job runs here (its claim is renewed) or after a failure, else
   * until the next job can be claimed: the earlier of what the last look found and what the jobs that
   * finished since said (a run every 10 s is then one look and its finish, not a second look after it).
   */
  #waitMs(): number {
    if (this.#running.size || !this.#nextAt) return this.#pollMs;
    const until = Math.min(this.#nextAt.getTime(), this.#finishedNext ?? Infinity) - this.#clock.now().getTime();
    return Math.min(this.#idleMaxWaitMs, Math.max(this.#pollMs, until));
  }

  /** One round: register the rows (until done once), renew claims coming due, claim and start due jobs. */
  async #poll(): Promise<void> {
    this.#nextAt = null;
    this.#finishedNext = null;
    const now = this.#clock.now();
    try {
      if (!this.#registered) {
        await registerJobs(this.#sql, [...this.#jobs.values()], now);
        this.#registered = true;
      }
    } catch (err) {
      return reportDatabaseError(this.#logger, err, 'periodic jobs could not be registered');
    }
    await this.#renew(now);
    try {
      const idle = [...this.#jobs.values()].filter((j) => !this.#running.has(j.name));
      const { claims, nextAt } = await claimDueJobs(this.#sql, this.owner, idle, now);
      for (const claim of claims) this.#start(this.#jobs.get(claim.name)!, claim.claimedUntil, claim.state);
      this.#nextAt = nextAt;
    } catch (err) {
      if (this.#active) reportDatabaseError(this.#logger, err, 'periodic jobs could not be claimed');
    }
  }

  /** Renews the claims of running jobs once two thirds of their lease is left or less. */
  async #renew(now: Date): Promise<void> {
    const due = [...this.#running].filter(([name, r]) => r.claimedUntil - now.getTime() <= (this.#jobs.get(name)!.leaseMs * 2) / 3);
    if (!due.length) return;
    const jobs = due.map(([name]) => this.#jobs.get(name)!);
    try {
      const held = await renewClaims(this.#sql, this.owner, jobs, now);
      for (const [name, running] of due) {
        if (held.has(name)) running.claimedUntil = now.getTime() + this.#jobs.get(name)!.leaseMs;
        else if (!running.lost) {
          running.lost = true;
          this.#logger.warn({ job: name }, `periodic job ${name} lost its claim while it ran here (not renewed in time): another replica may run it too`);
        }
      }
    } catch (err) {
      reportDatabaseError(this.#logger, err, 'periodic job claims could not be renewed');
    }
  }

  #start(job: ScheduledJob, claimedUntil: Date, state: unknown): void {
    this.#running.set(job.name, { claimedUntil: claimedUntil.getTime(), lost: false });
    const startedAt = performance.now();
    const context: JobContext = { state };
    const task = (async () => {
      let error: string | null = null;
      try {
        await job.run(context);
      } catch (err) {
        // PostgreSQL refuses NUL in text: the run's end must be recorded whatever its error says.
        error = (err instanceof Error ? err.message : String(err)).slice(0, MAX_ERROR_CHARS).replaceAll('\0', '');
        reportDatabaseError(this.#logger, err, `periodic job ${job.name} failed`, { job: job.name });
      }
      // Unknown (not recorded here): look again after a poll, as after any failure.
      let next = this.#clock.now().getTime();
      try {
        const nextRunAt = await finishJob(this.#sql, this.owner, job.name, this.#clock.now(), { error, durationMs: performance.now() - startedAt, state: context.state });
        if (nextRunAt) next = nextRunAt.getTime();
        else this.#logger.warn({ job: job.name }, `periodic job ${job.name} finished after another replica took it over: its run is not recorded`);
      } catch (err) {
        // The claim stays until it lapses; the job, still due, is run again then (here or elsewhere).
        reportDatabaseError(this.#logger, err, `periodic job ${job.name} could not record its run`, { job: job.name });
      } finally {
        this.#running.delete(job.name);
        // Deleted and noted together: a look that begins after this sees the job idle and claims or
        // times it itself; one under way did not, and this note outlives it.
        this.#finishedNext = Math.min(this.#finishedNext ?? Infinity, next);
        // Only once nothing runs here: while a job runs, the pending look renews its claim, and setting
        // the sleep again from now would put that look off by a poll at each finish, past the claim's end.
        if (!this.#running.size) this.#rearm?.();
      }
    })();
    this.#tasks.add(task);
    void task.finally(() => this.#tasks.delete(task));
  }
}

/**
 * Starts the jobs of `capability` from the registry with the run functions it supplies; returns a
 * function that stops them (running ones finish first).
 */
export function scheduleJobs<C extends JobCapability>(sql: pg.Pool, capability: C, runs: JobRuns<C>, options: JobSchedulerOptions): () => Promise<void> {
  const jobs = Object.entries(runs as Record<string, ScheduledJob['run']>).map(([name, run]) => {
    const declared = periodicJobs[name as JobName];
    if (declared?.capability !== capability) throw new Error(`periodic job ${name} is not a job of ${capability} in server/job-registry.ts`);
    return { name, everyMs: declared.everyMs, leaseMs: declared.leaseMs, run };
  });
  const scheduler = new JobScheduler(sql, jobs, options);
  scheduler.start();
  return () => scheduler.stop();
}
