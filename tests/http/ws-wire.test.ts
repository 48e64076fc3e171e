/**
 * The keep-alive of a GraphQL WebSocket's writing side (server/http/ws-wire.ts), on a real `ws`
 * server and client over loopback TCP, its keep-alives called by the test in place of the timer: a
 * client still reading through a backlog is not dropped because its pong waits behind that backlog;
 * a client that reads nothing is dropped even when it sends pongs of its own.
 */
import type net from 'node:net';
import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { PATIENCE, Wire } from '../../server/http/ws-wire.ts';
import { until } from '../support/signals.ts';

interface Pair {
  wire: Wire;
  server: WebSocket;
  client: WebSocket;
  /** The client's TCP socket: paused, it reads nothing. */
  clientTcp: net.Socket;
}

const opened: { wss: WebSocketServer; client: WebSocket }[] = [];
afterEach(async () => {
  for (const { wss, client } of opened.splice(0)) {
    client.terminate();
    for (const ws of wss.clients) ws.terminate();
    await new Promise((resolve) => wss.close(resolve));
  }
});

async function pair(): Promise<Pair> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const accepted = new Promise<{ ws: WebSocket; request: IncomingMessage }>((resolve) => wss.once('connection', (ws, request) => resolve({ ws, request })));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as net.AddressInfo).port}`);
  opened.push({ wss, client });
  await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
  const { ws, request } = await accepted;
  const wire = new Wire(ws, request.socket as net.Socket, { keepAliveMs: 0 });
  return { wire, server: ws, client, clientTcp: (client as unknown as { _socket: net.Socket })._socket };
}

/** Writes until more than `bytes` wait in the server's own buffers (the client is paused: it reads none of it). */
function backlog(wire: Wire, bytes: number): void {
  const frame = 'x'.repeat(64 * 1024);
  while (wire.bufferedBytes <= bytes) wire.sendNow(frame);
}

/** Until the system takes no more of what was written (the kernels' buffers are full, or all was taken). */
async function settled(wire: Wire): Promise<void> {
  let last = -1;
  await until(() => {
    const now = wire.taken;
    const same = now === last;
    last = now;
    return same;
  }, 'the system to take what it can of the writes');
}

const pongOnServer = (server: WebSocket) => new Promise<Buffer>((resolve) => server.once('pong', resolve));
const dropped = (server: WebSocket) => server.readyState === WebSocket.CLOSING || server.readyState === WebSocket.CLOSED;

describe('the keep-alive', () => {
  it('regression: a client still reading through a backlog was dropped, its pong queued behind what it had not read yet', async () => {
    const { wire, server, client, clientTcp } = await pair();
    clientTcp.pause();
    backlog(wire, 8 * 1024 * 1024); // beyond what the kernels' buffers hold
    await settled(wire);
    wire.keepAlive(); // the ping waits behind the backlog
    const before = wire.taken;

    // The client reads some of it (not as far as the ping), then stops again: enough for the
    // kernels to make room and the server's queue to move.
    let read = 0;
    const reading = (chunk: Buffer) => {
      read += chunk.length;
      if (read >= 2 * 1024 * 1024) {
        clientTcp.pause();
        clientTcp.off('data', reading);
      }
    };
    clientTcp.on('data', reading);
    clientTcp.resume();
    await until(() => read >= 2 * 1024 * 1024 && wire.taken > before + 1024, 'the client to read part of the backlog');
    wire.keepAlive(); // unanswered, but the peer took bytes meanwhile: kept
    expect(dropped(server)).toBe(false);

    // Now it reads everything: it reaches the ping and answers it.
    const pinged = new Promise((resolve) => client.once('ping', resolve));
    const ponged = pongOnServer(server);
    clientTcp.resume();
    await pinged;
    await ponged;
    wire.keepAlive(); // answered: a new ping, not a drop
    expect(dropped(server)).toBe(false);
    await pongOnServer(server);
  });

  it('drops a client that reads nothing at the first keep-alive after its ping (the ping itself, taken by the system, is not the peer reading)', async () => {
    const { wire, server, clientTcp } = await pair();
    clientTcp.pause();
    wire.keepAlive();
    await settled(wire);
    const closed = new Promise((resolve) => server.once('close', resolve));
    wire.keepAlive();
    expect(dropped(server)).toBe(true);
    await closed;
  });

  it('regression: a client that read nothing stayed connected by sending pongs of its own (only the answer to the ping counts)', async () => {
    const { wire, server, client, clientTcp } = await pair();
    clientTcp.pause();
    backlog(wire, 2 * 1024 * 1024);
    await settled(wire);
    wire.keepAlive();
    const heard = pongOnServer(server);
    client.pong(Buffer.from('not the ping'));
    await heard;
    wire.keepAlive();
    expect(dropped(server)).toBe(true);
  });

  it(`drops a peer whose system keeps taking bytes but which never answers, ${PATIENCE} keep-alives after the ping (a dead peer fed a trickle of events)`, async () => {
    const { wire, server, clientTcp } = await pair();
    clientTcp.pause(); // its kernel still takes small writes: its buffer has room
    wire.keepAlive();
    for (let i = 1; i < PATIENCE; i++) {
      const before = wire.taken;
      wire.sendNow('y'.repeat(1024));
      await until(() => wire.taken > before + 1024, 'the system to take the write');
      wire.keepAlive();
      expect(dropped(server), `keep-alive ${i} after the ping`).toBe(false);
    }
    const before = wire.taken;
    wire.sendNow('y'.repeat(1024));
    await until(() => wire.taken > before + 1024, 'the system to take the write');
    wire.keepAlive();
    expect(dropped(server)).toBe(true);
  });

  it('keeps a client that answers each ping, however long it is connected', async () => {
    const { wire, server } = await pair();
    for (let i = 0; i < 3; i++) {
      const ponged = pongOnServer(server);
      wire.keepAlive();
      await ponged;
    }
    wire.keepAlive();
    expect(dropped(server)).toBe(false);
  });
});
