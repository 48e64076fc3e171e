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
import { ManualClock } from '../../../server/clock.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';

/** An HTTP target answering 200 or 500 as told, one path per service: `/<name>`. */
export interface FlippableTarget {
  url(name: string): string;
  set(name: string, healthy: boolean): void;
  close(): Promise<void>;
}

export async function startFlippableTarget(): Promise<FlippableTarget> {
  const down = new Set<string>();
  const server = http.createServer((request, response) => {
    const name = (request.url ?? '/').slice(1);
    response.writeHead(down.has(name) ? 500 : 200, { 'content-type': 'text/plain' });
    response.end(down.has(name) ? 'down' : 'ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    set: (name, healthy) => void (healthy ? down.delete(name) : down.add(name)),
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
  clock: ManualClock;
  /** Runs the service's check now and records it (as the scheduler would). */
  check(name: string): Promise<string>;
  /** One alerting pass, then the outbox once. */
  step(): Promise<{ transitions: number; notices: number; sent: number }>;
  advance(ms: number): void;
  close(): Promise<void>;
}

/** A server with no scheduler (checks and passes are run by the test) and a manual clock. */
export async function startScenario(configText: string): Promise<AlertingScenario> {
  const clock = new ManualClock(new Date('2026-12-06T10:00:00.000Z'));
  const file = await writeConfigFile(configText);
  const ts = await startTestServer({ runScheduler: false, clock, config: { configFile: file } });
  const app = () => ts.server.app;
  return {
    ts,
    clock,
    check: async (name) => {
      const result = await app().monitoring.recheck(name);
      clock.advance(1000);
      return result.status;
    },
    step: async () => {
      const pass = await app().alerting.runPass();
      const sent = await app().alerting.deliver();
      return { transitions: pass.transitions, notices: pass.notices, sent };
    },
    advance: (ms) => clock.advance(ms),
    close: async () => {
      await ts.close();
      await fs.rm(path.dirname(file), { recursive: true, force: true });
    },
  };
}
