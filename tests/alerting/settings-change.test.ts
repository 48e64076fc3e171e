/**
 * Alert settings changed while an outage is under way apply to it: the incident's next notice is
 * decided again by the settings now in force (regression: it kept the schedule it opened with, so
 * alerts turned on or a channel added during an outage paged nobody, and a shorter escalation delay
 * or new reminders did nothing until the next outage), and nothing is sent before those settings
 * say so. Also what a config-file reload, a removed parent and an `end_when_healthy` window change.
 * A real webhook receiver, a manual clock, passes run by the test.
 */
import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { startHttpReceiver, type HttpReceiver } from './support/receivers.ts';
import { newWebhookSecret, startFlippableTarget, startScenario, type AlertingScenario, type FlippableTarget } from './support/alerting.ts';

let target: FlippableTarget;
let hook: HttpReceiver;
let s: AlertingScenario;
const secret = newWebhookSecret();
const MINUTE = 60_000;
let config: string;

beforeAll(async () => {
  [target, hook] = await Promise.all([startFlippableTarget(), startHttpReceiver()]);
  const service = (name: string, extra = '') => `  - { name: ${name}, kind: http, target: "${target.url(name)}", failure_threshold: 1${extra} }`;
  config = `
alerting:
  channels:
    - { name: hook, kind: webhook, url: "${hook.url}/hook", secret: "${secret}" }
services:
${service('quiet')}
${service('slow-page')}
${service('nagging')}
${service('chatty')}
${service('filed', ', alerts: { enabled: false, channels: [hook], escalation_delay: 0s }')}
`;
  s = await startScenario(config);
});
afterAll(async () => {
  await s?.close();
  await Promise.all([target?.close(), hook?.close()]);
});

type Body = { type: string; data: { incident: { service: string } } };
const hooksFor = (service: string) =>
  hook.requests.map((r) => new Webhook(secret).verify(r.body, r.headers) as Body).filter((b) => b.data.incident.service === service).map((b) => b.type);
const nextNoticeOf = async (service: string): Promise<string | null> => {
  const { alerts } = await s.gqlOk<{ alerts: { state: string; nextNoticeAt: string | null }[] }>('query($s: String!) { alerts(filter: { service: $s, state: OPEN }) { state nextNoticeAt } }', { s: service });
  expect(alerts).toHaveLength(1);
  return alerts[0].nextNoticeAt;
};
const setAlerts = (service: string, input: Record<string, unknown>) =>
  s.gqlOk('mutation($s: String, $i: AlertConfigInput!) { updateAlertConfig(service: $s, input: $i) { service } }', { s: service, i: input });
async function down(service: string): Promise<Date> {
  target.set(service, false);
  const at = s.clock.now();
  expect(await s.check(service)).toBe('down');
  return at;
}
async function recover(service: string): Promise<void> {
  target.set(service, true);
  expect(await s.check(service)).toBe('healthy');
  await s.step();
}

