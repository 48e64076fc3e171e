/**
 * The check scheduler. Due checks are claimed through PostgreSQL — `FOR UPDATE SKIP LOCKED` on
 * the next-due time, pushing it one interval ahead and marking the claim until the timeout has
 * passed — so several replicas never run one check twice, and a dead replica's checks are taken
 * over once its claims expire. Checks run with bounded concurrency; results go to the writer.
 */
import type pg from 'pg';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { reportDatabaseError } from '../db/pool.ts';
import type { CheckerHost } from './checkers/checker.ts';
import { getChecker } from './checkers/registry.ts';
import { runCheck } from './checkers/run.ts';
import type { ResultWriter } from './result-writer.ts';
import type { CompletedCheck } from './results.ts';

/**
 * A claimed check: what it takes to run it. Not the service's status: the writer applies the result
 * to the status stored when it writes it (two claims read the same status when one expired).
 */
export interface ClaimedCheck {
  serviceId: number;
  name: string;
  kind: string;
  target: string;
  options: Record<string, unknown>;
  timeoutMs: number;
  degradedLatencyMs: number | null;
  critical: boolean;
  /** When the check was due: lag = start - dueAt. */
  dueAt: Date;
}

/**
 * How long a claim outlives the check's timeout (time to store the result) before another replica
 * may take the check over: 5 s, but no more than what the interval leaves after the timeout (at
 * least 1 s), so a dead replica's checks are taken over by their next due time, or 1 s after
 * their timeout when the interval is shorter than that.
 */
const CLAIM_GRACE_SQL = 'least(5000, greatest(1000, s.interval_ms - s.timeout_ms))';

/** Claims up to `limit` due checks (see the module comment). */
export async function claimDueChecks(sql: pg.Pool, now: Date, limit: number): Promise<ClaimedCheck[]> {
  if (limit <= 0) return [];
  const { rows } = await sql.query(
    `with due as (
       select st.service_id, st.next_due_at
         from service_states st join services s on s.id = st.service_id
        where st.next_due_at <= $1 and not s.paused and (st.claimed_until is null or st.claimed_until < $1)
        order by st.next_due_at
        limit $2
        for update of st skip locked
     )
     update service_states st set
       next_due_at = case when due.next_due_at + s.interval_ms * interval '1 millisecond' > $1
                          then due.next_due_at + s.interval_ms * interval '1 millisecond'
                          else $1::timestamptz + s.interval_ms * interval '1 millisecond' end,
       claimed_until = $1::timestamptz + (s.timeout_ms + ${CLAIM_GRACE_SQL}) * interval '1 millisecond'
     from due, services s
     where st.service_id = due.service_id and s.id = st.service_id
     returning st.service_id, s.name, s.kind, s.target, s.options, s.timeout_ms, s.degraded_latency_ms, s.critical,
               due.next_due_at as due_at`,
    [now, limit],
  );
  return rows.map((r) => ({
    serviceId: r.service_id,
    name: r.name,
    kind: r.kind,
    target: r.target,
    options: r.options,
    timeoutMs: r.timeout_ms,
    degradedLatencyMs: r.degraded_latency_ms,
    critical: r.critical,
    dueAt: r.due_at,
  }));
}

export interface SchedulerOptions {
  /** Checks in flight at once on this replica. */
  concurrency: number;
  /** How often to look for due checks when idle. */
  pollMs: number;
}

export interface SchedulerStats {
  /** Observes the lag of each started check (ms). */
  onLag?(lagMs: number): void;
  /** Observes each finished check (kind, duration ms). */
  onCheck?(kind: string, durationMs: number): void;
}

/** Runs one claimed check to a CompletedCheck; never throws. */
export async function runClaimed(claim: ClaimedCheck, host: CheckerHost, clock: Clock, diagnose = false): Promise<CompletedCheck> {
  const checkedAt = clock.now();
  const result = await runCheck(
    getChecker(claim.kind),
    { name: claim.name, kind: claim.kind, target: claim.target, options: claim.options, timeoutMs: claim.timeoutMs, degradedLatencyMs: claim.degradedLatencyMs },
    { diagnose, host },
  ).catch((error: unknown) => ({ status: 'down' as const, latencyMs: 0, error: String(error), details: {} }));
  return {
    serviceId: claim.serviceId,
    serviceName: claim.name,
    critical: claim.critical,
    kind: claim.kind,
    checkedAt,
    result,
  };
}

export class Scheduler {
  #running = false;
  #inFlight = new Set<Promise<void>>();
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  private readonly sql: pg.Pool;
  private readonly writer: ResultWriter;
  private readonly host: CheckerHost;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly options: SchedulerOptions;
  private readonly stats: SchedulerStats;

  constructor(
    sql: pg.Pool,
    writer: ResultWriter,
    host: CheckerHost,
    clock: Clock,
    logger: Logger,
    options: SchedulerOptions = { concurrency: 200, pollMs: 100 },
    stats: SchedulerStats = {},
  ) {
    this.sql = sql;
    this.writer = writer;
    this.host = host;
    this.clock = clock;
    this.logger = logger;
    this.options = options;
    this.stats = stats;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Looks for due checks now (after a service was created or resumed). */
  poke(): void {
    this.#wake?.();
  }

  async #run(): Promise<void> {
    while (this.#running) {
      try {
        const free = this.options.concurrency - this.#inFlight.size;
        const claims = await claimDueChecks(this.sql, this.clock.now(), free);
        for (const claim of claims) this.#start(claim);
        if (claims.length === free && free > 0) continue; // more may be due: claim again at once
      } catch (err) {
        if (this.#running) reportDatabaseError(this.logger, err, 'scheduler could not claim due checks');
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.pollMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  #start(claim: ClaimedCheck): void {
    const started = this.clock.now().getTime();
    this.stats.onLag?.(Math.max(0, started - claim.dueAt.getTime()));
    const task = runClaimed(claim, this.host, this.clock).then((completed) => {
      this.stats.onCheck?.(claim.kind, completed.result.latencyMs);
      this.writer.add(completed);
    });
    this.#inFlight.add(task);
    void task.finally(() => this.#inFlight.delete(task));
  }

  /** Stops claiming, lets running checks finish, and writes their results. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    await Promise.allSettled([...this.#inFlight]);
    await this.writer.close();
  }
}
