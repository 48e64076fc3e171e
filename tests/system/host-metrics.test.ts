/**
 * Host metrics against the real machine and a real server: sane figures, the queue read from the
 * run ledger, one sample in flight, live samples over a real WebSocket shared by subscribers, a
 * stored minute per replica, pruning past 48 h, and who may read them.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.ts';
import { createLogger } from '../../server/logger.ts';
import { HostMetrics, pruneHostSamples, type SystemHealth } from '../../server/system/host-metrics.ts';
import { gql, gqlOk, takeEvents, wsClient } from '../support/graphql.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { token } from '../operations/support.ts';

const HEALTH_FIELDS = `replica sampledAt uptime
  cpu { usage cores }
  memory { used total percentage }
  disk { used total percentage path }
  queue { depth running activeJob { id type workspace attempt worker startedAt } activeRuns { id workspace } }`;

type Health = Omit<SystemHealth, 'sampledAt' | 'queue'> & {
  sampledAt: string;
  queue: { depth: number; running: number; activeJob: { id: string; type: string; workspace: string } | null; activeRuns: { id: string; workspace: string }[] } | null;
};

interface Point {
  replica: string;
  at: string;
  cpuPercent: number;
  memoryPercent: number;
  diskPercent: number;
  queueDepth: number | null;
}

const HISTORY = `query($hours: Int, $replica: String) { systemHealthHistory(hours: $hours, replica: $replica) { replica at cpuPercent memoryPercent diskPercent queueDepth } }`;

function expectSane(health: Pick<SystemHealth, 'cpu' | 'memory' | 'disk' | 'uptime'>): void {
  expect(health.cpu.usage).toBeGreaterThanOrEqual(0);
  expect(health.cpu.usage).toBeLessThanOrEqual(100);
  expect(health.cpu.cores).toBe(os.availableParallelism());
  expect(health.memory.total).toBe(os.totalmem());
  expect(health.memory.used).toBeGreaterThan(0);
  expect(health.memory.used).toBeLessThanOrEqual(health.memory.total);
  expect(health.memory.percentage).toBeGreaterThan(0);
  expect(health.memory.percentage).toBeLessThanOrEqual(100);
  expect(health.disk.total).toBeGreaterThan(0);
  expect(health.disk.used).toBeGreaterThan(0);
  expect(health.disk.used).toBeLessThanOrEqual(health.disk.total);
  expect(health.disk.percentage).toBeGreaterThan(0);
  expect(health.disk.percentage).toBeLessThanOrEqual(100);
  expect(health.uptime).toBeGreaterThanOrEqual(0);
  expect(health.uptime).toBeLessThanOrEqual(Math.ceil(process.uptime()));
}

describe('host metrics', () => {
  let ts: TestServer;
  let viewer: string;
  const logger = createLogger('silent');

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    viewer = await token(ts, 'VIEWER');
    // The ledger as workers leave it: two queued runs, two running (one in another workspace), one done.
    const sql = ts.server.app.sql;
    await sql.query(`insert into workspaces (slug, name, created_at) values ('ops', 'Ops', now()), ('other', 'Other', now())`);
    await sql.query(
      `insert into operation_runs (workspace_id, type, status, outcome, context, input, attempt, input_hash, created_at, started_at, lease_worker)
       select w.id, r.type, r.status, 'pending', '{}', '{}', 1, 'x', now(), r.started_at, r.worker
         from (values ('ops', 'reports.build', 'queued', null::timestamptz, null),
                      ('ops', 'reports.build', 'queued', null, null),
                      ('other', 'billing.invoice', 'running', now() - interval '5 minutes', 'w-2'),
                      ('ops', 'reports.build', 'running', now() - interval '1 minute', 'w-1'),
                      ('ops', 'reports.build', 'completed', now() - interval '9 minutes', 'w-1')) as r(ws, type, status, started_at, worker)
         join workspaces w on w.slug = r.ws`,
    );
  });
  afterAll(() => ts?.close());

  it('samples sane figures of this machine and the queue of the run ledger', async () => {
    const sample = await ts.server.app.hostMetrics.sample();
    expectSane(sample);
    expect(sample.disk.path).toBe(ts.config.dataDir);
    expect(sample.replica).toBe(`${os.hostname()}:${process.pid}`);
    expect(sample.queue).toMatchObject({ depth: 2, running: 2, activeJob: { type: 'billing.invoice', workspace: 'other', worker: 'w-2', attempt: 1 } });
    expect(sample.queue!.activeRuns.map((r) => r.workspace)).toEqual(['other', 'ops']);
  });

  it('takes one sample at a time: callers during a sample share it', async () => {
    const metrics = ts.server.app.hostMetrics;
    const samples = await Promise.all([metrics.sample(), metrics.sample(), metrics.sample(), metrics.current(0)]);
    expect(new Set(samples).size).toBe(1);
    expect(metrics.latest()).toBe(samples[0]);
  });

  it('answers systemHealth to a viewer, in the shape of feature 208', async () => {
    const { systemHealth } = await gqlOk<{ systemHealth: Health }>(ts, `{ systemHealth { ${HEALTH_FIELDS} } }`, {}, { token: viewer });
    expectSane(systemHealth);
    expect(Date.now() - Date.parse(systemHealth.sampledAt)).toBeLessThan(10_000);
    expect(systemHealth.queue).toMatchObject({ depth: 2, running: 2, activeJob: { workspace: 'other' } });
  });

  it('shows a viewer limited to some workspaces only their active runs (the counts are the whole host\'s)', async () => {
    const limited = await token(ts, 'VIEWER', ['ops']);
    const { systemHealth } = await gqlOk<{ systemHealth: Health }>(ts, `{ systemHealth { ${HEALTH_FIELDS} } }`, {}, { token: limited });
    expect(systemHealth.queue).toMatchObject({ depth: 2, running: 2, activeJob: { workspace: 'ops', type: 'reports.build' } });
    expect(systemHealth.queue!.activeRuns.map((r) => r.workspace)).toEqual(['ops']);
  });

  it('refuses anonymous callers on every host field', async () => {
    for (const query of [`{ systemHealth { uptime } }`, `{ systemHealthHistory { at } }`]) {
      const { errors } = await gql(ts, query);
      expect(errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    const client = wsClient(ts);
    try {
      await expect(takeEvents(client, 'subscription { systemHealthUpdated { uptime } }', 1)).rejects.toMatchObject({ errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })] });
    } finally {
      await client.dispose();
    }
  });

  it('delivers a sample at once and then every 5 s over a real WebSocket, one sampler for every subscriber', async () => {
    const clients = [wsClient(ts, { token: viewer }), wsClient(ts, { token: viewer })];
    try {
      const started = Date.now();
      const [a, b] = await Promise.all(clients.map((c) => takeEvents<{ systemHealthUpdated: Health }>(c, `subscription { systemHealthUpdated { ${HEALTH_FIELDS} } }`, 2)));
      for (const events of [a, b]) {
        expect(events).toHaveLength(2);
        for (const { systemHealthUpdated } of events) expectSane(systemHealthUpdated);
        expect(Date.parse(events[1].systemHealthUpdated.sampledAt)).toBeGreaterThan(Date.parse(events[0].systemHealthUpdated.sampledAt));
      }
      // The tick's sample is one sample, handed to both.
      expect(a[1].systemHealthUpdated.sampledAt).toBe(b[1].systemHealthUpdated.sampledAt);
      expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
    } finally {
      await Promise.all(clients.map((c) => c.dispose()));
    }
  });

  it('refuses hours outside 1–48, naming the field', async () => {
    for (const hours of [0, 49]) {
      const { errors } = await gql(ts, HISTORY, { hours }, { token: viewer });
      expect(errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'hours' });
    }
  });

  it('stores a row per replica per minute, and answers the history per replica', async () => {
    const t0 = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000);
    const clocks = [new ManualClock(t0), new ManualClock(t0)];
    const replicas = clocks.map((clock, i) => new HostMetrics({ sql: ts.server.app.sql, clock, logger, dataDir: ts.config.dataDir, replica: `replica-${i}:100${i}`, runJobs: false }));
    for (let minute = 0; minute < 3; minute++) {
      for (const [i, replica] of replicas.entries()) {
        await replica.recordMinute();
        // A second write in the same minute replaces the first.
        clocks[i].advance(20_000);
        await replica.recordMinute();
        clocks[i].advance(40_000);
      }
    }
    const one = (await gqlOk<{ systemHealthHistory: Point[] }>(ts, HISTORY, { replica: 'replica-0:1000' }, { token: viewer })).systemHealthHistory;
    expect(one.map((p) => [p.replica, p.at])).toEqual([0, 1, 2].map((m) => ['replica-0:1000', new Date(t0.getTime() + m * 60_000).toISOString()]));
    for (const point of one) {
      expect(point.cpuPercent).toBeGreaterThanOrEqual(0);
      expect(point.cpuPercent).toBeLessThanOrEqual(100);
      expect(point.memoryPercent).toBeGreaterThan(0);
      expect(point.diskPercent).toBeGreaterThan(0);
      expect(point.queueDepth).toBe(2);
    }
    const all = (await gqlOk<{ systemHealthHistory: Point[] }>(ts, HISTORY, { hours: 1 }, { token: viewer })).systemHealthHistory;
    expect(all.filter((p) => p.replica.startsWith('replica-')).map((p) => `${p.at.slice(11, 16)} ${p.replica}`)).toEqual(
      [0, 1, 2].flatMap((m) => ['replica-0:1000', 'replica-1:1001'].map((r) => `${new Date(t0.getTime() + m * 60_000).toISOString().slice(11, 16)} ${r}`)),
    );
  });

  it('prunes stored minutes past 48 h and keeps the rest', async () => {
    const now = new Date();
    const clock = new ManualClock(new Date(now.getTime() - 49 * 3600_000));
    const old = new HostMetrics({ sql: ts.server.app.sql, clock, logger, dataDir: ts.config.dataDir, replica: 'pruned:1', runJobs: false });
    await old.recordMinute();
    clock.set(new Date(now.getTime() - 47 * 3600_000));
    await old.recordMinute();
    const stored = async () => (await ts.server.app.sql.query<{ at: Date }>(`select at from host_samples where replica = 'pruned:1' order by at`)).rows.map((r) => r.at.getTime());
    expect(await stored()).toHaveLength(2);
    expect(await pruneHostSamples(ts.server.app.sql, now)).toBe(1);
    expect(await stored()).toEqual([Math.floor((now.getTime() - 47 * 3600_000) / 60_000) * 60_000]);
  });

  it('does not keep the process alive: a script that starts the sampler and a live subscription exits by itself', async () => {
    const module = path.resolve('server/system/host-metrics.ts');
    const script = `
      import { HostMetrics } from ${JSON.stringify(module)};
      const sql = { query: async () => { throw new Error('no database here'); } };
      const logger = { warn() {}, error() {}, info() {}, debug() {}, child() { return logger; } };
      const metrics = new HostMetrics({ sql, clock: { now: () => new Date() }, logger, dataDir: ${JSON.stringify(os.tmpdir())} });
      metrics.start();
      const live = metrics.updates();
      const first = await live.next();
      console.log(JSON.stringify({ cpu: first.value.cpu.usage, queue: first.value.queue }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 });
    expect(JSON.parse(stdout)).toMatchObject({ cpu: expect.any(Number), queue: null });
  });
});