describe('alert settings changed during an outage', () => {
  it('alerts turned on (a channel given) page for the outage under way (regression: the incident opened with no channel kept no schedule and paged nobody)', async () => {
    await down('quiet');
    expect(await s.step()).toMatchObject({ transitions: 1, notices: 0 });
    expect(await nextNoticeOf('quiet')).toBeNull();
    s.advance(10 * MINUTE);
    await setAlerts('quiet', { channels: ['hook'], escalationDelay: '0s' });
    expect(await s.step()).toMatchObject({ notices: 1, sent: 1 });
    expect(hooksFor('quiet')).toEqual(['incident.triggered']);
    const { rows } = await s.ts.server.app.sql.query("select count(*)::int as n from audit_log where action = 'alerting.config.update' and target_id = 'quiet'");
    expect(rows[0].n).toBe(1);
    await recover('quiet');
    expect(hooksFor('quiet')).toEqual(['incident.triggered', 'incident.resolved']);
  });

  it('a shorter escalation delay applies to the outage under way, and nothing pages before it; a longer one postpones', async () => {
    await setAlerts('slow-page', { channels: ['hook'], escalationDelay: '30m' });
    const startedAt = await down('slow-page');
    await s.step();
    expect(await nextNoticeOf('slow-page')).toBe(new Date(startedAt.getTime() + 30 * MINUTE).toISOString());
    s.advance(5 * MINUTE);
    await setAlerts('slow-page', { escalationDelay: '10m' });
    expect(await s.step()).toMatchObject({ notices: 0, sent: 0 });
    expect(await nextNoticeOf('slow-page')).toBe(new Date(startedAt.getTime() + 10 * MINUTE).toISOString());
    await setAlerts('slow-page', { escalationDelay: '20m' });
    await s.step();
    expect(await nextNoticeOf('slow-page')).toBe(new Date(startedAt.getTime() + 20 * MINUTE).toISOString());
    s.advance(startedAt.getTime() + 20 * MINUTE - 1 - s.clock.now().getTime());
    expect(await s.step()).toMatchObject({ notices: 0 });
    s.advance(1);
    expect(await s.step()).toMatchObject({ notices: 1, sent: 1 });
    expect(hooksFor('slow-page')).toEqual(['incident.triggered']);
    await recover('slow-page');
  });

  it('reminders turned on for a paged incident come one interval after the first notice, not at once; turned off, they stop', async () => {
    await setAlerts('nagging', { channels: ['hook'], escalationDelay: '0s' });
    const startedAt = await down('nagging');
    expect(await s.step()).toMatchObject({ notices: 1 });
    expect(await nextNoticeOf('nagging')).toBeNull();
    s.advance(2 * MINUTE);
    await setAlerts('nagging', { remindEvery: '10m' });
    expect(await s.step()).toMatchObject({ notices: 0, sent: 0 });
    const notifiedAt = startedAt.getTime() + 1000; // the pass ran after the check moved the clock 1 s
    expect(await nextNoticeOf('nagging')).toBe(new Date(notifiedAt + 10 * MINUTE).toISOString());
    s.advance(notifiedAt + 10 * MINUTE - s.clock.now().getTime());
    expect(await s.step()).toMatchObject({ notices: 1, sent: 1 });
    expect(hooksFor('nagging')).toEqual(['incident.triggered', 'incident.reminder']);
    await setAlerts('nagging', { remindEvery: 'off' });
    await s.step();
    expect(await nextNoticeOf('nagging')).toBeNull();
    s.advance(30 * MINUTE);
    expect(await s.step()).toMatchObject({ notices: 0 });
    await recover('nagging');
  });

  it('reminders behind their schedule (held back, a late pass) get no extra one from each settings change, and a longer interval counts from the last reminder (regression: both counted reminders from the first page)', async () => {
    await setAlerts('chatty', { channels: ['hook'], escalationDelay: '0s', remindEvery: '10m' });
    await down('chatty');
    expect(await s.step()).toMatchObject({ notices: 1 });
    s.advance(60 * MINUTE); // the pass was away for an hour: one reminder when it is back, not six
    expect(await s.step()).toMatchObject({ notices: 1 });
    const lastReminder = s.clock.now().getTime();
    for (let i = 0; i < 3; i++) {
      s.advance(MINUTE);
      await setAlerts('chatty', { notifyRecovery: i % 2 === 0 ? false : true });
      expect(await s.step()).toMatchObject({ notices: 0 });
    }
    expect(await nextNoticeOf('chatty')).toBe(new Date(lastReminder + 10 * MINUTE).toISOString());
    await setAlerts('chatty', { remindEvery: '30m' });
    await s.step();
    expect(await nextNoticeOf('chatty')).toBe(new Date(lastReminder + 30 * MINUTE).toISOString());
    expect(hooksFor('chatty')).toEqual(['incident.triggered', 'incident.reminder']);
    await recover('chatty');
  });

  it('the default settings changed apply to every open incident that takes them', async () => {
    await down('quiet'); // its own settings: hook, 0 s (the first test)
    await setAlerts('quiet', { reset: ['channels', 'escalationDelay'] });
    expect(await s.step()).toMatchObject({ notices: 0 });
    expect(await nextNoticeOf('quiet')).toBeNull(); // the default has no channel
    await setAlerts(null as unknown as string, { channels: ['hook'], escalationDelay: '0s' });
    expect(await s.step()).toMatchObject({ notices: 1, sent: 1 });
    expect(hooksFor('quiet')).toEqual(['incident.triggered', 'incident.resolved', 'incident.triggered']);
    await setAlerts(null as unknown as string, { reset: ['channels', 'escalationDelay'] });
    await recover('quiet');
  });

  it('settings turned on in the config file page for the outage under way once the file is reloaded', async () => {
    await down('filed');
    expect(await s.step()).toMatchObject({ transitions: 1, notices: 0 });
    await fs.writeFile(s.file, config.replace('alerts: { enabled: false, channels: [hook]', 'alerts: { enabled: true, channels: [hook]'));
    expect(await s.ts.server.app.configFile.reload('test')).toBe(true);
    expect(await s.step()).toMatchObject({ notices: 1, sent: 1 });
    expect(hooksFor('filed')).toEqual(['incident.triggered']);
    await recover('filed');
  });
});

