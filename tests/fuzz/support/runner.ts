/**
 * Sends fuzz cases to a server on 127.0.0.1 and judges the answers: no 5xx or internal error for a
 * client's mistake, no stack trace, no echo of a big input, no file from outside the dashboard,
 * no connection left hanging. Every wait is bounded in bytes and time.
 */
import net from 'node:net';
import WebSocket from 'ws';
import type { HttpCase } from './http-cases.ts';
import type { WsCase, WsFramesCase, WsMessagesCase } from './ws-cases.ts';

export interface RunnerOptions {
  port: number;
  /** How long an answer may take to start (and a connection to close) before it counts as a hang. */
  answerTimeoutMs: number;
  /** Bytes of an answer read at most; more counts as an oversized answer. */
  maxAnswerBytes: number;
}

export interface Outcome {
  /** HTTP statuses seen (several for pipelined requests), or the refused upgrade's status. */
  statuses: number[];
  answerBytes: number;
  /** The answer's first bytes, for the checks below and for the report. */
  head: string;
  requestBytes: number;
  /** The request target, when the case has one (to tell /health's 503 from a failure). */
  target?: string;
  timedOut: boolean;
  /** WebSocket: the close code, when the server closed. */
  closeCode?: number;
  /** WebSocket: the answers to a whole conversation (many messages each way). */
  conversation?: boolean;
  /** WebSocket: the probe `{ __typename }` was answered (undefined when not asked). */
  probeAnswered?: boolean;
  ms: number;
}

/** An HTTP request bigger than this must not get an answer bigger than ECHO_ANSWER_BYTES (no echo). */
export const ECHO_REQUEST_BYTES = 256 * 1024;
export const ECHO_ANSWER_BYTES = 64 * 1024;
/**
 * The big inputs are long runs of one character (`xxxx…`, `[[[[…`); an answer holding such a run
 * echoes one back. (A WebSocket conversation's answers add up, so for it only this rule applies.)
 */
const ECHOED_RUN = /(.)\1{2047}/s;
const HEAD_BYTES = 64 * 1024;

/** What is wrong with an outcome; empty when the server behaved. */
export function judge(outcome: Outcome, options: Pick<RunnerOptions, 'maxAnswerBytes'>): string[] {
  const problems: string[] = [];
  for (const status of outcome.statuses) {
    // /health and /health/ready answer 503 by design when something is down or not ready; that is no error.
    if (status >= 500 && !(status === 503 && isHealthRoute(outcome.target))) problems.push(`HTTP ${status}`);
  }
  if (/INTERNAL_SERVER_ERROR|Unexpected error\./.test(outcome.head)) problems.push('internal error reported for a client mistake');
  if (/\n\s+at .+:\d+:\d+\)?|node:internal|\/server\/.+\.ts:\d+/.test(outcome.head)) problems.push('stack trace or source path in the answer');
  if (/root:x:0:0|"allowScripts"/.test(outcome.head)) problems.push('a file from outside the dashboard was served');
  if (outcome.closeCode === 1011 || outcome.closeCode === 4500) problems.push(`WebSocket closed with ${outcome.closeCode} (internal error)`);
  if (outcome.probeAnswered === false) problems.push('the socket stopped answering after the case');
  if (outcome.answerBytes > options.maxAnswerBytes) problems.push(`answer over ${options.maxAnswerBytes} bytes`);
  if (!outcome.conversation && outcome.requestBytes > ECHO_REQUEST_BYTES && outcome.answerBytes > ECHO_ANSWER_BYTES) problems.push(`a ${outcome.requestBytes}-byte request got a ${outcome.answerBytes}-byte answer (echo?)`);
  if (ECHOED_RUN.test(outcome.head)) problems.push('the answer echoes a long run of the input');
  if (outcome.timedOut) problems.push('no answer and no close in time (hang)');
  return problems;
}

function isHealthRoute(target: string | undefined): boolean {
  try {
    return target !== undefined && /^\/health(\/ready)?$/.test(new URL(target, 'http://x').pathname);
  } catch {
    return false;
  }
}

/** Collects an answer's bytes up to a cap, keeping the first HEAD_BYTES as text. */
class Answer {
  bytes = 0;
  private chunks: Buffer[] = [];
  private kept = 0;
  private readonly cap: number;
  constructor(cap: number) {
    this.cap = cap;
  }
  add(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    if (this.kept < HEAD_BYTES) {
      this.chunks.push(chunk.subarray(0, HEAD_BYTES - this.kept));
      this.kept += Math.min(chunk.length, HEAD_BYTES - this.kept);
    }
    return this.bytes <= this.cap;
  }
  get head(): string {
    return Buffer.concat(this.chunks).toString('latin1');
  }
}

