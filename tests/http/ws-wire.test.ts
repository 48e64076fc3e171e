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
import { Wire } from '../../server/http/ws-wire.ts';
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

/** Writes until more than `bytes` wait in the server's own buffers (the kernels' are full by then: the client is paused). */
function backlog(wire: Wire, bytes: number): void {
  const frame = 'x'.repeat(64 * 1024);
  while (wire.bufferedBytes <= bytes) wire.sendNow(frame);
}

const pongOnServer = (server: WebSocket) => new Promise<Buffer>((resolve) => server.once('pong', resolve));

describe('the keep-alive', () => {
  it('regression: a client still reading through a backlog was dropped, its pong queued behind what it had not read yet', async () => {
    const { wire, server, client, clientTcp } = await pair();
    clientTcp.pause();
    backlog(wire, 2 * 1024 * 1024);
    wire.keepAlive(); // the ping waits behind the backlog

    // The client reads some of it (not as far as the ping), then stops again.
    const taken = wire.bufferedBytes;
    let read = 0;
    const reading = (chunk: Buffer) => {
      read += chunk.length;
      if (read >= 256 * 1024) {
        clientTcp.pause();
        clientTcp.off('data', reading);
      }
    };
    clientTcp.on('data', reading);
    clientTcp.resume();
    await until(() => read >= 256 * 1024 && wire.bufferedBytes < taken, 'the client to read part of the backlog');
    wire.keepAlive(); // unanswered, but the peer took bytes meanwhile: kept
    expect(server.readyState).toBe(WebSocket.OPEN);

    // Now it reads everything: it reaches the ping and answers it.
    const pinged = new Promise((resolve) => client.once('ping', resolve));
    const ponged = pongOnServer(server);
    clientTcp.resume();
    await pinged;
    await ponged;
    wire.keepAlive(); // answered: a new ping, not a drop
    expect(server.readyState).toBe(WebSocket.OPEN);
    await pongOnServer(server);
  });

  it('drops a client that reads nothing, a keep-alive after its ping, its buffers full', async () => {
    const { wire, server, clientTcp } = await pair();
    clientTcp.pause();
    backlog(wire, 2 * 1024 * 1024);
    wire.keepAlive();
    const closed = new Promise((resolve) => server.once('close', resolve));
    // The kernels may still take a little after the writes: at most PATIENCE keep-alives.
    for (let i = 0; i < 5 && server.readyState === WebSocket.OPEN; i++) wire.keepAlive();
    await closed;
    expect(server.readyState).toBe(WebSocket.CLOSED);
  });

  it('regression: a client that read nothing stayed connected by sending pongs of its own (only the answer to the ping counts)', async () => {
    const { wire, server, client, clientTcp } = await pair();
    clientTcp.pause();
    backlog(wire, 2 * 1024 * 1024);
    wire.keepAlive();
    const closed = new Promise((resolve) => server.once('close', resolve));
    for (let i = 0; i < 5 && server.readyState === WebSocket.OPEN; i++) {
      const heard = pongOnServer(server);
      client.pong(Buffer.from('not the ping'));
      await heard;
      wire.keepAlive();
    }
    await closed;
    expect(server.readyState).toBe(WebSocket.CLOSED);
  });

  it('keeps a client that answers each ping, however long it is connected', async () => {
    const { wire, server } = await pair();
    for (let i = 0; i < 3; i++) {
      const ponged = pongOnServer(server);
      wire.keepAlive();
      await ponged;
    }
    wire.keepAlive();
    expect(server.readyState).toBe(WebSocket.OPEN);
  });
});
