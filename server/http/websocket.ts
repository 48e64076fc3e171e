/**
 * GraphQL over WebSocket (graphql-transport-ws) on /graphql: graphql-ws's protocol core on `ws`
 * sockets, sharing yoga's envelope so limits, error masking, metrics and the schema are the same as
 * over HTTP. Every byte is the client's: messages are bounded like HTTP bodies, operations per
 * socket in number; a bad document fails its own operation only; a protocol violation closes the
 * socket with 4400 and one warning (ws-connection.ts). The upgrade is refused for foreign Origins
 * (origin.ts); the caller is resolved at connection_init and kept current after it (ws-callers.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { handleProtocols, makeServer, type OperationResult } from 'graphql-ws';
import type { ExecutionArgs } from 'graphql';
import type { Logger } from '../logger.ts';
import type { App } from '../context.ts';
import type { LookoutYoga } from './yoga.ts';
import { isAllowedOrigin } from './origin.ts';
import { CallerWatch } from './ws-callers.ts';
import { Connection, WS_LIMITS, type ConnectionServices } from './ws-connection.ts';
import { unexpected } from './ws-errors.ts';
import { Broadcast } from './broadcast.ts';
import { answerAndLinger, type Lingering } from './body-limit.ts';
import { resultErrorMask } from './yoga.ts';

export { WS_LIMITS } from './ws-connection.ts';

export interface WebSocketEndpoint {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /**
   * Stops accepting sockets, ends every running subscription with a `complete` message, lets
   * operations in progress finish (for a few seconds at most), then closes each socket with 1001,
   * or with 1012 (service restart) when `restart`: another worker serves, clients reconnect at once.
   */
  close(options?: { restart?: boolean }): Promise<void>;
}

export function createWebSocketEndpoint(app: App, yoga: LookoutYoga, allowedOrigins: string[], logger: Logger, lingering: Lingering): WebSocketEndpoint {
  // A message is bounded like an HTTP body (LOOKOUT_MAX_BODY_BYTES): `ws` closes the socket with
  // 1009 above it (its own default is 100 MB).
  const wss = new WebSocketServer({ noServer: true, maxPayload: app.config.maxBodyBytes, handleProtocols, clientTracking: false });
  const watch = new CallerWatch(app);
  watch.start();
  const broadcast = new Broadcast(app.pubsub, resultErrorMask(app), logger);
  const services: ConnectionServices = { app, yoga, watch, logger, operations: new WeakMap(), broadcast };
  const connections = new Set<Connection>();
  let accepting = true;
  let full = false;

  const protocol = makeServer<Record<string, unknown>, Connection>({
    onConnect: (ctx) => ctx.extra.connect(ctx.connectionParams),
    onSubscribe: (ctx, id, payload) => ctx.extra.prepare(id, payload),
    execute: (args: ExecutionArgs) => execute(services, args) as OperationResult,
    subscribe: (args: ExecutionArgs) => services.operations.get(args.contextValue as object)!.connection.subscribe(args) as OperationResult,
  });

  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    const connection = new Connection(socket, request, services);
    connections.add(connection);
    const closed = protocol.opened(
      {
        protocol: socket.protocol,
        send: (data) => connection.send(data),
        close: (code, reason) => connection.close(code ?? 1000, reason ?? ''),
        onMessage: (handle) => socket.on('message', (data) => connection.receive(String(data), handle)),
        onPing: (payload) => connection.pong(payload),
      },
      connection,
    );
    socket.once('close', (code, reason) => {
      connections.delete(connection);
      if (connections.size < WS_LIMITS.maxSockets) full = false;
      connection.closed();
      void closed(code, String(reason)).catch((err: unknown) => logger.warn({ err: String(err) }, 'a WebSocket did not clean up after itself'));
    });
  });

  /** Answers an upgrade with an HTTP error and lets go of the socket within LINGER_MS, even if the client keeps it open. */
  const refuse = (socket: Duplex, status: 403 | 503, text: string) => {
    answerAndLinger(socket, `HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Service Unavailable'}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${text}\n`, lingering);
  };

  return {
    handleUpgrade(req, socket, head) {
      if (!accepting) return refuse(socket, 503, 'Shutting down');
      if (connections.size >= WS_LIMITS.maxSockets) {
        // Said once until sockets close again: a flood of upgrades must not flood the log.
        if (!full) logger.warn({ open: connections.size }, 'refusing WebSocket upgrades: as many sockets are open as one process takes');
        full = true;
        return refuse(socket, 503, `Too many WebSocket connections (at most ${WS_LIMITS.maxSockets.toLocaleString('en')} at once)`);
      }
      const origin = req.headers.origin;
      if (!isAllowedOrigin(origin, req.headers.host, { publicUrl: app.config.publicUrl, allowedOrigins })) {
        logger.warn({ origin: origin?.slice(0, 200), host: req.headers.host?.slice(0, 200) }, 'refused a WebSocket upgrade from a foreign origin');
        return refuse(socket, 403, 'Foreign origin refused');
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    async close({ restart = false } = {}) {
      accepting = false;
      lingering.letGo(); // upgrades answered with an error (and other early answers) close now
      await watch.close();
      await Promise.all([...connections].map((c) => c.shutdown({ restart })));
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** A query or mutation through yoga's envelope; a throw (a bug) fails the operation, not the socket. */
async function execute(services: ConnectionServices, args: ExecutionArgs): Promise<unknown> {
  try {
    return await services.operations.get(args.contextValue as object)!.envelope.execute(args);
  } catch (error) {
    return { errors: [unexpected(services.logger, error, 'a WebSocket operation failed')] };
  }
}