/** Writes the bytes, half-closes, and reads until the server closes (or the time is up). */
function sendRaw(bytes: Buffer, options: RunnerOptions): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const answer = new Answer(options.maxAnswerBytes);
    const socket = net.connect({ host: '127.0.0.1', port: options.port });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, options.answerTimeoutMs);
    socket.on('data', (chunk) => {
      if (!answer.add(chunk)) socket.destroy();
    });
    socket.on('error', () => {}); // a reset once the server has answered (413 before the body) is fine
    socket.on('close', () => {
      clearTimeout(timer);
      const head = answer.head;
      const statuses = [...head.matchAll(/(?:^|\r\n)HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
      const target = /^\S*\s+(\S+)/.exec(bytes.subarray(0, 2048).toString('latin1'))?.[1];
      resolve({ statuses, answerBytes: answer.bytes, head, requestBytes: bytes.length, target, timedOut: timedOut && answer.bytes === 0, ms: performance.now() - started });
    });
    socket.write(bytes);
    socket.end();
  });
}

/** Sends a well-formed request and reads its answer (a stream, such as SSE, only for a while). */
async function sendFetch(c: Extract<HttpCase, { kind: 'fetch' }>, options: RunnerOptions): Promise<Outcome> {
  const started = performance.now();
  const requestBytes = c.body === undefined ? 0 : Buffer.byteLength(c.body);
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = status === undefined;
    abort.abort();
  }, options.answerTimeoutMs);
  const answer = new Answer(options.maxAnswerBytes);
  let status: number | undefined;
  try {
    const response = await fetch(`http://127.0.0.1:${options.port}${c.path}`, { method: c.method, headers: c.headers, body: typeof c.body === 'string' || c.body === undefined ? c.body : new Uint8Array(c.body.buffer as ArrayBuffer, c.body.byteOffset, c.body.length), signal: abort.signal, redirect: 'manual' });
    status = response.status;
    const streaming = /event-stream|multipart\/mixed/.test(response.headers.get('content-type') ?? '');
    if (streaming) setTimeout(() => abort.abort(), 300); // a subscription streams until it is dropped
    const reader = response.body?.getReader();
    for (let read = await reader?.read(); reader && read && !read.done; read = await reader.read()) {
      if (!answer.add(Buffer.from(read.value))) break;
    }
  } catch {
    // aborted, or reset (a server may answer 413 and close while the body is still going out): judged by what arrived
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return { statuses: status === undefined ? [] : [status], answerBytes: answer.bytes, head: answer.head, requestBytes, target: c.path, timedOut, ms: performance.now() - started };
}

/**
 * Opens a socket, sends the messages (after the server's ack, as a client would, unless the case
 * says otherwise), then a ping as a barrier: its pong means everything before it was read. Then
 * the probe, when asked for. Every wait ends at the case's deadline.
 */
async function sendMessages(c: WsMessagesCase, options: RunnerOptions): Promise<Outcome> {
  const started = performance.now();
  const deadline = started + options.answerTimeoutMs * 2;
  const answer = new Answer(options.maxAnswerBytes);
  const seen = { ack: false, pongs: 0, probe: false, closed: false, opened: false };
  let status: number | undefined;
  let closeCode: number | undefined;
  let requestBytes = 0;
  let wake = () => {};
  /** Resolves once `done()` holds, the socket closes, or the deadline passes. */
  const until = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (done() || seen.closed || performance.now() >= deadline) {
          clearTimeout(timer);
          resolve();
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => check() || resolve(), Math.max(0, deadline - performance.now()));
      wake = () => void check();
      check();
    });

  const socket = new WebSocket(`ws://127.0.0.1:${options.port}${c.path}`, c.protocols, { headers: c.headers, maxPayload: options.maxAnswerBytes, handshakeTimeout: options.answerTimeoutMs });
  socket.on('unexpected-response', (_req, res) => {
    status = res.statusCode;
    res.on('data', (chunk: Buffer) => answer.add(chunk));
    res.on('close', () => {
      seen.closed = true;
      wake();
    });
  });
  socket.on('open', () => {
    seen.opened = true;
    wake();
  });
  socket.on('message', (data: Buffer) => {
    answer.add(data);
    const text = data.toString();
    if (text.includes('"connection_ack"')) seen.ack = true;
    if (text.includes('"pong"')) seen.pongs++;
    if (text.includes('"fuzz-probe"') && text.includes('"next"')) seen.probe = true;
    wake();
  });
  socket.on('close', (code) => {
    closeCode = code;
    seen.closed = true;
    wake();
  });
  socket.on('error', () => {}); // the close (or the deadline) decides
  const sendOne = (m: string | Buffer) =>
    new Promise<void>((done) => {
      if (socket.readyState !== WebSocket.OPEN) return done();
      requestBytes += Buffer.byteLength(m);
      socket.send(m, { binary: Buffer.isBuffer(m) }, () => done());
    });

  await until(() => seen.opened);
  let probeAnswered: boolean | undefined;
  if (seen.opened && !seen.closed) {
    const [first, ...rest] = c.messages;
    if (first !== undefined) await sendOne(first);
    if (c.waitForAck) await until(() => seen.ack);
    for (const m of rest) await sendOne(m);
    const pongsBefore = seen.pongs;
    await sendOne('{"type":"ping"}');
    await until(() => seen.pongs > pongsBefore);
    if (c.probe && seen.ack && !seen.closed) {
      await sendOne(JSON.stringify({ id: 'fuzz-probe', type: 'subscribe', payload: { query: '{ __typename }' } })); // any caller may ask
      await until(() => seen.probe);
      // Closed meanwhile: the close code tells what happened; otherwise silence is the failure.
      probeAnswered = seen.probe || (seen.closed ? undefined : false);
    }
  }
  const timedOut = !seen.opened && !seen.closed && status === undefined;
  socket.terminate();
  return { statuses: status === undefined ? [] : [status], answerBytes: answer.bytes, head: answer.head, requestBytes, conversation: true, timedOut, closeCode, probeAnswered, ms: performance.now() - started };
}

