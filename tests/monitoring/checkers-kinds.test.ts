/** Behaviour particular to each non-http kind, beyond the shared suite's up/slow/failing/timing-out. */
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CheckerHost, CheckResult } from '../../server/monitoring/checkers/checker.ts';
import { PROBE_PREFIX } from '../../server/monitoring/checkers/filesystem.ts';
import { getChecker } from '../../server/monitoring/checkers/registry.ts';
import { runCheck } from '../../server/monitoring/checkers/run.ts';
import { CpuMeter } from '../../server/system/host-readings.ts';
import { LOOP_SAMPLE_MS } from '../../server/system/loop-delay.ts';
import { Worker } from 'node:worker_threads';
import { selfSignedCertificate } from './support/certificates.ts';
import { startRespServer, type RespServer } from './support/resp-server.ts';
import { createTestHost, SELF_POOL_MAX, type TestHost } from './support/checker-host.ts';
import { closedPort } from './support/silent-server.ts';
import { startFloodingServer } from './support/flooding-server.ts';
import { startWsFixture, type WsFixture } from './support/ws-server.ts';

let dataDir: string;
let testHost: TestHost;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-kinds-'));
  testHost = createTestHost({ dataDir, databaseUrl: inject('postgresUrl') });
});

afterAll(async () => {
  await testHost?.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

interface Run {
  name?: string;
  options?: Record<string, unknown>;
  timeoutMs?: number;
  diagnose?: boolean;
  host?: Partial<CheckerHost>;
}

async function check(kind: string, target: string, run: Run = {}): Promise<CheckResult> {
  const checker = getChecker(kind);
  const normalised = checker.validate(target, run.options ?? {});
  const service = { name: run.name ?? kind, kind, ...normalised, timeoutMs: run.timeoutMs ?? 5000, degradedLatencyMs: null };
  return runCheck(checker, service, { diagnose: run.diagnose ?? false, host: { ...testHost.host, ...run.host } });
}

async function ipv6Loopback(): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(0, '::1', () => server.close(() => resolve(true)));
  });
}

describe('tcp checker', () => {
  it('connects to an IPv6 address written [::1]:port', async () => {
    if (!(await ipv6Loopback())) return expect.soft('IPv6 loopback unavailable here').toBeTruthy();
    const server = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '::1', resolve));
    try {
      const result = await check('tcp', `[::1]:${(server.address() as net.AddressInfo).port}`);
      expect(result).toMatchObject({ status: 'healthy', details: { address: '::1' } });
    } finally {
      server.close();
    }
  });

  it('records dns and connect steps, and which one failed', async () => {
    const server = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const up = await check('tcp', `localhost:${(server.address() as net.AddressInfo).port}`);
      expect(up.steps?.map((step) => step.name)).toEqual(['dns', 'connect']);
    } finally {
      server.close();
    }
    const down = await check('tcp', `127.0.0.1:${await closedPort()}`);
    expect(down.steps?.map((step) => [step.name, step.ok])).toEqual([['dns', true], ['connect', false]]);
  });

  it('says when a host name does not resolve', async () => {
    const result = await check('tcp', 'no-such-host.invalid:80');
    expect(result.status).toBe('down');
    expect(result.error).toMatch(/^DNS lookup failed for no-such-host\.invalid:80/);
  });
});

