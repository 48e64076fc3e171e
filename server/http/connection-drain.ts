/**
 * Lets the HTTP server's connections go promptly at shutdown. `server.close()` closes only the
 * connections idle at that moment: a keep-alive connection whose response was still being sent,
 * or one still sending its request's headers, would hold shutdown until the force timer. Requests
 * being answered finish; upgraded sockets belong to the WebSocket endpoint.
 */
import type http from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionDrain {
  /** From now on: connections with no request being answered close at once, the others once answered. */
  start(): void;
  /**
   * A handover to a new worker (the listener is closed by the caller): every further response says
   * `Connection: close`, but an idle keep-alive connection is left for its client to close — cutting
   * it could meet a request already on its way (ECONNRESET). They go by the keep-alive timeout.
   */
  handover(): void;
}

export function connectionDrain(server: http.Server): ConnectionDrain {
  const sockets = new Set<Socket>();
  /** Sockets with a request being answered (headers received, response not finished). */
  const answering = new Map<Socket, number>();
  const upgraded = new WeakSet<Socket>();
  let draining = false;
  let handingOver = false;

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      answering.delete(socket);
    });
  });
  server.on('upgrade', (req: http.IncomingMessage) => upgraded.add(req.socket));
  const answer = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    answering.set(socket, (answering.get(socket) ?? 0) + 1);
    if (draining || handingOver) res.shouldKeepAlive = false;
    res.once('close', () => {
      const left = (answering.get(socket) ?? 1) - 1;
      if (left > 0) answering.set(socket, left);
      else answering.delete(socket);
      // After the response is written out: Node counts the connection idle from then on.
      if (draining) setImmediate(() => server.closeIdleConnections());
    });
  };
  // With an `Expect` header Node emits one of the check events instead of `request`.
  for (const event of ['request', 'checkContinue', 'checkExpectation']) server.on(event, answer);

  return {
    start() {
      draining = true;
      for (const socket of sockets) if (!answering.has(socket) && !upgraded.has(socket)) socket.destroy();
    },
    handover() {
      handingOver = true;
    },
  };
}
