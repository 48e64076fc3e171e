/**
 * GraphQL over WebSocket (graphql-transport-ws, graphql-ws 6) on /graphql, sharing yoga's
 * envelope so limits, metrics and the schema are the same as over HTTP. The upgrade is refused for
 * foreign Origins; the caller is authenticated once, at connection_init, from
 * `connectionParams.authorization` or the session cookie.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { ExecutionArgs } from 'graphql';
import type { Logger } from '../logger.ts';
import { buildContext, resolveCaller, type App, type ResolvedCaller } from '../context.ts';
import { clientAddressOf, type LookoutYoga } from './yoga.ts';
import { isAllowedOrigin } from './origin.ts';

export const CloseCode = { Forbidden: 4403, GoingAway: 1001 } as const;

export interface WebSocketEndpoint {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every socket (subscriptions complete) and stops accepting new ones. */
  close(): Promise<void>;
}

export function createWebSocketEndpoint(app: App, yoga: LookoutYoga, allowedOrigins: string[], logger: Logger): WebSocketEndpoint {
  const wss = new WebSocketServer({ noServer: true });
  const callers = new WeakMap<object, ResolvedCaller>();

  const disposable = useServer(
    {
      onConnect: async (ctx) => {
        const auth = ctx.connectionParams?.authorization;
        const caller = await resolveCaller(app, app.orm.em.fork(), {
          transport: 'ws',
          authorization: typeof auth === 'string' ? (auth.startsWith('Bearer') ? auth : `Bearer ${auth}`) : null,
          cookieHeader: ctx.extra.request.headers.cookie,
        });
        // Credentials that do not check out close the connection (4403); no credentials is anonymous.
        if (caller.credentialsRejected) return false;
        callers.set(ctx.extra.socket, caller);
        return true;
      },
      execute: (args: ExecutionArgs) => (args.rootValue as Envelope).execute(args),
      subscribe: (args: ExecutionArgs) => (args.rootValue as Envelope).subscribe(args),
      onSubscribe: async (ctx, _id, payload) => {
        const { schema, execute, subscribe, parse, validate } = yoga.getEnveloped({ req: ctx.extra.request, params: payload });
        const document = parse(payload.query);
        const errors = validate(schema, document);
        if (errors.length) return errors;
        const caller = callers.get(ctx.extra.socket) ?? { actor: null, csrfRejected: false, credentialsRejected: false };
        const contextValue = buildContext(app, {
          ...caller,
          em: app.orm.em.fork(),
          transport: 'ws',
          clientAddress: clientAddressOf(ctx.extra.request),
          userAgent: ctx.extra.request.headers['user-agent'] ?? null,
        });
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
          rootValue: { execute, subscribe } satisfies Envelope,
        };
      },
    },
    wss,
  );

  return {
    handleUpgrade(req, socket, head) {
      const origin = req.headers.origin;
      if (!isAllowedOrigin(origin, req.headers.host, allowedOrigins)) {
        logger.warn({ origin, host: req.headers.host }, 'refused a WebSocket upgrade from a foreign origin');
        socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nForeign origin refused\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    async close() {
      for (const client of wss.clients) client.close(CloseCode.GoingAway, 'Server shutting down');
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

interface Envelope {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- yoga's envelope returns graphql-js results
  execute: (args: ExecutionArgs) => any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  subscribe: (args: ExecutionArgs) => any;
}

