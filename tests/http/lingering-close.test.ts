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
import { discardBody, lingeringClose, refuseBody } from '../../server/http/body-limit.ts';

const LIMIT = 1024;

describe('lingeringClose', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const step of cleanup.splice(0)) step();
  });

  it('keeps the 413 for a client that writes past the limit before it reads (regression: lingering close reset the answer)', async () => {
    // Resolves once the server has seen more than LIMIT bytes after its answer: what it does with the rest is decided by then.
    let pastLimit!: () => void;
    const decided = new Promise<void>((resolve) => (pastLimit = resolve));
    const server = http.createServer(async (req, res) => {
      res.on('finish', () => {
        if (req.complete) return;
        lingeringClose(req, LIMIT);
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

    // allowHalfOpen: it keeps its side open after the server's end, as a client that ignores it would.
    const client = net.connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true });
    cleanup.push(() => client.destroy());
    client.pause(); // it reads nothing until it has written its body: the answer waits in its buffers
    let raw = '';
    let failure: string | null = null;
    client.on('data', (data) => (raw += data.toString('latin1')));
    client.on('error', (error) => (failure = error.message));
    const chunk = Buffer.alloc(64 * 1024, '[');
    const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    client.write('POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    // More than the server reads at once after the limit: some of it is still unread when it decides.
    for (let i = 0; i < 4; i++) client.write(frame);
    await decided;

    // It writes on, then reads: the server must not have reset the connection (the write would fail
    // and take the unread answer with it, as a Node client's socket is destroyed on a write error).
    client.write(frame);
    client.resume();
    const answer = await new Promise<string>((resolve) => {
      const done = () => resolve(raw);
      client.on('data', () => raw.includes('LOOKOUT_MAX_BODY_BYTES') && done());
      client.on('close', done);
      if (raw.includes('LOOKOUT_MAX_BODY_BYTES')) done();
    });
    expect(failure).toBeNull();
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain(`larger than ${LIMIT} bytes`);
    // And the server still lets the connection go (after LINGER_MS), though this client never closes its side.
    const [socket] = serverSockets;
    if (!socket.closed) await new Promise((resolve) => socket.once('close', resolve));
    expect(socket.destroyed).toBe(true);
  });
});
