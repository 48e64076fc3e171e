/**
 * The config file from outside: `alerting:`, `maintenance:` and `services[].alerts` of every wrong
 * shape, instants beyond what the database stores, and reloads under way: one that removes a
 * channel pending deliveries still name, one that changes a channel's secret while a delivery is
 * pending (the next attempt signs with the new one), one that removes a service whose incident is
 * open. Each is refused naming the entry, or applied without breaking the pass or the outbox.
 */
import fs from 'node:fs/promises';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertingSection, maintenanceSection } from '../../server/alerting/config-file.ts';
import { startHttpReceiver, type HttpReceiver } from './support/receivers.ts';
import { newWebhookSecret, startFlippableTarget, startScenario, type AlertingScenario, type FlippableTarget } from './support/alerting.ts';

const now = new Date('2026-12-06T10:00:00Z');

function problems(values: Record<string, unknown>, services: { name: unknown; alerts: unknown }[] = []): string[] {
  const found: string[] = [];
  const input = { file: 'lookout.yaml', values, entries: { services: services.map((s, index) => ({ index, name: s.name, values: { alerts: s.alerts } })) } };
  alertingSection.parse(input, found);
  maintenanceSection(() => now).parse(input, found);
  return found;
}

describe('bad shapes in the file', () => {
  it('names the section, entry and field of each, and never throws', () => {
    const cases: [Record<string, unknown>, { name: unknown; alerts: unknown }[], RegExp][] = [
      [{ alerting: 'on' }, [], /^alerting: must be a mapping/],
      [{ alerting: [1, 2] }, [], /^alerting: must be a mapping/],
      [{ alerting: { channels: { hook: { kind: 'webhook' } } } }, [], /^alerting\.channels: must be a list/],
      [{ alerting: { channels: ['hook'] } }, [], /^alerting\.channels\[0\]/],
      [{ alerting: { channels: [null] } }, [], /^alerting\.channels\[0\]/],
      [{ alerting: { channels: [{ name: 'a', kind: 'webhook', url: 'https://x.example/', secret: 5 }] } }, [], /^alerting\.channels\[0\] \("a"\): secret/],
      [{ alerting: { defaults: ['hook'] } }, [], /^alerting\.defaults/],
      [{ alerting: { defaults: { channels: 'hook' } } }, [], /^alerting\.defaults: alerting\.defaults\.channels/],
      [{ alerting: { defaults: { escalation_delay: { minutes: 5 } } } }, [], /escalationDelay/],
      [{ alerting: { defaults: { remind_every: -1 } } }, [], /remindEvery/],
      [{ alerting: { extra: true } }, [], /^alerting: unknown key "extra"/],
      [{}, [{ name: 'api', alerts: 'loud' }], /^services\[0\] \("api"\): alerts must be a mapping/],
      [{}, [{ name: 'api', alerts: ['hook'] }], /^services\[0\] \("api"\): alerts must be a mapping/],
      [{}, [{ name: 'api', alerts: { channels: ['ghost'] } }], /^services\[0\] \("api"\): .*not defined: ghost/],
      [{}, [{ name: 'api', alerts: { colour: 'red' } }], /^services\[0\] \("api"\): .*unknown key "colour"/],
      [{ maintenance: { name: 'w' } }, [], /^maintenance: must be a list/],
      [{ maintenance: ['w'] }, [], /^maintenance\[0\]/],
      [{ maintenance: [{ name: 'w', all: 'yes', duration: '1h' }] }, [], /^maintenance\[0\] \("w"\): all/],
      [{ maintenance: [{ name: 'w', all: true, rrule: 'FREQ=DAILY;BYHOUR=', duration: '1h' }] }, [], /^maintenance\[0\] \("w"\): rrule/],
      [{ maintenance: [{ name: 'w', all: true, rrule: ['FREQ=DAILY'], duration: '1h' }] }, [], /^maintenance\[0\] \("w"\): rrule/],
      [{ maintenance: [{ name: 'w', all: true, start: 20261206, duration: '1h' }] }, [], /^maintenance\[0\] \("w"\): start/],
      [{ maintenance: [{ name: 'w', all: true, duration: '1h' }, { name: 'w', all: true, duration: '1h' }] }, [], /^maintenance\[1\] \("w"\): name.*twice/],
    ];
    for (const [values, services, expected] of cases) {
      const found = problems(values, services);
      expect(found.length, JSON.stringify(values)).toBeGreaterThan(0);
      expect(found[0], JSON.stringify(values)).toMatch(expected);
    }
  });

  it('regression: an instant in the file beyond what the database stores (the year -10000, or 275760 plus a duration) passed the check and failed the load in the database', () => {
    for (const start of ['-010000-01-01T00:00:00Z', '+275760-09-01T00:00:00Z', '+100000-01-01T00:00:00Z', '0000-06-01T00:00:00Z']) {
      const found = problems({ maintenance: [{ name: 'w', all: true, start, duration: '31d' }] });
      expect(found, start).toEqual([expect.stringMatching(/^maintenance\[0\] \("w"\): start/)]);
    }
    const found = problems({ maintenance: [{ name: 'w', all: true, start: '2026-12-06T00:00:00Z', end: '+275760-01-01T00:00:00Z' }] });
    expect(found).toEqual([expect.stringMatching(/^maintenance\[0\] \("w"\): end/)]);
  });
});

