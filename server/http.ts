/**
 * The HTTP server: /graphql (HTTP and WebSocket), /health, /metrics and the dashboard at /.
 * Logs one line per request with its duration. Every request is bounded before it is routed: its
 * target and Host must make a URL (400), its body fit LOOKOUT_MAX_BODY_BYTES (413), its headers
 * arrive within HEADERS_TIMEOUT_MS and the whole request within REQUEST_TIMEOUT_MS (408).
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { GraphQLSchema } from 'graphql';
import type { App } from './context.ts';
import { createGraphQL } from './http/yoga.ts';
import { createWebSocketEndpoint, type WebSocketEndpoint } from './http/websocket.ts';
import { serveClient } from './http/static.ts';
import { overallHealth, readiness } from './system/health.ts';
import type { Metrics } from './system/metrics.ts';
import { serveMetrics } from './system/metrics-endpoint.ts';
import { handlePing } from './http/ping.ts';
import { originForm, requestUrl } from './http/request-target.ts';
import { isAllowedOrigin } from './http/origin.ts';
import { resolveCaller } from './context.ts';
import { answerAndLinger, closeAfterEarlyAnswer, declaresBodyOver, discardBody, Lingering, refuseBody } from './http/body-limit.ts';
import { createRestApi } from './http/rest.ts';
import { handleStatusRoute, matchStatusRoute, routeLabel } from './status-pages/routes.ts';

export interface HttpEndpoints {
  server: http.Server;
  ws: WebSocketEndpoint;
  /** Connections answered early, closing within LINGER_MS: `letGo()` at shutdown. */
  lingering: Lingering;
}

const KNOWN_ROUTES = new Set(['/graphql', '/health', '/health/ready', '/metrics']);
const PING_ROUTE = /^\/ping\/([\w-]{8,64})(\/fail)?\/?$/;

/** Slow-loris bounds: a client gets this long for its headers, and for its whole request (a 4 MiB body on a slow link). */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 60_000;

function refuseTarget(res: http.ServerResponse): void {
  res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('Bad request: the target or Host header is not a valid URL.\n');
}

/** The most requests one connection may have under way at once (pipelined, answers not yet read). */
export const MAX_PIPELINED = 32;

/**
 * A browser request to the API (`/graphql`, the REST paths) from a page of another origin, without a
 * bearer token: the browser would have sent Lookout's cookies with it (a cookie ignores the port,
 * and the session cookie is SameSite=Lax), so it is refused before anything runs — a signed-in
 * user's session acting for that page, or a sign-in that would set cookies for it (login CSRF).
 * Scripts and tools send no `Origin`; a page of another origin may call with an API token, and
 * reads the answer only when LOOKOUT_ALLOWED_ORIGINS names it (CORS, yoga.ts).
 */
function refuseForeignOrigin(res: http.ServerResponse, origin: string): void {
  const message = `Requests from another origin (${JSON.stringify(origin.slice(0, 200))}) must authenticate with an API token (Authorization: Bearer …); Lookout's cookies are not accepted from it. To let a page of that origin call the API, add it to LOOKOUT_ALLOWED_ORIGINS.`;
  res.writeHead(403, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code: 'FORBIDDEN' } }] }));
}

