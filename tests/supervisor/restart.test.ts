/**
 * Lookout's supervisor for real: `lookout serve` as a child process (the primary and its worker)
 * on a database of its own. restartLookout replaces the worker while clients keep requesting over
 * keep-alive connections and a subscriber follows status transitions; a killed worker is started
 * again; SIGTERM leaves no process behind.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';
import { until } from '../support/signals.ts';
import { alive } from '../runtimes/support/fixtures.ts';
import { transitionsSince } from '../../server/monitoring/transitions.ts';
import { parentPid, startPrimary, type Primary } from './support/primary.ts';
import { WORKER_MMAP_THRESHOLD, workerMmapThreshold } from '../../server/supervisor/primary.ts';

const RESTART = 'mutation { restartLookout(confirm: true) { ok pid durationMs } }';

interface Failure {
  path: string;
  error: string;
}

/**
 * Requests `paths` in turn, each on its own keep-alive connection (one socket per path, reused),
 * one every `everyMs`, until stopped: every error and every 5xx but /health's 503 is a failure.
 */
function poll(base: string, token: string, everyMs = 50) {
  const paths = ['/health', '/graphql', '/'];
  const failures: Failure[] = [];
  let answered = 0;
  let reused = 0;
  let running = true;
  const agents: http.Agent[] = [];
  const loop = async (path: string) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    while (running) {
      const outcome = await new Promise<string | null>((resolve) => {
        const body = path === '/graphql' ? JSON.stringify({ query: '{ __typename }' }) : undefined;
        const req = http.request(
          `${base}${path}`,
          { agent, method: body ? 'POST' : 'GET', headers: body ? { 'content-type': 'application/json', authorization: `Bearer ${token}` } : {}, timeout: 10_000 },
          (res) => {
            if (req.reusedSocket) reused++;
            res.resume();
            res.on('end', () => resolve((res.statusCode ?? 0) >= 500 && !(path === '/health' && res.statusCode === 503) ? `status ${res.statusCode}` : null));
            res.on('error', (err) => resolve(`response: ${err.message}`));
          },
        );
        req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
        req.on('error', (err: NodeJS.ErrnoException) => resolve(`${err.code ?? ''} ${err.message}`.trim()));
        req.end(body);
      });
      if (outcome) failures.push({ path, error: outcome });
      else answered++;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  };
  const loops = paths.map(loop);
  return {
    answered: () => answered,
    failures,
    reused: () => reused,
    async stop() {
      running = false;
      await Promise.all(loops);
      for (const agent of agents) agent.destroy();
    },
  };
}

