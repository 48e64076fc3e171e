/**
 * The shared suite every checker kind passes: for each kind, a real target that is up, slow,
 * failing and hanging, all run through `runCheck`. A case a kind cannot have says why in the table
 * (and shows as skipped with that reason) instead of being left out.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CheckerHost, CheckResult } from '../../server/monitoring/checkers/checker.ts';
import { CHECKER_KINDS, getChecker } from '../../server/monitoring/checkers/registry.ts';
import { runCheck } from '../../server/monitoring/checkers/run.ts';
import type { Status } from '../../server/monitoring/status.ts';
import { startBacklogFullListener, type BacklogFullListener } from './support/backlog-full-listener.ts';
import { startHttpFixture, type HttpFixture } from './support/http-server.ts';
import { startRespServer, type RespServer } from './support/resp-server.ts';
import { createTestHost, type TestHost } from './support/checker-host.ts';
import { closedPort, startSilentServer, type SilentServer } from './support/silent-server.ts';
import { startWsFixture, type WsFixture } from './support/ws-server.ts';

/** Timeout of every "timing out" case, and how much later than it the result may come. */
const TIMEOUT_MS = 300;
const TIMEOUT_SLACK_MS = 500;
/** Timeout of the other cases: generous, they finish far sooner. */
const DEFAULT_TIMEOUT_MS = 5000;

interface Fixture {
  /** The service name (heartbeats are looked up by it); `<kind>-<case>` when absent. */
  name?: string;
  target: string;
  options?: Record<string, unknown>;
  timeoutMs?: number;
  degradedLatencyMs?: number | null;
  host?: Partial<CheckerHost>;
  /** What the error must say (slow and failing cases). */
  error?: RegExp;
}

/** A case that applies: how it is produced (shown in the test name) and the fixture, built when it runs. */
interface Applies {
  how: string;
  fixture: () => Fixture;
}

/** A case that cannot be produced for a kind, and why. */
interface DoesNotApply {
  notApplicable: string;
}

type Case = Applies | DoesNotApply;

const CASES = [
  { key: 'up', expect: 'healthy', title: 'is healthy when the target is up' },
  { key: 'slow', expect: 'degraded', title: 'is degraded when slow' },
  { key: 'failing', expect: 'down', title: 'is down with a useful error when failing' },
  { key: 'timingOut', expect: 'down', title: `is down "timed out after ${TIMEOUT_MS} ms" when the target never answers` },
] as const satisfies readonly { key: string; expect: Status; title: string }[];

type KindCases = Record<(typeof CASES)[number]['key'], Case>;

let httpServer: HttpFixture;
let wsServer: WsFixture;
let silent: SilentServer;
let redis: RespServer;
let slowRedis: RespServer;
let stoppedListener: BacklogFullListener;
let resumedListener: BacklogFullListener;
let refusedPort: number;
let dataDir: string;
let testHost: TestHost;
const postgresUrl = () => inject('postgresUrl');
/** Host thresholds that are never crossed: CPU may well be at 100% while the test suite runs. */
const HOST_OFF = Object.fromEntries(['cpu', 'memory', 'disk'].flatMap((metric) => [[`${metric}DegradedPercent`, 100], [`${metric}DownPercent`, 100]]));
const never = (signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));

