/**
 * This replica's check results on their way to the database: written in batches, held while the
 * database cannot take them (bounded: the oldest are dropped first, and counted) and written in
 * `checked_at` order once it can. A row the database refuses holds up only its own service.
 */
import type pg from 'pg';
import { isDatabaseUnreachable } from '../db/pool.ts';
import type { Logger } from '../logger.ts';
import { dependencyLog } from '../system/dependency-log.ts';
import { recordChecks, recordSettled, type CompletedCheck, type RecordOutcome, type ResultSink } from './results.ts';
import { checkKey, storedAlready } from './stored-already.ts';

export interface ResultWriterOptions {
  /** How long a result waits for others before its batch is written. */
  flushMs: number;
  /** Results per transaction, also when catching up after an outage. */
  maxBatch: number;
  /**
   * Results held at most: waiting, being written, or kept while the database cannot take them.
   * Beyond it the oldest are dropped. 50,000 is 2.5 minutes of checks at 10,000 services every 30 s
   * (25 minutes at 1,000), about 16 MB (twice that if every one carries an error text): room for a
   * stall or a failover, well inside the 300 MB a replica has at 10,000. While the database is down
   * altogether fewer arrive, since checks are claimed in it too.
   */
  maxHeld: number;
  /** Writes of a service's results that the database refuses (a row it will not store) before they are dropped. */
  attempts: number;
  /** After a failed write, the next is tried after `retryMs`, doubling up to `maxRetryMs` while it keeps failing. */
  retryMs: number;
  maxRetryMs: number;
}

const DEFAULTS: ResultWriterOptions = { flushMs: 200, maxBatch: 500, maxHeld: 50_000, attempts: 3, retryMs: 1000, maxRetryMs: 10_000 };

/**
 * A result near a change of its service's status (a different status than the result before, or
 * one of the few after such a change, while a failure or recovery threshold may be reached) waits
 * only this long: a transition is what alerting pages on, and 200 ms of batching is a fifth of its
 * budget. Results of a mass outage still go out together.
 */
export const URGENT_FLUSH_MS = 20;
/** How many results after a change of status count as near it (covers thresholds up to this). */
const NEAR_CHANGE_RESULTS = 3;

/** What a write leaves: results to hold and try again, and whether the database failed (then retries back off). */
interface Leftover {
  hold: CompletedCheck[];
  failed: boolean;
}

/**
 * Whether the database refused a batch for what is in it (a value it cannot store, a constraint, a
 * trigger's exception) rather than for its own state: then the batch's services are written apart.
 */
const refusedForItsRows = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23') || code === 'P0001');
};

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err));

const halves = <T>(items: T[]): T[][] => [items.slice(0, Math.ceil(items.length / 2)), items.slice(Math.ceil(items.length / 2))];

/**
 * Collects results and writes them every `flushMs` or every `maxBatch` results, whichever comes
 * first, oldest first. A failed write keeps its results (see `ResultWriterOptions`).
 */
export class ResultWriter {
  /** Waiting results, oldest first from `#head` (an index: dropping the oldest does not copy the rest). */
  #held: CompletedCheck[] = [];
  #head = 0;
  /** Results in the write in flight: they count towards the cap too. */
  #writing = 0;
  /** The write in flight (its services' claims are kept too). */
  #batch: CompletedCheck[] = [];
  /**
   * How many of the write's oldest results went beyond the cap meanwhile: a write cannot be called
   * back, so they are dropped if it fails (and stored if it succeeds), the newest kept either way.
   */
  #doomed = 0;
  #timer: NodeJS.Timeout | undefined;
  /** The delay before the next retry while the database fails writes; 0 when it does not. */
  #backoffMs = 0;
  #flushing: Promise<void> = Promise.resolve();
  #drainQueued = false;
  /** A write failed since the last that succeeded: the next asks which of its results are stored already (`storedAlready`). */
  #unanswered = false;
  #closed = false;
  /** Failed writes and dropped results since the last stored batch: logged when they start, and once when results are stored again. */
  #trouble: { since: number; failures: number; dropped: number; overflowed?: boolean } | undefined;
  /** Service id → writes of its results the database refused in a row. */
  readonly #refusals = new Map<number, number>();
  /** Per service: the last result's status and how many results in a row had it (one entry per service checked here). */
  readonly #runs = new Map<number, { status: string; count: number }>();
  #urgent = false;
  #dropped = 0;

