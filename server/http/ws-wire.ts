/**
 * The writing side of one GraphQL WebSocket (ws-connection.ts holds its protocol side): what is sent
 * in one turn of the event loop leaves in one write, those who wait for it to drain share one
 * listener, and a keep-alive ping drops a peer that stopped answering and reading.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/**
 * A ping every 12 s. A socket that has not answered it by the next one is dropped — unless the peer
 * took some of what was written to it meanwhile: a ping waits behind what the socket has not taken
 * yet (up to broadcast.ts' HOLD_BYTES, and the kernels' buffers), so a client on a slow link that
 * is still reading may not have seen it. It is dropped all the same PATIENCE keep-alives after the
 * ping: what the system takes is not what the peer read (a peer gone without a word leaves a send
 * buffer that still fills), so this bounds how long a dead peer fed a trickle of events is kept.
 */
export const KEEP_ALIVE_MS = 12_000;
export const PATIENCE = 5;
/** A server's ping frame: a 2-byte header and 8 random bytes. */
const PING_FRAME_BYTES = 10;

export class Wire {
  readonly #socket: WebSocket;
  /** The TCP connection under the WebSocket. */
  readonly #tcp: Socket;
  readonly #keepAlive: NodeJS.Timeout | undefined;
  /** The payload of the ping not yet answered: only a pong carrying it answers (a client need not read to send pongs). */
  #unanswered: Buffer | null = null;
  /** How much the peer had taken at the last keep-alive. */
  #takenBefore = 0;
  /** Keep-alives since the unanswered ping. */
  #waited = 0;
  /** Callers waiting for the socket to drain (whenDrained). */
  readonly #drainWaiters = new Set<() => void>();
  /** Writes are held until the end of this turn of the event loop (#coalesce). */
  #corked = false;

  /** `keepAliveMs` 0: no timer (the caller calls keepAlive()). */
  constructor(socket: WebSocket, tcp: Socket, { keepAliveMs = KEEP_ALIVE_MS } = {}) {
    this.#socket = socket;
    this.#tcp = tcp;
    socket.on('pong', (data: Buffer) => {
      if (this.#unanswered?.equals(data)) this.#unanswered = null;
    });
    if (keepAliveMs > 0) this.#keepAlive = setInterval(() => this.keepAlive(), keepAliveMs);
  }

  /** One keep-alive: pings; or, when the last ping is unanswered and the peer took nothing since, drops the socket. */
  keepAlive(): void {
    const taken = this.taken;
    if (this.#unanswered) {
      // More than the ping itself, which the system takes at once when nothing waits before it.
      if (taken > this.#takenBefore + PING_FRAME_BYTES && ++this.#waited < PATIENCE) {
        this.#takenBefore = taken;
        return; // still reading what came before the ping
      }
      return void this.#socket.terminate();
    }
    this.#takenBefore = taken;
    this.#waited = 0;
    this.#unanswered = randomBytes(PING_FRAME_BYTES - 2);
    this.#socket.ping(this.#unanswered);
  }

  /**
   * The socket can still be written. Its TCP connection goes before ws says CLOSED: answers to
   * messages read before a client reset were failing writes, each an error with a stack (~90 ms of
   * the event loop for one ping flood in bench/fuzz).
   */
  get open(): boolean {
    return this.#socket.readyState === this.#socket.OPEN && !this.#tcp.destroyed;
  }

  /** Bytes written to it that the system has not taken yet (ws's `bufferedAmount`). */
  get bufferedBytes(): number {
    return this.#socket.bufferedAmount;
  }

  /** Writes a message now, without waiting for it to be flushed. */
  sendNow(data: string): void {
    this.#coalesce();
    this.#socket.send(data);
  }

  /** Writes a message; settles once it was flushed (at once when the socket cannot be written). */
  send(data: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.open) return resolve();
      this.#coalesce();
      this.#socket.send(data, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Calls `callback` once the socket's writes have all gone to the system (one listener for all who wait). */
  whenDrained(callback: () => void): void {
    if (!this.#drainWaiters.size) {
      this.#tcp.once('drain', () => {
        const waiting = [...this.#drainWaiters];
        this.#drainWaiters.clear();
        for (const waiter of waiting) waiter();
      });
    }
    this.#drainWaiters.add(callback);
  }

  /**
   * Bytes the system has taken from this socket's writes (sent, or in the kernel's buffer): what was
   * handed to libuv less what still waits in its queue, so that it grows while one large write (a
   * turn's coalesced frames) is still going out; Node's public counts move only once a write is done.
   */
  get taken(): number {
    const tcp = this.#tcp as Socket & { _bytesDispatched?: number; _handle?: { writeQueueSize?: number } | null };
    const queued = tcp._handle?.writeQueueSize;
    if (typeof tcp._bytesDispatched === 'number' && typeof queued === 'number') return tcp._bytesDispatched - queued;
    return (tcp.bytesWritten ?? 0) - tcp.writableLength;
  }

  /** The socket is gone: no more pings. */
  stop(): void {
    clearInterval(this.#keepAlive);
  }

  /**
   * What is sent to this socket in one turn of the event loop leaves in one write: a burst of
   * messages (pongs to a ping flood, several events of one check, a page of subscription results)
   * was one system call each (bench/fuzz: 1.4 s of the server's 61 s answering pings).
   */
  #coalesce(): void {
    if (this.#corked) return;
    const tcp = this.#tcp;
    this.#corked = true;
    tcp.cork();
    process.nextTick(() => {
      this.#corked = false;
      tcp.uncork();
    });
  }
}
