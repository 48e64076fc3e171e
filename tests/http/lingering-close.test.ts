/**
 * lingeringClose (server/http/body-limit.ts): a connection answered before its body was read whole
 * is closed without losing the answer, even when the client writes on past the limit before it
 * reads. It was destroyed once `limit` more bytes had come, with the rest of the body still unread
 * in the server's buffers: the reset made the client's system drop the 413 it had not read yet
 * (tests/http/bad-requests "answers a chunked body with 413…" saw status 0 under load).
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { answerAndLinger, closeAfterEarlyAnswer, discardBody, Lingering, refuseBody, UPGRADE_LINGER_BYTES } from '../../server/http/body-limit.ts';

const LIMIT = 1024;

/** A raw client that reads nothing until `readUntil`, keeping what it reads and its first error. */
function pausedClient(port: number, cleanup: (() => void)[]) {
  // allowHalfOpen: it keeps its side open after the server's end, as a client that ignores it would.
  const client = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  cleanup.push(() => client.destroy());
  client.pause(); // what the server answers waits in its buffers
  const seen = { raw: '', failure: null as string | null };
  client.on('data', (data) => (seen.raw += data.toString('latin1')));
  client.on('error', (error) => (seen.failure ??= error.message));
  /** Starts reading; what was read once it holds `marker`, or once the connection closed. */
  const readUntil = (marker: string) =>
    new Promise<string>((resolve) => {
      const done = () => resolve(seen.raw);
      client.on('data', () => seen.raw.includes(marker) && done());
      client.on('close', done);
      client.resume();
    });
  return { client, seen, readUntil };
}

/** The server side of a connection is destroyed (waiting for its close when it has not closed yet). */
async function expectLetGo(socket: net.Socket): Promise<void> {
  if (!socket.closed) await new Promise((resolve) => socket.once('close', resolve));
  expect(socket.destroyed).toBe(true);
}

describe('lingeringClose', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const step of cleanup.splice(0)) step();
  });

  it('keeps the 413 for a client that writes past the limit before it reads (regression: lingering close reset the answer)', async () => {
    // Resolves once the server has seen more than LIMIT bytes after its answer and its answer is
    // written out (when Node would have destroyed the socket): what it does with the rest is decided by then.
    let pastLimit!: () => void;
    const seenPastLimit = new Promise<void>((resolve) => (pastLimit = resolve));
    let written!: () => void;
    const answerWritten = new Promise<void>((resolve) => (written = resolve));
    const decided = Promise.all([seenPastLimit, answerWritten]).then(() => new Promise((resolve) => setImmediate(resolve)));
    const lingering = new Lingering();
    const server = http.createServer(async (req, res) => {
      // As server/http.ts answers every request: an early answer is the connection's last (Node then
      // schedules the socket's destruction once it is written), and closes it lingering.
      closeAfterEarlyAnswer(req, res, LIMIT, lingering);
      res.on('finish', () => {
        if (req.complete) return;
        if (req.socket.writableFinished) written();
        else req.socket.once('finish', () => written());
        let after = 0;
        const watch = (chunk: Buffer) => {
          after += chunk.length;
          if (after > LIMIT) {
            req.off('data', watch);
            pastLimit();
          }
        };
        req.on('data', watch);
      });
      if ((await discardBody(req, LIMIT)) === 'too large') return refuseBody(res, LIMIT);
      res.end('read');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => server.close());
    const serverSockets: net.Socket[] = [];
    server.on('connection', (socket) => {
      serverSockets.push(socket);
      cleanup.push(() => socket.destroy());
    });

    const { client, seen, readUntil } = pausedClient((server.address() as AddressInfo).port, cleanup);
    const chunk = Buffer.alloc(64 * 1024, '[');
    const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    client.write('POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    // More than the server reads at once after the limit: some of it is still unread when it decides.
    for (let i = 0; i < 4; i++) client.write(frame);
    await decided;

    // It writes on, then reads: the server must not have reset the connection (the write would fail
    // and take the unread answer with it, as a Node client's socket is destroyed on a write error).
    client.write(frame);
    const answer = await readUntil('LOOKOUT_MAX_BODY_BYTES');
    expect(seen.failure).toBeNull();
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
    expect(answer).toContain(`larger than ${LIMIT} bytes`);
    // And the server still lets the connection go (after LINGER_MS), though this client never closes its side.
    await expectLetGo(serverSockets[0]);
  });

  it('keeps a refused upgrade\'s answer for a client that sends on before reading it (regression: the socket was destroyed once the answer was written)', async () => {
    // Resolves once the server has answered and ended its side: what it does with more data is decided by then.
    let answered!: () => void;
    const decided = new Promise<void>((resolve) => (answered = resolve));
    const lingering = new Lingering();
    const server = http.createServer();
    const serverSockets: net.Socket[] = [];
    server.on('upgrade', (_req, socket: net.Socket) => {
      serverSockets.push(socket);
      cleanup.push(() => socket.destroy());
      socket.once('finish', () => setImmediate(answered));
      answerAndLinger(socket, 'HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nForeign origin refused\n', lingering);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => server.close());

    const { client, seen, readUntil } = pausedClient((server.address() as AddressInfo).port, cleanup);
    client.write('GET /graphql HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    await decided;
    // Frames sent without waiting for the handshake's answer: more than the server drops, then it reads.
    const junk = Buffer.alloc(64 * 1024, 0x81);
    for (let i = 0; i * junk.length <= 2 * UPGRADE_LINGER_BYTES; i++) client.write(junk);
    const answer = await readUntil('refused');
    expect(seen.failure).toBeNull();
    expect(answer).toMatch(/^HTTP\/1\.1 403 /);
    expect(answer).toContain('Foreign origin refused');
    await expectLetGo(serverSockets[0]);
  });

  it('lets go of lingering connections at once at shutdown, and closes those answered after it once answered', async () => {
    const lingering = new Lingering();
    const server = http.createServer();
    const serverSockets: net.Socket[] = [];
    let answered!: () => void;
    const firstAnswered = new Promise<void>((resolve) => (answered = resolve));
    server.on('upgrade', (_req, socket: net.Socket) => {
      serverSockets.push(socket);
      cleanup.push(() => socket.destroy());
      socket.once('finish', () => answered());
      answerAndLinger(socket, 'HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', lingering);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => server.close());
    const port = (server.address() as AddressInfo).port;
    const upgrade = () => {
      const client = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
      cleanup.push(() => client.destroy());
      let raw = '';
      client.on('data', (data) => (raw += data.toString('latin1')));
      client.on('error', () => {});
      client.write('GET /nope HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
      // Its side closes when the server's does (a reset, or the server's end once it has read it).
      return { closed: new Promise<string>((resolve) => client.once('end', () => resolve(raw)).once('close', () => resolve(raw))) };
    };

    upgrade();
    await firstAnswered;
    expect(lingering.size).toBe(1);
    const firstClosed = new Promise((resolve) => serverSockets[0].once('close', resolve)); // emitted after letGo's destroy, never before
    lingering.letGo();
    await firstClosed;
    expect(lingering.size).toBe(0);

    // After letGo: answered, then destroyed as soon as the answer is written, not kept LINGER_MS.
    const secondAnswered = new Promise<void>((resolve) => (answered = resolve));
    const second = upgrade();
    await secondAnswered;
    expect(lingering.size).toBe(0);
    await expectLetGo(serverSockets[1]);
    expect(await second.closed).toMatch(/^HTTP\/1\.1 404 /);
  });
});
