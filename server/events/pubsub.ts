/**
 * The one pub/sub of Lookout: in-process by default, Redis when REDIS_URL is set so that every
 * replica sees every event (a status change found by one replica reaches subscribers on all).
 * Payloads are plain JSON data, never ORM entities; channels and their payloads are declared in
 * channels.ts. Changes publish through server/events/after-commit.ts, once they committed.
 */
import { EventEmitter } from 'node:events';
import { FellBehind } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { dependencyLog } from '../system/dependency-log.ts';
import { payloadShapes, type ChannelPayloads, type PayloadShapes } from './channels.ts';

/** Channel names and their payloads (Lookout's: channels.ts; a test of the transport may declare its own). */
export type ChannelMap = object;
type NameOf<M extends ChannelMap> = keyof M & string;

export interface PubSub<M extends ChannelMap = ChannelPayloads> {
  readonly transport: 'in-process' | 'redis';
  /**
   * Sends `payload` to every subscriber of `channel` on every replica. A failure is logged here (a
   * Redis outage once per outage, not once per event); the promise still rejects for callers that
   * must know, so fire-and-forget callers only need to swallow it.
   */
  publish<N extends NameOf<M>>(channel: N, payload: M[N]): Promise<void>;
  /** Events on `channel` until `signal` aborts (or the iterator is returned), kept from the moment it is called. */
  subscribe<N extends NameOf<M>>(channel: N, signal?: AbortSignal, options?: SubscribeOptions): Subscription<M[N]>;
  /**
   * Messages from Redis dropped, by channel: not JSON, too big, or not the shape of their channel's
   * payload. Always empty in process, where payloads are typed by the code that publishes them.
   */
  readonly droppedMessages: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

/** A subscription's events; `ready` resolves once every event published from then on will arrive (Redis confirms its SUBSCRIBE). */
export interface Subscription<T> extends AsyncIterableIterator<T> {
  ready: Promise<void>;
}

/**
 * Local fan-out of events by channel. Channel names are namespaced before they become emitter
 * events: a channel called `error` must not reach EventEmitter's special `error` event (which
 * throws when nobody listens).
 */
const eventName = (channel: string) => `event:${channel}`;

/** How a subscription keeps what it has not taken yet. */
export interface SubscribeOptions {
  /** Events it may hold for its reader; past that, it ends (`FellBehind`). Unbounded when left out (Lookout's own readers, which keep up). */
  maxQueued?: number;
}

/**
 * The emitter's events on `channel`, buffered from now on (not from the first `next()`), at most
 * `maxQueued` of them: a reader that stops reading (a WebSocket client that no longer reads, whose
 * socket is full) made the buffer of node:events' `on()` grow with every event, at 100,000 services
 * ~1,700 checks a second, for as long as the client kept the connection.
 */
function iterate<T>(
  emitter: EventEmitter,
  channel: string,
  signal?: AbortSignal,
  ready: Promise<void> = Promise.resolve(),
  onEnd = () => {},
  { maxQueued = Infinity }: SubscribeOptions = {},
): Subscription<T> {
  const queue: T[] = [];
  /** `next()` calls waiting for an event, first first. */
  const waiting: ((result: IteratorResult<T>) => void)[] = [];
  let ended = false;
  let overflowed = false;
  const listener = (payload: T) => {
    if (ended) return; // an emit already under way when it ended
    const wake = waiting.shift();
    if (wake) return wake({ done: false, value: payload });
    if (queue.length >= maxQueued) {
      overflowed = true;
      queue.length = 0;
      return stop();
    }
    queue.push(payload);
  };
  const stop = () => {
    if (ended) return;
    ended = true;
    emitter.off(eventName(channel), listener);
    signal?.removeEventListener('abort', aborted);
    onEnd();
    for (const wake of waiting.splice(0)) wake({ done: true, value: undefined });
  };
  const aborted = () => {
    queue.length = 0;
    stop();
  };
  const end = async (): Promise<IteratorResult<T>> => {
    queue.length = 0;
    overflowed = false; // returned: done, not FellBehind
    stop();
    return { done: true, value: undefined };
  };
  if (signal?.aborted) stop();
  else {
    emitter.on(eventName(channel), listener);
    signal?.addEventListener('abort', aborted, { once: true });
  }
  return {
    ready,
    async next() {
      if (queue.length) return { done: false, value: queue.shift()! };
      if (overflowed) {
        overflowed = false; // said once; then done
        throw new FellBehind(channel, maxQueued);
      }
      if (ended) return { done: true, value: undefined };
      return new Promise<IteratorResult<T>>((resolve) => waiting.push(resolve));
    },
    return: end,
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

export function createInProcessPubSub<M extends ChannelMap = ChannelPayloads>(logger?: Logger): PubSub<M> {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    transport: 'in-process',
    droppedMessages: new Map(),
    publish: async (channel, payload) => {
      // Nobody listens on this replica (no dashboard open): nothing to copy. A batch of 500 checks a
      // few times a second at 100,000 services was copied for no one.
      if (emitter.listenerCount(eventName(channel)) === 0) return;
      let copy: unknown;
      try {
        copy = structuredClone(payload);
      } catch (err) {
        logger?.error({ err, channel }, `an event on ${channel} is not plain data and was not published`);
        throw err;
      }
      emitter.emit(eventName(channel), copy);
    },
    subscribe: <N extends NameOf<M>>(channel: N, signal?: AbortSignal, options?: SubscribeOptions) => iterate<M[N]>(emitter, channel, signal, undefined, undefined, options),
    close: async () => {
      emitter.removeAllListeners();
    },
  };
}

/**
 * The largest event Lookout sends or accepts through Redis. Its own are far smaller (a batch of 500
 * run changes is about 80 KB); anything bigger is dropped before it is parsed, so a message from
 * outside cannot hold the event loop in JSON.parse.
 */
export const MAX_EVENT_BYTES = 1024 * 1024;
/** How often a stream of bad messages is logged (the first at once, then a count). */
const BAD_MESSAGE_LOG_MS = 60_000;

/**
 * The channel prefix of one deployment: Redis pub/sub ignores the database number, so deployments
 * sharing a Redis server are told apart by it (and by LOOKOUT_REDIS_PREFIX): `lookout:0:`.
 */
export function channelPrefix(prefix: string, database: number): string {
  return `${prefix}:${database}:`;
}

/** A Redis message as an event, or why it is not one: only JSON objects of bounded size are events. */
export function decodeEvent(message: Buffer): { event: Record<string, unknown> } | { error: string } {
  if (message.length > MAX_EVENT_BYTES) return { error: `${message.length} bytes, over the ${MAX_EVENT_BYTES}-byte limit` };
  let value: unknown;
  try {
    value = JSON.parse(message.toString('utf8'));
  } catch (error) {
    return { error: `not JSON (${(error as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: `not a JSON object (${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value})` };
  return { event: value as Record<string, unknown> };
}

/** Logs the first of a burst at once and the rest as a count, at most once per `everyMs`. */
function rateLimitedWarning(logger: Logger, everyMs: number): (fields: Record<string, unknown>, message: string) => void {
  let lastAt = -Infinity;
  let suppressed = 0;
  return (fields, message) => {
    const now = Date.now();
    if (now - lastAt < everyMs) return void suppressed++;
    logger.warn({ ...fields, droppedSinceLastLine: suppressed }, message);
    lastAt = now;
    suppressed = 0;
  };
}

export interface RedisPubSubOptions<M extends ChannelMap = ChannelPayloads> {
  /** LOOKOUT_REDIS_PREFIX: the first part of every channel name (default `lookout`); the database number of the URL follows it. */
  prefix?: string;
  /** What each channel's payload must be (default: Lookout's channels). */
  shapes?: PayloadShapes<M>;
}

/** How long closing waits for Redis to acknowledge QUIT before dropping the connections. */
const QUIT_TIMEOUT_MS = 2000;

/**
 * Redis pub/sub: one connection publishes, one listens; events fan out locally from the listener.
 * Every message is treated as hostile: bounded, parsed defensively, checked against its channel's
 * payload shape, dropped (counted, and logged rate limited) when it is not an event of its channel.
 * Connection failures go to the outage log, once per outage.
 */
export async function createRedisPubSub<M extends ChannelMap = ChannelPayloads>(url: string, logger: Logger, options: RedisPubSubOptions<M> = {}): Promise<PubSub<M>> {
  const { prefix: name = 'lookout' } = options;
  const shapes = (options.shapes ?? payloadShapes) as PayloadShapes<M>;
  const { Redis } = await import('ioredis'); // loaded only when REDIS_URL is set
  // While Redis is unreachable a publish fails at once instead of waiting through reconnects in the
  // offline queue: callers (a mutation announcing its runs) must not hang on an outage.
  const publisher = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false });
  const listener = new Redis(url, { lazyConnect: true });
  const outages = dependencyLog(logger);
  for (const client of [publisher, listener]) {
    client.on('error', (err) => outages.unreachable('redis', err, 'pub/sub connection error'));
    client.on('ready', () => outages.reachable('redis'));
  }
  await Promise.all([publisher.connect(), listener.connect()]);
  const prefix = channelPrefix(name, Number(publisher.options.db ?? 0));
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  /** Local subscribers per channel, and when Redis confirmed the channel's SUBSCRIBE. */
  const counts = new Map<string, { n: number; ready: Promise<void> }>();
  const warnBadMessage = rateLimitedWarning(logger, BAD_MESSAGE_LOG_MS);
  const dropped = new Map<string, number>();
  const drop = (name: string, fields: Record<string, unknown>, message: string) => {
    dropped.set(name, (dropped.get(name) ?? 0) + 1);
    warnBadMessage(fields, message);
  };
  // Nothing thrown here may escape: it would surface in ioredis's socket handler, an uncaught exception.
  listener.on('messageBuffer', (rawChannel: Buffer, message: Buffer) => {
    try {
      const channel = rawChannel.toString('utf8');
      if (!channel.startsWith(prefix)) return;
      const name = channel.slice(prefix.length);
      // Only channels subscribed to arrive, and only declared ones are subscribed to; own keys only all the same.
      const shape = Object.hasOwn(shapes, name) ? shapes[name as NameOf<M>] : undefined;
      if (!shape) return drop('(undeclared)', { channel }, `dropped a pub/sub message on ${channel}: not a channel of Lookout`);
      const decoded = decodeEvent(message ?? Buffer.alloc(0));
      const problem = 'error' in decoded ? decoded.error : shape(decoded.event, '');
      if (problem !== null) return drop(name, { channel, bytes: message.length, reason: problem }, `dropped a pub/sub message on ${channel}: ${problem}`);
      emitter.emit(eventName(name), (decoded as { event: unknown }).event);
    } catch (err) {
      drop('(undelivered)', { err }, 'dropped a pub/sub message that could not be delivered');
    }
  });
  const quit = (client: InstanceType<typeof Redis>) =>
    client.status === 'ready'
      ? Promise.race([client.quit().catch(() => {}), new Promise((resolve) => setTimeout(resolve, QUIT_TIMEOUT_MS).unref())]).finally(() => client.disconnect())
      : client.disconnect();
  return {
    transport: 'redis',
    droppedMessages: dropped,
    publish: async (channel, payload) => {
      const message = JSON.stringify(payload);
      const bytes = Buffer.byteLength(message);
      if (bytes > MAX_EVENT_BYTES) {
        const error = new Error(`the event on ${channel} is ${bytes} bytes, over the ${MAX_EVENT_BYTES}-byte limit of the pub/sub`);
        logger.error({ err: error, channel }, 'event not published');
        throw error;
      }
      try {
        await publisher.publish(prefix + channel, message);
      } catch (err) {
        outages.unreachable('redis', err, `publish on ${channel} failed`);
        throw err;
      }
      outages.reachable('redis');
    },
    subscribe<N extends NameOf<M>>(channel: N, signal?: AbortSignal, options?: SubscribeOptions) {
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
      return iterate<M[N]>(emitter, channel, signal, ready, release, options);
    },
    close: async () => {
      emitter.removeAllListeners();
      // QUIT waits for Redis; while it is unreachable that would hold shutdown through every retry.
      await Promise.allSettled([quit(publisher), quit(listener)]);
    },
  };
}

/**
 * Whether `keep` accepts `event`. An event from Redis has its channel's shape, but a filter may still
 * throw on it (a lookup that fails): such an event is dropped, instead of ending the subscription
 * (and, over WebSocket, every other subscription on that socket).
 */
function accepts<T>(keep: (event: T) => boolean, event: T): boolean {
  try {
    return keep(event);
  } catch {
    return false;
  }
}

/**
 * What a subscription's source takes from its channel, for a reader that takes the channel's events
 * itself instead of iterating the source (server/http/broadcast.ts: one pub/sub subscription a
 * channel for all of a replica's WebSocket subscribers, instead of one each). `each` gives an event's
 * items for this source, in order, as iterating it would have yielded them; it may throw (the event
 * is then skipped for this source, as iterating it would).
 */
export interface PushSource<T = unknown> {
  readonly channel: string;
  each(event: unknown, take: (item: T) => void): void;
}

const PUSH_SOURCE = Symbol('push source');

/** `source`, marked with what it takes from its channel (its iteration is unchanged). */
export function withPushSource<S extends object, T>(source: S, push: PushSource<T>): S {
  return Object.defineProperty(source, PUSH_SOURCE, { value: push });
}

/** What `source` takes from its channel, when it says. */
export function pushSourceOf(source: unknown): PushSource | undefined {
  return typeof source === 'object' && source !== null ? (source as { [PUSH_SOURCE]?: PushSource })[PUSH_SOURCE] : undefined;
}

/** Events on `channel` that `keep` accepts, until the subscriber leaves (a subscription's source). */
export function filteredEvents<M extends ChannelMap, N extends NameOf<M>>(pubsub: PubSub<M>, channel: N, keep: (event: M[N]) => boolean = () => true): AsyncGenerator<M[N]> {
  return withPushSource(filtered(pubsub, channel, keep), {
    channel,
    each: (event, take) => {
      if (keep(event as M[N])) take(event as M[N]);
    },
  });
}

async function* filtered<M extends ChannelMap, N extends NameOf<M>>(pubsub: PubSub<M>, channel: N, keep: (event: M[N]) => boolean): AsyncGenerator<M[N]> {
  for await (const event of pubsub.subscribe(channel)) if (accepts(keep, event)) yield event;
}

/**
 * Past events first, then live ones: listens before reading the past, so nothing published in
 * between is lost, and drops live events the past already held (same `key`). `replay` must apply
 * the same filter as `keep`.
 */
export async function* replayedEvents<M extends ChannelMap, N extends NameOf<M>>(
  pubsub: PubSub<M>,
  channel: N,
  keep: (event: M[N]) => boolean,
  replay: () => Promise<M[N][]>,
  key: (event: M[N]) => string,
): AsyncGenerator<M[N]> {
  const live = pubsub.subscribe(channel);
  try {
    await live.ready;
    const past = await replay();
    const seen = new Set(past.map(key));
    yield* past;
    for await (const event of live) if (accepts((e: M[N]) => keep(e) && !seen.has(key(e)), event)) yield event;
  } finally {
    await live.return?.();
  }
}

export async function createPubSub(redisUrl: string | undefined, logger: Logger, options: RedisPubSubOptions = {}): Promise<PubSub> {
  return redisUrl ? createRedisPubSub(redisUrl, logger, options) : createInProcessPubSub(logger);
}