describe('websocket checker', () => {
  let plain: WsFixture;
  let secure: WsFixture;
  beforeAll(async () => {
    [plain, secure] = await Promise.all([startWsFixture(), startWsFixture(selfSignedCertificate(30))]);
  });
  afterAll(() => Promise.all([plain?.close(), secure?.close()]));

  it('opens the socket alone when there is nothing to send, and closes it afterwards', async () => {
    const result = await check('websocket', `${plain.url}/echo`, { diagnose: true });
    expect(result.status).toBe('healthy');
    expect(result.steps?.map((step) => step.name)).toEqual(['connect', 'upgrade']);
    await expect.poll(() => plain.openClients()).toBe(0);
  });

  it('waits for a message the server pushes unprompted', async () => {
    const result = await check('websocket', `${plain.url}/push`, { options: { expect: 'hello' } });
    expect(result).toMatchObject({ status: 'healthy' });
    expect(result.steps?.map((step) => step.name)).toEqual(['connect', 'upgrade', 'round trip']);
  });

  it('sends the headers it is given', async () => {
    expect(await check('websocket', `${plain.url}/private`)).toMatchObject({ status: 'down', error: 'upgrade refused: HTTP 401 Unauthorized' });
    expect((await check('websocket', `${plain.url}/private`, { options: { headers: { 'x-token': 'letmein' } } })).status).toBe('healthy');
  });

  it('times out when no reply contains the expected text', async () => {
    const result = await check('websocket', `${plain.url}/mute`, { options: { send: 'ping', expect: 'pong' }, timeoutMs: 300 });
    expect(result).toMatchObject({ status: 'down', error: 'timed out after 300 ms' });
  });

  it('is down when the server closes before replying, naming the round trip', async () => {
    const result = await check('websocket', `${plain.url}/bye`, { options: { send: 'ping', expect: 'pong' } });
    expect(result).toMatchObject({ status: 'down', error: 'round trip: closed by the server (1001 going away) before a reply containing "pong"' });
    expect(result.steps?.map((step) => [step.name, step.ok])).toEqual([['connect', true], ['upgrade', true], ['round trip', false]]);
  });

  it('checks wss, strictly unless insecure', async () => {
    expect((await check('websocket', `${secure.url}/echo`)).error).toMatch(/^TLS: self[- ]signed certificate/);
    const result = await check('websocket', `${secure.url}/echo`, { options: { insecure: true, send: 'a', expect: 'echo: a' }, diagnose: true });
    expect(result.status).toBe('healthy');
    expect(result.steps?.[0].detail).toMatch(/\(TLSv1\.[23]\)$/);
  });
});

describe('postgres checker', () => {
  it('reports connections in use and the server limit, with connect and query steps', async () => {
    const result = await check('postgres', inject('postgresUrl'));
    expect(result).toMatchObject({ status: 'healthy', details: { connections: expect.any(Number), maxConnections: expect.any(Number) } });
    expect(result.details.connections).toBeGreaterThanOrEqual(1);
    expect(result.steps?.map((step) => step.name)).toEqual(['connect', 'query']);
  });

  it('regression: a target declaring a huge message and streaming it was held whole until the timeout', async () => {
    // After the start-up message: an authentication message ("R") whose length says 2 GiB.
    const header = Buffer.from([0x52, 0x7f, 0xff, 0xff, 0xff]);
    const flooding = await startFloodingServer(header, { afterFirstData: true });
    try {
      const result = await check('postgres', `postgres://lookout:secret@127.0.0.1:${flooding.port}/app`, { timeoutMs: 60_000 });
      expect(result).toMatchObject({ status: 'down', error: expect.stringContaining('the server sent more than 1 MiB in reply: is it PostgreSQL?') });
      await flooding.closed;
      expect(flooding.sent()).toBeLessThan(32 * 1024 * 1024);
    } finally {
      await flooding.close();
    }
  });

  it('says the connection was refused', async () => {
    const port = await closedPort();
    const result = await check('postgres', `postgres://lookout:secret@127.0.0.1:${port}/app`);
    expect(result).toMatchObject({ status: 'down', error: `connection refused by 127.0.0.1:${port} (nothing listening?)` });
    expect(result.error).not.toContain('secret');
  });

  it('checks Lookout\'s own database as "self": ping, pool use and pending migrations', async () => {
    expect(await check('postgres', 'self')).toMatchObject({ status: 'healthy', details: { maxConnections: SELF_POOL_MAX } });
    testHost.pendingMigrations = ['Migration20260101000000', 'Migration20260102000000'];
    try {
      const result = await check('postgres', 'self');
      expect(result).toMatchObject({
        status: 'degraded',
        error: '2 pending migrations: Migration20260101000000, Migration20260102000000',
        details: { pendingMigrations: ['Migration20260101000000', 'Migration20260102000000'] },
      });
    } finally {
      testHost.pendingMigrations = [];
    }
  });

  it('reports the pool on "self" without judging a momentarily busy pool', async () => {
    const busy = { ping: async () => {}, pendingMigrations: async () => [], poolUse: () => ({ used: 10, max: 10, waiting: 3 }) };
    expect(await check('postgres', 'self', { host: { database: busy } })).toMatchObject({ status: 'healthy', details: { connections: 10, maxConnections: 10, waiting: 3 } });
  });

  it('is down on "self" when the host has no database, or the database fails', async () => {
    expect(await check('postgres', 'self', { host: { database: undefined } })).toMatchObject({ status: 'down', error: "Lookout's own database is not available to checkers in this process" });
    const failing = { ping: () => Promise.reject(new Error('Connection terminated unexpectedly')), pendingMigrations: async () => [] };
    expect(await check('postgres', 'self', { host: { database: failing } })).toMatchObject({ status: 'down', error: 'Connection terminated unexpectedly' });
  });
});

