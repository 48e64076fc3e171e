/**
 * Regression: a new heartbeat service was DOWN ("no ping received yet") the moment it was created.
 * It is pending (no status) until period + grace have passed since its creation without a ping,
 * healthy at its first ping, and an edit does not make it due early. Real server, real scheduler,
 * a manual clock moved past the grace instead of waiting for it.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';
import { until } from '../support/signals.ts';

const CREATE = 'mutation($input: CreateServiceInput!) { createService(input: $input) { name pingUrl } }';
const UPDATE = 'mutation($name: String!, $input: UpdateServiceInput!) { updateService(name: $name, input: $input) { name } }';

describe('heartbeat services are pending until period + grace have passed', () => {
  let ts: TestServer;
  const clock = new ManualClock(new Date('2026-12-01T10:00:00Z'));
  const admin = () => ({ token: ts.adminToken });
  const stateOf = async (name: string) =>
    (
      await ts.server.app.sql.query<{ status: string | null; next_due_at: Date; last_checked_at: Date | null; last_error: string | null }>(
        'select st.status, st.next_due_at, st.last_checked_at, st.last_error from service_states st join services s on s.id = st.service_id where s.name = $1',
        [name],
      )
    ).rows[0];
  const checksOf = async (name: string) =>
    Number((await ts.server.app.sql.query('select count(*) from health_checks h join services s on s.id = h.service_id where s.name = $1', [name])).rows[0].count);

  beforeAll(async () => {
    ts = await startTestServer({ clock });
  });
  afterAll(async () => {
    await ts?.close();
  });

  it('stays pending after creation, while the scheduler checks other services', async () => {
    await gqlOk(ts, CREATE, { input: { name: 'nightly-backup', kind: 'heartbeat', target: 'push', options: { period: '1h', grace: '5m' } } }, admin());
    // A service due now, checked by the same scheduler: once it has a status, the scheduler has run past the heartbeat.
    await gqlOk(ts, CREATE, { input: { name: 'lookout-health', kind: 'http', target: `${ts.url}/health` } }, admin());
    ts.server.app.monitoring.scheduler.poke();
    await until(async () => (await stateOf('lookout-health'))?.last_checked_at != null, 'the scheduler to check lookout-health');

    const state = await stateOf('nightly-backup');
    expect(state.status).toBeNull();
    expect(state.next_due_at.toISOString()).toBe('2026-12-01T11:05:00.000Z');
    expect(await checksOf('nightly-backup')).toBe(0);
    const { service } = await gqlOk<{ service: { status: string | null; monitoredSince: string | null } }>(
      ts,
      '{ service(name: "nightly-backup") { status monitoredSince } }',
      {},
      admin(),
    );
    expect(service).toEqual({ status: null, monitoredSince: null });
    const { healthOverview } = await gqlOk<{ healthOverview: { counts: { pending: number; down: number } } }>(ts, '{ healthOverview { counts { pending down } } }', {}, admin());
    expect(healthOverview.counts.pending).toBeGreaterThanOrEqual(1);
  });

  it('is not made due early by an edit before its first ping', async () => {
    await gqlOk(ts, UPDATE, { name: 'nightly-backup', input: { kind: 'heartbeat', target: 'push', displayName: 'Nightly backup', options: { period: '1h', grace: '5m' } } }, admin());
    const state = await stateOf('nightly-backup');
    expect(state.status).toBeNull();
    expect(state.next_due_at.toISOString()).toBe('2026-12-01T11:05:00.000Z');
  });

  it('a manual recheck before the first ping records nothing and says why (regression: it recorded DOWN "no ping received yet")', async () => {
    const body = await gql(ts, 'mutation { recheckService(name: "nightly-backup") { status } }', {}, admin());
    expect(body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/"nightly-backup" is waiting for its first ping \(expected by 2026-12-01T11:05:00\.000Z\); nothing was checked/),
      extensions: { code: 'CONFLICT' },
    });
    expect(await checksOf('nightly-backup')).toBe(0);
    expect((await stateOf('nightly-backup')).status).toBeNull();
    // Audited as a refused attempt, as every failed mutation is; nothing recorded as done.
    const audited = await ts.server.app.sql.query(`select outcome, error_code from audit_log where action like '%recheck%' and target_id = 'nightly-backup'`);
    expect(audited.rows).toEqual([{ outcome: 'failure', error_code: 'CONFLICT' }]);
  });

  it('is DOWN once period + grace have passed without a ping', async () => {
    clock.set(new Date('2026-12-01T11:05:01Z'));
    ts.server.app.monitoring.scheduler.poke();
    await until(async () => (await stateOf('nightly-backup')).status !== null, 'nightly-backup to get its first status');
    const state = await stateOf('nightly-backup');
    expect(state).toMatchObject({ status: 'down', last_error: 'no ping received yet' });
    // Its first check came only after the grace.
    expect(state.last_checked_at!.getTime()).toBeGreaterThanOrEqual(Date.parse('2026-12-01T11:05:00Z'));
  });

  it('is HEALTHY at its first ping, before period + grace have passed', async () => {
    const { createService } = await gqlOk<{ createService: { pingUrl: string } }>(
      ts,
      CREATE,
      { input: { name: 'hourly-report', kind: 'heartbeat', target: 'push', options: { period: '1h', grace: '1m' } } },
      admin(),
    );
    expect((await stateOf('hourly-report')).status).toBeNull();
    const response = await fetch(createService.pingUrl, { method: 'POST' });
    expect(await response.json()).toEqual({ service: 'hourly-report', status: 'healthy' });
    expect((await stateOf('hourly-report')).status).toBe('healthy');
  });
});

describe('a heartbeat service declared in the config file', () => {
  let ts: TestServer;
  let dir: string;
  const clock = new ManualClock(new Date('2026-12-01T10:00:00Z'));
  const yaml = (grace: string) => `services:\n  - name: nightly-export\n    kind: heartbeat\n    options:\n      period: 1h\n      grace: ${grace}\n`;
  const dueOf = async () =>
    (
      await ts.server.app.sql.query<{ status: string | null; next_due_at: Date }>(
        `select st.status, st.next_due_at from service_states st join services s on s.id = st.service_id where s.name = 'nightly-export'`,
      )
    ).rows[0];

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-heartbeat-'));
    await fs.writeFile(path.join(dir, 'lookout.yaml'), yaml('5m'));
    ts = await startTestServer({ clock, runScheduler: false, config: { configFile: path.join(dir, 'lookout.yaml') } });
  });
  afterAll(async () => {
    await ts?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('is not made due at once by an edit of the file before its first ping (regression: the reload set it due now)', async () => {
    expect(await dueOf()).toEqual({ status: null, next_due_at: new Date('2026-12-01T11:05:00Z') });
    clock.set(new Date('2026-12-01T10:30:00Z'));
    await fs.writeFile(path.join(dir, 'lookout.yaml'), yaml('10m'));
    expect(await ts.server.app.configFile.reload('test')).toBe(true);
    // Still pending, now until creation + period + the new grace.
    expect(await dueOf()).toEqual({ status: null, next_due_at: new Date('2026-12-01T11:10:00Z') });
  });
});