describe('lookout serve under its supervisor', () => {
  let primary: Primary;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let sql: pg.Pool;
  const admin = () => ({ token: primary.adminToken });
  const workerPid = async () => (await gqlOk<{ systemStatus: { lookout: { pid: number } } }>(primary, '{ systemStatus { lookout { pid } } }', {}, admin())).systemStatus.lookout.pid;

  beforeAll(async () => {
    database = await createTestDatabase();
    sql = new pg.Pool({ connectionString: database.url, max: 2 });
    primary = await startPrimary({ DATABASE_URL: database.url });
  });
  afterAll(async () => {
    await primary?.stop();
    await sql?.end();
    await database?.drop();
  });

  it('restarts with restartLookout while clients request over keep-alive: no failed request, and another process answers', async () => {
    const before = await workerPid();
    const poller = poll(primary.url, primary.adminToken);
    await until(() => poller.answered() >= 15, 'the poller has answers', 20_000);
    const { restartLookout } = await gqlOk<{ restartLookout: { ok: boolean; pid: number; durationMs: number } }>(primary, RESTART, {}, admin());
    // The old worker drains and exits; the poller keeps going a while on the new one.
    await until(() => !alive(before), `the old worker (pid ${before}) exited`, 30_000);
    const answeredThen = poller.answered();
    await until(() => poller.answered() >= answeredThen + 15, 'the poller has answers from the new worker', 20_000);
    await poller.stop();

    expect(poller.failures).toEqual([]);
    expect(poller.reused()).toBeGreaterThan(10);
    expect(restartLookout).toMatchObject({ ok: true, pid: expect.any(Number) });
    expect(restartLookout.pid).not.toBe(before);
    expect(await workerPid()).toBe(restartLookout.pid);
    const { rows } = await sql.query(`select outcome, actor_label from audit_log where action = 'system.lookout.restart'`);
    expect(rows).toEqual([{ outcome: 'success', actor_label: expect.any(String) }]);
  }, 120_000);

  it('reconnects a subscriber after a restart (close 1012), and it misses no status transition', async () => {
    let failing = false;
    const target = http.createServer((_req, res) => res.writeHead(failing ? 500 : 200).end(failing ? 'failing' : 'ok'));
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const since = new Date().toISOString();
    await gqlOk(
      primary,
      'mutation($input: CreateServiceInput!) { createService(input: $input) { name } }',
      { input: { name: 'flapper', kind: 'http', target: `http://127.0.0.1:${(target.address() as AddressInfo).port}/`, interval: '1s', timeout: '800ms', failureThreshold: 1, recoveryThreshold: 1 } },
      admin(),
    );
    const closeCodes: number[] = [];
    let connections = 0;
    const client: Client = createClient({
      url: primary.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${primary.adminToken}` },
      retryAttempts: 20,
      retryWait: () => new Promise((r) => setTimeout(r, 100)),
      on: { connected: () => void connections++, closed: (event) => void closeCodes.push((event as { code: number }).code) },
    });
    type Change = { service: string; previousStatus: string | null; status: string; at: string };
    const received = new Map<string, Change>();
    const errors: unknown[] = [];
    const dispose = client.subscribe<{ serviceStatusChanged: Change }>(
      { query: 'subscription($since: DateTime) { serviceStatusChanged(service: "flapper", since: $since) { service previousStatus status at } }', variables: { since } },
      {
        next: (value) => (value.errors ? errors.push(value.errors) : received.set(value.data!.serviceStatusChanged.at, value.data!.serviceStatusChanged)),
        error: (err) => void errors.push(err),
        complete: () => void errors.push('completed'),
      },
    );
    // As the API shows them (its enum values are the stored statuses in capitals).
    const stored = async (): Promise<Change[]> =>
      (await transitionsSince(sql, new Date(since), new Date(), { service: 'flapper' })).map((t) => ({ service: t.service, previousStatus: t.previousStatus?.toUpperCase() ?? null, status: t.status.toUpperCase(), at: t.at }));
    const lastStatus = (changes: Change[]) => changes.at(-1)?.status;
    try {
      await until(() => lastStatus([...received.values()]) === 'HEALTHY', 'the subscriber sees flapper healthy', 20_000);
      failing = true;
      await until(() => lastStatus([...received.values()]) === 'DOWN', 'the subscriber sees flapper down', 20_000);
      // Transitions while the worker is replaced: one as the restart begins, one once the new worker serves.
      const oldWorker = await workerPid();
      const restarted = gqlOk<{ restartLookout: { pid: number } }>(primary, RESTART, {}, admin());
      failing = false;
      await until(async () => lastStatus(await stored()) === 'HEALTHY', 'flapper recovers (stored)', 20_000, 100);
      const { restartLookout } = await restarted;
      failing = true;
      await until(async () => lastStatus(await stored()) === 'DOWN', 'flapper fails again (stored)', 20_000, 100);
      failing = false;
      await until(async () => (await stored()).length >= 5 && lastStatus(await stored()) === 'HEALTHY', 'flapper recovers again (stored)', 20_000, 100);
      const all = await stored();
      await until(() => received.size >= all.length, `the subscriber has every stored transition (${all.length})`, 20_000).catch((error: Error) => {
        throw new Error(`${error.message}: stored ${JSON.stringify(all)}, received ${JSON.stringify([...received.values()])}, errors ${JSON.stringify(errors)}, closes ${closeCodes}, connections ${connections}`);
      });

      expect(errors).toEqual([]);
      expect(closeCodes).toContain(1012);
      expect(connections).toBeGreaterThanOrEqual(2);
      // The old worker still answers the requests that come on its open connections until it has drained.
      await until(() => !alive(oldWorker), `the old worker (pid ${oldWorker}) exited`, 30_000);
      expect(await workerPid()).toBe(restartLookout.pid);
      const key = (c: { at: string; status: string; previousStatus: string | null }) => `${c.at} ${c.previousStatus}→${c.status}`;
      expect([...received.values()].map(key).sort()).toEqual(all.map(key).sort());
    } finally {
      dispose();
      await client.dispose();
      target.close();
    }
  }, 120_000);

  it('starts the worker again after it is killed', async () => {
    const killed = await workerPid();
    const primaryPid = parentPid(killed);
    process.kill(killed, 'SIGKILL');
    // A connection the primary hands to the worker just as it dies is lost (Node's cluster): each ask is bounded.
    const answeringPid = async () => {
      const response = await fetch(`${primary.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${primary.adminToken}` },
        body: JSON.stringify({ query: '{ systemStatus { lookout { pid } } }' }),
        signal: AbortSignal.timeout(3000),
      });
      return ((await response.json()) as { data: { systemStatus: { lookout: { pid: number } } } }).data.systemStatus.lookout.pid;
    };
    let next = killed;
    await until(async () => (next = await answeringPid().catch(() => killed)) !== killed, 'another worker answers', 30_000, 100);
    expect(primary.output()).toContain('the worker exited unexpectedly; starting another');
    expect(parentPid(next)).toBe(primaryPid);
    expect(primary.child.exitCode).toBeNull();
  }, 120_000);

  it('starts the worker with a fixed mmap threshold for glibc (regression: freed large buffers raised it, and the main heap kept ~20 MB after bench/fuzz)', async () => {
    const environ = (await import('node:fs')).readFileSync(`/proc/${await workerPid()}/environ`, 'utf8').split('\0');
    expect(environ).toContain(`MALLOC_MMAP_THRESHOLD_=${workerMmapThreshold(process.env.MALLOC_MMAP_THRESHOLD_, { warn: () => {} })}`);
  });

  it('stops the worker and itself on SIGTERM, leaving no process behind', async () => {
    const worker = await workerPid();
    const primaryPid = parentPid(worker)!;
    expect(alive(primaryPid)).toBe(true);
    const exit = await primary.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(alive(worker)).toBe(false);
    expect(alive(primaryPid)).toBe(false);
  }, 120_000);
});

describe("the worker's MALLOC_MMAP_THRESHOLD_", () => {
  it("is the environment's when glibc reads it as meant, else 128 KB, and a malformed one is said (glibc reads \"\" or \"64k\" as 0: a mapping per allocation)", () => {
    const said: unknown[] = [];
    const logger = { warn: (...args: unknown[]) => void said.push(args) };
    expect(workerMmapThreshold(undefined, logger)).toBe(WORKER_MMAP_THRESHOLD);
    expect(workerMmapThreshold('65536', logger)).toBe('65536');
    expect(workerMmapThreshold('0', logger)).toBe('0');
    expect(said).toEqual([]);
    for (const bad of ['', '64k', 'abc', '-1', '99999999999', ' 4096']) expect(workerMmapThreshold(bad, logger), bad).toBe(WORKER_MMAP_THRESHOLD);
    expect(said).toHaveLength(6);
  });
});

describe('lookout serve under its supervisor, with the embedded PostgreSQL', () => {
  it('opens the database in the primary and stops it, and the worker, on SIGTERM', async () => {
    const primary = await startPrimary({}, 80_000);
    try {
      const { systemStatus } = await gqlOk<{ systemStatus: { lookout: { pid: number; databaseKind: string } } }>(primary, '{ systemStatus { lookout { pid databaseKind } } }', {}, { token: primary.adminToken });
      const worker = systemStatus.lookout.pid;
      // The worker gets the embedded database's URL from the primary, and still says what it is.
      expect(systemStatus.lookout.databaseKind).toBe('embedded');
      const postmaster = Number((await import('node:fs')).readFileSync(`${primary.dataDir}/postgres/postmaster.pid`, 'utf8').split('\n')[0]);
      const primaryPid = parentPid(worker)!;
      // The primary started it: the worker only connects to it.
      expect(Number((await import('node:fs')).readFileSync(`${primary.dataDir}/embedded-postgres.owner`, 'utf8'))).toBe(primaryPid);
      expect(alive(postmaster)).toBe(true);
      const exit = await primary.stop();
      expect(exit).toEqual({ code: 0, signal: null });
      expect(alive(worker)).toBe(false);
      expect(alive(primaryPid)).toBe(false);
      expect(alive(postmaster)).toBe(false);
    } finally {
      await primary.stop();
    }
  }, 120_000);
});

describe('a restart that fails', () => {
  it('reports why the new worker did not start and keeps the old one serving', async () => {
    const fs = await import('node:fs/promises');
    const database = await createTestDatabase();
    const dir = await fs.mkdtemp(`${(await import('node:os')).tmpdir()}/lookout-supervisor-config-`);
    const configFile = `${dir}/lookout.yaml`;
    await fs.writeFile(configFile, 'services: []\n');
    const primary = await startPrimary({ DATABASE_URL: database.url, LOOKOUT_CONFIG: configFile });
    try {
      const workerPid = async () => (await gqlOk<{ systemStatus: { lookout: { pid: number } } }>(primary, '{ systemStatus { lookout { pid } } }', {}, { token: primary.adminToken })).systemStatus.lookout.pid;
      const before = await workerPid();
      // The running worker keeps its last good file; a new one refuses to start with this one.
      await fs.writeFile(configFile, 'services:\n  - name: broken\n    kind: no-such-kind\n    target: x\n');
      const result = await gql(primary, RESTART, {}, { token: primary.adminToken });
      expect(result.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      expect(result.errors?.[0]?.message).toMatch(/^Lookout did not restart \(it keeps serving as it was\): The new Lookout worker \(pid \d+, from .+\) exited with code 1\. Its last output:\n/);
      expect(result.errors?.[0]?.message).toContain('no-such-kind');
      expect(await workerPid()).toBe(before);
      expect((await fetch(`${primary.url}/health`)).status).toBe(200);
    } finally {
      await primary.stop();
      await database.drop();
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