describe('redis checker', () => {
  let plain: RespServer;
  let acl: RespServer;
  let loading: RespServer;
  let secure: RespServer;
  beforeAll(async () => {
    [plain, acl, loading, secure] = await Promise.all([
      startRespServer(),
      startRespServer({ username: 'monitor', password: 's3cret' }),
      startRespServer({ pingError: 'LOADING Redis is loading the dataset in memory' }),
      startRespServer({ certificate: selfSignedCertificate(30) }),
    ]);
  });
  afterAll(() => Promise.all([plain?.close(), acl?.close(), loading?.close(), secure?.close()]));

  it('speaks TLS for rediss://, verifying the certificate unless insecure', async () => {
    expect((await check('redis', `rediss://127.0.0.1:${secure.port}`)).error).toMatch(/^TLS: self[- ]signed certificate/);
    expect(await check('redis', `rediss://127.0.0.1:${secure.port}`, { options: { insecure: true } })).toMatchObject({ status: 'healthy' });
  });

  it('pings host:port with no AUTH, and reports the round trip', async () => {
    const result = await check('redis', `127.0.0.1:${plain.port}`);
    expect(result).toMatchObject({ status: 'healthy', details: { roundTripMs: expect.any(Number) } });
    expect(plain.commands.at(-1)).toEqual(['PING']);
  });

  it('authenticates as an ACL user, then selects the database', async () => {
    const before = acl.commands.length;
    expect((await check('redis', `redis://monitor:s3cret@127.0.0.1:${acl.port}/3`, { diagnose: true })).steps?.map((step) => step.name)).toEqual(['connect', 'auth', 'select', 'ping']);
    expect(acl.commands.slice(before)).toEqual([['AUTH', 'monitor', 's3cret'], ['SELECT', '3'], ['PING']]);
  });

  it('reports what the server said when it refuses', async () => {
    expect(await check('redis', `redis://127.0.0.1:${acl.port}`)).toMatchObject({ status: 'down', error: 'PING failed: NOAUTH Authentication required.' });
    expect(await check('redis', `redis://127.0.0.1:${plain.port}/99`)).toMatchObject({ status: 'down', error: 'SELECT 99 failed: ERR DB index is out of range' });
    expect(await check('redis', `redis://127.0.0.1:${loading.port}`)).toMatchObject({ status: 'down', error: 'PING failed: LOADING Redis is loading the dataset in memory' });
    const port = await closedPort();
    expect(await check('redis', `127.0.0.1:${port}`)).toMatchObject({ status: 'down', error: `connection refused by 127.0.0.1:${port} (nothing listening?)` });
  });

  it('regression: a target streaming bytes without ever ending a reply line was buffered whole until the timeout (and searched again at every chunk)', async () => {
    const flooding = await startFloodingServer();
    try {
      const result = await check('redis', `127.0.0.1:${flooding.port}`, { timeoutMs: 60_000 });
      expect(result).toMatchObject({ status: 'down', error: 'the server sent more than 64 KiB without ending a reply line: is it Redis?' });
      await flooding.closed; // the checker let go of the connection
      expect(flooding.sent()).toBeLessThan(32 * 1024 * 1024); // what it read past the bound, and what the kernels' buffers held
    } finally {
      await flooding.close();
    }
  });

  it.skipIf(!process.env.REDIS_URL)('pings the real Redis at REDIS_URL', async () => {
    const result = await check('redis', process.env.REDIS_URL!);
    expect(result, result.error ?? '').toMatchObject({ status: 'healthy', details: { roundTripMs: expect.any(Number) } });
  });
});

