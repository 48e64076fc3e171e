/**
 * What a hostile or broken target can make a running check hold or do: a WebSocket server flooding
 * messages that never contain the expected text (the check keeps none of them), and an HTTP server
 * streaming interim (1xx) responses forever (the check gives up after MAX_INTERIM_RESPONSES).
 * Real local servers; the tests wait on signals (a ping the client answers after every message
 * before it, a socket closing), never on sleeps.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { CheckResult } from '../../server/monitoring/checkers/checker.ts';
import { MAX_INTERIM_RESPONSES } from '../../server/monitoring/checkers/http.ts';
import { getChecker } from '../../server/monitoring/checkers/registry.ts';
import { runCheck } from '../../server/monitoring/checkers/run.ts';

const MIB = 1024 * 1024;
/** What the hostile servers send: 120 messages of just under 1 MiB (the checker's largest), none matching. */
const FLOOD_MESSAGES = 120;
const FLOOD_MESSAGE = Buffer.alloc(MIB - 64, 'x');

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** Bytes this process holds (V8 heap and buffers) after a full collection: what is still referenced. */
function heldBytes(): number {
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

async function check(kind: string, target: string, options: Record<string, unknown> = {}, timeoutMs = 20_000): Promise<CheckResult> {
  const checker = getChecker(kind);
  const normalised = checker.validate(target, options);
  const service = { name: `${kind}-bounds`, kind, ...normalised, timeoutMs, degradedLatencyMs: null };
  return runCheck(checker, service, { diagnose: false, host: { dataDir: '/tmp', now: () => new Date() } });
}

/** TCP connections open in this process (the checks' and the test servers' ends). */
const openSockets = () => process.getActiveResourcesInfo().filter((resource) => resource === 'TCPSocketWrap').length;

/** Resolves when the client has read every frame sent before: it answers a ping only once it got there. */
function pingThrough(client: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    client.once('pong', () => resolve());
    client.ping();
  });
}

describe('websocket checker: a server flooding messages that never match', () => {
  let server: http.Server;
  let wss: WebSocketServer;
  let url: string;
  /** The client of the check under way, once the flood has reached it entirely. */
  let flooded: Promise<WebSocket>;
  let onFlooded: (client: WebSocket) => void;

  beforeAll(async () => {
    server = http.createServer();
    wss = new WebSocketServer({ server });
    wss.on('connection', (client, request) => {
      const flood = async () => {
        for (let i = 0; i < FLOOD_MESSAGES; i++) client.send(FLOOD_MESSAGE);
        await pingThrough(client);
        onFlooded(client);
      };
      // `/greet` floods as soon as the client connects; `/reply` once it sends something.
      if (request.url === '/greet') void flood();
      else client.once('message', () => void flood());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const client of wss?.clients ?? []) client.terminate();
    wss?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  function expectFlood(): void {
    flooded = new Promise((resolve) => (onFlooded = resolve));
  }

  for (const [path, options] of [
    ['/reply', { send: 'ping', expect: 'ready' }],
    ['/greet', { expect: 'ready' }],
  ] as const) {
    it(`holds none of ${FLOOD_MESSAGES} × 1 MiB non-matching messages (${JSON.stringify(options)}), and still ends healthy on the reply that matches`, async () => {
      expectFlood();
      const socketsBefore = openSockets();
      const before = heldBytes();
      const result = check('websocket', `${url}${path}`, options);
      const client = await flooded;
      // Every message has been read by the check, which is still waiting for its reply.
      const held = heldBytes() - before;
      const closed = new Promise((resolve) => client.once('close', resolve));
      client.send('ready: at last');
      expect(await result).toMatchObject({ status: 'healthy', error: null });
      // The check closes its socket when it is done: both ends are gone before the next test counts.
      await closed;
      await expect.poll(openSockets).toBe(socketsBefore);
      // Before the fix: 100 messages of 1 MiB kept, ~100 MiB. A check may hold one message at most.
      expect(held).toBeLessThan(8 * MIB);
    });
  }

  it('finds the matching greeting behind more non-matching ones than the old inbox kept, all in the upgrade\'s packet', async () => {
    // A raw server, so the 101 answer and every message go out in one write: the client reads them
    // all before its `open` handler's continuation runs, i.e. before the round trip starts.
    const frame = (text: string) => Buffer.concat([Buffer.from([0x81, Buffer.byteLength(text)]), Buffer.from(text)]);
    const raw = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', (data) => {
        const key = /sec-websocket-key: *(\S+)/i.exec(data.toString('latin1'))?.[1] ?? '';
        const accept = crypto.createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
        const handshake = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
        const noise = Array.from({ length: 150 }, (_, i) => frame(`tick ${i}`));
        socket.write(Buffer.concat([Buffer.from(handshake), ...noise, frame('ready from the server')]));
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    try {
      const result = await check('websocket', `ws://127.0.0.1:${(raw.address() as AddressInfo).port}/`, { expect: 'ready' }, 2000);
      expect(result).toMatchObject({ status: 'healthy', error: null });
      expect(result.steps?.at(-1)?.detail).toBe('ready from the server');
    } finally {
      raw.close();
    }
  });
});

describe('http checker: interim (1xx) responses', () => {
  /** A raw TCP server that writes `answer` once a request comes in; `closed` resolves when that connection closes. */
  async function rawServer(answer: (socket: net.Socket) => void): Promise<{ url: string; closed: Promise<void>; close: () => void }> {
    let onClosed!: () => void;
    const closed = new Promise<void>((resolve) => (onClosed = resolve));
    const server = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.once('close', onClosed);
      socket.once('data', () => answer(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, closed, close: () => server.close() };
  }

  it(`is down, and drops the connection, after more than ${MAX_INTERIM_RESPONSES} of them instead of reading them until the timeout`, async () => {
    const endless = await rawServer((socket) => {
      const processing = 'HTTP/1.1 102 Processing\r\n\r\n'.repeat(100);
      const pump = () => {
        while (!socket.destroyed && socket.write(processing));
      };
      socket.on('drain', pump);
      pump();
    });
    try {
      const result = await check('http', endless.url, {}, 10_000);
      expect(result).toMatchObject({ status: 'down', error: `more than ${MAX_INTERIM_RESPONSES} interim (1xx) responses` });
      await endless.closed;
    } finally {
      endless.close();
    }
  });

  it(`accepts up to ${MAX_INTERIM_RESPONSES} of them before the final response`, async () => {
    const interim = ['HTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n'];
    const some = await rawServer((socket) => {
      for (let i = 0; i < MAX_INTERIM_RESPONSES; i++) socket.write(interim[i % 2]);
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
    });
    try {
      expect(await check('http', some.url, { bodyContains: 'ok' })).toMatchObject({ status: 'healthy', error: null });
    } finally {
      some.close();
    }
  });
});
