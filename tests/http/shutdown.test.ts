/**
 * Shutdown finishes promptly whatever clients hold open (issue 9 item 7): a refused upgrade kept by
 * its client, idle keep-alive connections and a socket that never answers the close handshake held
 * close() for up to 10 s or for ever; subscriptions got close 1001 without a `complete`.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { openRawSocket, within } from '../support/raw-socket.ts';

/**
 * Under the 5 s keep-alive timeout and the 10 s after which close() cuts every HTTP connection:
 * resolving within it owes nothing to either.
 */
const PROMPTLY_MS = 4000;

/** A TCP connection that stays open until the server closes it; `ended` resolves when it does. */
async function holdOpen(port: number, request: string, answered: RegExp): Promise<{ ended: Promise<void>; received: () => string }> {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  let received = '';
  const ended = new Promise<void>((resolve) => {
    socket.on('end', () => resolve());
    socket.on('close', () => resolve());
  });
  socket.on('error', () => {});
  const answer = new Promise<void>((resolve) =>
    socket.on('data', (chunk) => {
      received += String(chunk);
      if (answered.test(received)) resolve();
    }),
  );
  socket.write(request);
  await within(5000, `an answer to ${request.split('\r\n')[0]}`, answer);
  return { ended, received: () => received };
}

const UPGRADE = (origin?: string) =>
  `GET /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n${origin ? `Origin: ${origin}\r\n` : ''}\r\n`;

describe('shutdown', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
  });
  afterAll(() => ts?.close());

  it('close() resolves while clients hold a refused upgrade, an idle keep-alive connection, a socket that ignores the close handshake and a request whose headers never end (regression: shutdown waited for them)', async () => {
    const refused = await holdOpen(ts.port, UPGRADE('https://evil.example'), /\r\n\r\n/);
    expect(refused.received()).toMatch(/^HTTP\/1\.1 403/);
    const keepAlive = await holdOpen(ts.port, 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', /"status"[^}]*\}/);
    expect(keepAlive.received()).toMatch(/^HTTP\/1\.1 200[\s\S]*keep-alive/i);
    // Upgraded, then silent: it never sends connection_init nor answers a close frame.
    const silent = await holdOpen(ts.port, UPGRADE(), /^HTTP\/1\.1 101[\s\S]*\r\n\r\n/);
    // Still sending its request's headers (and never finishing them).
    const unfinished = net.connect({ port: ts.port, host: '127.0.0.1', allowHalfOpen: true });
    unfinished.on('error', () => {});
    const unfinishedEnded = new Promise<void>((resolve) => unfinished.on('close', () => resolve()));
    await new Promise<void>((resolve) => unfinished.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n', () => resolve()));

    await within(PROMPTLY_MS, 'close()', ts.stop());
    await within(1000, 'the refused upgrade closed by the server', refused.ended);
    await within(1000, 'the keep-alive connection closed by the server', keepAlive.ended);
    await within(1000, 'the silent socket closed by the server', silent.ended);
    await within(1000, 'the unfinished request closed by the server', unfinishedEnded);
    await ts.start();
  });

  it('closes a keep-alive connection as soon as its request in progress is answered (regression: it waited for the keep-alive timeout)', async () => {
    const socket = net.connect({ port: ts.port, host: '127.0.0.1', allowHalfOpen: true });
    socket.on('error', () => {});
    let received = '';
    socket.on('data', (chunk) => (received += String(chunk)));
    const ended = new Promise<void>((resolve) => socket.on('end', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // The request is in progress when close() begins: the server has its headers (it answered
    // 100 Continue), its body has not arrived yet.
    const body = JSON.stringify({ query: '{ __typename }' });
    socket.write(`POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`);
    await vi.waitFor(() => expect(received).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\n/), { timeout: 3000 });
    const stopping = ts.stop();
    socket.write(body);
    await within(PROMPTLY_MS, 'close()', stopping);
    await within(1000, 'the connection closed by the server', ended);
    expect(received).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200[\s\S]*"__typename":"Query"/);
    await ts.start();
  });

  it('closes the database even when a step of the shutdown before it fails (regression: a failed step left the embedded PostgreSQL running)', async () => {
    const { app } = ts.server;
    vi.spyOn(app.operations, 'stop').mockRejectedValueOnce(new Error('operations would not stop'));
    await within(PROMPTLY_MS, 'close()', ts.stop());
    expect((app.sql as unknown as { ended: boolean }).ended).toBe(true);
    expect(await app.orm.isConnected()).toBe(false);
    await ts.start();
  });

  it('sends `complete` for every running subscription before closing the socket with 1001 (regression: 1001 without complete)', async () => {
    const socket = await openRawSocket(ts.wsUrl);
    await socket.init({ authorization: `Bearer ${ts.adminToken}` });
    socket.send({ type: 'subscribe', id: 'time', payload: { query: 'subscription { serverTime }' } });
    socket.send({ type: 'subscribe', id: 'checks', payload: { query: 'subscription { healthCheckRecorded { service } }' } });
    await socket.next((m) => m.id === 'time' && m.type === 'next');

    await within(PROMPTLY_MS, 'close()', ts.stop());
    const { code } = await within(1000, 'the socket closed', socket.closed);
    expect(code).toBe(1001);
    const completes = socket.messages.filter((m) => m.type === 'complete').map((m) => m.id);
    expect(completes.sort()).toEqual(['checks', 'time']);
    expect(socket.messages.at(-1)?.type).toBe('complete');
    await ts.start();
  });
});
