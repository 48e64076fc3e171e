/**
 * A real WebSocket server for the websocket checker: `/echo` replies `echo: <message>`, `/slow`
 * replies after 150 ms, `/push` greets every new client unprompted, `/mute` never replies, `/bye` closes on the first message, `/private`
 * wants an `x-token: letmein` header and `/refuse` answers the upgrade with 403.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { TestCertificate } from './certificates.ts';

/** A running WebSocket fixture. */
export interface WsFixture {
  /** `ws://127.0.0.1:<port>` (or `wss://`), no trailing slash. */
  url: string;
  /** Connections that are still open on the server side. */
  openClients(): number;
  close(): Promise<void>;
}

/** Delay of the `/slow` route's reply. */
export const SLOW_REPLY_MS = 150;

export async function startWsFixture(certificate?: TestCertificate): Promise<WsFixture> {
  const server = certificate ? https.createServer({ cert: certificate.cert, key: certificate.key }) : http.createServer();
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    const path = new URL(request.url ?? '/', 'http://fixture').pathname;
    const refuse = (status: number, text: string) => socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    if (path === '/refuse') return refuse(403, 'Forbidden');
    if (path === '/private' && request.headers['x-token'] !== 'letmein') return refuse(401, 'Unauthorized');
    wss.handleUpgrade(request, socket, head, (client) => {
      client.on('message', (data) => {
        if (path === '/mute') return;
        if (path === '/bye') return client.close(1001, 'going away');
        const reply = `echo: ${String(data)}`;
        if (path === '/slow') setTimeout(() => client.send(reply), SLOW_REPLY_MS);
        else client.send(reply);
      });
      if (path === '/push') client.send('hello from the server');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${certificate ? 'wss' : 'ws'}://127.0.0.1:${port}`,
    openClients: () => [...wss.clients].filter((client) => client.readyState === client.OPEN).length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
