/**
 * Two replicas on one database, each running its scheduler, alerting pass and outbox on the real
 * clock: every incident yields exactly one webhook per event at the receiver, none missed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { startHttpReceiver, type HttpReceiver } from './support/receivers.ts';
import { newWebhookSecret, startFlippableTarget, startReplica, writeConfigFile, type FlippableTarget } from './support/alerting.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk } from '../support/graphql.ts';
import { until } from '../support/signals.ts';
import type { LookoutServer } from '../../server/main.ts';
import fs from 'node:fs/promises';
import path from 'node:path';

const SERVICES = Array.from({ length: 8 }, (_, i) => `svc-${i}`);
let target: FlippableTarget;
let hook: HttpReceiver;
let first: TestServer;
let second: LookoutServer & { dataDir: string };
let file: string;
const secret = newWebhookSecret();

beforeAll(async () => {
  [target, hook] = await Promise.all([startFlippableTarget(), startHttpReceiver()]);
  file = await writeConfigFile(`
alerting:
  channels:
    - { name: hook, kind: webhook, url: "${hook.url}/hook", secret: "${secret}" }
  defaults: { channels: [hook], escalation_delay: 0s }
# The two replicas' own self-monitoring (host load, …) would add incidents of its own here.
builtin_services: false
services:
${SERVICES.map((name) => `  - { name: ${name}, kind: http, target: "${target.url(name)}", interval: 1s, failure_threshold: 1 }`).join('\n')}
`);
  first = await startTestServer({ runScheduler: true, config: { configFile: file } });
  second = await startReplica(first.databaseUrl, file);
}, 30_000);
afterAll(async () => {
  await second?.close();
  await first?.close();
  if (second) await fs.rm(second.dataDir, { recursive: true, force: true });
  if (file) await fs.rm(path.dirname(file), { recursive: true, force: true });
  await Promise.all([target?.close(), hook?.close()]);
});

type Body = { type: string; data: { incident: { id: number; service: string } } };
const statuses = async () => (await gqlOk<{ services: { name: string; status: string | null }[] }>(first, '{ services { name status } }', {}, { token: first.adminToken })).services;
const pendingDeliveries = async () => Number((await first.server.app.sql.query<{ n: string }>(`select count(*) as n from alert_deliveries where state = 'pending'`)).rows[0].n);
const allDeliveries = async () => (await first.server.app.sql.query<{ message_id: string; event: string; incident_id: string; state: string }>('select message_id, event, incident_id::text, state from alert_deliveries')).rows;
const arrived = (type: string) => hook.requests.map((r) => JSON.parse(r.body) as Body).filter((b) => b.type === type);

describe('two replicas', () => {
  it('send exactly one webhook per event of each incident, none missed', async () => {
    await until(async () => (await statuses()).every((s) => s.status === "HEALTHY"), "every service is healthy", 20_000, 100);
    for (const name of SERVICES) target.set(name, false);
    await until(() => new Set(arrived('incident.triggered').map((b) => b.data.incident.service)).size === SERVICES.length, 'a trigger for every service arrives', 20_000, 50);
    for (const name of SERVICES) target.set(name, true);
    await until(() => new Set(arrived('incident.resolved').map((b) => b.data.incident.service)).size === SERVICES.length, 'a resolve for every service arrives', 20_000, 50);
    await until(async () => (await pendingDeliveries()) === 0, 'no delivery is pending', 20_000, 50);

    const deliveries = await allDeliveries();
    expect(deliveries.every((d) => d.state === 'sent')).toBe(true);
    // One delivery per incident and event, each arrived once, none else.
    const ids = hook.requests.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(deliveries.map((d) => d.message_id)));
    const perIncident = new Map<number, string[]>();
    for (const request of hook.requests) {
      const body = new Webhook(secret).verify(request.body, request.headers) as Body;
      perIncident.set(body.data.incident.id, [...(perIncident.get(body.data.incident.id) ?? []), body.type]);
    }
    expect(perIncident.size).toBe(SERVICES.length);
    for (const events of perIncident.values()) expect(events).toEqual(['incident.triggered', 'incident.resolved']);
  }, 90_000);
});
