/**
 * Regression (found by an attack review): `recheckService` ran its check inside its audit row's
 * transaction, holding a pooled connection, and asked the same pool for a second one to find the
 * service; 24 at once held every connection while each waited for another, and the whole process
 * answered SERVICE_UNAVAILABLE for 10 s (its own `postgres` self-check was stored as down).
 * `diagnoseService` held an ORM connection for its check's whole timeout, `testAlertChannel` one
 * while the receiver answered, and `pingHeartbeat` one while it checked. Each now waits on the
 * outside world holding no connection, then writes its rows.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';
import { token } from '../operations/support.ts';

const BURST = 24;

/** An HTTP server that holds every request until released, and says when `n` are held. */
async function holdingServer() {
  const held: http.ServerResponse[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  let released = false;
  const server = http.createServer((_request, response) => {
    if (released) return response.end('ok');
    held.push(response);
    for (const w of waiters.filter((w) => held.length >= w.n)) w.resolve();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held: () => held.length,
    holding: (n: number) => new Promise<void>((resolve) => (held.length >= n ? resolve() : waiters.push({ n, resolve }))),
    release() {
      released = true;
      for (const response of held.splice(0)) response.end('ok');
    },
    reset() {
      released = false;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const codes = (results: { errors?: { extensions?: { code?: unknown } }[] }[]) => results.map((r) => (r.errors?.[0]?.extensions?.code as string | undefined) ?? 'OK');

describe('calls that wait on the outside world, sent together', () => {
  let ts: TestServer;
  let operator: string;
  let target: Awaited<ReturnType<typeof holdingServer>>;

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    target = await holdingServer();
    operator = await token(ts, 'OPERATOR');
    await gqlOk(ts, 'mutation($input: CreateServiceInput!) { createService(input: $input) { name } }', { input: { name: 'held', kind: 'http', target: `${target.url}/`, timeout: '60s' } }, { token: ts.adminToken });
    await gqlOk(ts, 'mutation($s: JSON!) { createAlertChannel(input: { name: "held-hook", kind: "webhook", settings: $s }) { name } }', { s: { url: `${target.url}/hook`, secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}` } }, { token: ts.adminToken });
  });
  afterAll(async () => {
    target?.release();
    await target?.close();
    await ts?.close();
  });

  /** Sends `count` calls, waits until all are held at the target, checks that other requests answer meanwhile, then releases them. */
  async function whileHeld(count: number, call: () => Promise<{ data?: unknown; errors?: { extensions?: { code?: unknown } }[] }>) {
    target.reset();
    const before = (await ts.server.app.sql.query<{ n: number }>('select count(*)::int as n from audit_log')).rows[0].n;
    const calls = Array.from({ length: count }, call);
    await target.holding(count);
    // Every call is waiting on the target at once: none holds a connection another request needs.
    const bystanders = await Promise.all([
      gql(ts, '{ services { name } }', {}, { token: ts.adminToken }),
      gql(ts, '{ apiTokens { name } }', {}, { token: ts.adminToken }),
    ]);
    expect(codes(bystanders)).toEqual(['OK', 'OK']);
    target.release();
    const results = await Promise.all(calls);
    const after = (await ts.server.app.sql.query<{ n: number }>('select count(*)::int as n from audit_log')).rows[0].n;
    return { results, audited: after - before };
  }

  it('recheckService: every check runs at once, each stored with its audit row', async () => {
    const checksBefore = (await ts.server.app.sql.query<{ n: number }>('select count(*)::int as n from health_checks')).rows[0].n;
    const { results, audited } = await whileHeld(BURST, () => gql(ts, 'mutation { recheckService(name: "held") { status } }', {}, { token: operator }));
    expect(codes(results)).toEqual(Array(BURST).fill('OK'));
    expect(results.every((r) => (r.data as { recheckService: { status: string } }).recheckService.status === 'HEALTHY')).toBe(true);
    expect(audited).toBe(BURST);
    const checksAfter = (await ts.server.app.sql.query<{ n: number }>('select count(*)::int as n from health_checks')).rows[0].n;
    expect(checksAfter - checksBefore).toBe(BURST);
  }, 60_000);

  it('diagnoseService: every diagnosis runs at once, each audited', async () => {
    const { results, audited } = await whileHeld(BURST, () => gql(ts, 'mutation { diagnoseService(name: "held") { status } }', {}, { token: operator }));
    expect(codes(results)).toEqual(Array(BURST).fill('OK'));
    expect(audited).toBe(BURST);
  }, 60_000);

  it('testAlertChannel: every test notice is sent at once, each audited', async () => {
    const { results, audited } = await whileHeld(16, () => gql(ts, 'mutation { testAlertChannel(name: "held-hook") { ok } }', {}, { token: ts.adminToken }));
    expect(codes(results)).toEqual(Array(16).fill('OK'));
    expect(results.every((r) => (r.data as { testAlertChannel: { ok: boolean } }).testAlertChannel.ok)).toBe(true);
    expect(audited).toBe(16);
  }, 60_000);

  it('a recheck of an unknown service is refused and audited as a failure, checking nothing', async () => {
    const result = await gql(ts, 'mutation { recheckService(name: "nowhere") { status } }', {}, { token: operator });
    expect(codes([result])).toEqual(['NOT_FOUND']);
    const { rows } = await ts.server.app.sql.query(`select outcome, error_code from audit_log where action = 'monitoring.service.recheck' and target_id = 'nowhere'`);
    expect(rows).toEqual([{ outcome: 'failure', error_code: 'NOT_FOUND' }]);
  });
});
