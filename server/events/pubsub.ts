/**
 * The one pub/sub of Lookout: in-process by default, Redis when REDIS_URL is set so that every
 * replica sees every event (a status change found by one replica reaches subscribers on all).
 * Payloads are plain JSON data, never ORM entities.
 */
import { EventEmitter, on } from 'node:events';
import type { Logger } from '../logger.ts';

export interface PubSub {
  readonly transport: 'in-process' | 'redis';
  publish<T>(channel: string, payload: T): Promise<void>;
  /** Events on `channel` until `signal` aborts (or the iterator is returned), kept from the moment it is called. */
  subscribe<T>(channel: string, signal?: AbortSignal): Subscription<T>;
  close(): Promise<void>;
}

/** A subscription's events; `ready` resolves once every event published from then on will arrive (Redis confirms its SUBSCRIBE). */
export interface Subscription<T> extends AsyncIterableIterator<T> {
  ready: Promise<void>;
}

/** The emitter's events on `channel`, buffered from now on (not from the first `next()`). */
function iterate<T>(emitter: EventEmitter, channel: string, signal?: AbortSignal, ready: Promise<void> = Promise.resolve(), onEnd = () => {}): Subscription<T> {
  const events = on(emitter, channel, { signal });
  let ended = false;
  const end = async (): Promise<IteratorResult<T>> => {
    if (!ended) {
      ended = true;
      onEnd();
      await events.return?.();
    }
    return { done: true, value: undefined };
  };
  return {
    ready,
    async next() {
      if (ended) return { done: true, value: undefined };
      try {
        const result = await events.next();
        return result.done ? end() : { done: false, value: result.value[0] as T };
      } catch (error) {
        if ((error as Error).name !== 'AbortError') throw error;
        return end();
      }
    },
    return: end,
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

export function createInProcessPubSub(): PubSub {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    transport: 'in-process',
    publish: async (channel, payload) => {
      emitter.emit(channel, structuredClone(payload));
    },
    subscribe: (channel, signal) => iterate(emitter, channel, signal),
    close: async () => {
      emitter.removeAllListeners();
    },
  };
}

/** Redis pub/sub: one connection publishes, one listens; events fan out locally from the listener. */
export async function createRedisPubSub(url: string, logger: Logger, prefix = 'lookout:'): Promise<PubSub> {
  const { Redis } = await import('ioredis'); // loaded only when REDIS_URL is set
  const publisher = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  const listener = new Redis(url, { lazyConnect: true });
  for (const client of [publisher, listener]) client.on('error', (err) => logger.warn({ err }, 'redis pub/sub connection error'));
  await Promise.all([publisher.connect(), listener.connect()]);
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  /** Local subscribers per channel, and when Redis confirmed the channel's SUBSCRIBE. */
  const counts = new Map<string, { n: number; ready: Promise<void> }>();
  listener.on('message', (channel: string, message: string) => emitter.emit(channel.slice(prefix.length), JSON.parse(message)));
  return {
    transport: 'redis',
    publish: async (channel, payload) => {
      await publisher.publish(prefix + channel, JSON.stringify(payload));
    },
    subscribe<T>(channel: string, signal?: AbortSignal) {
      let entry = counts.get(channel);
      if (!entry) {
        const ready = listener.subscribe(prefix + channel).then(() => {});
        const created = { n: 0, ready };
        entry = created;
        counts.set(channel, created);
        // Not every subscriber waits for `ready`: a refused SUBSCRIBE must not become an unhandled
        // rejection, and the next subscriber asks again (a channel's events reach every local subscriber).
        ready.catch((err: unknown) => {
          logger.warn({ err, channel }, 'redis SUBSCRIBE failed');
          if (counts.get(channel) === created) counts.delete(channel);
        });
      }
      const mine = entry;
      mine.n++;
      const release = () => {
        mine.n--;
        if (mine.n > 0 || counts.get(channel) !== mine) return;
        counts.delete(channel);
        listener.unsubscribe(prefix + channel).catch(() => {});
      };
      const ready = mine.ready;
      return iterate<T>(emitter, channel, signal, ready, release);
    },
    close: async () => {
      emitter.removeAllListeners();
      await Promise.allSettled([publisher.quit(), listener.quit()]);
    },
  };
}

/** Events on `channel` that `keep` accepts, until the subscriber leaves (a subscription's source). */
export async function* filteredEvents<T>(pubsub: PubSub, channel: string, keep: (event: T) => boolean = () => true): AsyncGenerator<T> {
  for await (const event of pubsub.subscribe<T>(channel)) if (keep(event)) yield event;
}

/**
 * Past events first, then live ones: listens before reading the past, so nothing published in
 * between is lost, and drops live events the past already held (same `key`). `replay` must apply
 * the same filter as `keep`.
 */
export async function* replayedEvents<T>(pubsub: PubSub, channel: string, keep: (event: T) => boolean, replay: () => Promise<T[]>, key: (event: T) => string): AsyncGenerator<T> {
  const live = pubsub.subscribe<T>(channel);
  try {
    await live.ready;
    const past = await replay();
    const seen = new Set(past.map(key));
    yield* past;
    for await (const event of live) if (keep(event) && !seen.has(key(event))) yield event;
  } finally {
    await live.return?.();
  }
}

export async function createPubSub(redisUrl: string | undefined, logger: Logger): Promise<PubSub> {
  return redisUrl ? createRedisPubSub(redisUrl, logger) : createInProcessPubSub();
}