const TABLE: Record<string, KindCases> = {
  http: {
    up: { how: 'GET /ok answers 200', fixture: () => ({ target: `${httpServer.url}/ok` }) },
    slow: { how: 'answers after 150 ms, degradedLatencyMs 100', fixture: () => ({ target: `${httpServer.url}/slow?ms=150`, degradedLatencyMs: 100, error: /^slow: \d+ ms \(degraded above 100 ms\)$/ }) },
    failing: { how: 'answers 503', fixture: () => ({ target: `${httpServer.url}/status/503`, error: /^HTTP 503 \(expected 200-299\)$/ }) },
    timingOut: { how: 'accepts the request and never answers', fixture: () => ({ target: `${httpServer.url}/hang`, timeoutMs: TIMEOUT_MS }) },
  },
  tcp: {
    up: { how: 'a listening port', fixture: () => ({ target: `127.0.0.1:${httpServer.port}` }) },
    slow: {
      how: 'a listener with a full accept queue, resumed after 200 ms: connect completes on the SYN retry (~1 s), degradedLatencyMs 500',
      fixture: () => {
        setTimeout(() => resumedListener.resume(), 200);
        return { target: `127.0.0.1:${resumedListener.port}`, degradedLatencyMs: 500, error: /^slow: \d+ ms/ };
      },
    },
    failing: { how: 'nothing listens on the port', fixture: () => ({ target: `127.0.0.1:${refusedPort}`, error: /^connection refused by 127\.0\.0\.1:\d+/ }) },
    timingOut: { how: 'a stopped listener whose full accept queue drops the SYN', fixture: () => ({ target: `127.0.0.1:${stoppedListener.port}`, timeoutMs: TIMEOUT_MS }) },
  },
  websocket: {
    up: { how: 'upgrade, then send "ping" and get "echo: ping"', fixture: () => ({ target: `${wsServer.url}/echo`, options: { send: 'ping', expect: 'echo: ping' } }) },
    slow: { how: 'the reply comes after 150 ms, degradedLatencyMs 100', fixture: () => ({ target: `${wsServer.url}/slow`, options: { send: 'ping', expect: 'echo' }, degradedLatencyMs: 100, error: /^slow: / }) },
    failing: { how: 'the upgrade is refused with 403', fixture: () => ({ target: `${wsServer.url}/refuse`, error: /^upgrade refused: HTTP 403 Forbidden$/ }) },
    timingOut: { how: 'a server that accepts TCP and never answers the upgrade', fixture: () => ({ target: `ws://127.0.0.1:${silent.port}/`, timeoutMs: TIMEOUT_MS }) },
  },
  postgres: {
    up: { how: 'the test PostgreSQL', fixture: () => ({ target: postgresUrl() }) },
    slow: { how: 'connection use over its own threshold (maxConnectionUse 0.001)', fixture: () => ({ target: postgresUrl(), options: { maxConnectionUse: 0.001 }, error: /^connections \d+ of \d+ in use \(degraded at 0.1%\)$/ }) },
    failing: {
      how: 'a database that does not exist',
      fixture: () => ({ target: Object.assign(new URL(postgresUrl()), { pathname: '/lookout_no_such_db' }).toString(), error: /database "lookout_no_such_db" does not exist/ }),
    },
    timingOut: { how: 'a server that accepts TCP and never answers the startup message', fixture: () => ({ target: `postgres://lookout@127.0.0.1:${silent.port}/x`, timeoutMs: TIMEOUT_MS }) },
  },
  redis: {
    up: { how: 'a RESP server with a password, database 2: AUTH, SELECT, PING', fixture: () => ({ target: `redis://:sesame@127.0.0.1:${redis.port}/2` }) },
    slow: { how: 'replies after 150 ms, degradedLatencyMs 100', fixture: () => ({ target: `127.0.0.1:${slowRedis.port}`, degradedLatencyMs: 100, error: /^slow: / }) },
    failing: { how: 'a wrong password', fixture: () => ({ target: `redis://:wrong@127.0.0.1:${redis.port}`, error: /^AUTH failed: WRONGPASS / }) },
    timingOut: { how: 'a server that accepts TCP and never replies', fixture: () => ({ target: `redis://127.0.0.1:${silent.port}`, timeoutMs: TIMEOUT_MS }) },
  },
  filesystem: {
    up: { how: 'a temporary directory', fixture: () => ({ target: dataDir }) },
    slow: {
      how: 'free space under its own threshold (degradedBelowPercent 100)',
      fixture: () => ({ target: dataDir, options: { degradedBelowPercent: 100, downBelowPercent: 0 }, error: /^[\d.]+% free on .* degraded below 100%\)$/ }),
    },
    failing: { how: 'a directory that does not exist', fixture: () => ({ target: path.join(dataDir, 'missing'), error: /missing does not exist$/ }) },
    timingOut: { notApplicable: 'statfs and a local write cannot be made to hang without root (the real case is a hung network mount); runCheck enforces the timeout for every kind alike' },
  },
  host: {
    up: { how: 'this machine, with every threshold at 100% (never crossed)', fixture: () => ({ target: 'localhost', options: HOST_OFF }) },
    slow: { how: 'memory over its own threshold (memoryDegradedPercent 0)', fixture: () => ({ target: 'localhost', options: { ...HOST_OFF, memoryDegradedPercent: 0 }, error: /^memory [\d.]+% used \(degraded above 0%\)$/ }) },
    failing: { how: 'memory over its down threshold (memoryDownPercent 0)', fixture: () => ({ target: 'localhost', options: { ...HOST_OFF, memoryDegradedPercent: 0, memoryDownPercent: 0 }, error: /^memory [\d.]+% used \(down above 0%\)$/ }) },
    timingOut: { notApplicable: 'it reads local counters (os.cpus, /proc/meminfo, statfs) that cannot be made to hang' },
  },
  'event-bus': {
    up: { how: 'the probe comes back through an in-process bus', fixture: () => ({ target: 'lookout' }) },
    slow: {
      how: 'the subscriber echoes after 150 ms, degradedLatencyMs 100',
      fixture: () => ({
        target: 'lookout',
        degradedLatencyMs: 100,
        error: /^slow: /,
        host: { eventBusProbe: async (timeoutMs, signal) => { testHost.busDelayMs = 150; try { return await testHost.host.eventBusProbe!(timeoutMs, signal); } finally { testHost.busDelayMs = 0; } } },
      }),
    },
    failing: { how: 'the probe fails (publisher lost its connection)', fixture: () => ({ target: 'lookout', host: { eventBusProbe: async () => Promise.reject(new Error('publish failed: connection to Redis lost')) }, error: /^event bus probe failed: publish failed: connection to Redis lost$/ }) },
    timingOut: { how: 'the probe never comes back', fixture: () => ({ target: 'lookout', timeoutMs: TIMEOUT_MS, host: { eventBusProbe: (_timeoutMs, signal) => never(signal) } }) },
  },
  heartbeat: {
    up: { how: 'pinged 10 s ago, period 1m', fixture: () => (testHost.ping('heartbeat-up', new Date(Date.now() - 10_000)), { name: 'heartbeat-up', target: 'push', options: { period: '1m' } }) },
    slow: { notApplicable: 'a push check has no latency of its own (it reports 0 ms), and a late ping is down, not degraded (see failing)' },
    failing: {
      how: 'last ping 10 minutes ago, period 5m, grace 1m',
      fixture: () => (testHost.ping('heartbeat-failing', new Date(Date.now() - 600_000)), { name: 'heartbeat-failing', target: 'push', options: { period: '5m', grace: '1m' }, error: /^no ping for 10m; expected every 5m \(grace 1m\)$/ }),
    },
    timingOut: { how: 'the heartbeat store never answers', fixture: () => ({ target: 'push', timeoutMs: TIMEOUT_MS, host: { lastHeartbeat: () => never(new AbortController().signal) } }) },
  },
  command: {
    up: { how: '/bin/echo exits 0', fixture: () => ({ target: '/bin/echo OK - all fine' }) },
    slow: { how: '/bin/sleep 0.2, degradedLatencyMs 100', fixture: () => ({ target: '/bin/sleep 0.2', degradedLatencyMs: 100, error: /^slow: / }) },
    failing: { how: 'a plugin printing CRITICAL and exiting 2', fixture: () => ({ target: '/bin/sh', options: { args: ['-c', 'echo "CRITICAL - disk full"; exit 2'] }, error: /^CRITICAL - disk full \(exited with code 2\)$/ }) },
    timingOut: { how: '/bin/sleep 10', fixture: () => ({ target: '/bin/sleep 10', timeoutMs: TIMEOUT_MS }) },
  },
  lookout: {
    up: { how: 'this process, with room to spare (rss thresholds 4 GB / 8 GB)', fixture: () => ({ target: 'lookout', options: { rssDegradedMb: 4096, rssDownMb: 8192 } }) },
    slow: { how: 'resident memory over its own threshold (rssDegradedMb 1)', fixture: () => ({ target: 'lookout', options: { rssDegradedMb: 1 }, error: /^resident memory [\d.]+ MB \(degraded above 1 MB\)$/ }) },
    failing: { how: 'resident memory over its down threshold (rssDownMb 1)', fixture: () => ({ target: 'lookout', options: { rssDegradedMb: 1, rssDownMb: 1 }, error: /^resident memory [\d.]+ MB \(down above 1 MB\)$/ }) },
    timingOut: { notApplicable: 'it reads this process\'s own counters, which cannot hang (a blocked event loop delays the timer too)' },
  },
};

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-checkers-'));
  [httpServer, wsServer, silent, redis, slowRedis, stoppedListener, resumedListener, refusedPort] = await Promise.all([
    startHttpFixture(),
    startWsFixture(),
    startSilentServer(),
    startRespServer({ password: 'sesame' }),
    startRespServer({ delayMs: 150 }),
    startBacklogFullListener(),
    startBacklogFullListener(),
    closedPort(),
  ]);
  testHost = createTestHost({ dataDir, databaseUrl: inject('postgresUrl') });
});

