/**
 * A small time-bounded cache with single flight: a value is computed at most once per `ttlMs` per
 * key however many readers ask, and readers arriving while it is computed wait for that one
 * computation. A failed computation is not kept (the next reader tries again), but the last good
 * value is served for up to `staleOnErrorMs` meanwhile, so a database hiccup does not blank a page.
 */
import type { Clock } from '../clock.ts';

interface Entry<V> {
  value?: V;
  computedAt: number;
  pending?: Promise<V>;
}

export interface SnapshotCacheOptions {
  ttlMs: number;
  clock: Clock;
  /** Keys kept at most (the oldest goes first): keys come from stored pages, but bounds are cheap. */
  maxKeys?: number;
  staleOnErrorMs?: number;
}

export class SnapshotCache<V> {
  readonly #o: Required<SnapshotCacheOptions>;
  readonly #entries = new Map<string, Entry<V>>();
  /** Computations started, for tests and the bench: N concurrent readers must cause one. */
  computations = 0;

  constructor(options: SnapshotCacheOptions) {
    this.#o = { maxKeys: 1000, staleOnErrorMs: 5 * 60_000, ...options };
  }

  /** The key's value, computed by `compute` when none is younger than the TTL (one computation at a time per key). */
  get(key: string, compute: () => Promise<V>): Promise<V> {
    const now = this.#o.clock.now().getTime();
    const entry = this.#entries.get(key);
    if (entry?.value !== undefined && now - entry.computedAt < this.#o.ttlMs) return Promise.resolve(entry.value);
    if (entry?.pending) return entry.pending;
    const target: Entry<V> = entry ?? { computedAt: 0 };
    this.computations++;
    const pending = compute().then(
      (value) => {
        target.value = value;
        target.computedAt = this.#o.clock.now().getTime();
        target.pending = undefined;
        return value;
      },
      (error) => {
        target.pending = undefined;
        if (target.value !== undefined && this.#o.clock.now().getTime() - target.computedAt < this.#o.staleOnErrorMs) return target.value;
        throw error;
      },
    );
    target.pending = pending;
    if (!entry) {
      if (this.#entries.size >= this.#o.maxKeys) this.#entries.delete(this.#entries.keys().next().value!);
      this.#entries.set(key, target);
    }
    return pending;
  }

  /** Forgets every value (after a change through the API or the config file): the next reader computes afresh. */
  clear(): void {
    // A computation under way keeps its own readers; its result lands in an entry no longer kept.
    this.#entries.clear();
  }
}