describe('filesystem checker', () => {
  it('reports free space and the probe time, and leaves no probe file behind', async () => {
    const result = await check('filesystem', dataDir);
    expect(result).toMatchObject({ status: 'healthy', details: { freeBytes: expect.any(Number), totalBytes: expect.any(Number), freePercent: expect.any(Number), probeMs: expect.any(Number) } });
    expect((await fs.readdir(dataDir)).filter((name) => name.startsWith(PROBE_PREFIX))).toEqual([]);
  });

  it('is down below downBelowPercent', async () => {
    const result = await check('filesystem', dataDir, { options: { degradedBelowPercent: 100, downBelowPercent: 100 } });
    expect(result.status).toBe('down');
    expect(result.error).toMatch(/% free on .* down below 100%\)$/);
  });

  it('is down when the target is a file', async () => {
    const file = path.join(dataDir, 'plain-file');
    await fs.writeFile(file, 'x');
    expect(await check('filesystem', file)).toMatchObject({ status: 'down', error: `${file} is not a directory` });
  });

  it('is down with the reason when the directory cannot be written', async () => {
    // Root writes through file modes, so use a directory that refuses everyone when running as root.
    const dir = process.getuid?.() === 0 ? '/proc' : path.join(dataDir, 'read-only');
    if (dir !== '/proc') await fs.mkdir(dir, { mode: 0o500 });
    const result = await check('filesystem', dir, { diagnose: true });
    expect(result.status).toBe('down');
    expect(result.error).toMatch(new RegExp(`^cannot write to ${dir}: `));
    expect(result.steps?.map((step) => [step.name, step.ok])).toEqual([['stat', true], ['probe', false]]);
  });
});

/** A worker per core, each spinning until stopped: a machine at full CPU. */
function spinAllCores(): { stop(): Promise<void> } {
  const source = 'const { workerData } = require("node:worker_threads"); const flag = new Int32Array(workerData); while (Atomics.load(flag, 0) === 0) {}';
  const flag = new SharedArrayBuffer(4);
  const workers = Array.from({ length: os.availableParallelism() }, () => new Worker(source, { eval: true, workerData: flag }));
  return {
    async stop() {
      Atomics.store(new Int32Array(flag), 0, 1);
      await Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve))));
    },
  };
}

