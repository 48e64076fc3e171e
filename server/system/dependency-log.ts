/**
 * The outage log of what Lookout cannot run without (its database, Redis): a dependency that stops
 * answering is logged once when it fails, with a count each minute while it stays down, and once
 * when it is back — not once per failed call, which made ten lines a second with a stack each.
 */
import type { Logger } from '../logger.ts';

export type Dependency = 'database' | 'redis';

export interface DependencyLogOptions {
  /** How long a dependency must answer without a failure before its outage is over (one recovery line, not one per flap). */
  settleMs: number;
  /** How often a continuing outage is logged again, with its count. */
  reminderMs: number;
}

interface Outage {
  since: number;
  failures: number;
  lastLoggedAt: number;
  /** When it first answered again since the last failure (the outage ends `settleMs` later). */
  answeringSince?: number;
  settle?: NodeJS.Timeout;
}

const DEFAULTS: DependencyLogOptions = { settleMs: 3000, reminderMs: 60_000 };

export class DependencyLog {
  readonly #outages = new Map<Dependency, Outage>();
  readonly #logger: Logger;
  readonly #options: DependencyLogOptions;
  readonly #now: () => number;

  constructor(logger: Logger, options: Partial<DependencyLogOptions> = {}, now: () => number = Date.now) {
    this.#logger = logger;
    this.#options = { ...DEFAULTS, ...options };
    this.#now = now;
  }

  /** A call to `dependency` failed because it could not be reached; `what` says which call. */
  unreachable(dependency: Dependency, err: unknown, what: string): void {
    const now = this.#now();
    const outage = this.#outages.get(dependency);
    if (!outage) {
      this.#outages.set(dependency, { since: now, failures: 1, lastLoggedAt: now });
      this.#logger.error({ err, dependency }, `${dependency} unreachable: ${what}`);
      return;
    }
    outage.failures++;
    clearTimeout(outage.settle);
    outage.settle = undefined;
    outage.answeringSince = undefined;
    if (now - outage.lastLoggedAt >= this.#options.reminderMs) {
      outage.lastLoggedAt = now;
      const { failures, since } = outage;
      this.#logger.warn({ dependency, failures, since: new Date(since).toISOString(), error: messageOf(err) }, `${dependency} unreachable for ${duration(now - since)} (${failures} failures since ${new Date(since).toISOString()})`);
    }
  }

  /** A call to `dependency` succeeded. Cheap when nothing is failing: called on every database round trip. */
  reachable(dependency: Dependency): void {
    const outage = this.#outages.get(dependency);
    if (!outage || outage.settle) return;
    outage.answeringSince = this.#now();
    outage.settle = setTimeout(() => {
      this.#outages.delete(dependency);
      const { failures, since } = outage;
      const down = (outage.answeringSince ?? this.#now()) - since;
      this.#logger.info({ dependency, failures, downMs: down }, `${dependency} reachable again after ${duration(down)} (${failures} failure${failures === 1 ? '' : 's'} since ${new Date(since).toISOString()})`);
    }, this.#options.settleMs);
    outage.settle.unref();
  }

  /** Whether `dependency` is in an outage (failed, and has not answered for `settleMs` since). */
  isDown(dependency: Dependency): boolean {
    return this.#outages.has(dependency);
  }
}

const logs = new WeakMap<Logger, DependencyLog>();

/**
 * The dependency log of `logger`: every part of the process that reports a dependency's failures
 * (scheduler, result writer, jobs, pools, pub/sub) shares one count per dependency.
 */
export function dependencyLog(logger: Logger): DependencyLog {
  let log = logs.get(logger);
  if (!log) logs.set(logger, (log = new DependencyLog(logger)));
  return log;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`;
  return `${Math.round(ms / 6000) / 10} min`;
}
