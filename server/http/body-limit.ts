/**
 * The request body limit (LOOKOUT_MAX_BODY_BYTES): a body declared larger is refused with 413 before
 * any of it is read, a body without a length is counted as it streams, and a connection answered
 * before its body was read whole is closed without losing the answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const BODY_TOO_LARGE_CODE = 'REQUEST_ENTITY_TOO_LARGE';

/** How long a connection answered early keeps draining what the client still sends. */
export const LINGER_MS = 2000;

/** The error message of every 413, naming the limit and the setting that raises it. */
export function bodyTooLargeMessage(limit: number): string {
  return `The request body is larger than ${limit} bytes, the limit (LOOKOUT_MAX_BODY_BYTES).`;
}

/** Content-Length says the body is over the limit (a malformed length is refused by Node's parser). */
export function declaresBodyOver(req: IncomingMessage, limit: number): boolean {
  const length = req.headers['content-length'];
  return length !== undefined && /^\d+$/.test(length) && Number(length) > limit;
}

export function refuseBody(res: ServerResponse, limit: number): void {
  const body = JSON.stringify({ errors: [{ message: bodyTooLargeMessage(limit), extensions: { code: BODY_TOO_LARGE_CODE } }] });
  res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * For routes that do not use the body: reads and drops it, so they answer once it is in. Resolves
 * 'too large' as soon as it passes the limit, leaving the rest unread.
 */
export function discardBody(req: IncomingMessage, limit: number): Promise<'read' | 'too large'> {
  return new Promise((resolve) => {
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= limit) return;
      req.off('data', onData);
      req.pause();
      resolve('too large');
    };
    req.on('data', onData);
    req.once('end', () => resolve('read'));
    req.once('close', () => resolve('read'));
    req.resume();
  });
}

/**
 * After an answer sent before the body was read whole (a 413, an early refusal): the connection
 * cannot be reused, but closing it while the client is still writing resets it, and a reset makes
 * the client's system drop the answer it has not read yet. So our side ends, another `limit` bytes
 * of what still arrives are read and dropped, then reading stops (the client's writes wait, at no
 * cost to us), and the socket goes after LINGER_MS, by when a client that reads its answers has it.
 * (It was destroyed once `limit` bytes had come: under load the answer was lost: status 0.)
 */
export function lingeringClose(req: IncomingMessage, limit: number): void {
  const socket = req.socket as IncomingMessage['socket'] | null; // null once Node has let go of it
  if (!socket || socket.destroyed) return;
  socket.end();
  let dropped = 0;
  const drop = (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped <= limit) return;
    req.off('data', drop);
    req.pause();
    socket.pause();
  };
  req.on('data', drop);
  req.resume();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  socket.once('close', () => clearTimeout(timer));
}