/** The code of the first close frame among a server's (unmasked) frames, if one is complete. */
function serverCloseCode(frames: Buffer): number | undefined {
  for (let at = 0; at + 2 <= frames.length; ) {
    let length = frames[at + 1] & 0x7f;
    let header = 2;
    if (length === 126) [length, header] = [frames.length >= at + 4 ? frames.readUInt16BE(at + 2) : Infinity, 4];
    else if (length === 127) [length, header] = [frames.length >= at + 10 ? Number(frames.readBigUInt64BE(at + 2)) : Infinity, 10];
    if (at + header + length > frames.length) return undefined;
    if ((frames[at] & 0x0f) === 0x8) return length >= 2 ? frames.readUInt16BE(at + header) : 1005;
    at += header + length;
  }
  return undefined;
}

/** A real handshake over a raw socket, then broken frames; waits for the server's close frame or close. */
function sendFrames(c: WsFramesCase, options: RunnerOptions): Promise<Outcome> {
  const handshake = [
    'GET /graphql HTTP/1.1', 'Host: 127.0.0.1', 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol: graphql-transport-ws', '', '',
  ].join('\r\n');
  const started = performance.now();
  return new Promise((resolve) => {
    const answer = new Answer(options.maxAnswerBytes);
    const socket = net.connect({ host: '127.0.0.1', port: options.port });
    let received = Buffer.alloc(0);
    let upgraded = false;
    let timedOut = false;
    let closeCode: number | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, options.answerTimeoutMs);
    socket.on('data', (chunk) => {
      answer.add(chunk);
      if (received.length < 1 << 20) received = Buffer.concat([received, chunk]);
      const headEnd = received.indexOf('\r\n\r\n');
      if (!upgraded && headEnd >= 0) {
        upgraded = true;
        socket.write(c.frames);
        socket.end();
      }
      // The server's close frame is its verdict; the TCP close may follow only after a closing timeout.
      if (upgraded && received.subarray(0, 13).toString('latin1') === 'HTTP/1.1 101 ') {
        closeCode = serverCloseCode(received.subarray(headEnd + 4));
        if (closeCode !== undefined) socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const head = answer.head;
      const statuses = [...head.matchAll(/^HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1])).filter((s) => s !== 101);
      resolve({ statuses, answerBytes: answer.bytes, head, requestBytes: c.frames.length, timedOut, closeCode, ms: performance.now() - started });
    });
    socket.write(handshake);
  });
}

/** Sends one case of any kind. */
export function send(c: HttpCase | WsCase, options: RunnerOptions): Promise<Outcome> {
  switch (c.kind) {
    case 'raw':
      return sendRaw(c.bytes, options);
    case 'fetch':
      return sendFetch(c, options);
    case 'ws':
      return sendMessages(c, options);
    case 'ws-frames':
      return sendFrames(c, options);
  }
}

/** A one-line description of a case, for a failure report (big inputs shortened). */
export function describeCase(c: HttpCase | WsCase): string {
  // Only the first bytes are ever converted: a case may carry tens of megabytes. (Copied, not
  // sliced: a slice of a string keeps the whole string alive for as long as the description.)
  const short = (data: string | Buffer) => {
    const text = (typeof data === 'string' ? Buffer.from(data.slice(0, 300)) : data.subarray(0, 300)).toString('latin1');
    return data.length > 300 ? `${text}… (${data.length} ${typeof data === 'string' ? 'chars' : 'bytes'})` : text;
  };
  switch (c.kind) {
    case 'raw':
      return `${c.label}: raw ${JSON.stringify(short(c.bytes))}`;
    case 'fetch':
      return `${c.label}: ${c.method} ${short(c.path)} ${JSON.stringify(c.headers)} body ${c.body === undefined ? '-' : JSON.stringify(short(c.body))}`;
    case 'ws':
      return `${c.label}: ws ${c.path} ${JSON.stringify(c.protocols)} ${JSON.stringify(c.headers)} messages ${JSON.stringify(c.messages.slice(0, 5).map(short))}`;
    case 'ws-frames':
      return `${c.label}: frames ${c.frames.subarray(0, 64).toString('hex')}`;
  }
}

/** Runs `next()` cases `concurrency` at a time until it returns null or the time is up. */
export async function runPool<T>(concurrency: number, deadline: number, next: () => T | null, run: (item: T) => Promise<void>): Promise<void> {
  const lanes = Array.from({ length: concurrency }, async () => {
    for (let item = next(); item !== null && performance.now() < deadline; item = next()) await run(item);
  });
  await Promise.all(lanes);
}