/** A refused upgrade gets a plain answer when the socket can still take one, and is closed (within LINGER_MS). */
function refuseUpgrade(socket: Duplex, status: string, lingering: Lingering): void {
  answerAndLinger(socket, `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, lingering);
}

export function createHttpServer(app: App, schema: GraphQLSchema, allowedOrigins: string[], metrics: Metrics): HttpEndpoints {
  const originPolicy = { publicUrl: app.config.publicUrl, allowedOrigins };
  const yoga = createGraphQL(app, schema, metrics, originPolicy);
  const lingering = new Lingering();
  const ws = createWebSocketEndpoint(app, yoga, allowedOrigins, app.logger, lingering);
  // The seeds' REST paths (/admin/health/…, /api/system/…, /api/openapi.json), run through yoga's envelope.
  const rest = createRestApi(app, schema, yoga);

  const maxBody = app.config.maxBodyBytes;
  // Last resort, for a fault in the 500 answer itself: the connection goes, the process stays.
  const failed = (error: unknown, res: http.ServerResponse) => {
    app.logger.error({ err: error }, 'request failed');
    res.destroy();
  };
  const handleRequest = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const started = performance.now();
    const url = requestUrl(req);
    const pathname = url?.pathname ?? null;
    const ping = pathname === null ? null : PING_ROUTE.exec(pathname);
    const restMatch = pathname === null ? null : rest.match(pathname, req.method ?? 'GET');
    const statusRoute = pathname === null ? null : matchStatusRoute(pathname);
    const route = pathname === null ? 'invalid' : KNOWN_ROUTES.has(pathname) ? pathname : ping ? '/ping' : statusRoute ? routeLabel(statusRoute) : restMatch ? ('route' in restMatch ? restMatch.route.path : '/rest') : '/';
    closeAfterEarlyAnswer(req, res, maxBody, lingering);
    res.on('finish', () => {
      const durationMs = Math.round((performance.now() - started) * 10) / 10;
      metrics.httpRequests.inc({ route, status: String(res.statusCode) });
      app.logger.info({ method: req.method, path: pathname, status: res.statusCode, durationMs }, 'request');
    });
    try {
      if (url === null) return refuseTarget(res);
      if (declaresBodyOver(req, maxBody)) return refuseBody(res, maxBody);
      // The GraphQL request parser reads a POST's body (counting it against the limit); no other route reads one.
      // So does a REST path that takes a body (PUT, POST), bounded the same way.
      const readsBody = (pathname === '/graphql' || (restMatch !== null && 'route' in restMatch)) && req.method !== 'GET' && req.method !== 'HEAD';
      if (!readsBody && (await discardBody(req, maxBody)) === 'too large') return refuseBody(res, maxBody);
      const origin = req.headers.origin;
      const api = pathname === '/graphql' || restMatch !== null;
      // Only an API token lets a request of another origin through: Basic or Negotiate credentials a
      // browser adds by itself (behind an authenticating proxy) are as ambient as a cookie.
      const bearer = /^\s*Bearer\s+\S/i.test(req.headers.authorization ?? '');
      if (api && origin !== undefined && req.method !== 'OPTIONS' && !bearer && !isAllowedOrigin(origin, req.headers.host, originPolicy)) {
        return refuseForeignOrigin(res, origin);
      }
      if (pathname === '/graphql') {
        req.url = originForm(url);
        return void (await yoga(req, res, { req }));
      }
      // /health and /health/ready are read with GET (or HEAD); another method is a 405, not a read.
      if ((pathname === '/health' || pathname === '/health/ready') && req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
        return void res.end(`${pathname} takes GET or HEAD, not ${req.method}.\n`);
      }
      if (pathname === '/health') {
        const { status } = await overallHealth(app);
        res.writeHead(status === 'down' ? 503 : 200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        return void res.end(JSON.stringify({ status }));
      }
      if (pathname === '/health/ready') {
        // Ready = the start-up checklist passes (or is overridden) and the database answers: 503 names nothing internal.
        const { ready } = await readiness(app);
        res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        return void res.end(JSON.stringify({ ready }));
      }
      if (pathname === '/metrics') {
        if (req.method === 'HEAD') {
          res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
          return void res.end(); // a HEAD reads nothing: no scrape
        }
        if (req.method !== 'GET') {
          res.writeHead(405, { allow: 'GET, HEAD' });
          return void res.end();
        }
        // Every service by name only to a scraper with an API token (or LOOKOUT_METRICS_PUBLIC).
        let listServices = app.config.metricsPublic === true;
        // A Bearer token is Lookout's; other credentials (Basic, added by a proxy in front) are not for it to judge.
        if (/^\s*Bearer\s/i.test(req.headers.authorization ?? '')) {
          const caller = await resolveCaller(app, app.orm.em.fork(), { transport: 'http', authorization: req.headers.authorization });
          if (!caller.actor) {
            res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer', 'cache-control': 'no-store' });
            return void res.end('The API token is not valid (unknown, revoked or expired): scrape with an active token, or without one for the metrics anyone may read.\n');
          }
          listServices = listServices || caller.actor.capabilities.has('platform.access_system_panel');
        }
        return void (await serveMetrics(res, metrics, listServices));
      }
      if (ping) return void (await handlePing(app, req, res, ping[1], !!ping[2]));
      if (restMatch) return void (await rest.handle(req, res, url, restMatch));
      if (statusRoute) return void (await handleStatusRoute(app.statusPages, req, res, statusRoute));
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' });
        return void res.end();
      }
      serveClient(app.config.clientDir, url, req, res);
    } catch (error) {
      app.logger.error({ err: error, path: pathname }, 'request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('Internal error\n');
    }
  };

  /**
   * Requests under way on each connection. HTTP/1.1 lets a client send requests before reading any
   * answer, and Node parses every one it has read and hands each over at once: tens of thousands
   * from a few MB, each opening a file or a query, held until answered in order (20,000 file
   * handles, 1.2 GB, the database unreachable). A connection with more than MAX_PIPELINED under way
   * is closed, and what it sent after them is not started. Browsers send one at a time.
   */
  const underWay = new WeakMap<object, number>();
  const admit = (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    const socket = req.socket;
    if (socket.destroyed) return false;
    const n = (underWay.get(socket) ?? 0) + 1;
    if (n > MAX_PIPELINED) {
      app.logger.warn({ clientAddress: socket.remoteAddress, limit: MAX_PIPELINED }, 'a client sent more requests on one connection than Lookout answers at once without reading the answers: connection closed');
      socket.destroy();
      return false;
    }
    underWay.set(socket, n);
    res.once('close', () => underWay.set(socket, (underWay.get(socket) ?? 1) - 1));
    return true;
  };

  const server = http.createServer(
    // The timeouts are enforced by a sweep; once a second keeps them close to what they say.
    {
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: 1000,
      // Only a WebSocket upgrade is one: a request asking for another protocol (`curl --http2`'s h2c,
      // a ping sent with `Upgrade: foo`) is answered as the HTTP/1.1 request it also is (RFC 9110
      // §7.8), instead of an empty 404 and a lost ping.
      // (Node 22.21+; @types/node does not know the option yet.)
      shouldUpgradeCallback: (req: http.IncomingMessage) => req.headers.upgrade?.trim().toLowerCase() === 'websocket',
    } as http.ServerOptions,
    (req, res) => {
      if (admit(req, res)) void handleRequest(req, res).catch((error) => failed(error, res));
    },
  );
  // A client announcing a body over the limit (curl does, past 1 MB) is refused before it sends it.
  server.on('checkContinue', (req, res) => {
    if (!admit(req, res)) return;
    if (!declaresBodyOver(req, maxBody)) res.writeContinue();
    void handleRequest(req, res).catch((error) => failed(error, res));
  });

  server.on('upgrade', (req, socket, head) => {
    // Node hands the socket over without its error listener: a reset before ws takes it must not be fatal.
    socket.on('error', () => socket.destroy());
    try {
      const url = requestUrl(req);
      if (url === null) return refuseUpgrade(socket, '400 Bad Request', lingering);
      if (url.pathname !== '/graphql') return refuseUpgrade(socket, '404 Not Found', lingering);
      ws.handleUpgrade(req, socket, head);
    } catch (error) {
      app.logger.warn({ err: error }, 'WebSocket upgrade failed');
      socket.destroy();
    }
  });
  return { server, ws, lingering };
}
