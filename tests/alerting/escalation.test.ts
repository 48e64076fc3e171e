/**
 * When the external channels hear of an incident, against a real webhook receiver and a real
 * PagerDuty-format receiver, with a manual clock: escalation (after the delay, or at once with
 * delay 0), a flap ridden out by min_duration, no repeat for one incident, reminders, and an
 * operator's acknowledgement. Each test uses its own service and resolves it at the end, so the
 * clock moved by one test never pages for another.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { startHttpReceiver, type HttpReceiver, type Received } from './support/receivers.ts';
import { newWebhookSecret, passUntilCaughtUp, startFlippableTarget, startScenario, type AlertingScenario, type FlippableTarget } from './support/alerting.ts';

let target: FlippableTarget;
let hook: HttpReceiver;
let pager: HttpReceiver;
let s: AlertingScenario;
const secret = newWebhookSecret();
const ROUTING_KEY = 'R0utingKeyR0utingKeyR0utingKey42';
const MINUTE = 60_000;

beforeAll(async () => {
  [target, hook, pager] = await Promise.all([startFlippableTarget(), startHttpReceiver(), startHttpReceiver()]);
  pager.respondWith(202, '{"status":"success","message":"Event processed"}');
  const service = (name: string, alerts: string, extra = '') => `  - { name: ${name}, kind: http, target: "${target.url(name)}", failure_threshold: 1${extra}, alerts: ${alerts} }`;
  s = await startScenario(`
alerting:
  channels:
    - { name: hook, kind: webhook, url: "${hook.url}/hook", secret: "${secret}" }
    - { name: pager, kind: pagerduty, routing_key: "${ROUTING_KEY}", url: "${pager.url}/v2/enqueue" }
  defaults: { channels: [hook], escalation_delay: 5m }
services:
${service('delayed', '{ escalation_delay: 5m }')}
${service('instant', '{ escalation_delay: 0s }')}
${service('backlog', '{ escalation_delay: 5m }')}
${service('flappy', '{ escalation_delay: 0s, min_duration: 2m }')}
${service('steady', '{ escalation_delay: 0s }', ', degraded_latency: 50ms')}
${service('nagging', '{ escalation_delay: 0s, remind_every: 10m }')}
${service('acked', '{ channels: [hook, pager], escalation_delay: 0s, remind_every: 10m }')}
${service('early-ack', '{ channels: [hook, pager], escalation_delay: 5m }')}
${service('sleepy', '{ escalation_delay: 5m }')}
${service('held', '{ escalation_delay: 0s }')}
`);
});
afterAll(async () => {
  await s?.close();
  await Promise.all([target?.close(), hook?.close(), pager?.close()]);
});

type Body = { type: string; data: { incident: { id: number; service: string; severity: string; status: string } } };
/** What the webhook receiver got about `service`, each verified with the standardwebhooks package. */
const hooksFor = (service: string): (Body & { id: string })[] =>
  hook.requests
    .map((r: Received) => ({ ...(new Webhook(secret).verify(r.body, r.headers) as Body), id: r.headers['webhook-id'] }))
    .filter((b) => b.data.incident.service === service);
const pagesFor = (incidentId: number) => pager.requests.map((r) => JSON.parse(r.body) as { event_action: string; dedup_key: string; routing_key: string }).filter((e) => e.dedup_key === `lookout-incident-${incidentId}`);

interface AlertShape {
  id: number;
  state: string;
  severity: string;
  acknowledged: boolean;
  acknowledgedBy: string | null;
  notifiedAt: string | null;
  nextNoticeAt: string | null;
  reminders: number;
  channels: string[];
  transitions: { status: string }[];
  deliveries: { channel: string; event: string; state: string; messageId: string }[];
}
const ALERT_FIELDS = 'id state severity acknowledged acknowledgedBy notifiedAt nextNoticeAt reminders channels transitions { status } deliveries { channel event state messageId }';
const alertOf = async (service: string): Promise<AlertShape> => {
  const { alerts } = await s.gqlOk<{ alerts: AlertShape[] }>(`query($s: String!) { alerts(filter: { service: $s }) { ${ALERT_FIELDS} } }`, { s: service });
  expect(alerts).toHaveLength(1);
  return alerts[0];
};

/** Recovers `service` and runs the pass and the outbox. */
async function recover(service: string): Promise<void> {
  target.set(service, true);
  expect(await s.check(service)).toBe('healthy');
  await s.step();
}

