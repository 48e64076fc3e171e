/** The benchmark's target: a keep-alive HTTP server in its own process, so its CPU is not counted. */
import http from 'node:http';

const server = http.createServer((_req, res) => res.end('ok'));
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as { port: number }).port }));
