/**
 * The check scheduler. Due checks are claimed through PostgreSQL (claims.ts: `FOR UPDATE SKIP
 * LOCKED` on the next-due time, pushing it one interval ahead and marking the claim until the
 * timeout has passed), so several replicas never run one check twice, and a dead replica's checks
 * are taken over once their claims expire. A replica keeps a service's claim while it holds unstored results of
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
import { boundedError, runCheck } from './checkers/run.ts';
import type { ResultWriter } from './result-writer.ts';
import type { CompletedCheck } from './results.ts';
import { claimDue, releaseClaims, renewClaims, type ClaimedCheck } from './claims.ts';

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
  /**
   * The longest tick claimed checks start on (default: `pollMs`, each tick one). Checks started
   * together cost less: their requests go out and their answers come back in one wake-up of the
   * process, and they reach the database as one batch. Checks start on ticks long enough for about
   * START_TOGETHER of them each at the rate this scheduler claims, at most this long and at most a
   * twentieth of the service's interval: 1,000 services every 20 s start on ticks of 500 ms, 5,000
   * on ticks of `pollMs`. A check starts up to one tick after its due time, and its lag says so.
   */
  maxTickMs?: number;
}

/** The options `lookout serve` runs with. */
export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = { concurrency: 200, pollMs: 100, lookaheadMs: 1500, maxTickMs: 500 };

/** How many checks a tick aims to start together (see `maxTickMs`). */
export const START_TOGETHER = 25;

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
  ).catch((error: unknown) => ({ status: 'down' as const, latencyMs: 0, error: boundedError(String(error)), details: {} }));
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

/** The time over which the rate of claims is counted, for the ticks (see `maxTickMs`). */
const RATE_WINDOW_MS = 2000;

/**
 * The tick a claimed check starts on (see `maxTickMs`): long enough for about START_TOGETHER checks
 * each at `perSecond` (the checks this scheduler claimed a second lately), at most `maxTickMs` and
 * a twentieth of the service's interval, and a multiple of `pollMs` (so the ticks of different
 * looks and services coincide).
 */
export function startTickMs(options: Pick<SchedulerOptions, 'pollMs' | 'maxTickMs'>, perSecond: number, intervalMs: number): number {
  const poll = Math.max(1, options.pollMs);
  const max = Math.min(options.maxTickMs ?? poll, intervalMs / 20);
  if (max <= poll || !(perSecond > 0)) return poll;
  const wanted = Math.min(max, (START_TOGETHER * 1000) / perSecond);
  return Math.max(poll, Math.floor(wanted / poll) * poll);
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
  #sleepingUntil: number | null = null;
  /** Service id → when its claim ends, as last claimed or renewed: for the services checked or held. */
  #claimEnds = new Map<number, number>();
  #renewTimer: NodeJS.Timeout | undefined;
  /** The renewal in progress: the next waits for it (a slow database does not pile them up). */
  #renewing: Promise<void> | undefined;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  /** Poked since the loop last looked: it looks again at once instead of waiting. */
  #poked = false;
  /** This scheduler's looks over the last RATE_WINDOW_MS and what each claimed (`#claimRate`). */
  #claimLog: { at: number; claimed: number }[] = [];

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
          const perSecond = this.#claimRate(claims.length);
          for (const claim of claims) this.#schedule(claim, startTickMs(this.options, perSecond, claim.intervalMs));
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
      this.#sleepingUntil = this.clock.now().getTime() + waitMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
      this.#sleepingUntil = null;
    }
  }

  /** While the loop sleeps between looks, when (by its clock, ms) it looks next; null while looking. */
  get sleepingUntil(): number | null {
    return this.#sleepingUntil;
  }

  /**
   * Checks claimed a second over the last RATE_WINDOW_MS, with a look's `claimed` counted in: by
   * time, not by look, since a look claims no more than its free slots and the next then comes
   * when slots free up.
   */
  #claimRate(claimed: number): number {
    // A monotonic clock: a wall clock stepped back would keep old looks in the log for good.
    const now = performance.now();
    this.#claimLog.push({ at: now, claimed });
    while (this.#claimLog.length && this.#claimLog[0].at <= now - RATE_WINDOW_MS) this.#claimLog.shift();
    let total = 0;
    for (const look of this.#claimLog) total += look.claimed;
    return (total * 1000) / RATE_WINDOW_MS;
  }

  /** Nothing was due: wait until the next service is due (`next`, read by the claim), within [pollMs, idleMaxWaitMs]. */
  #idleWait(next: Date | null): number {
    const max = Math.max(this.options.pollMs, this.options.idleMaxWaitMs ?? IDLE_MAX_WAIT_MS);
    const untilDue = next ? next.getTime() - this.clock.now().getTime() : max;
    return Math.min(max, Math.max(this.options.pollMs, untilDue));
  }

  /**
   * Starts a claimed check at its due time (now, if that has come), rounded up to the next `tick`
   * (`startTickMs`): the checks due within one tick start together. Started one by one they cost
   * more (every start wakes the process, and on one machine its target too: 1,000 services every
   * 20 s took a quarter more CPU per check).
   */
  #schedule(claim: ClaimedCheck, tick: number): void {
    this.#busy.add(claim.serviceId);
    if (claim.claim) this.#claimEnds.set(claim.serviceId, claim.claim.until.getTime());
    const now = this.clock.now().getTime();
    const due = claim.dueAt.getTime();
    if (due <= now) return this.#start(claim);
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
    const task: Promise<void> = this.#check(claim).finally(() => {
      this.#inFlight.delete(task);
      // A backlog waits for free slots: half of them free, claim the next batch now.
      if (this.#backlog && this.#inFlight.size + this.#waitingCount <= this.options.concurrency / 2) {
        this.#backlog = false;
        this.#wake?.();
      }
    });
    this.#inFlight.add(task);
  }

  /** One claimed check, its result handed to the writer (runClaimed never throws). */
  async #check(claim: ClaimedCheck): Promise<void> {
    try {
      const completed = await runClaimed(claim, this.host, this.clock);
      this.stats.onCheck?.(claim.kind, completed.result.latencyMs);
      this.writer.add(completed);
    } finally {
      this.#busy.delete(claim.serviceId); // held by the writer from here on
    }
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