describe('escalation', () => {
  it('pages after the escalation delay and not a millisecond before', async () => {
    target.set('delayed', false);
    expect(await s.check('delayed')).toBe('down');
    expect(await s.step()).toMatchObject({ transitions: 1, notices: 0, sent: 0 });
    s.advance(5 * MINUTE - 1001); // check() moved the clock 1 s past the transition
    expect(await s.step()).toMatchObject({ notices: 0, sent: 0 });
    expect(hooksFor('delayed')).toEqual([]);
    s.advance(1);
    expect(await s.step()).toMatchObject({ notices: 1, sent: 1 });
    expect(hooksFor('delayed').map((b) => b.type)).toEqual(['incident.triggered']);
    await recover('delayed');
    expect(hooksFor('delayed').map((b) => b.type)).toEqual(['incident.triggered', 'incident.resolved']);
  });

  it('regression: escalation counted from when the pass saw the transition, so a late pass added its lateness to the delay', async () => {
    target.set('backlog', false);
    expect(await s.check('backlog')).toBe('down');
    // The pass runs 5 minutes after the check (alerting was behind): the delay is over already.
    s.advance(5 * MINUTE);
    expect(await s.step()).toMatchObject({ transitions: 1, notices: 1, sent: 1 });
    expect(hooksFor('backlog').map((b) => b.type)).toEqual(['incident.triggered']);
    await recover('backlog');
  });

  it('pages at once with an escalation delay of 0', async () => {
    target.set('instant', false);
    expect(await s.check('instant')).toBe('down');
    expect(await s.step()).toMatchObject({ transitions: 1, notices: 1, sent: 1 });
    expect(hooksFor('instant')).toMatchObject([{ type: 'incident.triggered', data: { incident: { severity: 'critical', status: 'down' } } }]);
    const alert = await alertOf('instant');
    expect(alert.notifiedAt).not.toBeNull();
    expect(alert.channels).toEqual(['hook']);
    await recover('instant');
  });
});

describe('the pass says when it is next needed (it sleeps until then, not 250 ms)', () => {
  it('reports the escalation time as its next look, also from a pass that found nothing new, and none once paged', async () => {
    target.set('sleepy', false);
    expect(await s.check('sleepy')).toBe('down');
    await s.step();
    const { nextNoticeAt } = await alertOf('sleepy');
    expect(nextNoticeAt).not.toBeNull();
    // A pass with nothing new in the stream: the short path, the same answer.
    const idle = await s.ts.server.app.alerting.runPass();
    expect(idle).toMatchObject({ busy: false, transitions: 0, notices: 0, more: false });
    expect(idle.nextNoticeAt?.toISOString()).toBe(new Date(nextNoticeAt!).toISOString());
    s.advance(new Date(nextNoticeAt!).getTime() - s.clock.now().getTime());
    const due = await s.ts.server.app.alerting.runPass();
    expect(due).toMatchObject({ notices: 1 });
    expect(due.nextNoticeAt).toBeNull(); // no reminders: nothing more is due for it
    await s.ts.server.app.alerting.deliver();
    expect(hooksFor('sleepy').map((b) => b.type)).toEqual(['incident.triggered']);
    await recover('sleepy');
  });
});

describe('a pass with nothing to do', () => {
  it('is one statement, with no transaction or lock (regression: seven statements every few seconds were most of an idle Lookout\'s database work)', async () => {
    await s.settle();
    // Every statement this process sends during the pass (this test file's server is the only one here).
    const sent: string[] = [];
    const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      sent.push(typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string })?.text));
      return query.apply(this, args);
    } as typeof pg.Client.prototype.query;
    try {
      expect(await s.ts.server.app.alerting.runPass()).toMatchObject({ busy: false, transitions: 0, notices: 0, more: false, heldBack: false });
    } finally {
      pg.Client.prototype.query = query as typeof pg.Client.prototype.query;
    }
    // (The start-up checklist's timer may send its own statement meanwhile: only alerting's are counted.)
    expect(sent.filter((q) => /alert|uptime_records/.test(q))).toHaveLength(1);
    expect(sent.filter((q) => /^\s*begin|advisory/i.test(q))).toEqual([]);
    // Something to do (a transition after the cursor): the whole pass runs and finds it.
    target.set('quiet-look', false);
    await s.gqlOk(`mutation { createService(input: { name: "quiet-look", kind: "http", target: "${target.url('quiet-look')}", failureThreshold: 1 }) { name } }`);
    expect(await s.check('quiet-look')).toBe('down');
    expect(await s.step()).toMatchObject({ transitions: 1 });
    await recover('quiet-look');
  });
});

