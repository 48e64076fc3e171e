/**
 * Regression (found by an attack review): `uptime(service: "")` and `/admin/health/uptime?service=`
 * answered the whole fleet's figures, as if no service had been named; so did the other reads and
 * subscriptions that take an optional `service`. An empty or blank name is now the caller's error,
 * naming `service`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, takeEvents, wsClient } from '../support/graphql.ts';

describe('an empty service name', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
  });
  afterAll(() => ts?.close());

  it('is refused, naming `service`, by every read that takes one', async () => {
    for (const query of [
      'query($s: String) { uptime(service: $s) { last24h { ratio } } }',
      'query($s: String) { uptimeTimeline(service: $s) { uptime } }',
      'query($s: String) { alertConfigs(service: $s) { service } }',
    ]) {
      for (const s of ['', '   ']) {
        const result = await gql(ts, query, { s }, { token: ts.adminToken });
        expect(result.errors?.[0].extensions, `${query} with ${JSON.stringify(s)}`).toMatchObject({ code: 'BAD_USER_INPUT', field: 'service' });
      }
    }
  });

  it('is a 400 naming `service` on the REST path', async () => {
    const response = await fetch(`${ts.url}/admin/health/uptime?service=`, { headers: { authorization: `Bearer ${ts.adminToken}` } });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: { field: string } }[] };
    expect(body.errors[0].extensions.field).toBe('service');
  });

  it('is refused by the subscriptions that take one', async () => {
    const client = wsClient(ts, { token: ts.adminToken });
    try {
      for (const query of ['subscription { serviceStatusChanged(service: "") { service } }', 'subscription { healthCheckRecorded(service: "") { service } }', 'subscription { alertChanged(service: "") { id } }']) {
        const failure = await takeEvents(client, query, 1).then(() => null, (error: unknown) => error);
        expect(JSON.stringify(failure), query).toMatch(/names one service/);
      }
    } finally {
      await client.dispose();
    }
  });
});
