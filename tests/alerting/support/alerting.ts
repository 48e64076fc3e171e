/**
 * What the alerting tests share: a target whose health a test sets, a server with a manual clock
 * and a config file, and the steps of a scenario (a check recorded, a pass, the outbox sent).
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ManualClock, type Clock } from '../../../server/clock.ts';
import { loadConfig, type Config } from '../../../server/config.ts';
import { createLogger } from '../../../server/logger.ts';
import { startServer, type LookoutServer } from '../../../server/main.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';
import { gql, gqlOk, type GqlResult } from '../../support/graphql.ts';

/** How long a `slow` target takes to answer: above a service's `degraded_latency: 50ms`, far below its timeout. */
export const SLOW_ANSWER_MS = 150;

/** An HTTP target answering 200 or 500 as told (or 200 late, `slow`: degraded), one path per service: `/<name>`. */
export interface FlippableTarget {
  url(name: string): string;
  set(name: string, healthy: boolean | 'slow'): void;
  close(): Promise<void>;
}

export async function startFlippableTarget(): Promise<FlippableTarget> {
  const down = new Set<string>();
  const slow = new Set<string>();
  const server = http.createServer((request, response) => {
    const name = (request.url ?? '/').slice(1);
    const answer = () => {
      response.writeHead(down.has(name) ? 500 : 200, { 'content-type': 'text/plain' });
      response.end(down.has(name) ? 'down' : 'ok');
    };
    if (slow.has(name)) setTimeout(answer, SLOW_ANSWER_MS);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    set: (name, healthy) => {
      down.delete(name);
      slow.delete(name);
      if (healthy === false) down.add(name);
      if (healthy === 'slow') slow.add(name);
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A Standard Webhooks secret. */
export const newWebhookSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

export async function writeConfigFile(text: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-alerting-'));
  const file = path.join(dir, 'lookout.yaml');
  await fs.writeFile(file, text);
  return file;
}

export interface AlertingScenario {
  ts: TestServer;
  /** The config file the server reads. */
  file: string;
  clock: ManualClock;
  /** Runs the service's check now and records it (as the scheduler would). */
  check(name: string): Promise<string>;
  /** One alerting pass, then the outbox once. */
  step(): Promise<{ transitions: number; notices: number; sent: number }>;
  advance(ms: number): void;
  /** A GraphQL call as `token` (the admin's by default). */
  gql<T = any>(document: string, variables?: Record<string, unknown>, token?: string): Promise<GqlResult<T>>;
  /** Like gql, failing on any error. */
  gqlOk<T = any>(document: string, variables?: Record<string, unknown>, token?: string): Promise<T>;
  /** A new API token with `role` (VIEWER, OPERATOR, ADMIN). */
  tokenFor(role: 'VIEWER' | 'OPERATOR' | 'ADMIN'): Promise<string>;
  /** Steps until a step finds nothing to do (at most 20). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Alerting passes until its cursor has reached the last transition stored so far. The stream shows
 * a transition once every transaction older than it has ended on the whole database server: another
 * test file's open transaction can hold it back for a moment, so one pass may see nothing yet.
 */
export async function passUntilCaughtUp(app: LookoutServer['app']): Promise<{ transitions: number; notices: number }> {
  const stored = await app.sql.query<{ txid: string; id: string }>('select txid::text as txid, id::text as id from uptime_records order by txid desc, id desc limit 1');
  const last = stored.rows[0];
  let transitions = 0;
  let notices = 0;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pass = await app.alerting.runPass();
    transitions += pass.transitions;
    notices += pass.notices;
    if (!last) break;
    const { rows } = await app.sql.query<{ reached: boolean }>('select (txid, window_id) >= ($1::xid8, $2::bigint) as reached from alerting_cursor where id = 1', [last.txid, last.id]);
    if (rows[0]?.reached) break;
    if (Date.now() > deadline) throw new Error('the alerting pass did not reach the last stored transition within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return { transitions, notices };
}

/** A server with no scheduler (checks and passes are run by the test) and a manual clock. */
export async function startScenario(configText: string): Promise<AlertingScenario> {
  const clock = new ManualClock(new Date('2026-12-06T10:00:00.000Z'));
  const file = await writeConfigFile(configText);
  const ts = await startTestServer({ runScheduler: false, clock, config: { configFile: file } });
  const app = () => ts.server.app;
  return {
    ts,
    file,
    clock,
    check: async (name) => {
      const result = await app().monitoring.recheck(name);
      clock.advance(1000);
      return result.status;
    },
    step: async () => {
      const { transitions, notices } = await passUntilCaughtUp(app());
      const sent = await app().alerting.deliver();
      return { transitions, notices, sent };
    },
    advance: (ms) => clock.advance(ms),
    gql: (document, variables = {}, token = ts.adminToken) => gql(ts, document, variables, { token }),
    gqlOk: (document, variables = {}, token = ts.adminToken) => gqlOk(ts, document, variables, { token }),
    tokenFor: async (role) => {
      const name = `t-${role.toLowerCase()}-${randomBytes(3).toString('hex')}`;
      const created = await gqlOk<{ createApiToken: { secret: string } }>(ts, `mutation($n: String!) { createApiToken(input: { name: $n, role: ${role} }) { secret } }`, { n: name }, { token: ts.adminToken });
      return created.createApiToken.secret;
    },
    settle: () => app().alerting.settle(),
    close: async () => {
      await ts.close();
      await fs.rm(path.dirname(file), { recursive: true, force: true });
    },
  };
}

/**
 * Another replica on `databaseUrl` (a database a test server made), reading the same config file,
 * with its loops running (`runScheduler`) unless told otherwise.
 */
export async function startReplica(databaseUrl: string, configFile: string, options: { clock?: Clock; runScheduler?: boolean } = {}): Promise<LookoutServer & { dataDir: string }> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-replica-'));
  const config: Config = {
    ...loadConfig({}),
    host: '127.0.0.1',
    port: 0,
    databaseUrl,
    dataDir,
    configFile,
    logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
  };
  const server = await startServer(config, { clock: options.clock, logger: createLogger(config.logLevel), runScheduler: options.runScheduler ?? true });
  return Object.assign(server, { dataDir });
}
