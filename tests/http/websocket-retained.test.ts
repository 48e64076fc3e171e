/**
 * Regressions (found by an attack review): what a socket sends and the server keeps.
 * - connection_init: graphql-ws keeps its payload for the socket's life; 400 anonymous sockets each
 *   sending 3.5 MB held 1.2 GB, and under a smaller heap crashed the process.
 * - subscribe: a subscription keeps its variables while it runs; 100 on one socket with 3.5 MB of
 *   unused variables each held 700 MB.
 * - an operation id reused while its first operation was still being prepared started another,
 *   uncounted by the limit of operations per socket and beyond the client's reach (584 on one socket).
 * - no bound on sockets open at once on one process.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk } from '../support/graphql.ts';
import { openAdminSocket, openRawSocket, within, type RawSocket } from '../support/raw-socket.ts';
import { WS_LIMITS } from '../../server/http/websocket.ts';

describe('what a WebSocket may make the server keep', () => {
  let ts: TestServer;
  const sockets: RawSocket[] = [];

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
  });
  afterAll(async () => {
    for (const s of sockets) s.ws.terminate();
    await ts?.close();
  });

  it(`closes with 4400 a socket whose connection_init is over ${WS_LIMITS.maxInitBytes / 1024} KiB, and keeps only the authorization of a smaller one`, async () => {
    const big = await openRawSocket(ts.wsUrl);
    sockets.push(big);
    big.send({ type: 'connection_init', payload: { authorization: `Bearer ${ts.adminToken}`, junk: 'j'.repeat(WS_LIMITS.maxInitBytes) } });
    expect((await within(3000, 'close', big.closed)).code).toBe(4400);

    const small = await openRawSocket(ts.wsUrl);
    sockets.push(small);
    await small.init({ authorization: `Bearer ${ts.adminToken}`, junk: 'j'.repeat(1000) });
    expect(await small.request('me', '{ me { role } }')).toEqual({ data: { me: { role: 'ADMIN' } } });
  });

  it(`drops the variables a subscription does not declare, refuses one whose query and declared variables are over ${WS_LIMITS.maxSubscriptionBytes / 1024} KiB, and holds a socket's subscriptions to ${WS_LIMITS.maxRetainedBytes / 1024 / 1024} MiB together`, async () => {
    const socket = await openAdminSocket(ts, sockets);
    // 3.5 MB of variables the subscription does not declare: dropped, and it runs.
    socket.send({ type: 'subscribe', id: 'unused', payload: { query: 'subscription { serverTime }', variables: { blob: 'b'.repeat(3_500_000) } } });
    expect((await socket.next((m) => m.id === 'unused')).type).toBe('next');
    // Declared and too large for one subscription.
    const names = (n: number, width: number) => Array.from({ length: n }, (_, i) => `s-${String(i).padStart(width, '0')}`);
    const QUERY = 'subscription($s: [String!]) { healthCheckRecorded(services: $s) { service } }';
    socket.send({ type: 'subscribe', id: 'huge', payload: { query: QUERY, variables: { s: names(12_000, 95) } } });
    expect(await socket.next((m) => m.id === 'huge')).toMatchObject({ type: 'error', payload: [{ message: `A subscription's query and variables may be at most ${WS_LIMITS.maxSubscriptionBytes / 1024} KiB (it is kept while it runs).`, extensions: { code: 'BAD_USER_INPUT' } }] });
    // 10,000 names of 100 characters each fit one subscription; nine of them do not fit one socket.
    const fleet = names(10_000, 98);
    for (let i = 0; i < 9; i++) socket.send({ type: 'subscribe', id: `fleet-${i}`, payload: { query: QUERY, variables: { s: fleet } } });
    const refused = await socket.next((m) => m.type === 'error' && m.id?.startsWith('fleet-') === true, 15_000);
    expect(refused.payload).toMatchObject([{ extensions: { code: 'RATE_LIMITED' } }]);
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    expect(await socket.request('query', '{ me { role } }', { blob: 'q'.repeat(2_000_000) })).toEqual({ data: { me: { role: 'ADMIN' } } });
  });

  it('counts a subscription\'s message only while it runs: once completed, its room is free again (regression: ended subscriptions stayed counted)', async () => {
    await gqlOk(ts, 'mutation { createService(input: { name: "tick", kind: "tcp", target: "127.0.0.1:9" }) { name } }', {}, { token: ts.adminToken });
    const socket = await openAdminSocket(ts, sockets);
    const QUERY = 'subscription($s: [String!]) { healthCheckRecorded(services: $s) { service } }';
    // About 1 MB of names with "tick" among them: eight fill the socket's room.
    const names = ['tick', ...Array.from({ length: 9_500 }, (_, i) => `s-${String(i).padStart(98, '0')}`)];
    const recheck = () => gqlOk(ts, 'mutation { recheckService(name: "tick") { status } }', {}, { token: ts.adminToken });
    const running = async (id: string) => {
      await recheck();
      return (await socket.next((m) => m.id === id)).type;
    };
    for (let i = 0; i < 8; i++) socket.send({ type: 'subscribe', id: `big-${i}`, payload: { query: QUERY, variables: { s: names } } });
    expect(await running('big-7')).toBe('next');
    socket.send({ type: 'subscribe', id: 'ninth', payload: { query: QUERY, variables: { s: names } } });
    expect(await socket.next((m) => m.id === 'ninth')).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'RATE_LIMITED' } }] });
    for (let i = 0; i < 8; i++) socket.send({ type: 'complete', id: `big-${i}` });
    // Each try is refused at once while the completions are still being handled; then one runs.
    let attempt = 0;
    await vi.waitFor(async () => {
      const id = `again-${attempt++}`;
      socket.send({ type: 'subscribe', id, payload: { query: QUERY, variables: { s: names } } });
      expect(await running(id)).toBe('next');
    }, { timeout: 10_000, interval: 50 });
  });

  it('closes with 4409 a socket that reuses the id of an operation in progress, even one still being prepared', async () => {
    const warn = vi.spyOn(ts.server.app.logger, 'warn');
    const socket = await openAdminSocket(ts, sockets);
    // Sent together: the second arrives while the first is still being prepared.
    socket.send({ type: 'subscribe', id: 'x', payload: { query: 'subscription { serverTime }' } });
    socket.send({ type: 'subscribe', id: 'x', payload: { query: 'subscription { serverTime }' } });
    const closed = await within(3000, 'close', socket.closed);
    warn.mockRestore();
    expect(closed).toEqual({ code: 4409, reason: 'Subscriber for x already exists' });
  });

  it('closes with 4409 for a reused id written in any script, its reason cut to the protocol\'s 123 bytes', async () => {
    const socket = await openAdminSocket(ts, sockets);
    const id = '語'.repeat(100);
    socket.send({ type: 'subscribe', id, payload: { query: 'subscription { serverTime }' } });
    socket.send({ type: 'subscribe', id, payload: { query: 'subscription { serverTime }' } });
    const closed = await within(3000, 'close', socket.closed);
    expect(closed.code).toBe(4409);
    expect(Buffer.byteLength(closed.reason)).toBeLessThanOrEqual(123);
    expect(closed.reason.startsWith('Subscriber for 語')).toBe(true);
  });

  it('lets an id be used again once its operation is over', async () => {
    const socket = await openAdminSocket(ts, sockets);
    expect(await socket.request('again', '{ me { role } }')).toEqual({ data: { me: { role: 'ADMIN' } } });
    await socket.next((m) => m.id === 'again' && m.type === 'complete');
    socket.messages.length = 0;
    expect(await socket.request('again', '{ me { role } }')).toEqual({ data: { me: { role: 'ADMIN' } } });
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
  });

  it('refuses an upgrade with 503 once as many sockets are open as one process takes, and takes one again when one closes', async () => {
    const limits = WS_LIMITS as { maxSockets: number };
    const max = limits.maxSockets;
    const open = sockets.filter((s) => s.ws.readyState === s.ws.OPEN).length;
    limits.maxSockets = open + 1;
    try {
      const last = await openRawSocket(ts.wsUrl);
      sockets.push(last);
      await expect(openRawSocket(ts.wsUrl)).rejects.toThrow('upgrade refused: 503');
      last.ws.close();
      await last.closed;
      await vi.waitFor(async () => {
        const again = await openRawSocket(ts.wsUrl);
        sockets.push(again);
      });
    } finally {
      limits.maxSockets = max;
    }
  });
});
