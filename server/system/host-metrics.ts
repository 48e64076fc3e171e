/**
 * Host metrics (feature 208's `SystemHealthResponse`): CPU, memory and disk of the machine this
 * replica runs on, the run ledger's queue, and process uptime; sampled on demand, one sample in
 * flight at a time, and kept as a row per replica per minute in `host_samples` for 24 h charts.
 */
import os from 'node:os';
import type pg from 'pg';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { answerWithin } from '../db/sql.ts';
import { reportDatabaseError } from '../db/pool.ts';
import { scheduleJobs } from '../jobs.ts';
import { CpuMeter, diskUse, memoryUse } from './host-readings.ts';

/** A run being executed now, as the health figures name it. */
export interface ActiveRun {
  id: string;
  type: string;
  workspace: string;
  attempt: number;
  worker: string | null;
  startedAt: Date | null;
}

/** One sample, in feature 208's shape (bytes, percent, seconds) plus when and where it was taken. */
export interface SystemHealth {
  /** host:pid of the replica that took it. */
  replica: string;
  sampledAt: Date;
  cpu: { usage: number; cores: number };
  memory: { used: number; total: number; percentage: number };
  disk: { used: number; total: number; percentage: number; path: string };
  /**
   * The run ledger across all workspaces: queued runs (depth), running ones, and the longest-running
   * (`activeJob`) among at most ACTIVE_RUNS_SHOWN. Null when the database did not answer in time.
   */
  queue: { depth: number; running: number; activeJob: ActiveRun | null; activeRuns: ActiveRun[] } | null;
  /** Seconds this process has been up. */
  uptime: number;
}

/** One stored minute of one replica. */
export interface HostSamplePoint {
  replica: string;
  at: Date;
  cpuPercent: number;
  memoryPercent: number;
  memoryUsedBytes: number;
  diskPercent: number;
  diskUsedBytes: number;
  queueDepth: number | null;
  runningRuns: number | null;
}

export interface HostMetricsOptions {
  sql: pg.Pool;
  clock: Clock;
  logger: Logger;
  /** The data directory: its volume is the disk measured. */
  dataDir: string;
  /** Default host:pid (at most 120 characters). */
  replica?: string;
  /** Store a row each minute and prune old ones (default true; tests call recordMinute and pruneHostSamples themselves). */
  runJobs?: boolean;
}

export const ACTIVE_RUNS_SHOWN = 10;
/** How long a sample waits for the database's queue figures before leaving them out. */
const QUEUE_ANSWER_MS = 2000;
/** How often a live subscription gets a sample. */
export const LIVE_INTERVAL_MS = 5000;
/** Stored minutes are kept this long (charts show 24 h; a day's margin for a late pruning run). */
export const HISTORY_RETENTION_MS = 48 * 3600_000;
/** The longest history a caller may ask for, in hours, and the most points one answer carries. */
export const MAX_HISTORY_HOURS = 48;
export const MAX_HISTORY_POINTS = 20_000;
const MINUTE_MS = 60_000;

export function defaultReplica(): string {
  return `${os.hostname().slice(0, 100)}:${process.pid}`;
}

/**
 * Samples this replica's host. Concurrent callers share the sample in flight; live subscribers
 * share one 5 s timer, running only while someone listens. No timer keeps the process alive.
 */
export class HostMetrics {
  readonly replica: string;
  readonly #o: HostMetricsOptions;
  /** CPU since the previous sample (live or asked for), over 1 s at least. */
  readonly #cpu = new CpuMeter();
  /** CPU since the previous stored minute: each row averages its whole minute. */
  readonly #minuteCpu = new CpuMeter();
  #latest: SystemHealth | null = null;
  #inFlight: Promise<SystemHealth> | null = null;
  readonly #listeners = new Set<(sample: SystemHealth) => void>();
  #liveTimer: NodeJS.Timeout | undefined;
  #minuteTimer: NodeJS.Timeout | undefined;
  #recording: Promise<unknown> | undefined;
  #running = false;
  #stopJobs: (() => Promise<void>) | undefined;

  constructor(options: HostMetricsOptions) {
    this.#o = options;
    this.replica = (options.replica ?? defaultReplica()).slice(0, 120);
    // The first sample's CPU interval starts here, not at boot.
    this.#cpu.mark();
    this.#minuteCpu.mark();
  }

  /** The latest sample taken, if any. */
  latest(): SystemHealth | null {
    return this.#latest;
  }

