/**
 * The `websocket` checker: the upgrade succeeds, and optionally a message sent gets a reply
 * containing an expected text (the round trip a chat or pub/sub endpoint has to make).
 */
import type { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import { BadInputError } from '../../errors.ts';
import type { Checker } from './checker.ts';
import { describeNetworkError, StepClock } from './network.ts';
import { describe, OptionReader } from './options.ts';

/** Normalised options of a `websocket` check. */
export type WebSocketOptions = {
  headers?: Record<string, string>;
  /** Text sent once the connection is open. */
  send?: string;
  /** A reply must contain this text (after `send`, or pushed by the server unprompted). */
  expect?: string;
  insecure: boolean;
};

/** The close code sent when the check is done: a normal closure, nothing went wrong. */
const NORMAL_CLOSURE = 1000;
/** Largest message read; a health reply is small, anything larger is refused by the socket. */
const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Opens a ws(s) URL, optionally sends a message and waits for a reply containing `expect`. */
export const websocketChecker: Checker<WebSocketOptions> = {
  kind: 'websocket',
  description: 'Opens a WebSocket (ws/wss) and optionally checks a message round trip.',

  validate(target, options) {
    let url: URL;
    try {
      url = new URL(String(target ?? '').trim());
    } catch {
      throw new BadInputError('target', `target must be a ws:// or wss:// URL, got ${describe(target)}.`);
    }
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new BadInputError('target', `target must be a ws:// or wss:// URL, got a ${url.protocol} URL.`);
    const read = new OptionReader('websocket', options);
    read.stringMap('headers', (_name, value) => (/[\r\n\0]/.test(value) ? 'the value must not contain line breaks' : null));
    read.string('send');
    read.string('expect');
    read.boolean('insecure', false);
    return { target: url.toString(), options: read.finish<WebSocketOptions>() };
  },

  async check(service, { signal }) {
    const { send, expect } = service.options;
    const url = new URL(service.target);
    const clock = new StepClock();
    let step = 'connect';
    const socket = new WebSocket(url, {
      headers: service.options.headers,
      rejectUnauthorized: !service.options.insecure,
      maxPayload: MAX_MESSAGE_BYTES,
      perMessageDeflate: false,
      followRedirects: false,
      finishRequest: (request) => {
        request.once('socket', (raw) => {
          raw.once(url.protocol === 'wss:' ? 'secureConnect' : 'connect', () => {
            const tls = url.protocol === 'wss:' ? ` (${(raw as TLSSocket).getProtocol()})` : '';
            clock.mark('connect', true, `${raw.remoteAddress}:${raw.remotePort}${tls}`);
            step = 'upgrade';
          });
        });
        request.end();
      },
    });
    // ws emits 'error' on the socket whenever it fails, including after the check has moved on.
    socket.on('error', () => {});
    const inbox = new Inbox(socket, send, expect);
    const abort = () => socket.terminate();
    signal.addEventListener('abort', abort, { once: true });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
        socket.once('unexpected-response', (_request, response) => {
          reject(new Error(`upgrade refused: HTTP ${response.statusCode}${response.statusMessage ? ` ${response.statusMessage}` : ''}`));
          response.resume();
        });
      });
      clock.mark('upgrade', true, socket.protocol || undefined);
      if (send !== undefined || expect !== undefined) {
        step = 'round trip';
        const reply = await inbox.roundTrip(socket);
        // A copy, not a slice: V8 keeps a short slice's whole parent (up to 1 MiB) alive with it.
        clock.mark('round trip', true, Buffer.from(reply.slice(0, 100)).toString());
      }
      return { status: 'healthy', error: null, details: {}, steps: clock.steps };
    } catch (error) {
      const message = describeNetworkError(error, url.host);
      clock.fail(step, message);
      return { status: 'down', error: step === 'round trip' ? `round trip: ${message}` : message, details: {}, steps: clock.steps };
    } finally {
      signal.removeEventListener('abort', abort);
      if (socket.readyState === WebSocket.OPEN) socket.close(NORMAL_CLOSURE, 'health check done');
      else socket.terminate();
    }
  },
};

/**
 * Watches messages from the moment the socket exists: a server may greet a client in the same
 * packet as the upgrade, and those messages are emitted before any code awaiting `open` runs.
 *
 * It keeps only what matching needs, whatever the server sends: the first message containing
 * `expect` that came before the round trip started (used when there is nothing to send; a reply to
 * `send` can only come after it). Every other message is read, compared and dropped, so a check
 * holds at most one message (MAX_MESSAGE_BYTES) — a server flooding messages that never match
 * costs reading them, not memory for the rest of the timeout.
 */
class Inbox {
  /** The first message before the round trip that would end it (only kept when there is nothing to send). */
  private early: string | undefined;
  private waiter: ((text: string) => void) | undefined;
  private readonly send: string | undefined;
  private readonly expect: string | undefined;

  constructor(socket: WebSocket, send: string | undefined, expect: string | undefined) {
    this.send = send;
    this.expect = expect;
    socket.on('message', (data) => {
      const text = (Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)).toString('utf8');
      if (!this.matches(text)) return;
      if (this.waiter) this.waiter(text);
      else if (this.early === undefined && this.send === undefined && this.expect !== undefined) this.early = text;
    });
  }

  private matches(text: string): boolean {
    return this.expect === undefined || text.includes(this.expect);
  }

  /** Sends `send` (if any) and resolves with the first message containing `expect` (or any message). */
  roundTrip(socket: WebSocket): Promise<string> {
    const { send, expect } = this;
    return new Promise((resolve, reject) => {
      const early = this.early;
      this.early = undefined;
      if (early !== undefined) return resolve(early);
      // Messages after the reply (the check is over) settle nothing more, and are not kept.
      this.waiter = resolve;
      socket.once('close', (code, reason) => reject(new Error(`closed by the server (${code}${reason.length ? ` ${reason}` : ''}) before ${expect === undefined ? 'a reply' : `a reply containing ${JSON.stringify(expect)}`}`)));
      socket.once('error', reject);
      if (send !== undefined) socket.send(send);
    });
  }
}
