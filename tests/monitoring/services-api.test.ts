/** The monitoring API against real local targets: services, recheck, diagnose, pause, heartbeats, overview. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';
import { graphql } from '../graphql/index.ts';

const CreateService = graphql(`
  mutation CreateService($input: CreateServiceInput!) {
    createService(input: $input) { name displayName kind target interval timeoutMs failureThreshold recoveryThreshold source status paused pingUrl }
  }
`);
const Recheck = graphql(`mutation Recheck($name: String!) { recheckService(name: $name) { service status latencyMs error details steps { name } } }`);
const Diagnose = graphql(`mutation Diagnose($name: String!) { diagnoseService(name: $name) { status steps { name ok durationMs detail } } }`);
const Overview = graphql(`
  query Overview($filter: ServiceFilter) {
    healthOverview(filter: $filter) {
      counts { healthy degraded down pending paused }
      services { name status latencyMs lastCheckedAt statusSince uptime24h recentLatencies }
    }
  }
`);

describe('monitoring API', () => {
  let ts: TestServer;
  let target: http.Server;
  let url: string;
  let failing = false;
  const admin = () => ({ token: ts.adminToken });

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    target = http.createServer((_req, res) => {
      res.statusCode = failing ? 500 : 200;
      res.end(failing ? 'broken' : 'all good');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/health`;
  });
  afterAll(async () => {
    target?.close();
    await ts?.close();
  });

  it('monitors itself when there is no config file', async () => {
    const { healthOverview } = await gqlOk(ts, Overview, {}, admin());
    expect(healthOverview.services.map((s) => s.name)).toEqual(expect.arrayContaining(['event-bus', 'filesystem', 'host', 'lookout', 'postgres']));
  });

  it('creates a service with defaults and validation', async () => {
    const { createService } = await gqlOk(ts, CreateService, { input: { name: 'web', displayName: 'Web', kind: 'http', target: url, interval: '10s' } }, admin());
    expect(createService).toMatchObject({ name: 'web', kind: 'http', interval: '10s', timeoutMs: 8000, failureThreshold: 2, recoveryThreshold: 1, source: 'API', status: null, paused: false, pingUrl: null });
  });

  it.each([
    [{ name: 'Bad Name', kind: 'http', target: 'http://x' }, 'name'],
    [{ name: 'k', kind: 'gopher', target: 'x' }, 'kind'],
    [{ name: 'i', kind: 'tcp', target: '127.0.0.1:80', interval: '500ms' }, 'interval'],
    [{ name: 'i2', kind: 'tcp', target: '127.0.0.1:80', interval: 'often' }, 'interval'],
    [{ name: 'd', kind: 'tcp', target: '127.0.0.1:80', dependsOn: ['nope'] }, 'dependsOn'],
    [{ name: 'c', kind: 'command', target: 'rm -rf /' }, 'kind'],
    [{ name: 'f', kind: 'tcp', target: '127.0.0.1:80', failureThreshold: 0 }, 'failureThreshold'],
    [{ name: 'web', kind: 'tcp', target: '127.0.0.1:80' }, 'name'],
  ])('refuses %j, naming %s, and creates nothing', async (input, field) => {
    const before = (await gqlOk(ts, Overview, {}, admin())).healthOverview.services.length;
    const result = await gql(ts, CreateService, { input }, admin());
    expect(result.errors?.[0].extensions?.field).toBe(field);
    expect(['BAD_USER_INPUT', 'CONFLICT']).toContain(result.errors?.[0].extensions?.code);
    expect((await gqlOk(ts, Overview, {}, admin())).healthOverview.services.length).toBe(before);
  });

  it('rechecks now and records the result', async () => {
    const { recheckService } = await gqlOk(ts, Recheck, { name: 'web' }, admin());
    expect(recheckService).toMatchObject({ service: 'web', status: 'HEALTHY', error: null });
    const { healthOverview } = await gqlOk(ts, Overview, { filter: { text: 'web' } }, admin());
    expect(healthOverview.services[0]).toMatchObject({ name: 'web', status: 'HEALTHY' });
    expect(healthOverview.services[0].recentLatencies).toHaveLength(1);
  });

  it('needs two failed checks before the service is down (thresholds), then recovers on one', async () => {
    failing = true;
    expect((await gqlOk(ts, Recheck, { name: 'web' }, admin())).recheckService.status).toBe('DOWN');
    expect((await gqlOk(ts, Overview, { filter: { text: 'web' } }, admin())).healthOverview.services[0].status).toBe('HEALTHY');
    await gqlOk(ts, Recheck, { name: 'web' }, admin());
    expect((await gqlOk(ts, Overview, { filter: { status: ['DOWN'] } }, admin())).healthOverview.services.map((s) => s.name)).toEqual(['web']);
    failing = false;
    await gqlOk(ts, Recheck, { name: 'web' }, admin());
    const { service } = await gqlOk<{ service: { status: string; timeline: { status: string }[]; recentChecks: { checks: { status: string }[] } } }>(
      ts, '{ service(name: "web") { status timeline { status } recentChecks(first: 10) { checks { status } } } }', {}, admin(),
    );
    expect(service.status).toBe('HEALTHY');
    expect(service.timeline.map((w) => w.status)).toEqual(['healthy', 'down', 'healthy']);
    expect(service.recentChecks.checks.map((c) => c.status)).toEqual(['HEALTHY', 'DOWN', 'DOWN', 'HEALTHY']);
  });

  it('diagnoses step by step without recording', async () => {
    const { diagnoseService } = await gqlOk(ts, Diagnose, { name: 'web' }, admin());
    expect(diagnoseService.status).toBe('HEALTHY');
    expect(diagnoseService.steps.map((s) => s.name)).toEqual(expect.arrayContaining(['connect', 'first byte']));
    const { service } = await gqlOk<{ service: { recentChecks: { checks: unknown[] } } }>(ts, '{ service(name: "web") { recentChecks { checks { status } } } }', {}, admin());
    expect(service.recentChecks.checks).toHaveLength(4);
  });

  it('pauses and resumes, leaving paused time out of the timeline’s uptime', async () => {
    const paused = await gqlOk<{ pauseService: { paused: boolean } }>(ts, 'mutation { pauseService(name: "web") { paused } }', {}, admin());
    expect(paused.pauseService.paused).toBe(true);
    const again = await gql(ts, 'mutation { pauseService(name: "web") { paused } }', {}, admin());
    expect(again.errors?.[0].extensions?.code).toBe('CONFLICT');
    await gqlOk(ts, 'mutation { resumeService(name: "web") { paused } }', {}, admin());
    const { service } = await gqlOk<{ service: { timeline: { status: string }[] } }>(ts, '{ service(name: "web") { timeline { status } } }', {}, admin());
    expect(service.timeline.map((w) => w.status)).toEqual(['healthy', 'down', 'healthy', 'paused', 'healthy']);
  });

  it('updates an API service but refuses to edit a built-in or config one', async () => {
    const updated = await gqlOk<{ updateService: { interval: string; critical: boolean } }>(
      ts, 'mutation { updateService(name: "web", input: { kind: "http", target: "' + url + '", interval: "5s", critical: true }) { interval critical } }', {}, admin(),
    );
    expect(updated.updateService).toEqual({ interval: '5s', critical: true });
    const refused = await gql(ts, 'mutation { updateService(name: "host", input: { kind: "host", target: "localhost" }) { name } }', {}, admin());
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' }, message: expect.stringMatching(/built in/) });
    const deleteRefused = await gql(ts, 'mutation { deleteService(name: "postgres") }', {}, admin());
    expect(deleteRefused.errors?.[0].extensions?.code).toBe('CONFLICT');
  });

  it('takes heartbeat pings over HTTP and GraphQL', async () => {
    const { createService } = await gqlOk(ts, CreateService, { input: { name: 'nightly', kind: 'heartbeat', target: 'push', options: { period: '1h', grace: '5m' } } }, admin());
    expect(createService.pingUrl).toMatch(new RegExp(`^${ts.url}/ping/[\\w-]+$`));
    // Before its first ping it is pending: a recheck is refused rather than recording a DOWN (heartbeat-pending.test.ts).
    expect((await gql(ts, Recheck, { name: 'nightly' }, admin())).errors?.[0].extensions?.code).toBe('CONFLICT');
    const ok = await fetch(createService.pingUrl!, { method: 'POST', body: 'job output' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ service: 'nightly', status: 'healthy' });
    const fail = await fetch(`${createService.pingUrl}/fail`, { method: 'POST' });
    expect(await fail.json()).toEqual({ service: 'nightly', status: 'down' });
    const unknown = await fetch(`${ts.url}/ping/not-a-real-token`, { method: 'POST' });
    expect(unknown.status).toBe(404);
    const token = createService.pingUrl!.split('/').at(-1)!;
    const viaGraphql = await gqlOk<{ pingHeartbeat: string }>(ts, 'mutation($t: String!) { pingHeartbeat(token: $t) }', { t: token }, admin());
    expect(viaGraphql.pingHeartbeat).toBe('HEALTHY');
  });

  it('hides ping URLs from viewers', async () => {
    const viewer = await gqlOk<{ createApiToken: { secret: string } }>(ts, 'mutation { createApiToken(input: { name: "v", role: VIEWER }) { secret } }', {}, admin());
    const { service } = await gqlOk<{ service: { pingUrl: string | null } }>(ts, '{ service(name: "nightly") { pingUrl } }', {}, { token: viewer.createApiToken.secret });
    expect(service.pingUrl).toBeNull();
  });

  it('serves the whole overview with the same number of SQL queries for 10 or 60 services', async () => {
    const { sql } = ts.server.app;
    const countQueries = async () => {
      const original = sql.query.bind(sql);
      let n = 0;
      (sql as { query: unknown }).query = (...args: unknown[]) => {
        n++;
        return (original as (...a: unknown[]) => unknown)(...args);
      };
      try {
        await gqlOk(ts, Overview, {}, admin());
      } finally {
        (sql as { query: unknown }).query = original;
      }
      return n;
    };
    const small = await countQueries();
    for (let i = 0; i < 50; i++) {
      await gqlOk(ts, CreateService, { input: { name: `bulk-${i}`, kind: 'tcp', target: '127.0.0.1:9' } }, admin());
    }
    expect(await countQueries()).toBe(small);
    expect(small).toBeLessThanOrEqual(4); // the services, their day's uptime, the maintenance windows left out of it, and the counts
  });

  it('deletes an API service', async () => {
    expect((await gqlOk<{ deleteService: boolean }>(ts, 'mutation { deleteService(name: "bulk-0") }', {}, admin())).deleteService).toBe(true);
    expect((await gqlOk<{ service: null }>(ts, '{ service(name: "bulk-0") { name } }', {}, admin())).service).toBeNull();
  });
});
