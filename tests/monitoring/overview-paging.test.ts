/**
 * `healthOverview` a page at a time, worst first (the dashboard at 10,000 services): the order, the
 * pages adding up to the whole list, the counts of every service and of those matching the filter,
 * the tags, bad paging arguments named, and `healthCheckRecorded(services:)` hearing only the named.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk, takeEvents, wsClient } from '../support/graphql.ts';
import { serverSubscribed } from '../support/subscribed.ts';
import { Channels } from '../../server/events/channels.ts';

const Page = `query($filter: ServiceFilter, $orderBy: ServiceOrder, $first: Int, $offset: Int) {
  healthOverview(filter: $filter, orderBy: $orderBy, first: $first, offset: $offset) {
    totalCount
    counts { healthy degraded down pending paused }
    summary { total healthy degraded down pending paused criticalDown criticalDegraded }
    tags
    services { name status paused critical }
  }
}`;

interface PageAnswer {
  healthOverview: {
    totalCount: number;
    counts: Record<string, number>;
    summary: Record<string, number>;
    tags: string[];
    services: { name: string; status: string | null; paused: boolean; critical: boolean }[];
  };
}

describe('healthOverview, a page at a time, worst first', () => {
  let ts: TestServer;
  let db: pg.Client;
  const admin = () => ({ token: ts.adminToken });
  const page = async (variables: Record<string, unknown>) => (await gqlOk<PageAnswer>(ts, Page, variables, admin())).healthOverview;
  const names = async (variables: Record<string, unknown>) => (await page(variables)).services.map((s) => s.name);
  const setStatus = (name: string, status: string | null) =>
    db.query('update service_states set status = $2, status_since = now() where service_id = (select id from services where name = $1)', [name, status]);

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    db = new pg.Client({ connectionString: ts.databaseUrl });
    await db.connect();
    // Workers 1..12 (display names with numbers: 9 must come before 10), nothing checked: the scheduler is off.
    const services = Array.from({ length: 12 }, (_, i) => ({
      name: `w-${i + 1}`,
      displayName: `Worker ${i + 1}`,
      kind: 'tcp',
      target: '127.0.0.1:9',
      interval: '1h',
      critical: i + 1 === 7 || i + 1 === 11,
      tags: (i + 1) % 2 ? ['odd-one'] : ['even-one', 'fleet'],
    }));
    await gqlOk(ts, 'mutation($s: [CreateServiceInput!]!) { createServices(services: $s) { name } }', { s: services }, admin());
    for (let i = 1; i <= 12; i++) await setStatus(`w-${i}`, 'healthy');
    for (const name of ['lookout', 'postgres', 'event-bus', 'filesystem', 'host']) await setStatus(name, 'healthy');
    await setStatus('w-3', 'down');
    await setStatus('w-7', 'down'); // critical: before w-3
    await setStatus('w-11', 'degraded'); // critical
    await setStatus('w-5', 'degraded');
    await setStatus('w-12', null); // pending
    await gqlOk(ts, 'mutation { pauseService(name: "w-1") { name } }', {}, admin());
    await setStatus('w-1', 'down'); // paused wins over its last status
  });
  afterAll(async () => {
    await db?.end();
    await ts?.close();
  });

  const WORST_FIRST = ['w-7', 'w-3', 'w-11', 'w-5', 'w-12', 'lookout', 'postgres', 'filesystem', 'event-bus', 'host', 'w-2', 'w-4', 'w-6', 'w-8', 'w-9', 'w-10', 'w-1'];

  it('orders down, degraded, pending, healthy, then paused; critical first; numbers in numeric order', async () => {
    // Healthy: the critical built-ins (Lookout, PostgreSQL), then Data directory, Event bus, Host, Worker 2 … Worker 10.
    expect(await names({ orderBy: 'WORST_FIRST' })).toEqual(WORST_FIRST);
    // By name unless told, as before.
    expect(await names({})).toEqual([...WORST_FIRST].sort());
  });

  it('gives pages that add up to the whole list, each with the counts of all', async () => {
    const pages: string[] = [];
    for (let offset = 0; offset < 20; offset += 5) {
      const p = await page({ orderBy: 'WORST_FIRST', first: 5, offset });
      expect(p.services.length).toBe(Math.max(0, Math.min(5, 17 - offset)));
      expect(p.totalCount).toBe(17);
      expect(p.counts).toEqual({ healthy: 11, degraded: 2, down: 2, pending: 1, paused: 1 });
      pages.push(...p.services.map((s) => s.name));
    }
    expect(pages).toEqual(WORST_FIRST);
    expect((await page({ first: 0 })).services).toEqual([]);
  });

  it('counts every service in the summary and those matching the filter in counts and totalCount', async () => {
    const odd = await page({ filter: { tag: 'odd-one' }, orderBy: 'WORST_FIRST', first: 2 });
    expect(odd.services.map((s) => s.name)).toEqual(['w-7', 'w-3']);
    expect(odd.totalCount).toBe(6);
    expect(odd.counts).toEqual({ healthy: 1, degraded: 2, down: 2, pending: 0, paused: 1 });
    expect(odd.summary).toEqual({ total: 17, healthy: 11, degraded: 2, down: 2, pending: 1, paused: 1, criticalDown: 1, criticalDegraded: 1 });
    expect(odd.tags).toEqual(['even-one', 'fleet', 'lookout', 'odd-one']);
  });

  it('filters paused services apart from their last status', async () => {
    expect(await names({ filter: { paused: true } })).toEqual(['w-1']);
    expect(await names({ filter: { status: ['DOWN'], paused: false }, orderBy: 'WORST_FIRST' })).toEqual(['w-7', 'w-3']);
    const healthy = await page({ filter: { status: ['HEALTHY'], paused: false }, first: 1 });
    expect(healthy.totalCount).toBe(11);
    expect(healthy.counts.paused).toBe(0);
  });

  it('follows a renamed service to its new place', async () => {
    const rename = (displayName: string) =>
      gqlOk(ts, 'mutation($input: UpdateServiceInput!) { updateService(name: "w-10", input: $input) { name } }', { input: { displayName, kind: 'tcp', target: '127.0.0.1:9', interval: '1h', tags: ['even-one', 'fleet'] } }, admin());
    const evens = () => names({ filter: { status: ['HEALTHY'], paused: false, tag: 'even-one' }, orderBy: 'WORST_FIRST' });
    expect(await evens()).toEqual(['w-2', 'w-4', 'w-6', 'w-8', 'w-10']);
    await rename('Worker 0');
    expect(await evens()).toEqual(['w-10', 'w-2', 'w-4', 'w-6', 'w-8']);
    await rename('Worker 10');
    expect(await evens()).toEqual(['w-2', 'w-4', 'w-6', 'w-8', 'w-10']);
  });

  it('orders numbers of up to 20 digits by their value (regression: runs over 16 digits sorted first)', async () => {
    const big = [
      { name: 'big-a', displayName: 'Build 12345678901234567', kind: 'tcp', target: '127.0.0.1:9', interval: '1h', tags: ['big'] },
      { name: 'big-b', displayName: 'Build 9999999999999999', kind: 'tcp', target: '127.0.0.1:9', interval: '1h', tags: ['big'] },
      { name: 'big-c', displayName: 'Build 99999999999999999999', kind: 'tcp', target: '127.0.0.1:9', interval: '1h', tags: ['big'] },
    ];
    await gqlOk(ts, 'mutation($s: [CreateServiceInput!]!) { createServices(services: $s) { name } }', { s: big }, admin());
    try {
      expect(await names({ filter: { tag: 'big' }, orderBy: 'WORST_FIRST' })).toEqual(['big-b', 'big-a', 'big-c']);
    } finally {
      for (const { name } of big) await gqlOk(ts, 'mutation($n: String!) { deleteService(name: $n) }', { n: name }, admin());
    }
  });

  it('counts an unpaged answer from the services it lists', async () => {
    const { healthOverview } = await gqlOk<{ healthOverview: { counts: Record<string, number>; services: { status: string | null; paused: boolean }[] } }>(
      ts, '{ healthOverview { counts { healthy degraded down pending paused } services { status paused } } }', {}, admin(),
    );
    const listed = { healthy: 0, degraded: 0, down: 0, pending: 0, paused: 0 };
    for (const s of healthOverview.services) listed[s.paused ? 'paused' : ((s.status?.toLowerCase() ?? 'pending') as keyof typeof listed)]++;
    expect(healthOverview.counts).toEqual(listed);
  });

  it.each([
    [{ first: -1 }, 'first'],
    [{ first: 10_001 }, 'first'],
    [{ first: 5, offset: -5 }, 'offset'],
  ])('refuses %j, naming %s', async (variables, field) => {
    const result = await gql(ts, Page, variables, admin());
    expect(result.data?.healthOverview ?? null).toBeNull();
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });

  it('healthCheckRecorded(services:) delivers the named services only', async () => {
    const client = wsClient(ts, admin());
    const watch = serverSubscribed(ts, Channels.checksRecorded);
    try {
      const heard = takeEvents<{ healthCheckRecorded: { service: string } }>(client, 'subscription { healthCheckRecorded(services: ["w-4", "w-6"]) { service } }', 2);
      await watch.subscribed;
      // Nothing listens on port 9: each recheck is stored (down), and its check published.
      for (const name of ['w-2', 'w-4', 'w-8', 'w-6']) await gqlOk(ts, 'mutation($n: String!) { recheckService(name: $n) { status } }', { n: name }, admin());
      expect((await heard).map((e) => e.healthCheckRecorded.service)).toEqual(['w-4', 'w-6']);
    } finally {
      watch.restore();
      await client.dispose();
    }
  });

  it('refuses a subscription naming more than 10,000 services, saying so', async () => {
    const client = wsClient(ts, admin());
    try {
      const names = Array.from({ length: 10_001 }, (_, i) => `s-${i}`);
      const error = await new Promise<unknown>((resolve) => {
        client.subscribe({ query: 'subscription($s: [String!]) { healthCheckRecorded(services: $s) { service } }', variables: { s: names } }, { next: (v) => resolve(v.errors), error: resolve, complete: () => resolve(null) });
      });
      expect(JSON.stringify(error)).toMatch(/at most 10000 services/);
    } finally {
      await client.dispose();
    }
  });
});