  /** Takes a sample, or joins the one in flight. */
  sample(): Promise<SystemHealth> {
    this.#inFlight ??= this.#take().finally(() => (this.#inFlight = null));
    return this.#inFlight;
  }

  /** The latest sample when younger than `maxAgeMs`, otherwise a new one. */
  async current(maxAgeMs = 3000): Promise<SystemHealth> {
    const latest = this.#latest;
    if (latest && this.#o.clock.now().getTime() - latest.sampledAt.getTime() < maxAgeMs) return latest;
    return this.sample();
  }

  async #take(): Promise<SystemHealth> {
    const [usage, memory, disk, queue] = await Promise.all([this.#cpu.percent(), memoryUse(), diskUse(this.#o.dataDir), this.#queue()]);
    const sample: SystemHealth = {
      replica: this.replica,
      sampledAt: this.#o.clock.now(),
      cpu: { usage, cores: os.availableParallelism() },
      memory: { used: memory.used, total: memory.total, percentage: memory.percent },
      disk: { used: disk.used, total: disk.total, percentage: disk.percent, path: disk.path },
      queue,
      uptime: Math.floor(process.uptime()),
    };
    this.#latest = sample;
    return sample;
  }

  /** Read-only: counts over the runs not completed (the status index), and the oldest running ones. */
  async #queue(): Promise<SystemHealth['queue']> {
    try {
      const [counts, active] = await answerWithin(
        Promise.all([
          this.#o.sql.query<{ depth: string; running: string }>(
            `select count(*) filter (where status = 'queued') as depth, count(*) filter (where status = 'running') as running
               from operation_runs where status in ('queued', 'running')`,
          ),
          this.#o.sql.query<{ id: string; type: string; workspace: string; attempt: number; lease_worker: string | null; started_at: Date | null }>(
            `select r.id::text, r.type, w.slug as workspace, r.attempt, r.lease_worker, r.started_at
               from operation_runs r join workspaces w on w.id = r.workspace_id
              where r.status = 'running' order by r.started_at nulls last, r.id limit $1`,
            [ACTIVE_RUNS_SHOWN],
          ),
        ]),
        QUEUE_ANSWER_MS,
      );
      const activeRuns = active.rows.map((r) => ({ id: r.id, type: r.type, workspace: r.workspace, attempt: r.attempt, worker: r.lease_worker, startedAt: r.started_at }));
      return { depth: Number(counts.rows[0].depth), running: Number(counts.rows[0].running), activeJob: activeRuns[0] ?? null, activeRuns };
    } catch (err) {
      reportDatabaseError(this.#o.logger, err, 'host metrics: the queue figures could not be read');
      return null;
    }
  }

