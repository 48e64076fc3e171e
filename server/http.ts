/**
 * The HTTP server: /graphql (HTTP and WebSocket), /health, /metrics and the dashboard at /.
 * Logs one line per request with its duration.
 */
import http from 'node:http';
import type { GraphQLSchema } from 'graphql';
import type { App } from './context.ts';
import { createGraphQL } from './http/yoga.ts';
import { createWebSocketEndpoint, type WebSocketEndpoint } from './http/websocket.ts';
import { serveClient } from './http/static.ts';
import { overallHealth, readiness } from './system/health.ts';
import type { Metrics } from './system/metrics.ts';
import { handlePing } from './http/ping.ts';

export interface HttpEndpoints {
  server: http.Server;
  ws: WebSocketEndpoint;
}

const KNOWN_ROUTES = new Set(['/graphql', '/health', '/health/ready', '/metrics']);
const PING_ROUTE = /^\/ping\/([\w-]{8,64})(\/fail)?\/?$/;

export function createHttpServer(app: App, schema: GraphQLSchema, allowedOrigins: string[], metrics: Metrics): HttpEndpoints {
  const yoga = createGraphQL(app, schema, metrics);
  const ws = createWebSocketEndpoint(app, yoga, allowedOrigins, app.logger);

  const server = http.createServer(async (req, res) => {
    const started = performance.now();
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    const ping = PING_ROUTE.exec(pathname);
    const route = KNOWN_ROUTES.has(pathname) ? pathname : ping ? '/ping' : '/';
    res.on('finish', () => {
      const durationMs = Math.round((performance.now() - started) * 10) / 10;
      metrics.httpRequests.inc({ route, status: String(res.statusCode) });
      app.logger.info({ method: req.method, path: pathname, status: res.statusCode, durationMs }, 'request');
    });
    try {
      if (pathname === '/graphql') return void (await yoga(req, res, { req }));
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
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        return void res.end(await metrics.registry.metrics());
      }
      if (ping) return void (await handlePing(app, req, res, ping[1], !!ping[2]));
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' });
        return void res.end();
      }
      serveClient(app.config.clientDir, req, res);
    } catch (error) {
      app.logger.error({ err: error, path: pathname }, 'request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('Internal error\n');
    }
  });

  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/graphql') return void socket.destroy();
    ws.handleUpgrade(req, socket, head);
  });
  return { server, ws };
}
