/**
 * Alerting's writes racing each other: acknowledgements at once and against the pass's
 * escalation, the first default settings written by two callers at once, a window ended twice at
 * once, a channel deleted while a delivery to it is being sent. Each ends in one consistent state,
 * with exactly one audit row per change, and never an internal error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpReceiver, type HttpReceiver } from './support/receivers.ts';
import { newWebhookSecret, passUntilCaughtUp, startFlippableTarget, startScenario, type AlertingScenario, type FlippableTarget } from './support/alerting.ts';

const SECRET = newWebhookSecret();
const RACERS = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];

let target: FlippableTarget;
let hook: HttpReceiver;
let hanging: HttpReceiver;
let s: AlertingScenario;

beforeAll(async () => {
  [target, hook, hanging] = await Promise.all([startFlippableTarget(), startHttpReceiver(), startHttpReceiver()]);
  hanging.hang();
  s = await startScenario(`
alerting:
  channels:
    - { name: hook, kind: webhook, url: "${hook.url}/in", secret: "${SECRET}" }
services:
  - { name: twice, kind: http, target: "${target.url('twice')}", failure_threshold: 1, alerts: { channels: [hook], escalation_delay: 0s } }
  - { name: doomed, kind: http, target: "${target.url('doomed')}", failure_threshold: 1 }
  - { name: first, kind: http, target: "${target.url('first')}", failure_threshold: 1 }
${RACERS.map((name) => `  - { name: ${name}, kind: http, target: "${target.url(name)}", failure_threshold: 1, alerts: { channels: [hook], escalation_delay: 5m } }`).join('\n')}
`);
  s.ts.server.app.alerting.attemptTimeoutMs = 2000;
});
afterAll(async () => {
  await s?.close();
  await Promise.all([target?.close(), hook?.close(), hanging?.close()]);
});

const sql = () => s.ts.server.app.sql;
const ACK = 'mutation($id: Int!) { acknowledgeAlert(id: $id) { id acknowledged acknowledgedBy } }';
const alertOf = async (service: string) => (await s.gqlOk('query($s: String!) { alerts(filter: { service: $s }) { id } }', { s: service })).alerts[0].id as number;
const auditCount = async (action: string, targetId: string) =>
  (await sql().query<{ n: number }>("select count(*)::int as n from audit_log where action = $1 and target_id = $2 and outcome = 'success'", [action, targetId])).rows[0].n;

describe('races', () => {
  it('two acknowledgements at once: both answer, one audit row, one acknowledge notice', async () => {
    target.set('twice', false);
    expect(await s.check('twice')).toBe('down');
    await s.step();
    const id = await alertOf('twice');
    const operator = await s.tokenFor('OPERATOR');
    const results = await Promise.all([s.gql(ACK, { id }), s.gql(ACK, { id }, operator), s.gql(ACK, { id }), s.gql(ACK, { id }, operator)]);
    for (const result of results) expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    expect(await auditCount('alerting.alert.acknowledge', String(id))).toBe(1);
    const { rows } = await sql().query<{ event: string; n: number }>('select event, count(*)::int as n from alert_deliveries where incident_id = $1 group by event order by event', [id]);
    expect(rows).toEqual([{ event: 'acknowledge', n: 1 }, { event: 'trigger', n: 1 }]);
  });

  it('acknowledgements racing the pass that escalates: each incident is either told and then told of the acknowledgement, or told nothing', async () => {
    for (const name of RACERS) {
      target.set(name, false);
      expect(await s.check(name)).toBe('down');
    }
    await s.step();
    const ids = await Promise.all(RACERS.map(alertOf));
    s.advance(5 * 60_000); // the escalation falls due
    const outcomes = await Promise.all([...ids.map((id) => s.gql(ACK, { id })), s.ts.server.app.alerting.runPass().then(() => ({ errors: undefined }))]);
    for (const outcome of outcomes) expect(outcome.errors, JSON.stringify(outcome.errors)).toBeUndefined();
    await s.step();
    for (const id of ids) {
      const { rows } = await sql().query<{ event: string }>('select event from alert_deliveries where incident_id = $1 order by id', [id]);
      const events = rows.map((r) => r.event);
      expect([[], ['trigger', 'acknowledge']], `incident ${id}: ${events.join(', ')}`).toContainEqual(events);
      const { rows: incident } = await sql().query('select notified_at is not null as notified, acknowledged_at is not null as acknowledged, next_notice_at from alert_incidents where id = $1', [id]);
      expect(incident[0]).toEqual({ notified: events.length > 0, acknowledged: true, next_notice_at: null });
      expect(await auditCount('alerting.alert.acknowledge', String(id))).toBe(1);
    }
    // Nothing more is due for them, ever.
    s.advance(3600_000);
    expect((await s.step()).notices).toBe(0);
  });

  it('regression: the first default settings written by two callers at once failed one with an internal error (a unique violation)', async () => {
    const delays = ['1m', '2m', '3m', '4m', '5m', '6m'];
    const results = await Promise.all(delays.map((d) => s.gql('mutation($d: String!) { updateAlertConfig(input: { escalationDelay: $d }) { service effective { escalationDelay } } }', { d })));
    for (const result of results) expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    const { rows } = await sql().query('select escalation_delay_ms from alert_configs where service_id is null');
    expect(rows).toHaveLength(1);
    expect(delays.map((d) => Number(d[0]) * 60_000)).toContain(rows[0].escalation_delay_ms);
    // The same for a service's first own settings.
    const own = await Promise.all(delays.map((d) => s.gql('mutation($d: String!) { updateAlertConfig(service: "first", input: { minDuration: $d }) { service } }', { d })));
    for (const result of own) expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    await s.gqlOk('mutation { updateAlertConfig(input: { reset: ["escalationDelay"] }) { service } }');
  });

  it('a window ended twice at once: both answer with the same end, one audit row', async () => {
    const { createMaintenanceWindow } = await s.gqlOk('mutation { createMaintenanceWindow(input: { name: "deploy", services: ["first"], duration: "1h" }) { id } }');
    const id = createMaintenanceWindow.id as number;
    s.advance(60_000);
    const results = await Promise.all([1, 2, 3].map(() => s.gql('mutation($id: Int) { endMaintenanceWindow(id: $id) { endedAt active } }', { id })));
    for (const result of results) expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    const ends = new Set(results.map((r) => JSON.stringify(r.data)));
    expect(ends.size).toBe(1);
    expect(results[0].data).toMatchObject({ endMaintenanceWindow: { active: false } });
    expect(await auditCount('alerting.maintenance.end', String(id))).toBe(1);
  });

  it('deleting a channel while a delivery to it is being sent neither waits for the send nor breaks it: the attempt is recorded, the next one fails as "not defined"', async () => {
    await s.gqlOk('mutation($i: AlertChannelInput!) { createAlertChannel(input: $i) { name } }', { i: { name: 'temp', kind: 'webhook', settings: { url: `${hanging.url}/in`, secret: SECRET } } });
    await s.gqlOk('mutation { updateAlertConfig(service: "doomed", input: { channels: ["temp"], escalationDelay: "0s" }) { service } }');
    target.set('doomed', false);
    expect(await s.check('doomed')).toBe('down');
    await passUntilCaughtUp(s.ts.server.app);
    const sending = s.ts.server.app.alerting.deliver();
    await hanging.next(); // claimed and under way
    const deleted = await s.gql('mutation { deleteAlertChannel(name: "temp") }');
    expect(deleted.errors?.[0].extensions?.code).toBe('CONFLICT'); // still in the service's settings
    await s.gqlOk('mutation { updateAlertConfig(service: "doomed", input: { reset: ["channels"] }) { service } }');
    const started = performance.now();
    await s.gqlOk('mutation { deleteAlertChannel(name: "temp") }');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await sending).toBe(1);
    const id = await alertOf('doomed');
    const delivery = async () => (await sql().query('select state, attempts, last_error from alert_deliveries where incident_id = $1', [id])).rows[0];
    expect(await delivery()).toMatchObject({ state: 'pending', attempts: 1, last_error: expect.stringMatching(/timed out/) });
    s.advance(60_000);
    await s.step();
    expect(await delivery()).toMatchObject({ state: 'failed', attempts: 2, last_error: expect.stringMatching(/not defined/) });
  });
});
