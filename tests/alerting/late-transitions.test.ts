/**
 * Regression (found by an attack review): an outage whose transitions reached alerting late — a
 * long transaction elsewhere on the database server holds the transition stream back, and so do a
 * stalled database or no replica running alerting — was opened and resolved by one pass, and paged
 * nobody although it lasted past its escalation delay: the pass decided pages only for incidents
 * still open. Now an outage seen late pages when it lasted long enough (then tells its recovery);
 * a shorter one, or one held back by its parent, pages nobody, however late it is seen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { startHttpReceiver, type HttpReceiver, type Received } from './support/receivers.ts';
import { newWebhookSecret, startFlippableTarget, startScenario, type AlertingScenario, type FlippableTarget } from './support/alerting.ts';

let target: FlippableTarget;
let hook: HttpReceiver;
let s: AlertingScenario;
const secret = newWebhookSecret();
const MINUTE = 60_000;

beforeAll(async () => {
  [target, hook] = await Promise.all([startFlippableTarget(), startHttpReceiver()]);
  const service = (name: string, extra = '') => `  - { name: ${name}, kind: http, target: "${target.url(name)}", failure_threshold: 1${extra}, alerts: { escalation_delay: 1m } }`;
  s = await startScenario(`
alerting:
  channels:
    - { name: hook, kind: webhook, url: "${hook.url}/hook", secret: "${secret}" }
  defaults: { channels: [hook] }
services:
${service('long')}
${service('brief')}
${service('parent')}
${service('child', ', depends_on: [parent]')}
`);
});
afterAll(async () => {
  await s?.close();
  await Promise.all([target?.close(), hook?.close()]);
});

type Body = { type: string; data: { incident: { service: string; state: string } } };
const hooksFor = (service: string) =>
  hook.requests.map((r: Received) => new Webhook(secret).verify(r.body, r.headers) as Body).filter((b) => b.data.incident.service === service).map((b) => b.type);

describe('an outage seen late by alerting', () => {
  it('that lasted past its escalation delay pages, then tells its recovery', async () => {
    target.set('long', false);
    expect(await s.check('long')).toBe('down');
    s.advance(2 * MINUTE);
    target.set('long', true);
    expect(await s.check('long')).toBe('healthy');
    // Both transitions reach alerting in one pass.
    expect(await s.step()).toMatchObject({ transitions: 2, sent: 2 });
    expect(hooksFor('long')).toEqual(['incident.triggered', 'incident.resolved']);
    const { alerts } = await s.gqlOk<{ alerts: { state: string; notifiedAt: string | null; channels: string[] }[] }>('{ alerts(filter: { service: "long" }) { state notifiedAt channels } }');
    expect(alerts).toEqual([{ state: 'RESOLVED', notifiedAt: expect.any(String), channels: ['hook'] }]);
  });

  it('that was shorter than its escalation delay pages nobody', async () => {
    target.set('brief', false);
    expect(await s.check('brief')).toBe('down');
    s.advance(30_000);
    target.set('brief', true);
    expect(await s.check('brief')).toBe('healthy');
    expect(await s.step()).toMatchObject({ transitions: 2, sent: 0 });
    expect(hooksFor('brief')).toEqual([]);
  });

  it('of a service whose parent was down too pages for the parent only', async () => {
    target.set('parent', false);
    target.set('child', false);
    await s.check('parent');
    await s.check('child');
    s.advance(2 * MINUTE);
    target.set('parent', true);
    target.set('child', true);
    await s.check('child');
    await s.check('parent');
    await s.step();
    expect(hooksFor('parent')).toEqual(['incident.triggered', 'incident.resolved']);
    expect(hooksFor('child')).toEqual([]);
  });
});
