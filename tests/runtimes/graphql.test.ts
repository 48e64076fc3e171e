/**
 * Runtimes through GraphQL on a real server whose config file declares one runtime of each kind
 * that works and one that fails: Lookout spawns the reference runtime (examples/) as a `process`
 * runtime and reads it as an `http` one. `systemStatus` shows the matrix and Lookout's metadata;
 * `restartRuntime` restarts each kind (admins only, confirmed, one audit row with the outcome);
 * `runtimeChanged` carries the restart's states.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk, wsClient } from '../support/graphql.ts';
import { until } from '../support/signals.ts';
import { freePort, startHttp } from './support/fixtures.ts';

const root = path.resolve(import.meta.dirname, '../..');
const RUNTIME_FIELDS = 'name kind state pid version commit startedAt restarts lastExit { code signal at } lastError nextRestartAt';
const RESTART = `mutation($n: String!, $c: Boolean!) { restartRuntime(name: $n, confirm: $c) { ok error durationMs runtime { ${RUNTIME_FIELDS} } } }`;

interface RuntimeView {
  name: string;
  kind: string;
  state: string;
  pid: number | null;
  version: string | null;
  startedAt: string | null;
  restarts: number;
  lastExit: { code: number | null; signal: string | null } | null;
  lastError: string | null;
}
interface RestartView {
  ok: boolean;
  error: string | null;
  durationMs: number;
  runtime: RuntimeView;
}

describe('runtimes through GraphQL', () => {
  let ts: TestServer;
  let dir: string;
  let broken: Awaited<ReturnType<typeof startHttp>>;
  const tokens = { viewer: '', operator: '' };
  const admin = () => ({ token: ts.adminToken });

  const audits = async (name: string) =>
    (await ts.server.app.sql.query<{ outcome: string; error_code: string | null; error_message: string | null; actor_label: string }>(
      `select outcome, error_code, error_message, actor_label from audit_log where action = 'system.runtime.restart' and target_id = $1 order by id`, [name],
    )).rows;
  const status = async (token = ts.adminToken) => (await gqlOk<{ systemStatus: { runtimes: RuntimeView[]; services: Record<string, number>; lookout: Record<string, unknown> } }>(
    ts, `{ systemStatus { runtimes { ${RUNTIME_FIELDS} } services { total healthy degraded down pending paused } lookout { version commit startedAt nodeVersion pid hostname databaseKind databaseVersion replicasSeen pubsub } } }`, {}, { token },
  )).systemStatus;
  const runtime = async (name: string) => (await status()).runtimes.find((r) => r.name === name)!;
  const restart = (name: string, token = ts.adminToken, confirm = true) => gql<{ restartRuntime: RestartView }>(ts, RESTART, { n: name, c: confirm }, { token });

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-runtimes-'));
    broken = await startHttp((req, res) => {
      if (req.method === 'POST') return void res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"cannot drain the job queue"}');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ state: 'running', startedAt: '2026-01-01T00:00:00.000Z', version: '0.9.0' }));
    });
    const port = await freePort();
    const node = JSON.stringify(process.execPath);
    const file = path.join(dir, 'lookout.yaml');
    await fs.writeFile(
      file,
      `runtimes:
  - name: reference
    kind: process
    command: ${node}
    args: [${JSON.stringify(path.join(root, 'examples/reference-runtime.ts'))}, --port, "${port}", --restart-delay, "100"]
    restart: on-failure
    start_period: 200ms
  - name: otto
    kind: http
    url: http://127.0.0.1:${port}
  - name: billing
    kind: command
    restart: [${node}, -e, "process.exit(0)"]
    status: [${node}, -e, "console.log('active')"]
  - name: billing-broken
    kind: command
    restart: [${node}, -e, "console.error('Job for billing.service failed.'); process.exit(1)"]
  - name: otto-broken
    kind: http
    url: ${broken.url}
  - name: ghost
    kind: process
    command: /nonexistent/bin/ghost
    restart: never
`,
    );
    ts = await startTestServer({ runScheduler: false, config: { configFile: file } });
    for (const role of ['viewer', 'operator'] as const) {
      const created = await gqlOk<{ createApiToken: { secret: string } }>(ts, 'mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { secret } }', { i: { name: role, role: role.toUpperCase() } }, admin());
      tokens[role] = created.createApiToken.secret;
    }
    await until(async () => (await runtime('otto')).state === 'RUNNING', 'the reference runtime answers', 20_000, 100);
  });
  afterAll(async () => {
    await ts?.close();
    await broken?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('shows the runtime matrix, the services and Lookout’s metadata to a viewer', async () => {
    const { runtimes, services, lookout } = await status(tokens.viewer);
    expect(runtimes.map((r) => [r.name, r.kind])).toEqual([['reference', 'process'], ['otto', 'http'], ['billing', 'command'], ['billing-broken', 'command'], ['otto-broken', 'http'], ['ghost', 'process']]);
    const byName = Object.fromEntries(runtimes.map((r) => [r.name, r]));
    expect(byName.reference).toMatchObject({ state: 'RUNNING', restarts: 0, lastError: null });
    expect(byName.reference.pid).toBeGreaterThan(0);
    // The http runtime is the same program, read through its API: same pid, its version.
    expect(byName.otto).toMatchObject({ state: 'RUNNING', pid: byName.reference.pid, version: '1.0.0' });
    expect(byName.billing.state).toBe('RUNNING');
    expect(byName['billing-broken'].state).toBe('UNKNOWN'); // no status command
    expect(byName.ghost).toMatchObject({ state: 'CRASHED', lastError: 'command not found: /nonexistent/bin/ghost' });
    // The file declares no service: the built-in self-monitoring (5, not checked yet: runScheduler off) is all there is.
    expect(services).toMatchObject({ total: 5, healthy: 0 });
    expect(lookout).toMatchObject({ version: ts.server.app.version, nodeVersion: process.version, pid: process.pid, databaseKind: 'external', replicasSeen: 1, pubsub: 'in-process' });
    expect(lookout.databaseVersion).toMatch(/^\d+/);
  });

  it.each([
    ['reference', 'process'],
    ['otto', 'http'],
    ['billing', 'command'],
  ])('restarts the %s runtime (%s) for an admin, audited once with its outcome', async (name) => {
    // The reference runtime restarted just before (as the process runtime) answers again once it is listening.
    await until(async () => {
      const { runtimes } = await status();
      const [self, reference] = [name, 'reference'].map((n) => runtimes.find((r) => r.name === n)!);
      return self.state === 'RUNNING' && (name !== 'otto' || self.pid === reference.pid);
    }, `${name} runs`, 20_000, 100);
    const before = await runtime(name);
    const { data, errors } = await restart(name);
    expect(errors).toBeUndefined();
    expect(data!.restartRuntime).toMatchObject({ ok: true, error: null, runtime: { name, state: 'RUNNING', restarts: before.restarts + 1, lastError: null } });
    expect(await audits(name)).toEqual([{ outcome: 'success', error_code: null, error_message: null, actor_label: expect.any(String) }]);
  });

  it('restarts the process runtime as a new process, and the http runtime within the same one', async () => {
    const pid = (await runtime('reference')).pid;
    const process = (await restart('reference')).data!.restartRuntime.runtime;
    expect(process.pid).not.toBe(pid);
    expect(process.lastExit).toMatchObject({ code: 0, signal: null }); // the reference runtime exits 0 on SIGTERM
    await until(async () => (await runtime('otto')).pid === process.pid, 'the http runtime answers from the new process', 20_000, 100);
    const http = (await restart('otto')).data!.restartRuntime.runtime;
    expect(http.pid).toBe(process.pid);
  });

  it.each([
    ['billing-broken', /^exited with code 1: Job for billing\.service failed\.$/],
    ['otto-broken', /^HTTP 500: .*cannot drain the job queue/],
    ['ghost', /^command not found: \/nonexistent\/bin\/ghost$/],
  ])('reports the failed restart of %s with its reason, audited once as a failure', async (name, reason) => {
    const { data, errors } = await restart(name);
    expect(errors).toBeUndefined();
    expect(data!.restartRuntime.ok).toBe(false);
    expect(data!.restartRuntime.error).toMatch(reason);
    expect(data!.restartRuntime.runtime.lastError).toMatch(reason);
    expect(data!.restartRuntime.runtime.state).not.toBe('RESTARTING');
    const rows = await audits(name);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'failure', error_code: 'CONFLICT' });
    expect(rows[0].error_message).toContain(data!.restartRuntime.error);
  });

  it.each(['viewer', 'operator'] as const)('refuses a restart to a %s, and writes no row', async (role) => {
    const before = await audits('billing');
    const { errors } = await restart('billing', tokens[role]);
    expect(errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await audits('billing')).toEqual(before);
  });

  it('refuses a restart without confirm: true, naming the field, audited as a failure', async () => {
    const before = (await audits('billing')).length;
    const { errors } = await restart('billing', ts.adminToken, false);
    expect(errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'confirm' });
    const rows = await audits('billing');
    expect(rows).toHaveLength(before + 1);
    expect(rows.at(-1)).toMatchObject({ outcome: 'failure', error_code: 'BAD_USER_INPUT' });
  });

  it('answers NOT_FOUND for a runtime the file does not declare', async () => {
    const { errors } = await restart('nope');
    expect(errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('carries the restart on runtimeChanged: restarting, then running again', async () => {
    const client = wsClient(ts, { token: tokens.viewer });
    const seen: { name: string; state: string }[] = [];
    let ready!: () => void;
    const subscribed = new Promise<void>((resolve) => (ready = resolve));
    const dispose = client.subscribe<{ runtimeChanged: { name: string; state: string } }>(
      { query: 'subscription { runtimeChanged { name state } }' },
      { next: (value) => void (value.data && seen.push(value.data.runtimeChanged)), error: () => {}, complete: () => {} },
    );
    client.on('connected', () => ready());
    try {
      await subscribed;
      // The subscription is live once a restart's events reach it.
      await until(async () => {
        await restart('billing');
        return seen.some((e) => e.name === 'billing');
      }, 'the subscription is live', 10_000, 100);
      seen.length = 0;
      expect((await restart('billing')).data!.restartRuntime.ok).toBe(true);
      await until(() => seen.filter((e) => e.name === 'billing').map((e) => e.state).join() === 'RESTARTING,RUNNING', 'restarting then running', 10_000);
    } finally {
      dispose();
      await client.dispose();
    }
  });
});
