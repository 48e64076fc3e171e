/** Incidents from transitions, escalation, recovery, against a real webhook receiver, with a manual clock. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { startHttpReceiver, type HttpReceiver } from './support/receivers.ts';
import { newWebhookSecret, startFlippableTarget, startScenario, type AlertingScenario, type FlippableTarget } from './support/alerting.ts';
import { gqlOk } from '../support/graphql.ts';

let target: FlippableTarget;
let hook: HttpReceiver;
let s: AlertingScenario;
const secret = newWebhookSecret();

beforeAll(async () => {
  [target, hook] = await Promise.all([startFlippableTarget(), startHttpReceiver()]);
  s = await startScenario(`
alerting:
  channels:
    - { name: ops-hook, kind: webhook, url: "${hook.url}/lookout", secret: "${secret}" }
  defaults: { channels: [ops-hook], escalation_delay: 5m }
services:
  - { name: api, kind: http, target: "${target.url('api')}", failure_threshold: 1 }
`);
});
afterAll(async () => {
  await s?.close();
  await Promise.all([target?.close(), hook?.close()]);
});

const alerts = () => gqlOk<{ alerts: { id: number; service: string; state: string; severity: string; acknowledged: boolean; notifiedAt: string | null; deliveries: { event: string; state: string; messageId: string }[] }[] }>(
  s.ts, '{ alerts { id service state severity acknowledged notifiedAt deliveries { event state messageId } } }', {}, { token: s.ts.adminToken });

describe('an incident', () => {
  it('opens on the transition to down, pages the webhook after the escalation delay and not before, and resolves with a notice', async () => {
    expect(await s.check('api')).toBe('healthy');
    await s.step();
    expect((await alerts()).alerts).toEqual([]);

    target.set('api', false);
    expect(await s.check('api')).toBe('down');
    expect(await s.step()).toMatchObject({ transitions: 1, notices: 0, sent: 0 });
    let [incident] = (await alerts()).alerts;
    expect(incident).toMatchObject({ service: 'api', state: 'OPEN', severity: 'CRITICAL', notifiedAt: null, deliveries: [] });

    s.advance(5 * 60_000 - 1001); // from the check's start: check() moved the clock 1 s
    expect(await s.step()).toMatchObject({ notices: 0, sent: 0 });
    s.advance(1);
    expect(await s.step()).toMatchObject({ notices: 1, sent: 1 });
    const trigger = await hook.next();
    const verified = new Webhook(secret).verify(trigger.body, trigger.headers) as { type: string; data: { incident: { service: string; severity: string } } };
    expect(verified).toMatchObject({ type: 'incident.triggered', data: { incident: { service: 'api', severity: 'critical' } } });
    [incident] = (await alerts()).alerts;
    expect(incident.deliveries).toEqual([{ event: 'trigger', state: 'SENT', messageId: trigger.headers['webhook-id'] }]);

    // No repeat for the ongoing incident.
    s.advance(60 * 60_000);
    expect(await s.check('api')).toBe('down');
    expect(await s.step()).toMatchObject({ notices: 0, sent: 0 });

    target.set('api', true);
    expect(await s.check('api')).toBe('healthy');
    expect(await s.step()).toMatchObject({ transitions: 1, notices: 1, sent: 1 });
    const resolved = await hook.next();
    expect(JSON.parse(resolved.body)).toMatchObject({ type: 'incident.resolved', data: { incident: { service: 'api' } } });
    [incident] = (await alerts()).alerts;
    expect(incident.state).toBe('RESOLVED');
    expect(hook.requests).toHaveLength(2);
  });

  it('shows on /metrics: open incidents by severity and the outbox', async () => {
    target.set('api', false);
    expect(await s.check('api')).toBe('down');
    await s.step();
    const metrics = await (await fetch(`${s.ts.url}/metrics`, { headers: { authorization: `Bearer ${s.ts.adminToken}` } })).text();
    expect(metrics).toMatch(/^lookout_alerts_open\{severity="critical"\} 1$/m);
    expect(metrics).toMatch(/^lookout_alerts_open\{severity="warning"\} 0$/m);
    expect(metrics).toMatch(/^lookout_alert_deliveries_pending 0$/m);
    expect(metrics).toMatch(/^lookout_alert_deliveries_failed 0$/m);
    expect(metrics).toMatch(/^lookout_alert_delivery_oldest_pending_seconds 0$/m);
  });
});