afterAll(async () => {
  stoppedListener?.close();
  resumedListener?.close();
  await Promise.all([httpServer?.close(), wsServer?.close(), silent?.close(), redis?.close(), slowRedis?.close(), testHost?.close()]);
  await fs.rm(dataDir, { recursive: true, force: true });
});

async function run(kind: string, caseKey: string, fixture: Fixture, diagnose = false): Promise<{ result: CheckResult; elapsedMs: number }> {
  const checker = getChecker(kind);
  const { target, options } = checker.validate(fixture.target, fixture.options ?? {});
  const service = { name: fixture.name ?? `${kind}-${caseKey}`, kind, target, options, timeoutMs: fixture.timeoutMs ?? DEFAULT_TIMEOUT_MS, degradedLatencyMs: fixture.degradedLatencyMs ?? null };
  const started = performance.now();
  const result = await runCheck(checker, service, { diagnose, host: { ...testHost.host, ...fixture.host } });
  return { result, elapsedMs: performance.now() - started };
}

describe('every checker kind', () => {
  it('has a row in this table for each registered kind', () => {
    expect(Object.keys(TABLE).sort()).toEqual([...CHECKER_KINDS].sort());
  });

  for (const kind of CHECKER_KINDS) {
    describe(kind, () => {
      for (const { key, expect: expected, title } of CASES) {
        const entry = TABLE[kind]?.[key];
        if (!entry) {
          it(`${title}: has a fixture or a reason it does not apply`, () => expect.fail(`no "${key}" entry for ${kind}`));
        } else if ('notApplicable' in entry) {
          it.skip(`${title} — does not apply: ${entry.notApplicable}`, () => {});
        } else {
          it(`${title} (${entry.how})`, async () => {
            const fixture = entry.fixture();
            const { result, elapsedMs } = await run(kind, key, fixture);
            expect(result.status, JSON.stringify({ error: result.error, details: result.details })).toBe(expected);
            expect(result.latencyMs).toBeGreaterThanOrEqual(0);
            expect(JSON.parse(JSON.stringify(result.details))).toEqual(result.details);
            if (key === 'up') expect(result.error).toBeNull();
            if (fixture.error) expect(result.error).toMatch(fixture.error);
            if (key === 'timingOut') {
              expect(result.error).toBe(`timed out after ${TIMEOUT_MS} ms`);
              expect(elapsedMs).toBeLessThan(TIMEOUT_MS + TIMEOUT_SLACK_MS);
            }
          });
        }
      }
      const up = TABLE[kind]?.up;
      if (up && 'fixture' in up) {
        it('is healthy under diagnosis too, with every recorded step ok', async () => {
          const { result } = await run(kind, 'diagnose', up.fixture(), true);
          expect(result.status, `error: ${result.error}`).toBe('healthy');
          for (const step of result.steps ?? []) expect(step, step.name).toMatchObject({ ok: true, durationMs: expect.any(Number) });
        });
      }
    });
  }
});
