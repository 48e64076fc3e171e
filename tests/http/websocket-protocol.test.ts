/**
 * What a WebSocket client may do wrong, and what it costs it (issue 9 item 11): a bad document fails
 * its own operation only; a protocol violation closes its socket with 4400 and one warning; messages
 * and operations are bounded; a flood of messages does not stop the server answering others.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk } from '../support/graphql.ts';
import { openAdminSocket, openRawSocket, within, type RawSocket } from '../support/raw-socket.ts';
import { WS_LIMITS } from '../../server/http/websocket.ts';
import type { ChannelName } from '../../server/events/channels.ts';

const MAX_MESSAGE_BYTES = 64 * 1024;

describe('WebSocket protocol abuse', () => {
  let ts: TestServer;
  const sockets: RawSocket[] = [];

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false, config: { maxBodyBytes: MAX_MESSAGE_BYTES } });
  });
  afterAll(async () => {
    for (const s of sockets) s.ws.terminate();
    await ts?.close();
  });

  const adminSocket = () => openAdminSocket(ts, sockets);

  /** Subscribes to serverTime as `id` and waits for its first event. */
  async function ticking(socket: RawSocket, id: string): Promise<void> {
    socket.send({ type: 'subscribe', id, payload: { query: 'subscription { serverTime }' } });
    await socket.next((m) => m.id === id && m.type === 'next');
  }

  /** Waits for one more serverTime event on `id` than there are now: the subscription still runs. */
  async function ticksAgain(socket: RawSocket, id: string): Promise<void> {
    const seen = socket.messages.filter((m) => m.id === id && m.type === 'next').length;
    await socket.next((m) => m.id === id && m.type === 'next' && socket.messages.filter((x) => x.id === id && x.type === 'next').indexOf(m) >= seen, 3000);
  }

  function spyWarnings() {
    return vi.spyOn(ts.server.app.logger, 'warn');
  }

  it('answers a subscribe with a syntax error with an error for that id only, and other subscriptions go on (regression: the socket closed with 4500)', async () => {
    const socket = await adminSocket();
    await ticking(socket, 'time');
    socket.send({ type: 'subscribe', id: 'bad', payload: { query: 'subscription { serverTime' } });
    const error = await socket.next((m) => m.id === 'bad');
    expect(error).toMatchObject({ type: 'error', payload: [{ message: expect.stringMatching(/^Syntax Error/) }] });
    await ticksAgain(socket, 'time');
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
  });

  it('answers a 10,000-level-deep document with an error for that id only (regression: the socket closed with 4500)', async () => {
    const socket = await adminSocket();
    await ticking(socket, 'time');
    const deep = `subscription ${'{a'.repeat(10_000)}${'}'.repeat(10_000)}`;
    socket.send({ type: 'subscribe', id: 'deep', payload: { query: deep } });
    const error = await socket.next((m) => m.id === 'deep');
    expect(error.type).toBe('error');
    expect(JSON.stringify(error.payload)).not.toMatch(/INTERNAL_SERVER_ERROR|Maximum call stack/);
    await ticksAgain(socket, 'time');
  });

  it('answers an operation that fails validation with an error for that id only', async () => {
    const socket = await adminSocket();
    socket.send({ type: 'subscribe', id: 'nope', payload: { query: 'subscription { noSuchField }' } });
    expect(await socket.next((m) => m.id === 'nope')).toMatchObject({ type: 'error', payload: [{ message: expect.stringContaining('noSuchField') }] });
    expect(await socket.request('ok', '{ me { role } }')).toEqual({ data: { me: { role: 'ADMIN' } } });
  });

  for (const [type, message] of [
    ['next', { type: 'next', id: 'x', payload: { data: {} } }],
    ['error', { type: 'error', id: 'x', payload: [{ message: 'boom' }] }],
    ['connection_ack', { type: 'connection_ack' }],
  ] as const) {
    it(`closes the socket with 4400 and one warning without a stack when the client sends "${type}" (regression: 4500, nothing logged)`, async () => {
      const warn = spyWarnings();
      const socket = await adminSocket();
      socket.send(message);
      socket.send(message);
      expect((await within(3000, 'close', socket.closed)).code).toBe(4400);
      const calls = warn.mock.calls.filter(([, text]) => text === 'closed a WebSocket that broke the protocol');
      warn.mockRestore();
      expect(calls).toHaveLength(1);
      expect(calls[0][0]).toMatchObject({ reason: expect.stringContaining(type) });
      expect(calls[0][0]).not.toHaveProperty('err');
    });
  }

  it('closes the socket with 4400 when a message is not JSON', async () => {
    const warn = spyWarnings();
    const socket = await adminSocket();
    socket.send('{"type": "subscribe", ');
    expect((await within(3000, 'close', socket.closed)).code).toBe(4400);
    expect(warn.mock.calls.filter(([, text]) => text === 'closed a WebSocket that broke the protocol')).toHaveLength(1);
    warn.mockRestore();
  });

  it('closes the socket with 4400 when an operation id is longer than 128 characters (regression: a 10,000-character id came back with every message of its operation)', async () => {
    const socket = await adminSocket();
    expect(await socket.request('i'.repeat(128), '{ me { role } }')).toEqual({ data: { me: { role: 'ADMIN' } } });
    socket.send({ type: 'subscribe', id: 'i'.repeat(10_000), payload: { query: '{ __typename }' } });
    expect((await within(3000, 'close', socket.closed)).code).toBe(4400);
  });

  it('closes a socket whose message is larger than the body limit with 1009 (regression: messages of up to 100 MB were read)', async () => {
    const socket = await adminSocket();
    socket.send({ type: 'subscribe', id: 'big', payload: { query: `{ me { role } } # ${'x'.repeat(MAX_MESSAGE_BYTES)}` } });
    expect((await within(3000, 'close', socket.closed)).code).toBe(1009);
  });

  it('answers a ping whose payload is big with a pong that does not carry it back, a small one with its payload (regression: a 1 MB payload came back whole)', async () => {
    const socket = await adminSocket();
    socket.send({ type: 'ping', payload: { data: 'x'.repeat(60_000) } });
    socket.send({ type: 'ping', payload: { sent: 42 } });
    await socket.next((m) => m.type === 'pong' && JSON.stringify(m.payload) === '{"sent":42}');
    expect(socket.messages.filter((m) => m.type === 'pong')).toEqual([{ type: 'pong' }, { type: 'pong', payload: { sent: 42 } }]);
  });

  /** Counts the server's writes to the accepted connection whose remote port is `port` (`_write` and `_writev`). */
  function countServerWrites(port: number): { count: () => number; restore: () => void } {
    let writes = 0;
    const proto = net.Socket.prototype as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
    const originals = { _write: proto._write, _writev: proto._writev };
    for (const name of ['_write', '_writev'] as const) {
      proto[name] = function (this: net.Socket & { server?: unknown }, ...args: unknown[]) {
        if (this.server && this.remotePort === port) writes++;
        return originals[name].apply(this, args);
      };
    }
    return { count: () => writes, restore: () => Object.assign(proto, originals) };
  }

  it('answers a burst of pings in one write, not one system call per pong (regression: a ping flood was a write per message)', async () => {
    const socket = await adminSocket();
    const wire = (socket.ws as unknown as { _socket: net.Socket })._socket;
    const writes = countServerWrites(wire.localPort!);
    try {
      wire.cork(); // the 100 pings leave in one segment, so that the server reads them together
      for (let i = 0; i < 100; i++) socket.send({ type: 'ping', payload: { i } });
      wire.uncork();
      await socket.next((m) => m.type === 'pong' && (m.payload as { i?: number } | undefined)?.i === 99);
      expect(socket.messages.filter((m) => m.type === 'pong')).toHaveLength(100);
      expect(writes.count()).toBeLessThanOrEqual(5);
    } finally {
      writes.restore();
    }
  });

  it(`refuses an operation past ${WS_LIMITS.maxOperations} running on one socket, with an error for it alone`, async () => {
    const socket = await adminSocket();
    for (let i = 0; i < WS_LIMITS.maxOperations; i++) socket.send({ type: 'subscribe', id: `t${i}`, payload: { query: 'subscription { serverTime }' } });
    await socket.next((m) => m.id === `t${WS_LIMITS.maxOperations - 1}` && m.type === 'next', 10_000);
    socket.send({ type: 'subscribe', id: 'one-too-many', payload: { query: 'subscription { serverTime }' } });
    expect(await socket.next((m) => m.id === 'one-too-many')).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'RATE_LIMITED' } }] });
    socket.send({ type: 'complete', id: 't0' });
    expect(await socket.request('after', '{ me { role } }')).toEqual({ data: { me: { role: 'ADMIN' } } });
  });

  it('stops listening on the channel as soon as a subscription is completed, with no event to come (regression: its listener stayed until the channel’s next event)', async () => {
    const { pubsub } = ts.server.app;
    const original = pubsub.subscribe.bind(pubsub);
    const subscribed: AsyncIterator<unknown>[] = [];
    const spy = vi.spyOn(pubsub, 'subscribe').mockImplementation((channel: ChannelName, signal?: AbortSignal) => {
      const events = original(channel, signal);
      subscribed.push(events);
      return events;
    });
    try {
      const socket = await adminSocket();
      socket.send({ type: 'subscribe', id: 'quiet', payload: { query: 'subscription { startupChecklistUpdated { ready } }' } });
      await vi.waitFor(() => expect(subscribed).toHaveLength(1), { timeout: 3000 });
      socket.send({ type: 'complete', id: 'quiet' });
      expect(await within(1000, 'the channel subscription ended', subscribed[0].next())).toEqual({ done: true, value: undefined });
    } finally {
      spy.mockRestore();
    }
  });

  it('answers other clients while one socket floods it with operations, and answers each of them (the ones past the limit with an error)', async () => {
    const socket = await openRawSocket(ts.wsUrl);
    sockets.push(socket);
    await socket.init();
    const count = 5_000;
    let answered = 0;
    const allAnswered = new Promise<void>((resolve) =>
      socket.ws.on('message', (data) => {
        const { type } = JSON.parse(String(data)) as { type: string };
        if ((type === 'complete' || type === 'error') && ++answered === count) resolve();
      }),
    );
    // Sent in one go: the server reads them as fast as the kernel hands them over.
    for (let i = 0; i < count; i++) socket.ws.send(JSON.stringify({ type: 'subscribe', id: `q${i}`, payload: { query: '{ __typename }' } }));
    const answeredMeanwhile = await within(5000, 'an HTTP request during the flood', gqlOk<{ me: { role: string } }>(ts, '{ me { role } }', {}, { token: ts.adminToken }));
    expect(answeredMeanwhile.me.role).toBe('ADMIN');

    await within(20_000, 'an answer to every operation of the flood', allAnswered);
    const nexts = socket.messages.filter((m) => m.type === 'next');
    const errors = socket.messages.filter((m) => m.type === 'error');
    expect(nexts.length + errors.length).toBe(count);
    expect(nexts.length).toBeGreaterThanOrEqual(WS_LIMITS.maxOperations);
    expect(new Set(errors.map((m) => (m.payload as { extensions?: { code?: string } }[])[0].extensions?.code))).toEqual(new Set(errors.length ? ['RATE_LIMITED'] : []));
    expect(await socket.request('after', '{ __typename }')).toEqual({ data: { __typename: 'Query' } });
  });
});
