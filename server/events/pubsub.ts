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
  /** Events on `channel` until `signal` aborts (or the iterator is returned). */
  subscribe<T>(channel: string, signal?: AbortSignal): AsyncIterableIterator<T>;
  close(): Promise<void>;
}

async function* iterate<T>(emitter: EventEmitter, channel: string, signal?: AbortSignal): AsyncIterableIterator<T> {
  try {
    for await (const [payload] of on(emitter, channel, { signal })) yield payload as T;
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
  }
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
  const counts = new Map<string, number>();
  listener.on('message', (channel: string, message: string) => emitter.emit(channel.slice(prefix.length), JSON.parse(message)));
  return {
    transport: 'redis',
    publish: async (channel, payload) => {
      await publisher.publish(prefix + channel, JSON.stringify(payload));
    },
    subscribe(channel, signal) {
      const n = (counts.get(channel) ?? 0) + 1;
      counts.set(channel, n);
      const ready = n === 1 ? listener.subscribe(prefix + channel) : Promise.resolve();
      const release = () => {
        const left = (counts.get(channel) ?? 1) - 1;
        counts.set(channel, left);
        if (left === 0) listener.unsubscribe(prefix + channel).catch(() => {});
      };
      return (async function* () {
        try {
          await ready;
          yield* iterate(emitter, channel, signal);
        } finally {
          release();
        }
      })() as AsyncIterableIterator<never>;
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

export async function createPubSub(redisUrl: string | undefined, logger: Logger): Promise<PubSub> {
  return redisUrl ? createRedisPubSub(redisUrl, logger) : createInProcessPubSub();
}
