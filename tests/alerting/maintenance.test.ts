/**
 * Maintenance windows silence notices for the services they cover (by service, by tag, or all),
 * from the config file (a recurring rrule) and from the API; once a window ends (the clock past it,
 * `endMaintenanceWindow`, or `endWhenHealthy` on a recovery) what is still open is notified.
 * The scenario's clock starts on Sunday 2026-12-06 at 10:00 UTC.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpReceiver, type HttpReceiver } from './support/receivers.ts';
import { newWebhookSecret, startFlippableTarget, startScenario, type AlertingScenario, type FlippableTarget } from './support/alerting.ts';

let target: FlippableTarget;
let hook: HttpReceiver;
let s: AlertingScenario;
let operator: string;
const MINUTE = 60_000;

beforeAll(async () => {
  [target, hook] = await Promise.all([startFlippableTarget(), startHttpReceiver()]);
  const service = (name: string, extra = '') => `  - { name: ${name}, kind: http, target: "${target.url(name)}", failure_threshold: 1${extra} }`;
  s = await startScenario(`
alerting:
  channels:
    - { name: hook, kind: webhook, url: "${hook.url}/hook", secret: "${newWebhookSecret()}" }
  defaults: { channels: [hook], escalation_delay: 0s }
services:
${service('db')}
${service('edge-1', ', tags: [edge]')}
${service('deploy')}
${service('heal')}
${service('anything')}
maintenance:
  - { name: sunday-backup, services: [db], rrule: "FREQ=WEEKLY;BYDAY=SU;BYHOUR=11", duration: 1h, reason: "weekly backup" }
`);
  operator = await s.tokenFor('OPERATOR');
});
afterAll(async () => {
  await s?.close();
  await Promise.all([target?.close(), hook?.close()]);
});

const noticesFor = (service: string) =>
  hook.requests.map((r) => JSON.parse(r.body) as { type: string; data: { incident: { service: string } } }).filter((b) => b.data.incident.service === service).map((b) => b.type);
const openAlert = async (service: string) =>
  (await s.gqlOk(`query($s: String!) { alerts(filter: { service: $s, state: OPEN }) { id suppressedBy notifiedAt channels } }`, { s: service })).alerts[0];
const CREATE = 'mutation($input: MaintenanceWindowInput!) { createMaintenanceWindow(input: $input) { id name active endedAt } }';
const WINDOW_FIELDS = 'name active endedAt currentOrNextStart currentOrNextEnd';

async function down(service: string) {
  target.set(service, false);
  expect(await s.check(service)).toBe('down');
  return s.step();
}
async function recover(service: string) {
  target.set(service, true);
  expect(await s.check(service)).toBe('healthy');
  return s.step();
}

describe('maintenance windows', () => {
  it('a recurring window from the config file silences its service during each occurrence, then the open incident is notified', async () => {
    const { maintenanceWindows } = await s.gqlOk(`{ maintenanceWindows { ${WINDOW_FIELDS} rrule source } }`);
    expect(maintenanceWindows).toEqual([
      { name: 'sunday-backup', active: false, endedAt: null, currentOrNextStart: '2026-12-06T11:00:00.000Z', currentOrNextEnd: '2026-12-06T12:00:00.000Z', rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=11', source: 'config' },
    ]);
    s.clock.set(new Date('2026-12-06T11:05:00Z'));
    expect(await down('db')).toMatchObject({ transitions: 1, notices: 0, sent: 0 });
    expect(await openAlert('db')).toMatchObject({ suppressedBy: 'maintenance "sunday-backup"', notifiedAt: null });
    s.clock.set(new Date('2026-12-06T11:59:59.999Z'));
    expect(await s.step()).toMatchObject({ notices: 0 });
    s.clock.set(new Date('2026-12-06T12:00:00Z'));
    expect(await s.step()).toMatchObject({ notices: 1, sent: 1 });
    expect(await openAlert('db')).toMatchObject({ suppressedBy: null, channels: ['hook'] });
    expect(await recover('db')).toMatchObject({ notices: 1 });
    // A week later, the next occurrence silences again.
    s.clock.set(new Date('2026-12-13T11:30:00Z'));
    expect(await down('db')).toMatchObject({ notices: 0 });
    expect(await openAlert('db')).toMatchObject({ suppressedBy: 'maintenance "sunday-backup"' });
    expect(await recover('db')).toMatchObject({ notices: 0 });
    expect(noticesFor('db')).toEqual(['incident.triggered', 'incident.resolved']);
  });

  it('a window by tag silences the tagged services until it ends by the clock; a viewer may not create one; its creation is audited', async () => {
    const viewer = await s.tokenFor('VIEWER');
    const refused = await s.gql(CREATE, { input: { name: 'edge-work', tags: ['edge'], duration: '30m' } }, viewer);
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const { createMaintenanceWindow } = await s.gqlOk(CREATE, { input: { name: 'edge-work', tags: ['edge'], duration: '30m', reason: 'edge upgrade' } }, operator);
    expect(createMaintenanceWindow).toMatchObject({ name: 'edge-work', active: true, endedAt: null });
    expect(await down('edge-1')).toMatchObject({ notices: 0 });
    expect(await openAlert('edge-1')).toMatchObject({ suppressedBy: 'maintenance "edge-work"' });
    s.advance(30 * MINUTE);
    expect(await s.step()).toMatchObject({ notices: 1, sent: 1 });
    expect(noticesFor('edge-1')).toEqual(['incident.triggered']);
    await recover('edge-1');
    const { auditLog } = await s.gqlOk('{ auditLog(filter: { action: "alerting.maintenance.create" }) { entries { outcome targetId input } } }');
    expect(auditLog.entries.filter((e: { targetId: string }) => e.targetId === 'edge-work')).toEqual([
      { outcome: 'success', targetId: 'edge-work', input: expect.objectContaining({ name: 'edge-work', tags: ['edge'], duration: '30m' }) },
    ]);
  });

  it('endMaintenanceWindow ends a window early and the still-open incident is notified at once', async () => {
    const { createMaintenanceWindow } = await s.gqlOk(CREATE, { input: { name: 'deploying', services: ['deploy'], duration: '2h' } }, operator);
    expect(await down('deploy')).toMatchObject({ notices: 0 });
    expect(await openAlert('deploy')).toMatchObject({ suppressedBy: 'maintenance "deploying"' });
    const ended = await s.gqlOk(`mutation($id: Int!) { endMaintenanceWindow(id: $id) { ${WINDOW_FIELDS} } }`, { id: createMaintenanceWindow.id }, operator);
    expect(ended.endMaintenanceWindow).toMatchObject({ active: false, endedAt: s.clock.now().toISOString() });
    expect(await s.step()).toMatchObject({ notices: 1, sent: 1 });
    expect(noticesFor('deploy')).toEqual(['incident.triggered']);
    // Ending it again changes nothing (and is not audited again).
    await s.gqlOk('mutation { endMaintenanceWindow(name: "deploying") { name } }', {}, operator);
    const { auditLog } = await s.gqlOk('{ auditLog(filter: { action: "alerting.maintenance.end" }) { entries { targetId } } }');
    expect(auditLog.entries).toEqual([{ targetId: String(createMaintenanceWindow.id) }]);
    await recover('deploy');
  });

  it('endWhenHealthy ends a one-off window once the service it covers recovers', async () => {
    await s.gqlOk(CREATE, { input: { name: 'heal-until-healthy', services: ['heal'], duration: '4h', endWhenHealthy: true } }, operator);
    expect(await down('heal')).toMatchObject({ notices: 0 });
    expect(await openAlert('heal')).toMatchObject({ suppressedBy: 'maintenance "heal-until-healthy"' });
    expect(await recover('heal')).toMatchObject({ transitions: 1, notices: 0, sent: 0 });
    const { maintenanceWindows } = await s.gqlOk(`{ maintenanceWindows(includeEnded: true) { ${WINDOW_FIELDS} } }`);
    expect(maintenanceWindows.find((w: { name: string }) => w.name === 'heal-until-healthy')).toMatchObject({ active: false, endedAt: expect.any(String) });
    // Over: the next failure pages.
    expect(await down('heal')).toMatchObject({ notices: 1, sent: 1 });
    await recover('heal');
    expect(noticesFor('heal')).toEqual(['incident.triggered', 'incident.resolved']);
  });

  it('a window for all services silences every one of them', async () => {
    const { createMaintenanceWindow } = await s.gqlOk(CREATE, { input: { name: 'everything', all: true, duration: '1h' } }, operator);
    expect(await down('anything')).toMatchObject({ notices: 0 });
    expect(await down('deploy')).toMatchObject({ notices: 0 });
    expect(await openAlert('anything')).toMatchObject({ suppressedBy: 'maintenance "everything"' });
    expect(await openAlert('deploy')).toMatchObject({ suppressedBy: 'maintenance "everything"' });
    await s.gqlOk('mutation($id: Int!) { endMaintenanceWindow(id: $id) { name } }', { id: createMaintenanceWindow.id }, operator);
    expect(await s.step()).toMatchObject({ notices: 2, sent: 2 });
    await recover('anything');
    await recover('deploy');
  });
});
