/**
 * The check scheduler. Due checks are claimed through PostgreSQL — `FOR UPDATE SKIP LOCKED` on
 * the next-due time, pushing it one interval ahead and marking the claim until the timeout has
 * passed — so several replicas never run one check twice, and a dead replica's checks are taken
 * over once its claims expire. A replica keeps a service's claim while it holds unstored results of
 * it, checking it again meanwhile: one service's results reach the writer in order, from one replica.
 * Checks run with bounded concurrency; results go to the writer.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type pg from 'pg';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { reportDatabaseError } from '../db/pool.ts';
import type { CheckerHost } from './checkers/checker.ts';
import { getChecker } from './checkers/registry.ts';
import { runCheck } from './checkers/run.ts';
import type { ResultWriter } from './result-writer.ts';
import type { CheckClaim, CompletedCheck } from './results.ts';

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
  /** The claim, and when it ends unless renewed (none for a recheck, which claims nothing). */
  claim?: CheckClaim & { until: Date };
}

/**
 * How long a claim outlives the check's timeout (time to store the result) before another replica
 * may take the check over: 5 s, but no more than what the interval leaves after the timeout (at
 * least 1 s), so a dead replica's checks are taken over by their next due time, or 1 s after
 * their timeout when the interval is shorter than that.
 */
const CLAIM_GRACE_SQL = 'least(5000, greatest(1000, s.interval_ms - s.timeout_ms))';
/** A claim's length, from when it is taken or renewed. */
const CLAIM_SQL = `(s.timeout_ms + ${CLAIM_GRACE_SQL}) * interval '1 millisecond'`;

/** Who claims: one replica's scheduler. */
export interface Claimant {
  /** Stored in `claimed_by`; unique per scheduler. */
  owner: string;
  /** Services whose check this replica runs now: not claimed again before it ends. */
  busy?: Iterable<number>;
}

/**
 * Claims up to `limit` due checks (see the module comment): those nobody holds, or whose claim has
 * ended (its replica died), or that `owner` holds itself and is not checking now (it holds their
 * results, or the interval is shorter than the claim): the next check of a service runs where the
 * last one's results wait, and is stored after them.
 */
export async function claimDueChecks(sql: pg.Pool, now: Date, limit: number, claimant: Claimant): Promise<ClaimedCheck[]> {
  return (await claimDue(sql, now, limit, claimant)).claims;
}

/**
 * claimDueChecks, and when it claims nothing, when the earliest unpaused service is next due (by
 * anyone; null with none): the scheduler's idle wait, in the same statement (an idle scheduler
 * looked twice, claim then `nextDueAt`, every few seconds). With `aheadMs`, also the checks due
 * within that much from `now`: their claims last from their due time.
 */
export async function claimDue(
  sql: pg.Pool,
  now: Date,
  limit: number,
  { owner, busy = [] }: Claimant,
  aheadMs = 0,
): Promise<{ claims: ClaimedCheck[]; nextDueAt: Date | null }> {
  if (limit <= 0) return { claims: [], nextDueAt: null };
  const { rows } = await sql.query(
    `with due as (
       select st.service_id, st.next_due_at
         from service_states st join services s on s.id = st.service_id
        where st.next_due_at <= $1::timestamptz + $5 * interval '1 millisecond' and not s.paused
          and (st.claimed_until is null or st.claimed_until < $1 or st.claimed_by = $3)
          and st.service_id <> all($4::int[])
        order by st.next_due_at
        limit $2
        for update of st skip locked
     ),
     claimed as (
     update service_states st set
       next_due_at = case when due.next_due_at + s.interval_ms * interval '1 millisecond' > $1
                          then due.next_due_at + s.interval_ms * interval '1 millisecond'
                          else $1::timestamptz + s.interval_ms * interval '1 millisecond' end,
       claimed_by = $3,
       claimed_until = greatest($1::timestamptz, due.next_due_at) + ${CLAIM_SQL},
       claim_seq = st.claim_seq + 1
     from due, services s
     where st.service_id = due.service_id and s.id = st.service_id
     returning st.service_id, s.name, s.kind, s.target, s.options, s.timeout_ms, s.degraded_latency_ms, s.critical,
               due.next_due_at as due_at, st.claimed_until, st.claim_seq::text)
     select c.*, case when c.service_id is null
                      then (select min(st.next_due_at) from service_states st join services s on s.id = st.service_id where not s.paused) end as next_at
       from (select 1) one left join claimed c on true`,
    [now, limit, owner, [...busy], aheadMs],
  );
  const claimed = rows.filter((r) => r.service_id !== null);
  const claims = claimed.map((r) => ({
    serviceId: r.service_id,
    name: r.name,
    kind: r.kind,
    target: r.target,
    options: r.options,
    timeoutMs: r.timeout_ms,
    degradedLatencyMs: r.degraded_latency_ms,
    critical: r.critical,
    dueAt: r.due_at,
    claim: { owner, seq: r.claim_seq, until: r.claimed_until },
  }));
  return { claims, nextDueAt: claimed.length ? null : (rows[0]?.next_at ?? null) };
}

