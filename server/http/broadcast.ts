/**
 * Delivery of shared subscriptions (shared-subscriptions.ts) to WebSocket subscribers without a
 * pipeline per subscriber: one pub/sub subscription per channel for the whole replica, and for each
 * event, each subscriber's own filter (its source's PushSource), one execution and one JSON text per
 * distinct subscription, and one `next` frame written straight to each socket in the same turn.
 *
 * Iterating each subscriber's source instead (its pub/sub queue, its filter, the envelope's result
 * wrapper, its running subscription, graphql-ws's message) held 1,000 promise chains per event and
 * their garbage: with 1,000 subscribers across two replicas a status change took 0.23–0.24 ms of
 * CPU per delivery, 0.08 ms this way; 20 at once 0.100 ms, 0.019 ms this way (bench/fanout).
 *
 * What stays per subscriber: its subscription was validated, authorized and started by graphql-ws
 * and the envelope like any other; its filter; its own operation id; what it holds while its socket
 * is backed up (HOLD_BYTES, MAX_HELD_ITEMS); and its end, which is graphql-ws's as ever (the client's `complete`, the socket closing,
 * shutdown, a new caller restarting it). Frames go only to a subscription graphql-ws is iterating,
 * from its first `next()` on — as a source's pub/sub subscription starts at its first `next()`.
 */
import type { ExecutionResult, GraphQLError } from 'graphql';
import type { Logger } from '../logger.ts';
import type { PubSub, PushSource, Subscription } from '../events/pubsub.ts';
import { FellBehind } from '../errors.ts';
import { sharedResult, type Pushable } from './shared-subscriptions.ts';
import { CLIENT_QUEUE_LIMITS } from '../context.ts';

/** The socket of a broadcast subscriber, as the broadcast sees it (ws-connection.ts). */
export interface BroadcastSocket {
  /** Open, and its caller may still receive events. */
  readonly deliverable: boolean;
  /** Bytes written to it that it has not taken yet (ws's `bufferedAmount`). */
  readonly bufferedBytes: number;
  /** Items its members hold, all together (MAX_HELD_ITEMS bounds them): counted by the members. */
  heldItems: number;
  /** Writes one message now (coalesced with the rest of this turn's). */
  sendNow(data: string): void;
  /** Calls `callback` once, when what was written to it has all been handed to the system. */
  whenDrained(callback: () => void): void;
}

/**
 * Past this much written to a socket and not yet taken by the system (its kernel buffers are full:
 * the client is not reading, or not fast enough), its subscribers stop writing frames and hold the
 * items of their events instead — references to the events every subscriber shares, not frames of
 * their own — until the socket drains. One socket costs the server this plus one frame in frames,
 * and keeps at most MAX_HELD_ITEMS events from being collected.
 */
export const HOLD_BYTES = 1024 * 1024;

/**
 * The items the subscribers of one socket may hold, all together, while it is backed up; a
 * subscriber that would hold more ends with FELL_BEHIND, rather than keep every later event for a
 * client that does not read (CLIENT_QUEUE_LIMITS' bound for other subscriptions' events; here a
 * check counts as one, not a batch). Per socket, not per subscription: a client with a hundred
 * subscriptions that stopped reading held a hundred times as much (17–30 MB a socket, an attack review).
 */
export const MAX_HELD_ITEMS = CLIENT_QUEUE_LIMITS.default;

/** Masks a result's errors as yoga's envelope does for every other result (yoga.ts `maskError`). */
export type ErrorMask = (error: GraphQLError) => GraphQLError;

interface Channel {
  members: Set<Member>;
  source: Subscription<unknown>;
}

export class Broadcast {
  readonly #pubsub: PubSub;
  readonly #mask: ErrorMask;
  readonly #logger: Logger;
  readonly #channels = new Map<string, Channel>();
  /** An execution result's `payload` JSON, made once for all its subscribers. */
  readonly #texts = new WeakMap<object, string>();

  constructor(pubsub: PubSub, mask: ErrorMask, logger: Logger) {
    this.#pubsub = pubsub;
    this.#mask = mask;
    this.#logger = logger;
  }

