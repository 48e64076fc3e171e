import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk, signInSession, takeEvents, wsClient } from '../support/graphql.ts';

const TIME = 'subscription { serverTime }';

/** Opens a raw socket and reports the HTTP status of a refused upgrade, or the close code. */
function rawUpgrade(url: string, headers: Record<string, string>): Promise<{ status?: number; closeCode?: number }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, 'graphql-transport-ws', { headers });
    socket.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode }));
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer lko_wrong' } })));
    socket.on('close', (code) => resolve({ closeCode: code }));
    socket.on('error', () => {});
  });
}

describe('GraphQL over WebSocket', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
    await gqlOk(ts, 'mutation { createUser(input: { email: "v@example.com", password: "viewer password", role: VIEWER }) { id } }', {}, { token: ts.adminToken });
  });
  afterAll(() => ts?.close());

  it('streams the server time to a token holder, once a second', async () => {
    const client = wsClient(ts, { token: ts.adminToken });
    const events = await takeEvents<{ serverTime: string }>(client, TIME, 2);
    await client.dispose();
    const [a, b] = events.map((e) => new Date(e.serverTime).getTime());
    expect(b - a).toBeGreaterThanOrEqual(900);
    expect(b - a).toBeLessThan(3000);
  });

  it('authenticates with the session cookie of a signed-in user', async () => {
    const session = await signInSession(ts, 'v@example.com', 'viewer password');
    const client = wsClient(ts, { cookie: session.cookie, origin: ts.url });
    const [event] = await takeEvents<{ serverTime: string }>(client, TIME, 1);
    await client.dispose();
    expect(Date.parse(event.serverTime)).not.toBeNaN();
  });

  it('refuses the subscription of an anonymous caller when it starts', async () => {
    const client = wsClient(ts);
    await expect(takeEvents(client, TIME, 1)).rejects.toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
    await client.dispose();
  });

  it('closes the connection with 4403 when the token is not valid', async () => {
    expect(await rawUpgrade(ts.wsUrl, {})).toEqual({ closeCode: 4403 });
  });

  it('refuses the upgrade from a foreign Origin', async () => {
    expect(await rawUpgrade(ts.wsUrl, { origin: 'https://evil.example' })).toEqual({ status: 403 });
  });

  it('accepts the upgrade from its own origin', async () => {
    const client = wsClient(ts, { token: ts.adminToken, origin: ts.url });
    const [event] = await takeEvents<{ serverTime: string }>(client, TIME, 1);
    await client.dispose();
    expect(event.serverTime).toBeTruthy();
  });

  it('completes open subscriptions when the server shuts down', async () => {
    const client = wsClient(ts, { token: ts.adminToken });
    const closed = new Promise<number>((resolve) => client.on('closed', (event) => resolve((event as { code: number }).code)));
    const events: unknown[] = [];
    const done = new Promise<string>((resolve) => {
      client.subscribe({ query: TIME }, { next: (v) => events.push(v), error: () => resolve('error'), complete: () => resolve('complete') });
    });
    await new Promise((r) => setTimeout(r, 300));
    await ts.stop();
    expect(await closed).toBe(1001);
    expect(await done).toMatch(/complete|error/);
    expect(events.length).toBeGreaterThan(0);
    await ts.start();
  });
});