describe('a transition held back by an older open transaction', () => {
  it('is reported as held back, so the woken pass looks again in 250 ms (regression: it found nothing and slept 5 s)', async () => {
    // Another session's transaction, begun (with a transaction id) before the transition is stored.
    const other = new pg.Client({ connectionString: s.ts.databaseUrl });
    await other.connect();
    try {
      await s.settle();
      await other.query('begin');
      await other.query('select pg_current_xact_id()');
      target.set('held', false);
      expect(await s.check('held')).toBe('down');
      const waiting = await s.ts.server.app.alerting.runPass();
      expect(waiting).toMatchObject({ transitions: 0, heldBack: true });
      await other.query('commit');
      // Other sessions' transactions on the same database server (other test files) may hold it
      // back a moment longer: pass until the cursor reaches it, as the scenario's step does.
      expect(await passUntilCaughtUp(s.ts.server.app)).toEqual({ transitions: 1, notices: 1 });
      expect((await s.ts.server.app.alerting.runPass()).heldBack).toBe(false);
      await s.ts.server.app.alerting.deliver();
      expect(hooksFor('held').map((b) => b.type)).toEqual(['incident.triggered']);
    } finally {
      await other.query('rollback').catch(() => {});
      await other.end();
    }
    await recover('held');
  });
});

describe('min_duration', () => {
  it('rides out a flap: down then healthy within min_duration pages nobody, yet the incident is recorded and resolved', async () => {
    target.set('flappy', false);
    expect(await s.check('flappy')).toBe('down');
    expect(await s.step()).toMatchObject({ transitions: 1, notices: 0, sent: 0 });
    s.advance(MINUTE);
    expect(await s.step()).toMatchObject({ notices: 0 });
    target.set('flappy', true);
    expect(await s.check('flappy')).toBe('healthy');
    expect(await s.step()).toMatchObject({ transitions: 1, notices: 0, sent: 0 });
    const alert = await alertOf('flappy');
    expect(alert).toMatchObject({ state: 'RESOLVED', notifiedAt: null, deliveries: [], channels: [] });
    expect(alert.transitions.map((t) => t.status)).toEqual(['down', 'healthy']);
    s.advance(10 * MINUTE);
    expect(await s.step()).toMatchObject({ notices: 0, sent: 0 });
    expect(hooksFor('flappy')).toEqual([]);
  });

  it('pages once the bad status has lasted min_duration', async () => {
    target.set('flappy', false);
    expect(await s.check('flappy')).toBe('down');
    await s.step();
    s.advance(2 * MINUTE - 1001);
    expect(await s.step()).toMatchObject({ notices: 0 });
    s.advance(1);
    expect(await s.step()).toMatchObject({ notices: 1, sent: 1 });
    expect(hooksFor('flappy').map((b) => b.type)).toEqual(['incident.triggered']);
    await recover('flappy');
  });
});

describe('no duplicate for one incident', () => {
  it('sends one trigger, one update when degraded worsens to down, one resolve, and nothing for repeated checks', async () => {
    target.set('steady', 'slow');
    expect(await s.check('steady')).toBe('degraded');
    expect(await s.step()).toMatchObject({ transitions: 1, notices: 1, sent: 1 });
    target.set('steady', false);
    expect(await s.check('steady')).toBe('down');
    expect(await s.step()).toMatchObject({ transitions: 1, notices: 1, sent: 1 });
    for (let i = 0; i < 5; i++) {
      expect(await s.check('steady')).toBe('down');
      s.advance(10 * MINUTE);
      expect(await s.step()).toMatchObject({ transitions: 0, notices: 0, sent: 0 });
    }
    // Better again but not healthy: the incident stays critical, and nobody hears of it.
    target.set('steady', 'slow');
    expect(await s.check('steady')).toBe('degraded');
    expect(await s.step()).toMatchObject({ transitions: 1, notices: 0, sent: 0 });
    await recover('steady');
    const bodies = hooksFor('steady');
    expect(bodies.map((b) => [b.type, b.data.incident.severity])).toEqual([
      ['incident.triggered', 'warning'],
      ['incident.triggered', 'critical'],
      ['incident.resolved', 'critical'],
    ]);
    expect(new Set(bodies.map((b) => b.id)).size).toBe(3);
    expect(new Set(bodies.map((b) => b.data.incident.id)).size).toBe(1);
    const alert = await alertOf('steady');
    expect(alert.transitions.map((t) => t.status)).toEqual(['degraded', 'down', 'degraded', 'healthy']);
    expect(alert.deliveries.map((d) => [d.event, d.state])).toEqual([['trigger', 'SENT'], ['trigger', 'SENT'], ['resolve', 'SENT']]);
  });
});