  /** A running subscription delivered by this broadcast: graphql-ws iterates it (it yields nothing) and ends it. */
  member(pushable: Pushable, socket: BroadcastSocket, id: string): Member {
    return new Member(this, pushable, socket, id);
  }

  /** Subscribers now, all channels together. */
  get size(): number {
    let n = 0;
    for (const channel of this.#channels.values()) n += channel.members.size;
    return n;
  }

  /** A member's first `next()`: it takes the channel's events from now on; resolves once the pub/sub delivers them (Redis confirmed its SUBSCRIBE). */
  join(member: Member): Promise<void> {
    const name = member.push.channel;
    let channel = this.#channels.get(name);
    if (!channel) {
      // Lookout's own reader, which keeps up: unbounded (each member's bound is its socket's backlog).
      channel = { members: new Set(), source: this.#pubsub.subscribe(name as never) as Subscription<unknown> };
      this.#channels.set(name, channel);
      void this.#pump(name, channel);
    }
    channel.members.add(member);
    return channel.source.ready;
  }

  /** A member ended: the channel's pub/sub subscription ends with its last member. */
  leave(member: Member): void {
    const name = member.push.channel;
    const channel = this.#channels.get(name);
    if (!channel?.members.delete(member) || channel.members.size) return;
    this.#channels.delete(name);
    void channel.source.return?.();
  }

  async #pump(name: string, channel: Channel): Promise<void> {
    try {
      for await (const event of channel.source) this.#fanOut(channel, event);
    } catch (error) {
      this.#logger.warn({ err: String(error), channel: name }, 'stopped delivering a channel to its WebSocket subscribers');
      for (const member of channel.members) member.fail(error);
      return;
    }
    // The pub/sub ended the channel (it closed) while it still had members: they end too (graphql-ws completes them).
    if (this.#channels.get(name) !== channel) return;
    this.#channels.delete(name);
    for (const member of channel.members) void member.return();
  }

  /** Offers `event`'s items to each member whose filter takes them, member after member, as they are found. */
  #fanOut(channel: Channel, event: unknown): void {
    let member!: Member;
    const take = (item: unknown) => member.offer(item);
    for (member of channel.members) {
      if (!member.open) continue;
      try {
        member.pushable.push.each(event, take);
      } catch {
        // Its filter failed on this event: skipped, as iterating its source would.
      }
    }
  }

  /**
   * The `payload` text of a `next` message for `item` under `pushable`'s subscription: one execution
   * and one text per item and distinct subscription; a promise when the execution is one (none of the
   * shared fields' is); null when it cannot be serialised (logged).
   */
  payload(pushable: Pushable, item: unknown): string | null | Promise<string | null> {
    const result = sharedResult(pushable.args, pushable.key, item);
    return result instanceof Promise ? result.then((r) => this.#text(r)) : this.#text(result);
  }

  /** The `payload` of a `next` message for `result`, as graphql-ws writes it, its errors masked. */
  #text(result: ExecutionResult): string | null {
    let text = this.#texts.get(result);
    if (text !== undefined) return text;
    try {
      const { errors, ...rest } = result;
      text = JSON.stringify(errors?.length ? { ...rest, errors: errors.map((e) => this.#mask(e).toJSON()) } : rest);
    } catch (error) {
      this.#logger.error({ err: String(error) }, 'a subscription event could not be serialised and was not delivered');
      return null;
    }
    this.#texts.set(result, text);
    return text;
  }
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * One subscriber: an async iterator whose `next()` settles only when it ends (its events are written
 * to the socket as they come); its first `next()` joins the broadcast, `return()` leaves it. One
 * `next()` at a time, as graphql-ws's loop (through LiveSubscription) asks.
 */
export class Member implements AsyncIterableIterator<never, undefined> {
  readonly pushable: Pushable;
  /** The operation's id on its socket. */
  readonly id: string;
  readonly #broadcast: Broadcast;
  readonly #socket: BroadcastSocket;
  /** `{"id":…,"type":"next","payload":` for this operation. */
  readonly #prefix: string;
  #joined = false;
  #ended = false;
  #failure: { error: unknown } | null = null;
  #settle: ((result: IteratorResult<never, undefined>) => void) | null = null;
  #reject: ((error: unknown) => void) | null = null;
  /** Items held while its socket is backed up, oldest first. */
  readonly #held: unknown[] = [];
  /** A flush of `#held` is due (on the socket's drain, or at once). */
  #waiting = false;
  #flushing = false;

  constructor(broadcast: Broadcast, pushable: Pushable, socket: BroadcastSocket, id: string) {
    this.#broadcast = broadcast;
    this.pushable = pushable;
    this.#socket = socket;
    this.id = id;
    this.#prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  }

  get push(): PushSource {
    return this.pushable.push;
  }

  /** It may be written to (not ended, its socket deliverable). */
  get open(): boolean {
    return !this.#ended && this.#socket.deliverable;
  }

  /**
   * An item of an event for it: written now, or held while its socket is backed up (or while it holds
   * others, which go first); past MAX_HELD_ITEMS held it ends with FELL_BEHIND.
   */
  offer(item: unknown): void {
    if (!this.open) return;
    if (this.#held.length || this.#socket.bufferedBytes > HOLD_BYTES) return this.#hold(item, true);
    const text = this.#broadcast.payload(this.pushable, item);
    if (typeof text === 'string') this.#write(text);
    else if (text !== null) this.#hold(item, false); // its execution settles later: the items after it wait for it
  }

  #hold(item: unknown, untilDrained: boolean): void {
    if (this.#socket.heldItems >= MAX_HELD_ITEMS) return this.fail(new FellBehind(this.push.channel, MAX_HELD_ITEMS));
    this.#held.push(item);
    this.#socket.heldItems++;
    if (this.#waiting) return;
    this.#waiting = true;
    if (untilDrained) this.#socket.whenDrained(() => void this.#flush());
    else queueMicrotask(() => void this.#flush());
  }

  /** Writes what it holds, in order, until its socket is backed up again. */
  async #flush(): Promise<void> {
    this.#waiting = false;
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      while (this.#held.length && this.open) {
        if (this.#socket.bufferedBytes > HOLD_BYTES) {
          this.#waiting = true;
          return this.#socket.whenDrained(() => void this.#flush());
        }
        let text = this.#broadcast.payload(this.pushable, this.#held[0]);
        if (text instanceof Promise) text = await text;
        if (!this.#held.length) break; // ended meanwhile
        this.#held.shift();
        this.#socket.heldItems--;
        if (text !== null && this.open) this.#write(text);
      }
      if (!this.open) this.#letGo();
    } finally {
      this.#flushing = false;
    }
  }

  #write(payload: string): void {
    this.#socket.sendNow(this.#prefix + payload + '}');
  }

  /** Ends with `error` (graphql-ws sends it as this operation's `error`). */
  fail(error: unknown): void {
    if (this.#ended) return;
    this.#end();
    if (this.#reject) this.#reject(error);
    else this.#failure = { error };
    this.#settle = this.#reject = null;
  }

  next(): Promise<IteratorResult<never, undefined>> {
    if (this.#failure) {
      const { error } = this.#failure;
      this.#failure = null;
      return Promise.reject(error);
    }
    if (this.#ended) return Promise.resolve(DONE);
    if (!this.#joined) {
      this.#joined = true;
      void this.#broadcast.join(this).catch(() => {}); // a pub/sub that cannot subscribe says so in its log
    }
    return new Promise((resolve, reject) => {
      this.#settle = resolve;
      this.#reject = reject;
    });
  }

  async return(): Promise<IteratorResult<never, undefined>> {
    this.#end();
    this.#settle?.(DONE);
    this.#settle = this.#reject = null;
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** What it holds is no longer its socket's to count. */
  #letGo(): void {
    this.#socket.heldItems -= this.#held.length;
    this.#held.length = 0;
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#letGo();
    if (this.#joined) this.#broadcast.leave(this);
  }
}