describe('a dependent held back by its parent', () => {
  it('is paged once its parent, down, is deleted (regression: it was looked at again only when the parent recovered, which a deleted one never does)', async () => {
    for (const [name, extra] of [['parent', ''], ['child', ', dependsOn: ["parent"]']]) {
      await s.gqlOk(`mutation { createService(input: { name: "${name}", kind: "http", target: "${target.url(name)}", failureThreshold: 1${extra} }) { name } }`);
      await setAlerts(name, { channels: ['hook'], escalationDelay: '0s' });
    }
    await down('parent');
    await s.step();
    await down('child');
    await s.step();
    expect(hooksFor('parent')).toEqual(['incident.triggered']);
    expect(hooksFor('child')).toEqual([]);
    // The dependency is dropped first (a service others depend on cannot be deleted), then the parent.
    await s.gqlOk(`mutation { updateService(name: "child", input: { kind: "http", target: "${target.url('child')}", failureThreshold: 1, dependsOn: [] }) { name } }`);
    await s.gqlOk('mutation { deleteService(name: "parent") }');
    await s.step();
    expect(hooksFor('parent')).toEqual(['incident.triggered', 'incident.resolved']);
    expect(hooksFor('child')).toEqual(['incident.triggered']);
    await recover('child');
  });
});

describe('a window that ends when a service it covers is healthy', () => {
  it('lets the other services it covered, still down, be paged at once (regression: they waited for the end the window had been given)', async () => {
    for (const name of ['mend-a', 'mend-b']) {
      await s.gqlOk(`mutation { createService(input: { name: "${name}", kind: "http", target: "${target.url(name)}", failureThreshold: 1 }) { name } }`);
      await setAlerts(name, { channels: ['hook'], escalationDelay: '0s' });
    }
    await s.gqlOk('mutation($i: MaintenanceWindowInput!) { createMaintenanceWindow(input: $i) { id } }', { i: { name: 'mending', services: ['mend-a', 'mend-b'], duration: '4h', endWhenHealthy: true } });
    await down('mend-a');
    await down('mend-b');
    expect(await s.step()).toMatchObject({ notices: 0 });
    await recover('mend-a'); // ends the window
    await s.step();
    expect(hooksFor('mend-a')).toEqual([]);
    expect(hooksFor('mend-b')).toEqual(['incident.triggered']);
    await recover('mend-b');
  });
});

describe('what holds an incident back', () => {
  it('is said only while it holds: a window deleted before the escalation is due leaves no "maintenance" label, and the page comes at its time', async () => {
    await s.gqlOk(`mutation { createService(input: { name: "labelled", kind: "http", target: "${target.url('labelled')}", failureThreshold: 1 }) { name } }`);
    await setAlerts('labelled', { channels: ['hook'], escalationDelay: '30m' });
    const { createMaintenanceWindow } = await s.gqlOk<{ createMaintenanceWindow: { id: number } }>('mutation($i: MaintenanceWindowInput!) { createMaintenanceWindow(input: $i) { id } }', { i: { name: 'labelling', services: ['labelled'], duration: '2h' } });
    const startedAt = await down('labelled');
    await s.step();
    // Reconsidered at once (its settings change), it is held by the window until the window ends.
    await setAlerts('labelled', { escalationDelay: '20m' });
    await s.step();
    const held = await s.gqlOk<{ alerts: { suppressedBy: string | null; nextNoticeAt: string | null }[] }>('{ alerts(filter: { service: "labelled", state: OPEN }) { suppressedBy nextNoticeAt } }');
    expect(held.alerts[0].suppressedBy).toBe('maintenance "labelling"');
    await s.gqlOk('mutation($id: Int!) { deleteMaintenanceWindow(id: $id) }', { id: createMaintenanceWindow.id });
    expect(await s.step()).toMatchObject({ notices: 0 });
    const free = await s.gqlOk<{ alerts: { suppressedBy: string | null; nextNoticeAt: string | null }[] }>('{ alerts(filter: { service: "labelled", state: OPEN }) { suppressedBy nextNoticeAt } }');
    expect(free.alerts[0]).toEqual({ suppressedBy: null, nextNoticeAt: new Date(startedAt.getTime() + 20 * MINUTE).toISOString() });
    s.advance(startedAt.getTime() + 20 * MINUTE - s.clock.now().getTime());
    expect(await s.step()).toMatchObject({ notices: 1, sent: 1 });
    await recover('labelled');
  });
});