/**
 * Renews `owner`'s claims on `ids` (services it checks or holds results of) that end within
 * `withinMs`: each then lasts a claim's length from `now`, so it ends one claim's length (no more
 * than the interval allows) after the replica stops renewing it. A claim that another replica took
 * over is left alone. Returns the renewed claims' new ends.
 */
export async function renewClaims(sql: pg.Pool, owner: string, ids: number[], now: Date, withinMs: number): Promise<Map<number, Date>> {
  if (!ids.length) return new Map();
  const { rows } = await sql.query<{ service_id: number; claimed_until: Date }>(
    `update service_states st set claimed_until = $2::timestamptz + ${CLAIM_SQL}
       from services s
      where s.id = st.service_id and st.service_id = any($1::int[]) and st.claimed_by = $3
        and (st.claimed_until is null or st.claimed_until < $2::timestamptz + $4 * interval '1 millisecond')
      returning st.service_id, st.claimed_until`,
    [ids, now, owner, withinMs],
  );
  return new Map(rows.map((r) => [r.service_id, r.claimed_until]));
}

/**
 * Lets go of every claim `owner` holds (it stops): other replicas take the checks at their due time.
 * `unstarted` are checks it claimed ahead of their due time and will not run: each is due again
 * when it was (its claim had pushed it an interval on).
 */
export async function releaseClaims(sql: pg.Pool, owner: string, unstarted: { serviceId: number; dueAt: Date }[] = []): Promise<void> {
  await sql.query(
    `update service_states st set claimed_by = null, claimed_until = null,
            next_due_at = coalesce((select u.due_at from unnest($2::int[], $3::timestamptz[]) as u(service_id, due_at) where u.service_id = st.service_id), st.next_due_at)
      where st.claimed_by = $1`,
    [owner, unstarted.map((c) => c.serviceId), unstarted.map((c) => c.dueAt)],
  );
}

export interface SchedulerOptions {
  /** Checks in flight at once on this replica. */
  concurrency: number;
  /** How often to look for due checks while checks are due (some were claimed at the last look). */
  pollMs: number;
  /**
   * The longest wait when the last look found nothing due: it waits until the next service is
   * due, at least `pollMs`, at most this (default 5 s). What this replica changes wakes it at once
   * (`poke`); this bounds how late it sees what it is not told of (another replica's claims lapsing,
   * a row changed by hand). A small install then looks a few times a minute, not ten times a second.
   */
  idleMaxWaitMs?: number;
  /** This scheduler in `claimed_by`; default host:pid:random, unique per scheduler. */
  owner?: string;
  /**
   * Claims the checks due within this much ahead too, and starts each at its due time (0: only
   * those due now). While checks keep coming due it then looks every two thirds of it, not every
   * `pollMs`: 1,000 services every 20 s were ten claims a second, with 1.5 s one and a half. A
   * check claimed ahead can still start after its service was paused or changed meanwhile, as a
   * check already running finishes after it; its result is treated as that one's.
   */
  lookaheadMs?: number;
}

/** The options `lookout serve` runs with. */
export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = { concurrency: 200, pollMs: 100, lookaheadMs: 1500 };