describe('reloads under way', () => {
  let target: FlippableTarget;
  let hook: HttpReceiver;
  let pager: HttpReceiver;
  let s: AlertingScenario;
  const first = newWebhookSecret();
  const second = newWebhookSecret();
  const file = (hookSecret: string, withPager: boolean, services = ['api', 'db']) => `
alerting:
  channels:
    - { name: hook, kind: webhook, url: "${hook.url}/in", secret: "${hookSecret}" }
${withPager ? `    - { name: pager, kind: pagerduty, routing_key: R0utingKeyR0utingKeyR0utingKey42, url: "${pager.url}/v2/enqueue" }` : ''}
  defaults: { channels: [hook${withPager ? ', pager' : ''}], escalation_delay: 0s }
services:
${services.map((name) => `  - { name: ${name}, kind: http, target: "${target.url(name)}", failure_threshold: 1 }`).join('\n')}
`;
  beforeAll(async () => {
    [target, hook, pager] = await Promise.all([startFlippableTarget(), startHttpReceiver(), startHttpReceiver()]);
    s = await startScenario(file(first, true));
  });
  afterAll(async () => {
    await s?.close();
    await Promise.all([target?.close(), hook?.close(), pager?.close()]);
  });

  const reload = async (text: string) => {
    await fs.writeFile(s.file, text);
    const ok = await s.ts.server.app.configFile.reload('test');
    expect(ok, s.ts.server.app.configFile.error ?? '').toBe(true);
  };
  const deliveries = async (service: string) =>
    (await s.ts.server.app.sql.query('select d.channel, d.event, d.state, d.attempts, d.last_error from alert_deliveries d join alert_incidents i on i.id = d.incident_id join services s on s.id = i.service_id where s.name = $1 order by d.id', [service])).rows;

  it('a channel removed while deliveries to it are pending, and a secret changed while one is: the next attempt fails as "not defined", or signs with the new secret', async () => {
    hook.respondWith(503, 'busy');
    pager.respondWith(503, 'busy');
    target.set('api', false);
    expect(await s.check('api')).toBe('down');
    await s.step();
    expect(await deliveries('api')).toEqual([
      expect.objectContaining({ channel: 'hook', event: 'trigger', state: 'pending', attempts: 1 }),
      expect.objectContaining({ channel: 'pager', event: 'trigger', state: 'pending', attempts: 1 }),
    ]);
    await reload(file(second, false));
    hook.respondWith(200, 'ok');
    s.advance(60_000);
    await s.step();
    expect(await deliveries('api')).toEqual([
      expect.objectContaining({ channel: 'hook', state: 'sent', attempts: 2 }),
      expect.objectContaining({ channel: 'pager', state: 'failed', attempts: 2, last_error: expect.stringMatching(/not defined/) }),
    ]);
    const sent = hook.requests.at(-1)!;
    expect(() => new Webhook(second).verify(sent.body, sent.headers)).not.toThrow();
    expect(() => new Webhook(first).verify(sent.body, sent.headers)).toThrow();
    // The recovery tells the channels told, and records the one that is gone.
    target.set('api', true);
    expect(await s.check('api')).toBe('healthy');
    await s.step();
    const resolved = (await deliveries('api')).filter((d) => d.event === 'resolve');
    expect(resolved).toEqual([
      expect.objectContaining({ channel: 'hook', state: 'sent' }),
      expect.objectContaining({ channel: 'pager', state: 'failed', last_error: expect.stringMatching(/not defined/) }),
    ]);
  });

  it('a service removed from the file while its incident is open: the pass, the outbox and the queries go on', async () => {
    hook.respondWith(503, 'busy');
    target.set('db', false);
    expect(await s.check('db')).toBe('down');
    await s.step();
    await reload(file(second, false, ['api']));
    s.advance(60_000);
    await s.step();
    await s.step();
    const { alerts } = await s.gqlOk('{ alerts { service state } openCriticalAlerts }');
    // The incident outlives its service, resolved as removed (tests/alerting/removed-service.test.ts).
    expect(alerts.filter((a: { service: string }) => a.service === 'db')).toEqual([{ service: 'db', state: 'RESOLVED' }]);
    hook.respondWith(200, 'ok');
    target.set('api', false);
    expect(await s.check('api')).toBe('down');
    await s.step();
    expect((await deliveries('api')).at(-1)).toMatchObject({ channel: 'hook', event: 'trigger', state: 'sent' });
  });
});