describe('host checker', () => {
  it('reports CPU, memory and disk use of the data directory\'s volume', async () => {
    const result = await check('host', 'localhost', { options: { cpuDegradedPercent: 100, cpuDownPercent: 100 } });
    expect(result.details).toMatchObject({
      cpuPercent: expect.any(Number),
      memoryPercent: expect.any(Number),
      memoryTotalBytes: os.totalmem(),
      diskPercent: expect.any(Number),
      diskPath: dataDir,
    });
    for (const key of ['cpuPercent', 'memoryPercent', 'diskPercent']) {
      expect(result.details[key]).toBeGreaterThanOrEqual(0);
      expect(result.details[key]).toBeLessThanOrEqual(100);
    }
  });

  it('measures the volume of a data directory that does not exist yet', async () => {
    const result = await check('host', 'localhost', { host: { dataDir: path.join(dataDir, 'not', 'yet') } });
    expect(result.details.diskPath).toBe(dataDir);
  });

  it('names every metric over its threshold', async () => {
    const result = await check('host', 'localhost', { options: { cpuDegradedPercent: 100, cpuDownPercent: 100, memoryDegradedPercent: 0, diskDegradedPercent: 0, diskDownPercent: 0 } });
    expect(result.status).toBe('down');
    expect(result.error).toMatch(/^memory [\d.]+% used \(degraded above 0%\); disk [\d.]+% used \(down above 0%\)$/);
  });

  it('a host at full CPU is busy, not down: CPU alone makes it degraded at most (a fresh start on a busy machine showed Host DOWN)', async () => {
    // Every core spinning while the check measures; cpuDownPercent (which made it down before) is still accepted.
    const spinners = spinAllCores();
    try {
      const result = await check('host', 'localhost', { options: { cpuDegradedPercent: 0, cpuDownPercent: 0 } });
      expect(result.status).toBe('degraded');
      expect(result.error).toMatch(/^CPU [\d.]+% used \(degraded above 0%\)$/);
      expect(result.details.cpuPercent).toBeGreaterThan(0);
    } finally {
      await spinners.stop();
    }
  });

  it('accepts cpuDownPercent of older definitions and drops it', () => {
    expect(getChecker('host').validate('localhost', { cpuDownPercent: 95 }).options).not.toHaveProperty('cpuDownPercent');
  });

  it('still calls the host down when memory or disk runs out', async () => {
    const result = await check('host', 'localhost', { options: { cpuDegradedPercent: 100, memoryDegradedPercent: 0, memoryDownPercent: 0 } });
    expect(result).toMatchObject({ status: 'down', error: expect.stringMatching(/^memory [\d.]+% used \(down above 0%\)$/) });
  });

  it('measures the first CPU reading after a start over an interval, not since boot (the first reading was a spike)', async () => {
    // Counters since boot say 100% busy; the interval measured after the meter's first look says 10%.
    const readings = [
      { at: 0, idle: 0, total: 1_000_000 },
      { at: 5, idle: 0, total: 1_000_000 },
      { at: 40, idle: 900, total: 1_001_000 },
    ];
    const meter = new CpuMeter({ windowMs: 30, read: () => readings.shift()! });
    expect(await meter.percent()).toBe(10);
    expect(readings).toEqual([]);
  });
});

describe('event-bus checker', () => {
  it('reports the transport the probe went through', async () => {
    expect(await check('event-bus', 'lookout')).toMatchObject({ status: 'healthy', details: { transport: 'in-process' } });
  });

  it('is down when the host has no event bus', async () => {
    expect(await check('event-bus', 'lookout', { host: { eventBusProbe: undefined } })).toMatchObject({ status: 'down', error: 'the event bus is not available to checkers in this process' });
  });
});

describe('heartbeat checker', () => {
  it('is down before the first ping', async () => {
    expect(await check('heartbeat', 'push', { name: 'never-pinged' })).toMatchObject({ status: 'down', error: 'no ping received yet', details: { lastPingAt: null } });
  });

  it('is down when the last ping reported failure, however recent', async () => {
    const at = new Date();
    testHost.ping('nightly-backup', at, true);
    expect(await check('heartbeat', 'push', { name: 'nightly-backup' })).toMatchObject({ status: 'down', error: 'the job reported failure', details: { lastPingAt: at.toISOString() } });
  });

  it('stays healthy through the grace period and is down after it', async () => {
    const now = Date.now();
    const at = (ms: number) => ({ host: { now: () => new Date(now + ms) }, name: 'report', options: { period: '5m', grace: '1m' } });
    testHost.ping('report', new Date(now));
    expect((await check('heartbeat', 'push', at(5 * 60_000 + 59_000))).status).toBe('healthy');
    expect(await check('heartbeat', 'push', at(2 * 3600_000 + 5 * 60_000))).toMatchObject({ status: 'down', error: 'no ping for 2h 5m; expected every 5m (grace 1m)' });
  });

  it('is down when the host has no heartbeats', async () => {
    expect(await check('heartbeat', 'push', { host: { lastHeartbeat: undefined } })).toMatchObject({ status: 'down', error: 'heartbeats are not available to checkers in this process' });
  });
});

