/**
 * Every periodic job of the server, declared once: its name (the key of its row in
 * `periodic_jobs`), its period, how long a claim on it lasts, and the capability that runs it.
 * Each capability hands `scheduleJobs` (server/jobs.ts) one run function per job of its own.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export interface JobDeclaration {
  /** The capability whose code runs it, and which must supply its run function. */
  capability: 'monitoring' | 'operations' | 'auth' | 'host-metrics';
  /**
   * How often it runs across all replicas together: on a fixed grid (its row's `next_run_at` moves
   * by whole periods, so it does not drift by the time a run takes).
   */
  everyMs: number;
  /**
   * How long a claim lasts: a bit longer than a run is expected to take. The replica running it
   * renews the claim every third of this while the run lasts; the claim of a replica that died
   * expires after it, and another replica runs the job then. Shorter than the period, so that a
   * dead replica's run still happens before the next one is due.
   */
  leaseMs: number;
}

export const periodicJobs = {
  /** Daily partitions of the time series, created ahead (also once at each start, by monitoring). */
  partitions: { capability: 'monitoring', everyMs: HOUR, leaseMs: MINUTE },
  /** Raw check partitions and rollups past their retention, dropped. */
  retention: { capability: 'monitoring', everyMs: HOUR, leaseMs: MINUTE },
  /** Five-minute and hour rollups, from where they stop. */
  rollups: { capability: 'monitoring', everyMs: MINUTE, leaseMs: 20 * SECOND },
  /** The embedded PostgreSQL's autovacuum pace, from the checks asked for and the rows written (monitoring/autovacuum-pace.ts). */
  'autovacuum-pace': { capability: 'monitoring', everyMs: 5 * MINUTE, leaseMs: MINUTE },
  /** Runs whose worker stopped heartbeating: re-queued or failed by their type's policy. */
  'lease-sweep': { capability: 'operations', everyMs: 10 * SECOND, leaseMs: 5 * SECOND },
  /** Idempotency keys older than their 24 h. */
  'idempotency-expiry': { capability: 'operations', everyMs: HOUR, leaseMs: MINUTE },
  /** Expired sign-in sessions. */
  'session-purge': { capability: 'auth', everyMs: HOUR, leaseMs: MINUTE },
  /** Stored host-metric minutes (host_samples) past their 48 h. */
  'host-samples-prune': { capability: 'host-metrics', everyMs: HOUR, leaseMs: MINUTE },
} as const satisfies Record<string, JobDeclaration>;

export type JobName = keyof typeof periodicJobs;
export type JobCapability = JobDeclaration['capability'];

/**
 * What a capability supplies: a run function for each of its jobs in the registry, and no other.
 * A run may keep memory for the next in `job.state` (stored in the database: the next run may be on another replica).
 */
export type JobRuns<C extends JobCapability> = {
  [N in JobName as (typeof periodicJobs)[N]['capability'] extends C ? N : never]: (job: { state: unknown }) => Promise<unknown>;
};
