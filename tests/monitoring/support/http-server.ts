/**
 * A real HTTP(S) server with the routes the http checker's tests need: ok, slow, any status, JSON,
 * redirect chains and loops, a large body, a request that never gets an answer. It counts TCP
 * connections, so tests can see keep-alive reuse.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestCertificate } from './certificates.ts';

/** A running fixture server. */
export interface HttpFixture {
  /** `http://127.0.0.1:<port>` or `https://…`, no trailing slash. */
  url: string;
  port: number;
  /** TCP connections accepted so far. */
  connections(): number;
  /** Requests seen so far, in order (method, path, headers). */
  requests: { method: string; path: string; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/** The JSON document served at /json. */
export const HEALTH_DOCUMENT = { status: 'ok', version: 3, checks: { db: [{ name: 'primary', ok: true }, { name: 'replica', ok: false }] } };
/** Size of the body served at /big: over the checker's 1 MB reading limit. */
export const BIG_BODY_BYTES = 3 * 1024 * 1024;

/** Starts the fixture on 127.0.0.1 (https when a certificate is given). */
export async function startHttpFixture(certificate?: TestCertificate): Promise<HttpFixture> {
  const requests: HttpFixture['requests'] = [];
  const handler = (request: http.IncomingMessage, response: http.ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://fixture');
    requests.push({ method: request.method ?? '', path: url.pathname + url.search, headers: request.headers });
    const [, route, arg] = url.pathname.split('/');
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'text/plain', ...headers });
      response.end(body);
    };
    switch (route) {
      case 'ok':
        return send(200, 'all good: service is running');
      case 'slow':
        return setTimeout(() => send(200, 'slow but fine'), Number(url.searchParams.get('ms') ?? 150));
      case 'status':
        return send(Number(arg), `status ${arg}`);
      case 'json':
        return send(200, JSON.stringify(HEALTH_DOCUMENT), { 'content-type': 'application/json' });
      case 'not-json':
        return send(200, '<html>maintenance</html>');
      case 'redirect': {
        const left = Number(arg);
        return left > 0 ? send(302, '', { location: `/redirect/${left - 1}` }) : send(200, 'arrived');
      }
      case 'loop':
        return send(302, '', { location: '/loop' });
      case 'to':
        return send(Number(url.searchParams.get('status') ?? 301), '', { location: url.searchParams.get('url') ?? '/ok' });
      case 'echo': {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => send(200, JSON.stringify({ method: request.method, headers: request.headers, body: Buffer.concat(chunks).toString() }), { 'content-type': 'application/json' }));
        return;
      }
      case 'big':
        response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(BIG_BODY_BYTES) });
        return response.end(Buffer.alloc(BIG_BODY_BYTES, 'a'));
      case 'hang':
        return; // never answered: the client's timeout has to end it
      default:
        return send(404, 'not found');
    }
  };
  const server = certificate ? https.createServer({ cert: certificate.cert, key: certificate.key }, handler) : http.createServer(handler);
  let connections = 0;
  server.on(certificate ? 'secureConnection' : 'connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${certificate ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    connections: () => connections,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