describe('command checker', () => {
  it('is degraded on exit 1 with the plugin\'s output as the error', async () => {
    const result = await check('command', '/bin/sh', { options: { args: ['-c', 'echo "WARNING - load 7.2"; exit 1'] } });
    expect(result).toMatchObject({ status: 'degraded', error: 'WARNING - load 7.2 (exited with code 1)', details: { exitCode: 1, output: 'WARNING - load 7.2' } });
  });

  it('is down on exit 3 (UNKNOWN) and when killed by a signal, using stderr when stdout is empty', async () => {
    expect(await check('command', '/bin/sh -c "echo oops >&2; exit 3"')).toMatchObject({ status: 'down', error: 'oops (exited with code 3)' });
    expect(await check('command', '/bin/sh -c "kill -9 $$"')).toMatchObject({ status: 'down', error: 'killed by SIGKILL', details: { signal: 'SIGKILL' } });
  });

  it('keeps the first 500 characters of output', async () => {
    const result = await check('command', '/bin/sh', { options: { args: ['-c', 'head -c 2000 /dev/zero | tr "\\0" x; exit 2'] } });
    expect(result.details.output).toHaveLength(500);
  });

  it('runs without a shell unless asked: quoting is kept, metacharacters are plain arguments', async () => {
    expect(await check('command', '/bin/echo "a  b" $HOME;', { options: { args: ['c d'] } })).toMatchObject({ details: { output: 'a  b $HOME; c d' } });
    expect(await check('command', 'echo $((40 + 2)) | tr 4 X && echo', { options: { shell: true, args: ["it's"] } })).toMatchObject({ status: 'healthy', details: { output: "X2\nit's" } });
  });

  it('says when the program does not exist', async () => {
    expect(await check('command', '/no/such/plugin -w 5')).toMatchObject({ status: 'down', error: 'command not found: /no/such/plugin' });
  });

  it('kills the whole process group when it times out', async () => {
    const pidFile = path.join(dataDir, 'sleeper.pid');
    const result = await check('command', `sleep 30 & echo $! > ${pidFile}; wait`, { options: { shell: true }, timeoutMs: 500 });
    expect(result.error).toBe('timed out after 500 ms');
    const pid = Number(await fs.readFile(pidFile, 'utf8'));
    await expect.poll(() => alive(pid), { timeout: 3000 }).toBe(false);
  });

  it('ends when the command exits, though a process it left in another session holds its output (regression: the check waited for the daemon and timed out)', async () => {
    const pidFile = path.join(dataDir, 'daemon.pid');
    try {
      const result = await check('command', `setsid sleep 30 & echo $! > ${pidFile}; echo started`, { options: { shell: true }, timeoutMs: 10_000 });
      expect(result).toMatchObject({ status: 'healthy', details: { exitCode: 0, output: 'started' } });
    } finally {
      const pid = Number(await fs.readFile(pidFile, 'utf8').catch(() => '0'));
      if (pid) process.kill(pid, 'SIGKILL');
    }
  });
});

describe('lookout checker', () => {
  it('reports event-loop lag and memory of this process', async () => {
    const result = await check('lookout', 'lookout');
    expect(result.details).toMatchObject({ eventLoopLagP99Ms: expect.any(Number), rssMb: expect.any(Number), heapUsedMb: expect.any(Number) });
  });

  it('is degraded after the event loop was blocked', async () => {
    await check('lookout', 'lookout'); // starts the check's window: the lag since this check
    // Busy-wait: the event loop is blocked for longer than the threshold (200 ms) plus one sampling
    // interval (a sample's lag is its delay less the interval), as a runaway synchronous task would block it.
    const until = performance.now() + 200 + LOOP_SAMPLE_MS + 100;
    while (performance.now() < until) {
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const result = await check('lookout', 'lookout', { options: { eventLoopLagDegradedMs: 200, rssDegradedMb: 100_000, rssDownMb: 100_000 } });
    expect(result.status).toBe('degraded');
    expect(result.error).toMatch(/^event-loop lag p99 [\d.]+ ms \(degraded above 200 ms\)$/);
    expect(result.details.eventLoopLagMaxMs).toBeGreaterThanOrEqual(200);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
