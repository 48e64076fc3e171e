/**
 * A WebSocket whose socket has gone while the server still has something for it (ws-connection.ts,
 * `#open()`): a client reset in the middle of a stream of events, and messages read after the server
 * closed the socket. What is due to a gone socket is dropped: its send neither fails nor reaches the
 * socket, no operation is started for it, and the server goes on serving the others.
 */
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { startTestServer, type TestServer } from '../support/server.ts';
import { openAdminSocket, within, type RawSocket, type ServerMessage } from '../support/raw-socket.ts';
import { Connection } from '../../server/http/ws-connection.ts';
import { Channels } from '../../server/events/channels.ts';

const STATUS_CHANGES = { query: 'subscription { serviceStatusChanged { service status } }' };

describe('a WebSocket whose socket has gone', () => {
  let ts: TestServer;
  const sockets: RawSocket[] = [];

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    for (const s of sockets) s.ws.terminate();
    await ts?.close();
  });

  const adminSocket = () => openAdminSocket(ts, sockets);

  /** Opens an admin socket and returns it with the server's end of it: the accepted TCP socket and its `ws` WebSocket. */
  async function adminSocketWithServerEnd(): Promise<{ client: RawSocket; tcp: net.Socket; ws: WebSocket }> {
    const accepted: { tcp: net.Socket; ws: WebSocket }[] = [];
    const handleUpgrade = WebSocketServer.prototype.handleUpgrade;
    const spy = vi.spyOn(WebSocketServer.prototype, 'handleUpgrade').mockImplementation(function (this: WebSocketServer, req, tcp, head, done) {
      handleUpgrade.call(this, req, tcp, head, (ws, request) => {
        accepted.push({ tcp: tcp as net.Socket, ws });
        done(ws, request);
      });
    });
    try {
      const client = await adminSocket();
      expect(accepted).toHaveLength(1);
      return { client, ...accepted[0] };
    } finally {
      spy.mockRestore();
    }
  }

  /** Publishes a status change once per turn of the event loop until stopped: events keep coming whatever happens to a socket. */
  function publishUntilStopped(): { stop: () => void; published: () => number } {
    let count = 0;
    let stopped = false;
    const publishOne = () => {
      if (stopped) return;
      const n = count++;
      void ts.server.app.pubsub.publish(Channels.statusChanged, { service: `svc-${n}`, critical: false, previousStatus: null, status: 'healthy', reason: 'test', at: new Date().toISOString() });
      setImmediate(publishOne);
    };
    publishOne();
    return { stop: () => (stopped = true), published: () => count };
  }

  it('drops the events due to a subscriber whose TCP connection was reset: the sends neither fail nor write, and the other subscribers go on', async () => {
    const errors = vi.spyOn(ts.server.app.logger, 'error');
    const warnings = vi.spyOn(ts.server.app.logger, 'warn');
    const doomed = await adminSocketWithServerEnd();
    const other = await adminSocket();

    // Every message the server sends to the doomed subscription once its TCP socket is destroyed, and how
    // that send ended. Watched here because a send that fails ("WebSocket is not open") is caught and
    // dropped by the connection: neither the log nor the other clients would show it.
    const afterGone: { message: string; outcome: Promise<unknown> }[] = [];
    const send = Connection.prototype.send;
    vi.spyOn(Connection.prototype, 'send').mockImplementation(function (this: Connection, data: string) {
      const gone = doomed.tcp.destroyed && (JSON.parse(data) as { id?: string }).id === 'doomed';
      const result = send.call(this, data);
      if (gone) afterGone.push({ message: data, outcome: result });
      return result;
    });
    // Anything still handed to the socket once it is gone (a frame for a connection that no longer exists),
    // by either subscription: the one iterating its source, or the broadcast's (broadcast.ts).
    const written: string[] = [];
    const wsSend = doomed.ws.send;
    vi.spyOn(doomed.ws, 'send').mockImplementation(function (this: WebSocket, ...args: Parameters<WebSocket['send']>) {
      if (doomed.tcp.destroyed) written.push(String(args[0]));
      return wsSend.apply(this, args);
    });

    const events = publishUntilStopped();
    try {
      // With `since`, the subscription iterates its source (its events are in flight in promises when the socket goes).
      doomed.client.send({ type: 'subscribe', id: 'doomed', payload: { query: `subscription { serviceStatusChanged(since: "${new Date().toISOString()}") { service status } }` } });
      doomed.client.send({ type: 'subscribe', id: 'doomed-broadcast', payload: STATUS_CHANGES });
      other.send({ type: 'subscribe', id: 'other', payload: STATUS_CHANGES });
      await doomed.client.next((m) => m.id === 'doomed' && m.type === 'next');
      await doomed.client.next((m) => m.id === 'doomed-broadcast' && m.type === 'next');
      await other.next((m) => m.id === 'other' && m.type === 'next');

      // An abrupt end (RST), in the middle of the stream: no close handshake, no FIN.
      const serverSawItGo = new Promise<void>((resolve) => doomed.ws.once('close', () => resolve()));
      (doomed.client.ws as unknown as { _socket: net.Socket })._socket.resetAndDestroy();
      await within(5000, 'the server closing its end of the reset socket', serverSawItGo);

      // Something was due to the socket after it had gone (an event, or the error for the event whose write failed).
      expect(afterGone.length).toBeGreaterThan(0);
      const outcomes = await Promise.allSettled(afterGone.map((s) => s.outcome));
      expect({ failedSends: outcomes.filter((o) => o.status === 'rejected'), written }).toEqual({ failedSends: [], written: [] });

      // The other subscriber still gets the events published after, and its socket still answers.
      const publishedBefore = events.published();
      const serviceOf = (m: ServerMessage) => (m.payload as { data?: { serviceStatusChanged?: { service: string } } }).data?.serviceStatusChanged?.service ?? '';
      await other.next((m) => m.id === 'other' && m.type === 'next' && Number(serviceOf(m).slice('svc-'.length)) >= publishedBefore);
      expect(await other.request('after', '{ me { role } }')).toEqual({ data: { me: { role: 'ADMIN' } } });
      expect(errors).not.toHaveBeenCalled();
      expect(warnings).not.toHaveBeenCalled();
    } finally {
      events.stop();
      vi.restoreAllMocks();
    }
  });

  it('starts no operation for the messages read after the server closed the socket (they came in the same read as a protocol violation)', async () => {
    const prepared = vi.spyOn(Connection.prototype, 'prepare');
    try {
      const socket = await adminSocket();
      const wire = (socket.ws as unknown as { _socket: net.Socket })._socket;
      wire.cork(); // one segment: the server reads the violation and what follows it together
      socket.send({ type: 'next', id: 'x', payload: { data: {} } });
      for (const id of ['a', 'b', 'c']) socket.send({ type: 'subscribe', id, payload: { query: '{ me { role } }' } });
      wire.uncork();
      expect((await within(3000, 'close', socket.closed)).code).toBe(4400);
      expect(prepared).not.toHaveBeenCalled();
      expect(socket.messages).toEqual([{ type: 'connection_ack' }]);
    } finally {
      prepared.mockRestore();
    }
  });
});
