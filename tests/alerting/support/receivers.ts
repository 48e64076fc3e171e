/**
 * Real local receivers for alert channels: an HTTP server and an SMTP server on 127.0.0.1 (port 0)
 * that record what they are sent and can be told to refuse or to never answer. Tests wait on
 * `next()` (resolved when something arrives), never on a fixed sleep.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One request as the HTTP receiver got it. */
export interface Received {
  method: string;
  /** Path and query, as sent. */
  path: string;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** The raw body, decoded as UTF-8. */
  body: string;
}

export interface HttpReceiver {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  /** Every request so far, in order of arrival. */
  requests: Received[];
  /** The oldest request not yet taken by `next()`: waits for one when none is left. */
  next(): Promise<Received>;
  /** Answers the following requests with `status` and `body` (200 "ok" until told otherwise). */
  respondWith(status: number, body?: string, headers?: Record<string, string>): void;
  /** Reads the following requests but never answers them (until `close`). */
  hang(): void;
  close(): Promise<void>;
}

/** A queue that hands out items in order and waits when it is empty. */
class Arrivals<T> {
  readonly all: T[] = [];
  private taken = 0;
  private waiters: ((item: T) => void)[] = [];

  push(item: T): void {
    this.all.push(item);
    const waiter = this.waiters.shift();
    if (waiter) {
      this.taken += 1;
      waiter(item);
    }
  }

  next(what: string, ms = 10_000): Promise<T> {
    if (this.taken < this.all.length) return Promise.resolve(this.all[this.taken++]);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`nothing arrived at the ${what} within ${ms} ms`));
      }, ms);
      const waiter = (item: T) => {
        clearTimeout(timer);
        resolve(item);
      };
      this.waiters.push(waiter);
    });
  }
}

export async function startHttpReceiver(): Promise<HttpReceiver> {
  const arrivals = new Arrivals<Received>();
  let answer: { status: number; body: string; headers: Record<string, string> } | 'hang' = { status: 200, body: 'ok', headers: {} };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : (value ?? '');
      const now = answer;
      // Recorded before answering, so a test that waits on next() sees it while the client still waits.
      arrivals.push({ method: request.method ?? '', path: request.url ?? '', headers, body: Buffer.concat(chunks).toString('utf8') });
      if (now === 'hang') return;
      response.writeHead(now.status, { 'content-type': 'text/plain; charset=utf-8', ...now.headers });
      response.end(now.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: arrivals.all,
    next: () => arrivals.next('HTTP receiver'),
    respondWith(status, body = '', headers = {}) {
      answer = { status, body, headers };
    },
    hang() {
      answer = 'hang';
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One message as the SMTP receiver got it. */
export interface ReceivedMail {
  /** The envelope's MAIL FROM. */
  from: string;
  /** The envelope's RCPT TO addresses. */
  to: string[];
  /** The whole message (headers and body) as sent. */
  raw: string;
  /** The user the client logged in as (any user and password are taken), if it did. */
  user?: string;
}

export interface SmtpReceiver {
  port: number;
  messages: ReceivedMail[];
  /** The oldest message not yet taken by `next()`: waits for one when none is left. */
  next(): Promise<ReceivedMail>;
  /**
   * Refuses the following messages with an SMTP reply `code` (e.g. 451, 550): at RCPT TO, or
   * after reading the message (`data`; the message is then recorded too).
   */
  rejectWith(code: number, message: string, at?: 'rcpt' | 'data'): void;
  /** Reads the following messages (recording them) but never answers the final dot. */
  hang(): void;
  /** Accepts the following messages again. */
  accept(): void;
  close(): Promise<void>;
}

export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const arrivals = new Arrivals<ReceivedMail>();
  type Mode = { kind: 'accept' } | { kind: 'reject'; code: number; message: string; at: 'rcpt' | 'data' } | { kind: 'hang' };
  let mode: Mode = { kind: 'accept' };
  const refusal = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });
  const server = new SMTPServer({
    secure: false,
    hideSTARTTLS: true,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 50,
    // Plain-text AUTH is allowed here, so a client's login (and its refusal to log in without TLS) can be seen.
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username });
    },
    onRcptTo(_address, _session, callback) {
      const now = mode;
      if (now.kind === 'reject' && now.at === 'rcpt') return callback(refusal(now.code, now.message));
      callback();
    },
    onData(stream, session, callback) {
      const now = mode;
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const user = typeof session.user === 'string' ? session.user : undefined;
        arrivals.push({ from, to: session.envelope.rcptTo.map((rcpt) => rcpt.address), raw: Buffer.concat(chunks).toString('utf8'), user });
        if (now.kind === 'hang') return;
        if (now.kind === 'reject') return callback(refusal(now.code, now.message));
        callback(null, `Queued as ${session.id}`);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    messages: arrivals.all,
    next: () => arrivals.next('SMTP receiver'),
    rejectWith(code, message, at = 'data') {
      mode = { kind: 'reject', code, message, at };
    },
    hang() {
      mode = { kind: 'hang' };
    },
    accept() {
      mode = { kind: 'accept' };
    },
    close() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
