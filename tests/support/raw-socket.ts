/**
 * A graphql-transport-ws socket driven message by message (no client library in between), for tests
 * of what the server does with each message: every message received is kept, and waits are bounded.
 */
import WebSocket from 'ws';

export interface ServerMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

export interface RawSocket {
  ws: WebSocket;
  /** Every message received so far, in order. */
  messages: ServerMessage[];
  /** Sends an object as JSON, or a string as it is. */
  send(message: object | string): void;
  /** The first message (received already or to come) that `match` accepts; rejects after `timeoutMs` or once the socket closed. */
  next(match: (message: ServerMessage) => boolean, timeoutMs?: number): Promise<ServerMessage>;
  /** connection_init, then waits for connection_ack. */
  init(payload?: Record<string, unknown>): Promise<void>;
  /** A query or mutation on this socket: its `next` payload, or the `error` message's payload. */
  request(id: string, query: string, variables?: Record<string, unknown>): Promise<{ data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] }>;
  /** Resolves when the socket closes, with the server's close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
}

export interface RawSocketOptions {
  headers?: Record<string, string>;
  protocol?: string;
}

/** Opens a socket and resolves once it is open (rejects when the upgrade is refused). */
export function openRawSocket(url: string, options: RawSocketOptions = {}): Promise<RawSocket> {
  const ws = new WebSocket(url, options.protocol ?? 'graphql-transport-ws', { headers: options.headers });
  const messages: ServerMessage[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as ServerMessage);
    for (const wake of waiters) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  const next = (match: (m: ServerMessage) => boolean, timeoutMs = 5000) =>
    new Promise<ServerMessage>((resolve, reject) => {
      const check = () => {
        const found = messages.find(match);
        if (!found) return false;
        done();
        resolve(found);
        return true;
      };
      const fail = (why: string) => {
        done();
        reject(new Error(`no matching message ${why}; received: ${JSON.stringify(messages).slice(0, 500)}`));
      };
      const timer = setTimeout(() => fail(`within ${timeoutMs} ms`), timeoutMs);
      void closed.then(({ code }) => setImmediate(() => check() || fail(`before the socket closed (${code})`)));
      const done = () => {
        clearTimeout(timer);
        waiters.delete(wake);
      };
      const wake = () => void check();
      if (!check()) waiters.add(wake);
    });
  const socket: RawSocket = {
    ws,
    messages,
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    next,
    async init(payload) {
      socket.send({ type: 'connection_init', payload });
      await next((m) => m.type === 'connection_ack');
    },
    async request(id, query, variables) {
      socket.send({ type: 'subscribe', id, payload: { query, variables } });
      const answer = await next((m) => m.id === id && (m.type === 'next' || m.type === 'error'));
      return answer.type === 'next' ? (answer.payload as { data?: unknown; errors?: [] }) : { errors: answer.payload as [] };
    },
    closed,
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(socket));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** `promise`, or a rejection naming `what` once `ms` have passed. */
/**
 * A socket opened and acknowledged with the admin's bearer token, added to `opened` (the test
 * terminates them all at its end).
 */
export async function openAdminSocket(ts: { wsUrl: string; adminToken: string }, opened: RawSocket[]): Promise<RawSocket> {
  const socket = await openRawSocket(ts.wsUrl);
  opened.push(socket);
  await socket.init({ authorization: `Bearer ${ts.adminToken}` });
  return socket;
}

export function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
    }),
  ]);
}