describe('reminders', () => {
  it('reminds every remind_every until the incident resolves, then never again', async () => {
    target.set('nagging', false);
    expect(await s.check('nagging')).toBe('down');
    expect(await s.step()).toMatchObject({ notices: 1, sent: 1 });
    s.advance(10 * MINUTE - 1);
    expect(await s.step()).toMatchObject({ notices: 0 });
    s.advance(1);
    expect(await s.step()).toMatchObject({ notices: 1, sent: 1 });
    s.advance(10 * MINUTE);
    expect(await s.step()).toMatchObject({ notices: 1, sent: 1 });
    expect((await alertOf('nagging')).reminders).toBe(2);
    await recover('nagging');
    s.advance(60 * MINUTE);
    expect(await s.step()).toMatchObject({ notices: 0, sent: 0 });
    expect(hooksFor('nagging').map((b) => b.type)).toEqual(['incident.triggered', 'incident.reminder', 'incident.reminder', 'incident.resolved']);
  });
});

describe('acknowledge', () => {
  const ACK = 'mutation($id: Int!) { acknowledgeAlert(id: $id) { acknowledged acknowledgedBy nextNoticeAt } }';

  it('stops reminders, tells PagerDuty with the same dedup_key, changes nothing the second time, and is refused to a viewer', async () => {
    const [operator, viewer] = [await s.tokenFor('OPERATOR'), await s.tokenFor('VIEWER')];
    target.set('acked', false);
    expect(await s.check('acked')).toBe('down');
    expect(await s.step()).toMatchObject({ notices: 2, sent: 2 });
    const { id } = await alertOf('acked');

    const refused = await s.gql(ACK, { id }, viewer);
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await alertOf('acked')).acknowledged).toBe(false);

    const first = await s.gqlOk(ACK, { id }, operator);
    expect(first.acknowledgeAlert).toMatchObject({ acknowledged: true, nextNoticeAt: null });
    expect(first.acknowledgeAlert.acknowledgedBy).toMatch(/t-operator-/);
    expect(await s.step()).toMatchObject({ sent: 2 });
    const second = await s.gqlOk(ACK, { id }, operator);
    expect(second.acknowledgeAlert).toEqual(first.acknowledgeAlert);
    expect(await s.step()).toMatchObject({ notices: 0, sent: 0 });

    s.advance(60 * MINUTE);
    expect(await s.step()).toMatchObject({ notices: 0, sent: 0 });
    expect(pagesFor(id).map((e) => e.event_action)).toEqual(['trigger', 'acknowledge']);
    expect(pagesFor(id).every((e) => e.routing_key === ROUTING_KEY)).toBe(true);
    expect(hooksFor('acked').map((b) => b.type)).toEqual(['incident.triggered', 'incident.acknowledged']);
    expect((await alertOf('acked')).reminders).toBe(0);

    const { auditLog } = await s.gqlOk('query($t: String!) { auditLog(filter: { action: "alerting.alert.acknowledge", targetId: $t }) { entries { actorLabel outcome input } } }', { t: String(id) });
    expect(auditLog.entries).toHaveLength(1);
    expect(auditLog.entries[0]).toMatchObject({ outcome: 'success', input: { id } });

    await recover('acked');
    expect(pagesFor(id).map((e) => e.event_action)).toEqual(['trigger', 'acknowledge', 'resolve']);
    const again = await s.gql(ACK, { id }, operator);
    expect(again.errors?.[0].extensions?.code).toBe('CONFLICT');
  });

  it('acknowledged before the escalation delay, the incident never escalates and its recovery pages nobody', async () => {
    const operator = await s.tokenFor('OPERATOR');
    target.set('early-ack', false);
    expect(await s.check('early-ack')).toBe('down');
    await s.step();
    const { id } = await alertOf('early-ack');
    await s.gqlOk(ACK, { id }, operator);
    s.advance(60 * MINUTE);
    expect(await s.step()).toMatchObject({ notices: 0, sent: 0 });
    await recover('early-ack');
    expect(pagesFor(id)).toEqual([]);
    expect(hooksFor('early-ack')).toEqual([]);
    expect(await alertOf('early-ack')).toMatchObject({ state: 'RESOLVED', acknowledged: true, notifiedAt: null, deliveries: [] });
  });
});