/**
 * How often the claims of the services this replica checks or holds results of are looked at, and
 * how close to its end a claim is renewed: claims last at least 1 s, and a renewal comes at least
 * 1 s before one ends unless the database takes longer than that to answer.
 */
const RENEW_EVERY_MS = 500;
const IDLE_MAX_WAIT_MS = 5000;
const RENEW_WITHIN_MS = 1500;

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
    ...(claim.claim && { claim: { owner: claim.claim.owner, seq: claim.claim.seq } }),
  };
}

export class Scheduler {
  /** This scheduler's name in `claimed_by`. */
  readonly owner: string;
  #running = false;
  #started = false;
  #inFlight = new Set<Promise<void>>();
  /** The last claim filled every free slot (or none was free): more checks are probably due. */
  #backlog = false;
  /** Services whose check runs now, or is claimed and waits for its due time. */
  #busy = new Set<number>();
  /** Checks claimed ahead, by the tick they start at (see `#schedule`); each holds a slot. */
  #waiting = new Map<number, { timer: NodeJS.Timeout; claims: ClaimedCheck[] }>();
  /** How many checks `#waiting` holds. */
  #waitingCount = 0;
  /** Service id → when its claim ends, as last claimed or renewed: for the services checked or held. */
  #claimEnds = new Map<number, number>();
  #renewTimer: NodeJS.Timeout | undefined;
  /** The renewal in progress: the next waits for it (a slow database does not pile them up). */
  #renewing: Promise<void> | undefined;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  /** Poked since the loop last looked: it looks again at once instead of waiting. */
  #poked = false;

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
    options: SchedulerOptions = DEFAULT_SCHEDULER_OPTIONS,
    stats: SchedulerStats = {},
  ) {
    this.sql = sql;
    this.writer = writer;
    this.host = host;
    this.clock = clock;
    this.logger = logger;
    this.options = options;
    this.stats = stats;
    this.owner = options.owner ?? `${hostname().slice(0, 100)}:${process.pid}:${randomBytes(4).toString('hex')}`;
  }

  start(): void {
    if (this.#running) return;
    this.#running = this.#started = true;
    this.#loop = this.#run();
    this.#renewTimer = setInterval(() => {
      this.#renewing ??= this.#keepClaims().finally(() => (this.#renewing = undefined));
    }, RENEW_EVERY_MS);
  }

  /** Looks for due checks now (after a service was created or resumed). */
  poke(): void {
    this.#poked = true;
    this.#wake?.();
  }

  async #run(): Promise<void> {
    while (this.#running) {
      let waitMs = this.options.pollMs;
      this.#poked = false;
      try {
        const free = this.options.concurrency - this.#inFlight.size - this.#waitingCount;
        // Every slot busy: wait for checks to end (#start wakes the loop when half the slots are free).
        if (free <= 0) {
          this.#backlog = true;
          waitMs = this.options.idleMaxWaitMs ?? IDLE_MAX_WAIT_MS;
        } else {
          const ahead = this.options.lookaheadMs ?? 0;
          const { claims, nextDueAt } = await claimDue(this.sql, this.clock.now(), free, { owner: this.owner, busy: this.#busy }, ahead);
          for (const claim of claims) this.#schedule(claim);
          // Every free slot filled: more may be due. Claim again when slots free up, not a poll later
          // (with 200 slots and a 100 ms poll that capped a replica near 2,000 checks a second).
          this.#backlog = claims.length === free;
          if (this.#backlog) continue;
          if (!claims.length) waitMs = this.#idleWait(nextDueAt && new Date(nextDueAt.getTime() - ahead / 2));
          else waitMs = Math.max(this.options.pollMs, Math.round((ahead * 2) / 3));
        }
      } catch (err) {
        if (this.#running) reportDatabaseError(this.logger, err, 'scheduler could not claim due checks');
      }
      if (!this.#running) break;
      if (this.#poked) continue; // poked while it looked: a new or resumed service may be due now
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  /** Nothing was due: wait until the next service is due (`next`, read by the claim), within [pollMs, idleMaxWaitMs]. */
  #idleWait(next: Date | null): number {
    const max = Math.max(this.options.pollMs, this.options.idleMaxWaitMs ?? IDLE_MAX_WAIT_MS);
    const untilDue = next ? next.getTime() - this.clock.now().getTime() : max;
    return Math.min(max, Math.max(this.options.pollMs, untilDue));
  }

  /**
   * Starts a claimed check at its due time (now, if that has come), rounded up to the next tick of
   * `pollMs`: the checks due within one tick start together, as they did when each look found them
   * due. Started one by one they cost more (every start wakes the process, and on one machine its
   * target too: 1,000 services every 20 s took a quarter more CPU per check), for a lag no smaller
   * than the poll the scheduler had without a lookahead.
   */
  #schedule(claim: ClaimedCheck): void {
    this.#busy.add(claim.serviceId);
    if (claim.claim) this.#claimEnds.set(claim.serviceId, claim.claim.until.getTime());
    const now = this.clock.now().getTime();
    const due = claim.dueAt.getTime();
    if (due <= now) return this.#start(claim);
    const tick = Math.max(1, this.options.pollMs);
    const at = Math.ceil(due / tick) * tick;
    const waiting = this.#waiting.get(at);
    this.#waitingCount++;
    if (waiting) return void waiting.claims.push(claim);
    const timer = setTimeout(() => {
      const group = this.#waiting.get(at);
      this.#waiting.delete(at);
      if (!group) return;
      this.#waitingCount -= group.claims.length;
      for (const c of group.claims) this.#start(c);
    }, at - now);
    this.#waiting.set(at, { timer, claims: [claim] });
  }

  #start(claim: ClaimedCheck): void {
    const started = this.clock.now().getTime();
    this.stats.onLag?.(Math.max(0, started - claim.dueAt.getTime()));
    const task = runClaimed(claim, this.host, this.clock)
      .then((completed) => {
        this.stats.onCheck?.(claim.kind, completed.result.latencyMs);
        this.writer.add(completed);
      })
      .finally(() => this.#busy.delete(claim.serviceId)); // held by the writer from here on
    this.#inFlight.add(task);
    void task.finally(() => {
      this.#inFlight.delete(task);
      // A backlog waits for free slots: half of them free, claim the next batch now.
      if (this.#backlog && this.#inFlight.size + this.#waitingCount <= this.options.concurrency / 2) {
        this.#backlog = false;
        this.#wake?.();
      }
    });
  }

  /**
   * Renews the claims that end soon of the services this replica checks or holds results of (one
   * statement, and none while no claim is near its end): during a stall of the checks table no other
   * replica takes them over, so their results are stored in the order the checks ran.
   */
  async #keepClaims(): Promise<void> {
    const held = this.writer.heldServices();
    for (const id of this.#busy) held.add(id);
    for (const id of this.#claimEnds.keys()) if (!held.has(id)) this.#claimEnds.delete(id);
    if (!held.size) return;
    const now = this.clock.now();
    const ending = [...held].filter((id) => (this.#claimEnds.get(id) ?? 0) < now.getTime() + RENEW_WITHIN_MS);
    if (!ending.length) return;
    try {
      const renewed = await renewClaims(this.sql, this.owner, ending, now, RENEW_WITHIN_MS);
      for (const [id, until] of renewed) this.#claimEnds.set(id, Math.max(this.#claimEnds.get(id) ?? 0, until.getTime()));
    } catch (err) {
      reportDatabaseError(this.logger, err, 'scheduler could not renew its claims');
    }
  }

  /**
   * Stops claiming, lets running checks finish, writes their results, and lets go of its claims;
   * the checks claimed ahead that have not started are due again when they were.
   */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    const unstarted = [...this.#waiting.values()].flatMap(({ timer, claims }) => {
      clearTimeout(timer);
      for (const claim of claims) this.#busy.delete(claim.serviceId);
      return claims;
    });
    this.#waiting.clear();
    this.#waitingCount = 0;
    await Promise.allSettled([...this.#inFlight]);
    await this.writer.close(); // claims are kept meanwhile
    clearInterval(this.#renewTimer);
    await this.#renewing;
    if (!this.#started) return;
    this.#started = false;
    await releaseClaims(this.sql, this.owner, unstarted).catch((err: unknown) => reportDatabaseError(this.logger, err, 'scheduler could not release its claims'));
  }
}
