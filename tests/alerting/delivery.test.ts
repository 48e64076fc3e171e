/**
 * The outbox against real receivers that fail: retried with backoff on the injected clock (never
 * before next_attempt_at), the same webhook-id on every attempt, every attempt recorded; a 400 and a
 * redirect fail at once; after the last attempt the delivery is FAILED and shown in the API; a
 * receiver that never answers or answers a gigabyte costs a bounded, recorded attempt.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { backoffMs, nextDeliveryAt } from '../../server/alerting/outbox.ts';
import { MAX_ATTEMPTS } from '../../server/alerting/notices.ts';
import { startHttpReceiver, type HttpReceiver } from './support/receivers.ts';
import { newWebhookSecret, startFlippableTarget, startScenario, type AlertingScenario, type FlippableTarget } from './support/alerting.ts';

const NAMES = ['flaky', 'refusing', 'dead', 'redirecting', 'hanging'] as const;
let target: FlippableTarget;
const hooks = {} as Record<(typeof NAMES)[number], HttpReceiver>;
let huge: { url: string; sentBytes: () => number; close(): Promise<void> };
let s: AlertingScenario;
const secret = newWebhookSecret();

/** A receiver that answers 200 with an endless body (up to 1 GB), counting what it managed to write. */
async function startHugeReceiver() {
  let sent = 0;
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 120);
      const pump = () => {
        while (sent < 1024 ** 3 && !response.destroyed) {
          sent += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        response.end();
      };
      pump();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sentBytes: () => sent,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

beforeAll(async () => {
  target = await startFlippableTarget();
  for (const name of NAMES) hooks[name] = await startHttpReceiver();
  huge = await startHugeReceiver();
  const channels = [...NAMES.map((name) => `    - { name: ${name}, kind: webhook, url: "${hooks[name].url}/hook", secret: "${secret}" }`), `    - { name: huge, kind: webhook, url: "${huge.url}/hook", secret: "${secret}" }`];
  const services = [...NAMES, 'huge'].map((name) => `  - { name: ${name}, kind: http, target: "${target.url(name)}", failure_threshold: 1, alerts: { channels: [${name}] } }`);
  s = await startScenario(`
alerting:
  channels:
${channels.join('\n')}
  defaults: { escalation_delay: 0s }
services:
${services.join('\n')}
`);
  s.ts.server.app.alerting.attemptTimeoutMs = 300;
});
afterAll(async () => {
  await s?.close();
  await Promise.all([target?.close(), huge?.close(), ...Object.values(hooks).map((h) => h.close())]);
});

interface DeliveryShape {
  channel: string;
  event: string;
  state: string;
  messageId: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  log: { attempt: number; ok: boolean; statusCode: number | null; error: string | null; latencyMs: number }[];
}
const deliveryOf = async (service: string): Promise<DeliveryShape> => {
  const { alerts } = await s.gqlOk(`query($s: String!) { alerts(filter: { service: $s }) { id } }`, { s: service });
  const { alert } = await s.gqlOk('query($id: Int!) { alert(id: $id) { deliveries { channel event state messageId attempts nextAttemptAt lastError log { attempt ok statusCode error latencyMs } } } }', { id: alerts[0].id });
  return alert.deliveries[0];
};
async function down(service: string) {
  target.set(service, false);
  expect(await s.check(service)).toBe('down');
  return s.step();
}

describe('delivery retries', () => {
  it('retries a receiver that fails twice with backoff on the clock, then succeeds, with the same webhook-id on all three attempts', async () => {
    const hook = hooks.flaky;
    hook.respondWith(500, 'busy');
    expect(await down('flaky')).toMatchObject({ notices: 1, sent: 1 });
    let delivery = await deliveryOf('flaky');
    expect(delivery).toMatchObject({ state: 'PENDING', attempts: 1, nextAttemptAt: new Date(s.clock.now().getTime() + backoffMs(1)).toISOString() });
    // The outbox loop sleeps until then (not a look every second).
    expect((await nextDeliveryAt(s.ts.server.app.sql))?.toISOString()).toBe(delivery.nextAttemptAt);
    // Not attempted before next_attempt_at.
    expect(await s.step()).toMatchObject({ sent: 0 });
    s.advance(backoffMs(1) - 1);
    expect(await s.step()).toMatchObject({ sent: 0 });
    s.advance(1);
    expect(await s.step()).toMatchObject({ sent: 1 });
    s.advance(backoffMs(2) - 1);
    expect(await s.step()).toMatchObject({ sent: 0 });
    hook.respondWith(200, 'ok');
    s.advance(1);
    expect(await s.step()).toMatchObject({ sent: 1 });

    delivery = await deliveryOf('flaky');
    expect(delivery).toMatchObject({ state: 'SENT', attempts: 3, nextAttemptAt: null, lastError: null });
    expect(delivery.log.map((a) => [a.attempt, a.ok, a.statusCode])).toEqual([[1, false, 500], [2, false, 500], [3, true, 200]]);
    expect(delivery.log[0].error).toMatch(/HTTP 500/);
    expect(hook.requests).toHaveLength(3);
    expect(new Set(hook.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([delivery.messageId]));
    for (const request of hook.requests) expect(new Webhook(secret).verify(request.body, request.headers)).toMatchObject({ type: 'incident.triggered' });
  });

  it('fails a delivery at once on a 400 (sending it again cannot help)', async () => {
    hooks.refusing.respondWith(400, 'bad payload');
    await down('refusing');
    const delivery = await deliveryOf('refusing');
    expect(delivery).toMatchObject({ state: 'FAILED', attempts: 1, nextAttemptAt: null });
    expect(delivery.log).toMatchObject([{ attempt: 1, ok: false, statusCode: 400 }]);
    expect(delivery.lastError).toMatch(/HTTP 400/);
    s.advance(60 * 60_000);
    expect(await s.step()).toMatchObject({ sent: 0 });
    expect(hooks.refusing.requests).toHaveLength(1);
  });

  it('fails a delivery at once on a redirect, which is not followed', async () => {
    hooks.redirecting.respondWith(302, '', { location: `${hooks.flaky.url}/elsewhere` });
    await down('redirecting');
    const delivery = await deliveryOf('redirecting');
    expect(delivery).toMatchObject({ state: 'FAILED', attempts: 1 });
    expect(delivery.log[0].statusCode).toBe(302);
    expect(delivery.lastError).toMatch(/redirect/);
    expect(hooks.flaky.requests.filter((r) => r.path === '/elsewhere')).toEqual([]);
  });

  it(`marks a delivery FAILED after ${MAX_ATTEMPTS} attempts and shows every one in alert(id){deliveries}`, async () => {
    hooks.dead.respondWith(503, 'down for good');
    await down('dead');
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      s.advance(backoffMs(attempt));
      expect(await s.step()).toMatchObject({ sent: 1 });
    }
    const delivery = await deliveryOf('dead');
    expect(delivery).toMatchObject({ state: 'FAILED', attempts: MAX_ATTEMPTS, nextAttemptAt: null });
    expect(delivery.log.map((a) => a.statusCode)).toEqual(Array(MAX_ATTEMPTS).fill(503));
    s.advance(24 * 3600_000);
    expect(await s.step()).toMatchObject({ sent: 0 });
    expect(hooks.dead.requests).toHaveLength(MAX_ATTEMPTS);
  });

  it('records a receiver that never answers as a timed-out attempt and retries it', async () => {
    hooks.hanging.hang();
    await down('hanging');
    const delivery = await deliveryOf('hanging');
    expect(delivery).toMatchObject({ state: 'PENDING', attempts: 1 });
    expect(delivery.log[0]).toMatchObject({ ok: false, statusCode: null });
    expect(delivery.log[0].error).toMatch(/timed out/);
    expect(delivery.log[0].latencyMs).toBeLessThan(5000);
  });

  it('reads a bounded part of a receiver that answers with a gigabyte, and takes the 200', async () => {
    await down('huge');
    const delivery = await deliveryOf('huge');
    expect(delivery).toMatchObject({ state: 'SENT', attempts: 1 });
    expect(huge.sentBytes()).toBeLessThan(1024 ** 3);
    // The server still answers.
    expect((await s.gqlOk('{ alerts(filter: { service: "huge" }) { state } }')).alerts).toEqual([{ state: 'OPEN' }]);
  });
});
