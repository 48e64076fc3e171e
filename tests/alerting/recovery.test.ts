/**
 * Recovery notices to every channel told (webhook, PagerDuty, Slack, email through a real SMTP
 * receiver) and to none other; dependency suppression; the live `alertChanged` subscription.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { startHttpReceiver, startSmtpReceiver, type HttpReceiver, type SmtpReceiver } from './support/receivers.ts';
import { newWebhookSecret, startFlippableTarget, startScenario, type AlertingScenario, type FlippableTarget } from './support/alerting.ts';
import { wsClient } from '../support/graphql.ts';
import { until } from '../support/signals.ts';

let target: FlippableTarget;
let http: HttpReceiver;
let smtp: SmtpReceiver;
let s: AlertingScenario;
const secret = newWebhookSecret();
const ROUTING_KEY = 'R0utingKeyR0utingKeyR0utingKey42';

beforeAll(async () => {
  [target, http, smtp] = await Promise.all([startFlippableTarget(), startHttpReceiver(), startSmtpReceiver()]);
  const service = (name: string, extra: string) => `  - { name: ${name}, kind: http, target: "${target.url(name)}", failure_threshold: 1, ${extra} }`;
  s = await startScenario(`
alerting:
  channels:
    - { name: hook, kind: webhook, url: "${http.url}/hook", secret: "${secret}" }
    - { name: pager, kind: pagerduty, routing_key: "${ROUTING_KEY}", url: "${http.url}/pagerduty" }
    - { name: chat, kind: slack, url: "${http.url}/slack/T000/B000/token" }
    - { name: mail, kind: email, host: 127.0.0.1, port: ${smtp.port}, from: lookout@example.com, to: [oncall@example.com] }
    - { name: other-hook, kind: webhook, url: "${http.url}/other", secret: "${secret}" }
  defaults: { channels: [hook], escalation_delay: 0s }
services:
${service('api', 'alerts: { channels: [hook, pager, chat, mail] }')}
${service('web', 'alerts: { channels: [other-hook], escalation_delay: 5m }')}
${service('db', 'alerts: { channels: [hook], escalation_delay: 1m }')}
${service('app', 'depends_on: [db], alerts: { channels: [hook], escalation_delay: 1m }')}
${service('live', 'alerts: { channels: [] }')}
${service('probe', 'alerts: { channels: [] }')}
`);
});
afterAll(async () => {
  await s?.close();
  await Promise.all([target?.close(), http?.close(), smtp?.close()]);
});

const at = (prefix: string) => http.requests.filter((r) => r.path.startsWith(prefix));
const alertOf = async (service: string) => {
  const { alerts } = await s.gqlOk(`query($s: String!) { alerts(filter: { service: $s }) { id state suppressedBy notifiedAt channels deliveries { channel event state } } }`, { s: service });
  return alerts[0];
};

describe('recovery', () => {
  it('tells every channel that was told of the incident that it resolved, and no other', async () => {
    target.set('api', false);
    target.set('web', false);
    expect(await s.check('api')).toBe('down');
    expect(await s.check('web')).toBe('down');
    expect(await s.step()).toMatchObject({ transitions: 2, notices: 4, sent: 4 });
    const trigger = await smtp.next();
    expect(trigger.to).toEqual(['oncall@example.com']);

    // web recovers before its escalation: other-hook was never told, so it hears nothing.
    target.set('api', true);
    target.set('web', true);
    expect(await s.check('api')).toBe('healthy');
    expect(await s.check('web')).toBe('healthy');
    expect(await s.step()).toMatchObject({ transitions: 2, notices: 4, sent: 4 });

    const { id } = await alertOf('api');
    const hooks = at('/hook').map((r) => new Webhook(secret).verify(r.body, r.headers) as { type: string; data: { incident: { id: number; status: string } } });
    expect(hooks.map((h) => h.type)).toEqual(['incident.triggered', 'incident.resolved']);
    expect(hooks[1].data.incident).toMatchObject({ id, status: 'healthy' });
    const pages = at('/pagerduty').map((r) => JSON.parse(r.body));
    expect(pages.map((p) => p.event_action)).toEqual(['trigger', 'resolve']);
    expect(pages[1]).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: pages[0].dedup_key });
    expect(pages[0].dedup_key).toBe(`lookout-incident-${id}`);
    const slack = at('/slack').map((r) => JSON.parse(r.body) as { text: string; blocks: unknown[] });
    expect(slack).toHaveLength(2);
    expect(slack[1].text).toMatch(/api/);
    expect(slack[1].text).toMatch(/resolved|recovered|healthy/i);
    expect(Array.isArray(slack[1].blocks)).toBe(true);
    const resolvedMail = await smtp.next();
    expect(resolvedMail.raw).toMatch(/^Subject:.*api/im);
    expect(resolvedMail.raw).toMatch(/resolved|recovered|healthy/i);
    expect(smtp.messages).toHaveLength(2);

    expect(at('/other')).toEqual([]);
    expect(await alertOf('web')).toMatchObject({ state: 'RESOLVED', notifiedAt: null, deliveries: [] });
    expect((await alertOf('api')).deliveries.map((d: { event: string; state: string }) => `${d.event}:${d.state}`).sort()).toEqual(
      ['resolve:SENT', 'resolve:SENT', 'resolve:SENT', 'resolve:SENT', 'trigger:SENT', 'trigger:SENT', 'trigger:SENT', 'trigger:SENT'],
    );
  });
});

describe('dependency suppression', () => {
  it("marks a dependent's incident caused by its parent, pages nobody for it, and resolves it as usual", async () => {
    target.set('db', false);
    target.set('app', false);
    expect(await s.check('app')).toBe('down');
    expect(await s.check('db')).toBe('down');
    await s.step();
    s.advance(60_000);
    expect(await s.step()).toMatchObject({ notices: 1, sent: 1 });
    expect(await alertOf('app')).toMatchObject({ state: 'OPEN', suppressedBy: 'caused by db', notifiedAt: null, deliveries: [] });
    expect(await alertOf('db')).toMatchObject({ state: 'OPEN', suppressedBy: null, channels: ['hook'] });

    target.set('db', true);
    target.set('app', true);
    expect(await s.check('db')).toBe('healthy');
    expect(await s.check('app')).toBe('healthy');
    expect(await s.step()).toMatchObject({ transitions: 2, notices: 1, sent: 1 });
    expect(await alertOf('app')).toMatchObject({ state: 'RESOLVED', suppressedBy: 'caused by db', deliveries: [] });
    const services = at('/hook').map((r) => (JSON.parse(r.body) as { type: string; data: { incident: { service: string } } })).filter((b) => b.data.incident.service !== 'api');
    expect(services.map((b) => `${b.data.incident.service}:${b.type}`)).toEqual(['db:incident.triggered', 'db:incident.resolved']);
  });

  it('regression: a dependent still down once its parent recovered was never paged (its suppression outlived the cause)', async () => {
    target.set('db', false);
    target.set('app', false);
    expect(await s.check('db')).toBe('down');
    expect(await s.check('app')).toBe('down');
    s.advance(60_000);
    await s.step();
    expect((await s.gqlOk(`{ alerts(filter: { service: "app", state: OPEN }) { suppressedBy } }`)).alerts).toEqual([{ suppressedBy: 'caused by db' }]);
    const before = at('/hook').length;

    target.set('db', true);
    expect(await s.check('db')).toBe('healthy');
    await s.step();
    const appNotices = at('/hook').slice(before).map((r) => JSON.parse(r.body) as { type: string; data: { incident: { service: string } } }).filter((b) => b.data.incident.service === 'app');
    expect(appNotices.map((b) => b.type)).toEqual(['incident.triggered']);
    expect((await s.gqlOk(`{ alerts(filter: { service: "app", state: OPEN }) { suppressedBy channels } }`)).alerts).toEqual([{ suppressedBy: null, channels: ['hook'] }]);

    target.set('app', true);
    expect(await s.check('app')).toBe('healthy');
    await s.step();
  });
});

describe('alertChanged', () => {
  it('delivers the incident over WebSocket when it opens and when it resolves, its transitions read afresh for each event (they are batched per execution, not per subscription)', async () => {
    const viewer = await s.tokenFor('VIEWER');
    const client = wsClient(s.ts, { token: viewer });
    const seen: { id: number; service: string; state: string; transitions: { status: string }[] }[] = [];
    let failed: unknown;
    const dispose = client.subscribe<{ alertChanged: { id: number; service: string; state: string; transitions: { status: string }[] } }>(
      { query: 'subscription { alertChanged { id service state transitions { status } } }' },
      { next: (v) => (v.data ? seen.push(v.data.alertChanged) : (failed = v.errors)), error: (e) => (failed = e), complete: () => {} },
    );
    try {
      // The subscription is live once an event published now reaches it: flip a probe service until one does.
      let healthy = true;
      await until(async () => {
        healthy = !healthy;
        target.set('probe', healthy);
        await s.check('probe');
        await s.step();
        return seen.length > 0 || failed !== undefined;
      }, 'the subscription sees a probe incident');
      expect(failed).toBeUndefined();
      target.set('live', false);
      expect(await s.check('live')).toBe('down');
      await s.step();
      await until(() => seen.some((e) => e.service === 'live' && e.state === 'OPEN'), 'the subscription sees the incident open');
      target.set('live', true);
      expect(await s.check('live')).toBe('healthy');
      await s.step();
      await until(() => seen.some((e) => e.service === 'live' && e.state === 'RESOLVED'), 'the subscription sees the incident resolve');
      const live = seen.filter((e) => e.service === 'live');
      expect(new Set(live.map((e) => e.id)).size).toBe(1);
      expect(live[0].state).toBe('OPEN');
      expect(live.at(-1)!.state).toBe('RESOLVED');
      expect(live.at(-1)!.transitions.length).toBeGreaterThan(live[0].transitions.length);
      expect(live.at(-1)!.transitions.at(-1)!.status).toBe('healthy');
    } finally {
      dispose();
      await client.dispose();
    }
  });
});
