/**
 * API tokens as this replica last read them, for a few seconds, so that a worker calling hundreds
 * of times a second does not cost a token lookup per call. Only active tokens are kept (an unknown
 * secret is looked up every time); expiry is checked on every use. Any access change (a revoke, a
 * user disabled…) empties the cache: at once on the replica that made it (after its commit, before
 * its caller hears back) and on the others when its `accessChanged` event arrives. The time limit
 * only bounds an event that never arrives (a Redis outage).
 */
import { Channels } from '../events/channels.ts';
import type { PubSub } from '../events/pubsub.ts';

/** How long a token read from the database is trusted without reading it again. */
export const TOKEN_CACHE_MS = 5_000;
/** A bound on memory: more distinct tokens than this in 5 s empties the cache. */
const MAX_ENTRIES = 10_000;

/** What `actorFromToken` needs of a token row to answer without the database. */
export interface CachedToken {
  id: string;
  name: string;
  role: string | null;
  capabilities: string[];
  createdById: string | null;
  /** The user who created it, as they are now: a token acts with at most their access (null: made by the CLI or LOOKOUT_BOOTSTRAP_TOKEN). */
  creator: { role: string; disabled: boolean; workspaces: string[] | null } | null;
  workspaces: string[] | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

interface Entry {
  token: CachedToken;
  /** Monotonic time (performance.now) after which the entry is read again. */
  staleAt: number;
}

export class TokenCache {
  readonly #entries = new Map<string, Entry>();
  /** Bumped by every access change: a lookup that started before one must not fill the cache after it. */
  #generation = 0;
  /** False until the subscription to access changes is in place: nothing is kept before. */
  #listening = false;
  readonly #ttlMs: number;

  constructor(pubsub: PubSub, ttlMs = TOKEN_CACHE_MS) {
    this.#ttlMs = ttlMs;
    const changes = pubsub.subscribe(Channels.accessChanged);
    void changes.ready.then(
      () => void (this.#listening = true),
      () => {},
    );
    void (async () => {
      try {
        for await (const _ of changes) this.forget();
      } catch {
        // The pub/sub closed or failed: keep nothing from now on.
      }
      this.#listening = false;
      this.forget();
    })();
  }

  /** The token with this secret hash, if read less than the time limit ago and no access changed since. */
  get(secretHash: string): CachedToken | undefined {
    const entry = this.#entries.get(secretHash);
    if (!entry) return undefined;
    if (performance.now() >= entry.staleAt) {
      this.#entries.delete(secretHash);
      return undefined;
    }
    return entry.token;
  }

  /** The generation to give `set` for a lookup starting now. */
  get generation(): number {
    return this.#generation;
  }

  /** Keeps an active token read by a lookup that started at `generation` (ignored if access changed since). */
  set(secretHash: string, token: CachedToken, generation: number): void {
    if (!this.#listening || generation !== this.#generation) return;
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
    this.#entries.set(secretHash, { token, staleAt: performance.now() + this.#ttlMs });
  }

  /** Drops everything: credentials may grant less than they did. */
  forget(): void {
    this.#generation++;
    this.#entries.clear();
  }
}

const caches = new WeakMap<PubSub, TokenCache>();

/** The cache of the replica whose pub/sub this is (one per server, so servers in one process never share). */
export function tokenCacheOf(pubsub: PubSub): TokenCache {
  let cache = caches.get(pubsub);
  if (!cache) {
    cache = new TokenCache(pubsub);
    caches.set(pubsub, cache);
  }
  return cache;
}
