/**
 * /health/ready on the real server: ready means the start-up checklist passes *and* the database
 * answers now — a replica that lost its database must leave the load balancer at once, not when
 * its checklist next runs.
 */
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { gqlOk } from '../support/graphql.ts';
import { createTestDatabase, startTestServer, type TestServer } from '../support/server.ts';
import { until } from '../support/signals.ts';

let ts: TestServer;
let databaseName: string;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let proxy: StallingProxy;

/**
 * A TCP proxy to PostgreSQL that can stall: bytes stop flowing both ways, as when the database's
 * host hangs or the network drops packets (connections stay open, nothing answers).
 */
interface StallingProxy {
  port: number;
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}

async function stallingProxy(target: URL): Promise<StallingProxy> {
  let stalled = false;
  const pairs = new Set<[net.Socket, net.Socket]>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port) || 5432, target.hostname);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    for (const [from, to] of [pair, [upstream, client] as const]) {
      from.on('data', (chunk) => void to.write(chunk));
      from.on('error', () => to.destroy());
      from.on('close', () => {
        to.destroy();
        pairs.delete(pair);
      });
    }
    if (stalled) for (const socket of pair) socket.pause();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    stall: () => {
      stalled = true;
      for (const pair of pairs) for (const socket of pair) socket.pause();
    },
    resume: () => {
      stalled = false;
      for (const pair of pairs) for (const socket of pair) socket.resume();
    },
    close: async () => {
      for (const pair of pairs) for (const socket of pair) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A statement on the run's PostgreSQL, outside the test server's database. */
async function onServer(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('postgresUrl') });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function statusOf(path: string): Promise<{ status: number; ms: number }> {
  const started = Date.now();
  const response = await fetch(`${ts.url}${path}`, { signal: AbortSignal.timeout(10_000) });
  await response.arrayBuffer();
  return { status: response.status, ms: Date.now() - started };
}


beforeAll(async () => {
  // The server reaches its database through the proxy, so that the test can make it hang.
  database = await createTestDatabase();
  const url = new URL(database.url);
  databaseName = url.pathname.slice(1);
  proxy = await stallingProxy(new URL(database.url));
  url.host = `127.0.0.1:${proxy.port}`;
  ts = await startTestServer({ runScheduler: false, config: { databaseUrl: url.toString() } });
  // Nothing is checked and no worker runs here: an admin overrides what fails, so the checklist passes.
  const { startupChecklist } = await gqlOk<{ startupChecklist: { failing: string[] } }>(ts, '{ startupChecklist { failing } }', {}, { token: ts.adminToken });
  for (const name of startupChecklist.failing) {
    await gqlOk(ts, 'mutation($n: String!) { overrideStartupCheck(name: $n, reason: "readiness test: no worker here") { ready } }', { n: name }, { token: ts.adminToken });
  }
});

afterAll(async () => {
  await onServer(`alter database ${databaseName} allow_connections true`).catch(() => {});
  proxy?.resume();
  await ts?.close();
  await proxy?.close();
  await database?.drop();
});

describe('/health/ready', () => {
  it('answers 503 while the database refuses connections, within 2 s, and 200 once it is back (regression: it said 200 with the database down)', async () => {
    expect((await statusOf('/health/ready')).status).toBe(200);

    await onServer(`alter database ${databaseName} allow_connections false`);
    await onServer(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${databaseName}'`);
    const ready = await statusOf('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.ms).toBeLessThan(2500);
    expect((await statusOf('/health')).status).toBe(503);
    // The checklist itself still passes: it is the database that makes the replica not ready.
    expect(ts.server.app.operations.checklist.report().ready).toBe(true);

    await onServer(`alter database ${databaseName} allow_connections true`);
    await until(async () => (await statusOf('/health/ready')).status === 200, '/health/ready says 200 again');
  });

  it('answers 503 within 2 s while the database hangs (connections open, nothing answered), and 200 once it answers again', async () => {
    await until(async () => (await statusOf('/health/ready')).status === 200, '/health/ready says 200');
    proxy.stall();
    const [ready, health] = await Promise.all([statusOf('/health/ready'), statusOf('/health')]);
    expect(ready).toMatchObject({ status: 503 });
    expect(health).toMatchObject({ status: 503 });
    expect(ready.ms).toBeLessThan(3000);
    expect(health.ms).toBeLessThan(3000);
    proxy.resume();
    await until(async () => (await statusOf('/health/ready')).status === 200, '/health/ready says 200 again');
  });
});
