/**
 * Quick actions on a real server whose config file gives services each kind of restart action and
 * log source: a supervised `process` runtime, real commands, a real local HTTP server and real log
 * files. restartService by each kind (outcome, one audit row), failed restarts with their reason,
 * logs and their line cap, a followed file through truncation and rotation, a followed runtime,
 * refusals to viewers and operators, and the REST paths answering as GraphQL does.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk, wsClient } from '../support/graphql.ts';
import { until } from '../support/signals.ts';
import { startHttp } from '../runtimes/support/fixtures.ts';

const RESTART = 'mutation($n: String!, $c: Boolean!) { restartService(name: $n, confirm: $c) { service action ok error durationMs } }';
const LOGS = 'query($n: String!, $l: Int) { serviceLogs(name: $n, lines: $l) { service source lines } }';

interface RestartView {
  service: string;
  action: string;
  ok: boolean;
  error: string | null;
  durationMs: number;
}
interface LogLinesView {
  service: string;
  lines: string[];
  rotated: boolean;
}

describe('quick actions on a service', () => {
  let ts: TestServer;
  let dir: string;
  let logFile: string;
  let restarter: Awaited<ReturnType<typeof startHttp>>;
  const tokens = { viewer: '', operator: '' };
  const admin = () => ({ token: ts.adminToken });
  const node = JSON.stringify(process.execPath);

  const audits = async (name: string) =>
    (await ts.server.app.sql.query<{ outcome: string; error_code: string | null; error_message: string | null }>(
      `select outcome, error_code, error_message from audit_log where action = 'monitoring.service.restart' and target_id = $1 order by id`, [name],
    )).rows;
  const restart = (name: string, token = ts.adminToken, confirm = true) => gql<{ restartService: RestartView }>(ts, RESTART, { n: name, c: confirm }, { token });
  const logs = (name: string, lines?: number, token = ts.adminToken) => gql<{ serviceLogs: { service: string; source: string; lines: string[] } }>(ts, LOGS, { n: name, l: lines }, { token });
  async function rest(method: string, target: string, token: string, body?: unknown) {
    const response = await fetch(`${ts.url}${target}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> & { errors?: { extensions: { code: string } }[] } };
  }

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-actions-'));
    logFile = path.join(dir, 'api.log');
    await fs.writeFile(logFile, Array.from({ length: 250 }, (_, i) => `api line ${i}`).join('\n') + '\n');
    restarter = await startHttp((req, res) => {
      if (req.url === '/restart' && req.method === 'POST') return void res.writeHead(204).end();
      if (req.url === '/secure-restart') return void res.writeHead(req.headers.authorization === 'Bearer restart-token-1' ? 204 : 401).end();
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"the pool is draining"}');
    });
    const file = path.join(dir, 'lookout.yaml');
    await fs.writeFile(
      file,
      `runtimes:
  - name: worker
    kind: process
    command: ${node}
    args: [-e, "let i = 0; console.log('worker started'); setInterval(() => console.log('tick ' + i++), 50)"]
    restart: on-failure
    start_period: 200ms
services:
  - name: by-runtime
    kind: tcp
    target: "127.0.0.1:9"
    restart: { runtime: worker }
    logs: { runtime: worker }
  - name: by-command
    kind: tcp
    target: "127.0.0.1:9"
    restart: { command: [${node}, -e, "console.log('restarted')"] }
    logs: { command: [${node}, -e, "for (let i = 0; i < 300; i++) console.log('journal ' + i)"] }
  - name: by-http
    kind: tcp
    target: "127.0.0.1:9"
    restart: { http: { url: "${restarter.url}/restart", method: POST } }
    logs: { file: ${JSON.stringify(logFile)} }
  - name: broken-command
    kind: tcp
    target: "127.0.0.1:9"
    restart: { command: [${node}, -e, "console.error('Unit api.service not loaded.'); process.exit(5)"] }
    logs: { command: [${node}, -e, "process.exit(3)"] }
  - name: broken-http
    kind: tcp
    target: "127.0.0.1:9"
    restart: { http: { url: "${restarter.url}/nope" } }
    logs: { file: ${JSON.stringify(path.join(dir, 'missing.log'))} }
  - name: by-http-token
    kind: tcp
    target: "127.0.0.1:9"
    restart: { http: { url: "${restarter.url}/secure-restart", token_env: LOOKOUT_TEST_RESTART_TOKEN } }
  - name: plain
    kind: tcp
    target: "127.0.0.1:9"
`,
    );
    process.env.LOOKOUT_TEST_RESTART_TOKEN = 'restart-token-1';
    ts = await startTestServer({ runScheduler: false, config: { configFile: file } });
    for (const role of ['viewer', 'operator'] as const) {
      const created = await gqlOk<{ createApiToken: { secret: string } }>(ts, 'mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { secret } }', { i: { name: role, role: role.toUpperCase() } }, admin());
      tokens[role] = created.createApiToken.secret;
    }
    await until(async () => (await logs('by-runtime', 5)).data?.serviceLogs.lines.some((l) => l.startsWith('tick')) ?? false, 'the worker prints', 20_000, 50);
  });
  afterAll(async () => {
    delete process.env.LOOKOUT_TEST_RESTART_TOKEN;
    await ts?.close();
    await restarter?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['by-runtime', 'runtime'],
    ['by-command', 'command'],
    ['by-http', 'http'],
  ])('restarts %s by its %s action for an admin, audited once with its outcome', async (name, action) => {
    const pid = ts.server.app.runtimes.status('worker').pid;
    const { data, errors } = await restart(name);
    expect(errors).toBeUndefined();
    expect(data!.restartService).toMatchObject({ service: name, action, ok: true, error: null });
    expect(await audits(name)).toEqual([{ outcome: 'success', error_code: null, error_message: null }]);
    if (action === 'runtime') expect(ts.server.app.runtimes.status('worker')).toMatchObject({ state: 'running', restarts: 1 });
    if (action === 'runtime') expect(ts.server.app.runtimes.status('worker').pid).not.toBe(pid);
    if (action === 'http') expect(restarter.requests).toContain('POST /restart');
  });

  it.each([
    ['broken-command', /^exited with code 5: Unit api\.service not loaded\.$/],
    ['broken-http', /^HTTP 500: \{"error":"the pool is draining"\}$/],
  ])('reports the failed restart of %s with its reason, audited once as a failure', async (name, reason) => {
    const { data, errors } = await restart(name);
    expect(errors).toBeUndefined();
    expect(data!.restartService.ok).toBe(false);
    expect(data!.restartService.error).toMatch(reason);
    const rows = await audits(name);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'failure', error_code: 'CONFLICT' });
    expect(rows[0].error_message).toContain(data!.restartService.error);
  });

  it('sends the bearer token of restart.http.token_env with an http restart', async () => {
    const { data } = await restart('by-http-token');
    expect(data!.restartService).toMatchObject({ ok: true, error: null });
    expect(restarter.requests).toContain('POST /secure-restart');
  });

  it('answers NOT_FOUND for a service without a restart action, saying where one is given, audited', async () => {
    const { errors } = await restart('plain');
    expect(errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(errors?.[0]?.message).toBe('The service "plain" has no restart action: give its entry in the config file `restart:` (services made through the API have none).');
    expect(await audits('plain')).toMatchObject([{ outcome: 'failure', error_code: 'NOT_FOUND' }]);
  });

  it('refuses a restart without confirm: true, naming the field, and runs nothing', async () => {
    const before = restarter.requests.length;
    const { errors } = await restart('by-http', ts.adminToken, false);
    expect(errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'confirm' });
    expect(restarter.requests.length).toBe(before);
  });

  it.each(['viewer', 'operator'] as const)('refuses restart and logs to a %s, writing no audit row', async (role) => {
    const before = await audits('by-command');
    const refused = await restart('by-command', tokens[role]);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const read = await logs('by-http', 10, tokens[role]);
    expect(read.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await audits('by-command')).toEqual(before);
    const client = wsClient(ts, { token: tokens[role] });
    try {
      const error = await new Promise<unknown>((resolve) => {
        client.subscribe({ query: 'subscription { serviceLogLines(name: "by-http") { lines } }' }, { next: (v) => v.errors && resolve(v.errors), error: resolve, complete: () => resolve('complete') });
      });
      expect(JSON.stringify(error)).toMatch(/FORBIDDEN/);
    } finally {
      await client.dispose();
    }
  });

  it('reads the last lines of each source: a file, a command, a runtime', async () => {
    expect((await logs('by-http')).data!.serviceLogs).toEqual({ service: 'by-http', source: 'file', lines: Array.from({ length: 100 }, (_, i) => `api line ${150 + i}`) });
    expect((await logs('by-command', 3)).data!.serviceLogs).toEqual({ service: 'by-command', source: 'command', lines: ['journal 297', 'journal 298', 'journal 299'] });
    const runtime = (await logs('by-runtime', 5)).data!.serviceLogs;
    expect(runtime.source).toBe('runtime');
    expect(runtime.lines).toHaveLength(5);
    expect(runtime.lines.at(-1)).toMatch(/^tick \d+$/);
  });

  it('caps lines at 1–1000, naming the field', async () => {
    for (const lines of [0, -1, 1001]) {
      const { errors } = await logs('by-http', lines);
      expect(errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'lines' });
    }
    expect((await logs('by-http', 1000)).data!.serviceLogs.lines).toHaveLength(250);
  });

  it('says why a log cannot be read: a missing file, a failing command, no log source', async () => {
    const missing = await logs('broken-http');
    expect(missing.errors?.[0]).toMatchObject({ message: `The service "broken-http": cannot read ${path.join(dir, 'missing.log')}: ENOENT.`, extensions: { code: 'CONFLICT' } });
    const failing = await logs('broken-command');
    expect(failing.errors?.[0]).toMatchObject({ message: 'The service "broken-command": the log command exited with code 3.', extensions: { code: 'CONFLICT' } });
    const none = await logs('plain');
    expect(none.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('follows a log file live through truncation and rotation on serviceLogLines', async () => {
    const client = wsClient(ts, admin());
    const seen: LogLinesView[] = [];
    let failed: unknown = null;
    const dispose = client.subscribe<{ serviceLogLines: LogLinesView }>(
      { query: 'subscription { serviceLogLines(name: "by-http") { service lines rotated } }' },
      { next: (v) => (v.data ? seen.push(v.data.serviceLogLines) : (failed = v.errors)), error: (e) => (failed = e), complete: () => {} },
    );
    const lines = () => seen.flatMap((s) => s.lines);
    try {
      // Live once its first message (no lines) has come: a line appended after it is followed.
      await until(() => seen.length > 0, 'the follower says it has begun', 10_000);
      expect(seen[0]).toEqual({ service: 'by-http', lines: [], rotated: false });
      await fs.appendFile(logFile, 'probe\n');
      await until(() => lines().includes('probe'), 'a line appended after the first message arrives');
      expect(failed).toBeNull();
      await fs.appendFile(logFile, 'appended one\nappended two\n');
      await until(() => lines().includes('appended two'), 'appended lines arrive');
      await fs.truncate(logFile, 0);
      await until(() => seen.some((s) => s.rotated), 'the truncation is seen');
      await fs.appendFile(logFile, 'after truncation\n');
      await until(() => lines().includes('after truncation'), 'lines after the truncation arrive');
      const rotations = seen.filter((s) => s.rotated).length;
      await fs.rename(logFile, `${logFile}.1`);
      await fs.writeFile(logFile, 'first line after rotation\n');
      await until(() => lines().includes('first line after rotation'), 'the new file is read');
      expect(seen.filter((s) => s.rotated).length).toBe(rotations + 1);
      expect(seen.every((s) => s.service === 'by-http')).toBe(true);
    } finally {
      dispose();
      await client.dispose();
    }
  });

  it('misses no line between serviceLogLines’ first message and a serviceLogs read after it (serviceLogLines then serviceLogs leaves no gap)', async () => {
    const client = wsClient(ts, admin());
    const seen: LogLinesView[] = [];
    const dispose = client.subscribe<{ serviceLogLines: LogLinesView }>(
      { query: 'subscription { serviceLogLines(name: "by-http") { service lines rotated } }' },
      { next: (v) => void (v.data && seen.push(v.data.serviceLogLines)), error: () => {}, complete: () => {} },
    );
    try {
      await until(() => seen.length > 0, 'the follower says it has begun', 10_000);
      // Written after following began and before the read: the read or the stream (or both) has it.
      await fs.appendFile(logFile, 'written in between\n');
      const read = (await logs('by-http', 5)).data!.serviceLogs.lines;
      await fs.appendFile(logFile, 'written after the read\n');
      await until(() => seen.flatMap((s) => s.lines).includes('written after the read'), 'the stream goes on');
      expect(read.includes('written in between') || seen.flatMap((s) => s.lines).includes('written in between')).toBe(true);
    } finally {
      dispose();
      await client.dispose();
    }
  });

  it('tells admins which quick actions each service has, and other roles nothing', async () => {
    const QUICK = 'query($n: String!) { service(name: $n) { quickActions { restart restartTarget logs } } }';
    const quick = async (name: string, token = ts.adminToken) => (await gqlOk<{ service: { quickActions: unknown } }>(ts, QUICK, { n: name }, { token })).service.quickActions;
    expect(await quick('by-runtime')).toEqual({ restart: 'runtime', restartTarget: 'worker', logs: 'runtime' });
    expect(await quick('by-command')).toEqual({ restart: 'command', restartTarget: path.basename(process.execPath), logs: 'command' });
    expect(await quick('by-http')).toEqual({ restart: 'http', restartTarget: `POST ${new URL(restarter.url).host}`, logs: 'file' });
    expect(await quick('plain')).toEqual({ restart: null, restartTarget: null, logs: null });
    for (const role of ['viewer', 'operator'] as const) expect(await quick('by-http', tokens[role])).toBeNull();
  });

  it('follows a supervised runtime’s output on serviceLogLines', async () => {
    const client = wsClient(ts, admin());
    const seen: LogLinesView[] = [];
    const dispose = client.subscribe<{ serviceLogLines: LogLinesView }>(
      { query: 'subscription { serviceLogLines(name: "by-runtime") { service lines rotated } }' },
      { next: (v) => void (v.data && seen.push(v.data.serviceLogLines)), error: () => {}, complete: () => {} },
    );
    try {
      await until(() => seen.flatMap((s) => s.lines).filter((l) => /^tick \d+$/.test(l)).length >= 20, 'new ticks arrive', 10_000);
      const ticks = seen.flatMap((s) => s.lines).map((l) => Number(/^tick (\d+)$/.exec(l)?.[1]));
      // In order and none twice.
      expect(ticks.every((n, i) => i === 0 || n > ticks[i - 1])).toBe(true);
    } finally {
      dispose();
      await client.dispose();
    }
  });

  it('answers POST /admin/health/{name}/restart and GET /admin/health/{name}/logs as GraphQL does', async () => {
    const graphql = (await restart('by-command')).data!.restartService;
    const answer = await rest('POST', '/admin/health/by-command/restart', ts.adminToken, { confirm: true });
    expect(answer.status).toBe(200);
    expect({ ...answer.body, durationMs: 0 }).toEqual({ ...graphql, durationMs: 0 });
    expect(await audits('by-command')).toHaveLength(3); // the earlier test's, and one each here

    const failedGraphql = (await restart('broken-http')).data!.restartService;
    const failed = await rest('POST', '/admin/health/broken-http/restart', ts.adminToken, { confirm: true });
    expect({ ...failed.body, durationMs: 0 }).toEqual({ ...failedGraphql, durationMs: 0 });

    const logsGraphql = (await logs('by-command', 5)).data!.serviceLogs;
    const logsAnswer = await rest('GET', '/admin/health/by-command/logs?lines=5', ts.adminToken);
    expect(logsAnswer).toEqual({ status: 200, body: logsGraphql });
    const byDefault = await rest('GET', '/admin/health/by-command/logs', ts.adminToken);
    expect((byDefault.body.lines as string[]).length).toBe(100);

    for (const role of ['viewer', 'operator'] as const) {
      expect((await rest('POST', '/admin/health/by-command/restart', tokens[role], { confirm: true })).status).toBe(403);
      expect((await rest('GET', '/admin/health/by-command/logs', tokens[role])).status).toBe(403);
    }
    expect((await rest('GET', '/admin/health/by-command/logs?lines=1001', ts.adminToken)).status).toBe(400);
    expect((await rest('POST', '/admin/health/plain/restart', ts.adminToken, { confirm: true })).status).toBe(404);
    const unconfirmed = await rest('POST', '/admin/health/by-command/restart', ts.adminToken, {});
    expect(unconfirmed.status).toBe(400);
  });
});