  /**
   * Samples every LIVE_INTERVAL_MS while iterated: the latest sample first, then each new one (a
   * slow reader gets the newest, never a backlog). Ends at once when the caller returns.
   */
  updates(): AsyncIterableIterator<SystemHealth> {
    let pending: SystemHealth | null = null;
    let wake: (() => void) | null = null;
    let done = false;
    const listener = (sample: SystemHealth) => {
      pending = sample;
      wake?.();
    };
    const leave = () => {
      done = true;
      this.#listeners.delete(listener);
      if (!this.#listeners.size) clearInterval(this.#liveTimer);
      if (!this.#listeners.size) this.#liveTimer = undefined;
      wake?.();
    };
    this.#listeners.add(listener);
    if (!this.#liveTimer) {
      this.#liveTimer = setInterval(() => void this.#broadcast(), LIVE_INTERVAL_MS);
      this.#liveTimer.unref();
    }
    void this.current().then(listener, () => {});
    const iterator: AsyncIterableIterator<SystemHealth> = {
      next: async () => {
        while (!done && !pending) await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        if (done) return { done: true, value: undefined };
        const value = pending!;
        pending = null;
        return { done: false, value };
      },
      return: async () => {
        leave();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  async #broadcast(): Promise<void> {
    try {
      const sample = await this.sample();
      for (const listener of this.#listeners) listener(sample);
    } catch (err) {
      this.#o.logger.warn({ err }, 'host metrics: sampling failed');
    }
  }

  /**
   * Stores this replica's row for the current minute (a second write in the same minute replaces
   * it). CPU is the average since the previous stored minute; the rest is a fresh sample.
   */
  async recordMinute(): Promise<HostSamplePoint> {
    const [sample, cpuPercent] = await Promise.all([this.sample(), this.#minuteCpu.percent()]);
    const at = new Date(Math.floor(this.#o.clock.now().getTime() / MINUTE_MS) * MINUTE_MS);
    const point: HostSamplePoint = {
      replica: this.replica,
      at,
      cpuPercent,
      memoryPercent: sample.memory.percentage,
      memoryUsedBytes: sample.memory.used,
      diskPercent: sample.disk.percentage,
      diskUsedBytes: sample.disk.used,
      queueDepth: sample.queue?.depth ?? null,
      runningRuns: sample.queue?.running ?? null,
    };
    await this.#o.sql.query(
      `insert into host_samples (replica, at, cpu_percent, cpu_cores, memory_percent, memory_used_bytes, memory_total_bytes, disk_percent, disk_used_bytes, disk_total_bytes, queue_depth, running_runs, uptime_seconds)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       on conflict (replica, at) do update set cpu_percent = excluded.cpu_percent, cpu_cores = excluded.cpu_cores, memory_percent = excluded.memory_percent,
         memory_used_bytes = excluded.memory_used_bytes, memory_total_bytes = excluded.memory_total_bytes, disk_percent = excluded.disk_percent,
         disk_used_bytes = excluded.disk_used_bytes, disk_total_bytes = excluded.disk_total_bytes, queue_depth = excluded.queue_depth,
         running_runs = excluded.running_runs, uptime_seconds = excluded.uptime_seconds`,
      [point.replica, at, cpuPercent, sample.cpu.cores, point.memoryPercent, point.memoryUsedBytes, sample.memory.total, point.diskPercent, point.diskUsedBytes, sample.disk.total, point.queueDepth, point.runningRuns, sample.uptime],
    );
    return point;
  }

  /** Starts writing this replica's row each minute (a moment after the minute turns), and the claimed pruning job. */
  start(): void {
    if (this.#running || this.#o.runJobs === false) return;
    this.#running = true;
    const { sql, clock, logger } = this.#o;
    this.#stopJobs = scheduleJobs(sql, 'host-metrics', { 'host-samples-prune': () => pruneHostSamples(sql, clock.now()) }, { clock, logger });
    const next = () => {
      if (!this.#running) return;
      this.#minuteTimer = setTimeout(() => {
        this.#recording = this.recordMinute()
          .catch((err) => reportDatabaseError(this.#o.logger, err, 'host metrics: the minute could not be stored'))
          .finally(next);
      }, MINUTE_MS - (Date.now() % MINUTE_MS) + 500);
      this.#minuteTimer.unref();
    };
    next();
  }

  /** Stops the minute writes (waiting for one under way) and the live timer; subscribers get no more samples. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#minuteTimer);
    clearInterval(this.#liveTimer);
    this.#liveTimer = undefined;
    await this.#stopJobs?.();
    await this.#recording;
  }
}

/**
 * Stored minutes of the last `hours` (1–48), of one replica or of all, oldest first; at most
 * MAX_HISTORY_POINTS (the newest ones).
 */
export async function hostHistory(sql: pg.Pool, now: Date, hours: number, replica: string | null): Promise<HostSamplePoint[]> {
  const since = new Date(now.getTime() - hours * 3600_000);
  const { rows } = await sql.query<{
    replica: string;
    at: Date;
    cpu_percent: number;
    memory_percent: number;
    memory_used_bytes: string;
    disk_percent: number;
    disk_used_bytes: string;
    queue_depth: number | null;
    running_runs: number | null;
  }>(
    `select * from (
       select replica, at, cpu_percent, memory_percent, memory_used_bytes, disk_percent, disk_used_bytes, queue_depth, running_runs
         from host_samples where at > $1 and at <= $2 and ($3::text is null or replica = $3)
        order by at desc, replica limit $4
     ) newest order by at, replica`,
    [since, now, replica, MAX_HISTORY_POINTS],
  );
  return rows.map((r) => ({
    replica: r.replica,
    at: r.at,
    cpuPercent: r.cpu_percent,
    memoryPercent: r.memory_percent,
    memoryUsedBytes: Number(r.memory_used_bytes),
    diskPercent: r.disk_percent,
    diskUsedBytes: Number(r.disk_used_bytes),
    queueDepth: r.queue_depth,
    runningRuns: r.running_runs,
  }));
}

/** Deletes stored minutes older than HISTORY_RETENTION_MS; returns how many. */
export async function pruneHostSamples(sql: pg.Pool, now: Date): Promise<number> {
  const { rowCount } = await sql.query('delete from host_samples where at < $1', [new Date(now.getTime() - HISTORY_RETENTION_MS)]);
  return rowCount ?? 0;
}