  private readonly sql: pg.Pool;
  private readonly sink: ResultSink;
  private readonly logger: Logger;
  private readonly options: ResultWriterOptions;

  constructor(sql: pg.Pool, sink: ResultSink, logger: Logger, options: Partial<ResultWriterOptions> = {}) {
    this.sql = sql;
    this.sink = sink;
    this.logger = logger;
    this.options = { ...DEFAULTS, ...options };
    this.options.maxBatch = Math.min(this.options.maxBatch, this.options.maxHeld);
  }

  /** Results held now (waiting, being written, or kept for a retry); never more than `maxHeld`. */
  get heldResults(): number {
    return this.#held.length - this.#head + this.#writing - this.#doomed;
  }

  /** Results dropped since start: the oldest beyond `maxHeld`, and results the database refused `attempts` times. */
  get droppedResults(): number {
    return this.#dropped;
  }

  /**
   * The services whose results this writer holds (waiting, being written, or kept for a retry). The
   * scheduler keeps their claims meanwhile, so no other replica checks them before these are stored.
   */
  heldServices(): Set<number> {
    const ids = new Set<number>();
    for (let i = this.#head; i < this.#held.length; i++) ids.add(this.#held[i].serviceId);
    for (const check of this.#batch) ids.add(check.serviceId);
    return ids;
  }

  add(check: CompletedCheck): void {
    this.#held.push(check);
    this.#dropOverflow();
    const nearChange = this.#nearChange(check);
    if (this.#backoffMs) return; // the database is failing: the retry timer writes them
    if (this.#held.length - this.#head >= this.options.maxBatch) void this.flush();
    else if (nearChange && !this.#urgent) {
      clearTimeout(this.#timer);
      this.#urgent = true;
      this.#timer = setTimeout(() => void this.flush(), Math.min(URGENT_FLUSH_MS, this.options.flushMs));
    } else this.#timer ??= setTimeout(() => void this.flush(), this.options.flushMs);
  }

  /** Whether this result is a change of its service's status, or one of the few results after one. */
  #nearChange(check: CompletedCheck): boolean {
    const run = this.#runs.get(check.serviceId);
    const status = check.result.status;
    if (!run) {
      this.#runs.set(check.serviceId, { status, count: NEAR_CHANGE_RESULTS + 1 }); // first seen here: no change known
      return false;
    }
    if (run.status !== status) {
      run.status = status;
      run.count = 1;
      return true;
    }
    run.count = Math.min(run.count + 1, NEAR_CHANGE_RESULTS + 1);
    return run.count <= NEAR_CHANGE_RESULTS;
  }

  /** Writes everything held now; resolves when it is stored, or when the database failed (then it is retried later). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#urgent = false;
    if (!this.#drainQueued) {
      this.#drainQueued = true;
      this.#flushing = this.#flushing.then(() => {
        this.#drainQueued = false;
        return this.#drain();
      });
    }
    return this.#flushing;
  }

  /** Writes what is held one last time and stops retrying (on shutdown); what is left is logged as lost. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const lost = this.heldResults;
    if (lost) this.logger.error({ lost }, `stopping with ${lost} check results not stored`);
  }

  async #drain(): Promise<void> {
    while (this.#held.length > this.#head) {
      const batch = this.#held.slice(this.#head, this.#head + this.options.maxBatch);
      this.#head += batch.length;
      this.#compact();
      this.#writing = batch.length;
      this.#batch = batch;
      let left: Leftover;
      let doomed = 0;
      try {
        left = await this.#write(batch);
      } finally {
        doomed = this.#doomed;
        this.#writing = this.#doomed = 0;
        this.#batch = [];
      }
      if (left.hold.length || left.failed) {
        this.#holdAgain(this.#dropOldest(left.hold, doomed));
        this.#retryLater(left.failed);
        return;
      }
    }
  }

  /**
   * The services whose results change nothing but their last check go in one statement
   * (`recordSettled`); the others (a status that differs, a late result) in one transaction after
   * it (`recordChecks`). A failure of the second holds only the second's results.
   */
  async #write(batch: CompletedCheck[]): Promise<Leftover> {
    let rest: CompletedCheck[];
    if (this.#unanswered) {
      // A write failed without an answer since the last one that succeeded: it may have been stored.
      try {
        const stored = await storedAlready(this.sql, batch);
        this.#unanswered = false;
        if (stored.size) {
          const again = batch.filter((c) => !stored.has(checkKey(c.serviceId, c.checkedAt)));
          this.logger.warn({ stored: batch.length - again.length }, `${batch.length - again.length} check results were stored by a write whose answer was lost: not written again`);
          batch = again;
          this.#writing = batch.length;
          this.#batch = batch;
          this.#doomed = Math.min(this.#doomed, batch.length);
          if (!batch.length) return { hold: [], failed: false };
        }
      } catch (err) {
        return this.#failed(err, batch);
      }
    }
    try {
      const settled = await recordSettled(this.sql, batch, this.sink.pubsub);
      rest = settled.rest;
      // Stored: no longer in flight. Of the oldest doomed meanwhile (beyond the cap), those stored are
      // kept; the rest of them are the oldest of what is left. Trouble is over only once all is stored.
      this.#writing = rest.length;
      this.#batch = rest;
      this.#doomed = Math.min(rest.length, Math.max(0, this.#doomed - settled.stored.length));
      if (settled.stored.length) this.#stored(settled.stored, settled.outcome, !rest.length);
    } catch (err) {
      return refusedForItsRows(err) ? this.#writeApart(batch, err) : this.#failed(err, batch);
    }
    if (!rest.length) return { hold: [], failed: false };
    let outcome: RecordOutcome;
    try {
      outcome = await recordChecks(this.sql, rest, this.sink.pubsub);
    } catch (err) {
      return refusedForItsRows(err) ? this.#writeApart(rest, err) : this.#failed(err, rest);
    }
    this.#stored(rest, outcome);
    return { hold: [], failed: false };
  }

  /**
   * A batch the database refused for a row in it: its services are written apart, in halves, then
   * halves of the refused halves, so a few bad rows cost a few transactions and the rest is stored.
   * A service whose results are refused `attempts` times in a row loses them, with one log line.
   */
  async #writeApart(batch: CompletedCheck[], err: unknown): Promise<Leftover> {
    const byService = new Map<number, CompletedCheck[]>();
    for (const check of batch) {
      const part = byService.get(check.serviceId);
      if (part) part.push(check);
      else byService.set(check.serviceId, [check]);
    }
    const parts = [...byService.values()];
    const refused: { part: CompletedCheck[]; err: unknown }[] = parts.length === 1 ? [{ part: parts[0], err }] : [];
    const sets = parts.length > 1 ? halves(parts) : [];
    let stored = 0;
    for (let set = sets.shift(); set; set = sets.shift()) {
      const checks = set.flat();
      let outcome: RecordOutcome;
      try {
        outcome = await recordChecks(this.sql, checks, this.sink.pubsub);
      } catch (partErr) {
        if (!refusedForItsRows(partErr)) return this.#failed(partErr, [...checks, ...sets.flat(2), ...refused.flatMap((r) => r.part)]);
        if (set.length === 1) refused.push({ part: set[0], err: partErr });
        else sets.push(...halves(set));
        continue;
      }
      this.#stored(checks, outcome);
      stored++;
    }
    // Every service refused: the fault is not in a row (a trigger refusing everything, say). Hold
    // them all and retry as in an outage; none is dropped for it.
    if (!stored && refused.length > 1) return this.#failed(refused[0].err, batch);
    const hold: CompletedCheck[] = [];
    for (const { part, err: refusal } of refused) {
      const id = part[0].serviceId;
      const attempts = (this.#refusals.get(id) ?? 0) + 1;
      if (attempts < this.options.attempts) {
        this.#refusals.set(id, attempts);
        hold.push(...part);
        continue;
      }
      this.#refusals.delete(id);
      this.#dropped += part.length;
      this.logger.error(
        { service: part[0].serviceName, dropped: part.length, attempts, error: describe(refusal) },
        `dropped ${part.length} check result${part.length === 1 ? '' : 's'} of ${part[0].serviceName}: the database refused ${attempts} writes of them`,
      );
    }
    return { hold, failed: false };
  }

  /** The database could not take a write: the results are held, and the trouble logged once. */
  #failed(err: unknown, hold: CompletedCheck[]): Leftover {
    this.#unanswered = true;
    const trouble = (this.#trouble ??= { since: Date.now(), failures: 0, dropped: 0 });
    if (trouble.failures++ === 0) {
      const what = `check results are held (up to ${this.options.maxHeld}) and written when it is back`;
      if (isDatabaseUnreachable(err)) dependencyLog(this.logger).unreachable('database', err, what);
      else this.logger.error({ error: describe(err), code: (err as { code?: unknown }).code }, `could not store check results: ${what}`);
    }
    return { hold, failed: true };
  }

  /** Results stored: listeners told; with `recovered`, the database takes writes again (no backoff, trouble logged as over). */
  #stored(batch: CompletedCheck[], outcome: RecordOutcome, recovered = true): void {
    try {
      this.sink.onRecorded(outcome.checks, outcome.transitions);
    } catch (err) {
      // Stored all the same: writing the batch again would record it twice.
      this.logger.error({ err }, 'a listener of stored check results failed');
    }
    if (this.#refusals.size) for (const check of batch) this.#refusals.delete(check.serviceId);
    if (!recovered) return;
    this.#backoffMs = 0;
    const trouble = this.#trouble;
    if (!trouble) return;
    this.#trouble = undefined;
    const fields = { failedWrites: trouble.failures, dropped: trouble.dropped, held: this.heldResults, troubleMs: Date.now() - trouble.since };
    const message = `check results stored again after ${Math.round(fields.troubleMs / 100) / 10} s (${trouble.failures} failed writes; ${trouble.dropped} results dropped, the oldest beyond ${this.options.maxHeld})`;
    if (trouble.dropped) this.logger.warn(fields, message);
    else this.logger.info(fields, message);
  }

  /** Puts results back in front of the waiting ones, in `checked_at` order, to be written first. */
  #holdAgain(checks: CompletedCheck[]): void {
    if (!checks.length) return;
    this.#held = [...checks, ...this.#held.slice(this.#head)].sort((a, b) => a.checkedAt.getTime() - b.checkedAt.getTime());
    this.#head = 0;
  }

  #retryLater(failed: boolean): void {
    if (this.#closed) return;
    if (failed) this.#backoffMs = this.#backoffMs ? Math.min(this.#backoffMs * 2, this.options.maxRetryMs) : this.options.retryMs;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.flush(), failed ? this.#backoffMs : this.options.retryMs);
  }

  /**
   * Keeps the held results within `maxHeld` by dropping the oldest: first those of the write in
   * flight (dropped when it fails), then the oldest waiting ones.
   */
  #dropOverflow(): void {
    let over = this.heldResults - this.options.maxHeld;
    if (over <= 0) return;
    const trouble = (this.#trouble ??= { since: Date.now(), failures: 0, dropped: 0 });
    if (!trouble.overflowed) {
      trouble.overflowed = true;
      this.logger.warn({ maxHeld: this.options.maxHeld }, `more than ${this.options.maxHeld} check results wait to be stored: the oldest are dropped until the database takes them again`);
    }
    const doom = Math.min(over, this.#writing - this.#doomed);
    this.#doomed += doom;
    over -= doom;
    if (!over) return;
    this.#head += over;
    this.#dropped += over;
    trouble.dropped += over;
    this.#compact();
  }

  /** `checks` without the oldest `count` (results of a failed write that went beyond the cap meanwhile). */
  #dropOldest(checks: CompletedCheck[], count: number): CompletedCheck[] {
    const n = Math.min(count, checks.length);
    if (!n) return checks;
    this.#dropped += n;
    if (this.#trouble) this.#trouble.dropped += n;
    return [...checks].sort((a, b) => a.checkedAt.getTime() - b.checkedAt.getTime()).slice(n);
  }

  /** Frees the slots before `#head` once they are most of the array. */
  #compact(): void {
    if (this.#head === this.#held.length) {
      this.#held = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#held.length) {
      this.#held = this.#held.slice(this.#head);
      this.#head = 0;
    }
  }
}
