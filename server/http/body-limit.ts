/**
 * The request body limit (LOOKOUT_MAX_BODY_BYTES): a body declared larger is refused with 413 before
 * any of it is read, a body without a length is counted as it streams, and a connection answered
 * before its body was read whole is closed without losing the answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex, Readable } from 'node:stream';

export const BODY_TOO_LARGE_CODE = 'REQUEST_ENTITY_TOO_LARGE';

/** How long a connection answered early stays open for the client to read its answer. */
export const LINGER_MS = 2000;
/** What a refused WebSocket upgrade drops of what its client still sends before it stops reading. */
export const UPGRADE_LINGER_BYTES = 64 * 1024;

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
 * One server's connections answered early and not yet closed. At shutdown (`letGo`) they are closed
 * at once, and a connection answered early from then on is destroyed as soon as its answer is written.
 */
export class Lingering {
  #sockets = new Set<Duplex>();
  #lettingGo = false;

  /** Closes `socket` after LINGER_MS, or sooner when it closes or shutdown lets it go. */
  add(socket: Duplex): void {
    if (this.#lettingGo) {
      if (socket.writableFinished) socket.destroy();
      else socket.once('finish', () => socket.destroy());
      return;
    }
    this.#sockets.add(socket);
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      this.#sockets.delete(socket);
    });
  }

  /** Shutdown: the lingering connections close now, and later ones once answered. */
  letGo(): void {
    this.#lettingGo = true;
    for (const socket of this.#sockets) socket.destroy();
  }

  get size(): number {
    return this.#sockets.size;
  }
}

/**
 * For every request: an answer sent before its body was read whole (a 413, an early refusal) says
 * `Connection: close` (a client reusing the connection would lose its next request), and the
 * connection is closed after it by lingeringClose.
 */
export function closeAfterEarlyAnswer(req: IncomingMessage, res: ServerResponse, limit: number, lingering: Lingering): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    if (!req.complete) this.shouldKeepAlive = false;
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as typeof res.writeHead;
  // After Node's own 'finish' listener (added when the response was made), which has just scheduled the socket's end.
  res.on('finish', () => {
    if (!req.complete) lingeringClose(req, limit, lingering);
  });
}

/**
 * After an answer sent before the body was read whole: the connection cannot be reused, but closing
 * it while the client is still writing resets it, and a reset makes the client's system drop the
 * answer it has not read yet (a Node client's socket is destroyed by its failed write). So our side
 * ends, another `limit` bytes of what still arrives are read and dropped, then reading stops (the
 * client's writes wait, at no cost to us), and the socket goes after LINGER_MS, by when a client
 * that reads its answers has it. Node itself, for a response that is the connection's last, ends
 * the socket and destroys it as soon as the answer is written (`destroySoon`: a `finish` listener
 * that is `socket.destroy`): that listener is taken off here, or the reset came at once.
 */
export function lingeringClose(req: IncomingMessage, limit: number, lingering: Lingering): void {
  const socket = req.socket as IncomingMessage['socket'] | null; // null once Node has let go of it
  if (!socket || socket.destroyed) return;
  socket.removeListener('finish', socket.destroy);
  socket.end();
  dropUpTo(req, limit, () => {
    req.pause();
    socket.pause();
  });
  lingering.add(socket);
}

/** Reads and drops what `from` still sends, up to `limit` bytes; past them, `stop` (reading stops there). */
function dropUpTo(from: Readable, limit: number, stop: () => void): void {
  let dropped = 0;
  const drop = (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped <= limit) return;
    from.off('data', drop);
    stop();
  };
  from.on('data', drop);
  from.resume();
}

/**
 * An answer on a raw socket (a refused WebSocket upgrade), then the connection closed as
 * lingeringClose closes one: our side ends, up to `limit` bytes of what the client still sends
 * (frames it sent before the answer came) are dropped, then reading stops, and the socket goes after
 * LINGER_MS (at once at shutdown: `Lingering.letGo`). Destroying it once the answer was written reset
 * it whenever the client had sent more, and the reset could take the unread answer with it.
 */
export function answerAndLinger(socket: Duplex, answer: string, lingering: Lingering, limit = UPGRADE_LINGER_BYTES): void {
  socket.on('error', () => {}); // a reset while lingering: 'close' follows
  if (!socket.writable) return void socket.destroy();
  dropUpTo(socket, limit, () => socket.pause());
  socket.end(answer);
  lingering.add(socket);
}
