/**
 * The writing side of one GraphQL WebSocket (ws-connection.ts holds its protocol side): what is sent
 * in one turn of the event loop leaves in one write, those who wait for it to drain share one
 * listener, and a keep-alive ping drops a peer that stopped answering.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/** A ping every 12 s; a socket that has not answered by the next one is dropped. */
const KEEP_ALIVE_MS = 12_000;

export class Wire {
  readonly #socket: WebSocket;
  /** The TCP connection under the WebSocket. */
  readonly #tcp: Socket;
  readonly #keepAlive: NodeJS.Timeout;
  #awaitingPong = false;
  /** Callers waiting for the socket to drain (whenDrained). */
  readonly #drainWaiters = new Set<() => void>();
  /** Writes are held until the end of this turn of the event loop (#coalesce). */
  #corked = false;

  constructor(socket: WebSocket, tcp: Socket) {
    this.#socket = socket;
    this.#tcp = tcp;
    socket.on('pong', () => (this.#awaitingPong = false));
    this.#keepAlive = setInterval(() => {
      if (this.#awaitingPong) return void socket.terminate();
      this.#awaitingPong = true;
      socket.ping();
    }, KEEP_ALIVE_MS);
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
