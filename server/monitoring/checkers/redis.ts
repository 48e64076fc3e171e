/**
 * The `redis` checker: AUTH (when the URL has a password), SELECT (when it has a database) and PING,
 * spoken directly in RESP over one socket — a handful of lines instead of a client library's
 * reconnect logic and offline queue, which would only hide the failure a health check is for.
 */
import net from 'node:net';
import tls from 'node:tls';
import { BadInputError } from '../../errors.ts';
import type { Checker } from './checker.ts';
import { describeNetworkError, formatHostPort, parseHostPort, StepClock, type HostPort } from './network.ts';
import { OptionReader } from './options.ts';

/** Normalised options of a `redis` check: the URL says the rest (credentials, database, TLS). */
export type RedisOptions = {
  /** For `rediss://`: accept any certificate (self-signed, private CA). */
  insecure: boolean;
};

/** The port Redis listens on unless told otherwise. */
export const REDIS_DEFAULT_PORT = 6379;

interface RedisTarget extends HostPort {
  tls: boolean;
  username?: string;
  password?: string;
  db?: number;
}

/** Checks `redis://[user:pass@]host:port[/db]` (or `rediss://`, or plain `host:port`) with PING. */
export const redisChecker: Checker<RedisOptions> = {
  kind: 'redis',
  description: 'Sends PING to Redis (after AUTH and SELECT when the URL asks for them; rediss:// for TLS) and expects PONG.',

  validate(target, options) {
    const value = String(target ?? '').trim();
    parseRedisTarget(value);
    const read = new OptionReader('redis', options);
    read.boolean('insecure', false);
    return { target: value, options: read.finish<RedisOptions>() };
  },

  async check(service, { signal }) {
    const target = parseRedisTarget(service.target);
    const where = formatHostPort(target);
    const clock = new StepClock();
    const socket = target.tls ? tls.connect({ host: target.host, port: target.port, servername: net.isIP(target.host) ? undefined : target.host, rejectUnauthorized: !service.options.insecure }) : net.connect({ host: target.host, port: target.port });
    const abort = () => socket.destroy(new Error('aborted'));
    signal.addEventListener('abort', abort, { once: true });
    const replies = new ReplyReader(socket);
    let step = 'connect';
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once(target.tls ? 'secureConnect' : 'connect', resolve);
        socket.once('error', reject);
      });
      clock.mark('connect');
      if (target.password !== undefined) {
        step = 'auth';
        const args = target.username ? ['AUTH', target.username, target.password] : ['AUTH', target.password];
        expectReply(await replies.command(args), '+OK', 'AUTH');
        clock.mark('auth');
      }
      if (target.db !== undefined) {
        step = 'select';
        expectReply(await replies.command(['SELECT', String(target.db)]), '+OK', `SELECT ${target.db}`);
        clock.mark('select');
      }
      step = 'ping';
      const sent = performance.now();
      expectReply(await replies.command(['PING']), '+PONG', 'PING');
      const roundTripMs = Math.round((performance.now() - sent) * 100) / 100;
      clock.mark('ping');
      return { status: 'healthy', error: null, details: { roundTripMs }, steps: clock.steps };
    } catch (error) {
      const message = error instanceof RedisReplyError ? error.message : describeNetworkError(error, where);
      clock.fail(step, message);
      return { status: 'down', error: message, details: {}, steps: clock.steps };
    } finally {
      signal.removeEventListener('abort', abort);
      socket.destroy();
    }
  },
};

/** Parses the target; throws BadInputError naming `target` when it is not a Redis address. */
export function parseRedisTarget(value: string): RedisTarget {
  if (!/^rediss?:\/\//i.test(value)) return { ...parseHostPort(value, 'target', REDIS_DEFAULT_PORT), tls: false };
  const expected = 'target must be redis://[user:password@]host[:port][/db] or host:port';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new BadInputError('target', `${expected}, got ${JSON.stringify(value)}.`);
  }
  if (!url.hostname) throw new BadInputError('target', `${expected}; the host is missing.`);
  const address = parseHostPort(url.port ? `${url.hostname}:${url.port}` : url.hostname, 'target', REDIS_DEFAULT_PORT);
  const dbText = url.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d+$/.test(dbText)) throw new BadInputError('target', `${expected}; the database must be a number, got "${dbText}".`);
  const decoded = (part: string, what: string) => {
    try {
      return part ? decodeURIComponent(part) : undefined;
    } catch {
      throw new BadInputError('target', `${expected}; the ${what} is not valid percent-encoding (%XX of UTF-8).`);
    }
  };
  return {
    ...address,
    tls: url.protocol.toLowerCase() === 'rediss:',
    username: decoded(url.username, 'user name'),
    password: decoded(url.password, 'password'),
    db: dbText === '' ? undefined : Number(dbText),
  };
}

/** The longest reply line read (the check's replies are a few bytes; an error reply a sentence). */
const MAX_REPLY_LINE_CHARS = 64 * 1024;

/** A reply Redis sent that is not the one the check needs (an error reply, or not PONG). */
class RedisReplyError extends Error {}

function expectReply(reply: string, expected: string, command: string): void {
  if (reply === expected) return;
  throw new RedisReplyError(reply.startsWith('-') ? `${command} failed: ${reply.slice(1)}` : `${command} answered ${JSON.stringify(reply.slice(0, 100))}, expected ${expected.slice(1)}`);
}

/**
 * Sends commands as RESP arrays and reads one reply each. Only the first line of a reply is kept:
 * the check's commands (AUTH, SELECT, PING) answer with a simple string or an error.
 */
class ReplyReader {
  private buffer = '';
  /** Where in `buffer` a line end may start (before it, none). */
  private searchFrom = 0;
  private waiting: { resolve(line: string): void; reject(error: Error): void } | undefined;
  /** The reply is too long: every later command fails with it. */
  private failure: Error | undefined;

  private readonly socket: net.Socket;

  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      const end = this.buffer.indexOf('\r\n', this.searchFrom);
      if (end === -1) {
        // What was searched holds no line end: the next chunk is searched from its last character (a "\r").
        this.searchFrom = this.buffer.length - 1;
        // A reply line is a few bytes; a target that streams without ending one is held no further.
        if (this.buffer.length > MAX_REPLY_LINE_CHARS) {
          this.buffer = '';
          this.searchFrom = 0;
          fail(new RedisReplyError(`the server sent more than ${MAX_REPLY_LINE_CHARS / 1024} KiB without ending a reply line: is it Redis?`));
          socket.destroy();
        }
        return;
      }
      if (!this.waiting) return;
      const line = this.buffer.slice(0, end);
      this.buffer = '';
      this.searchFrom = 0;
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting.resolve(line);
    });
    const fail = (error?: Error) => {
      if (error instanceof RedisReplyError) this.failure ??= error;
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting?.reject(this.failure ?? error ?? new Error('connection closed by the server before it replied'));
    };
    socket.on('error', fail);
    socket.on('close', () => fail());
  }

  command(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.waiting = { resolve, reject };
      this.socket.write(`*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`);
    });
  }
}
