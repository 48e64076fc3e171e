/** A transition every pass fails on is stepped over after three tries, one transition at a time: it does not hold up alerting for good. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpReceiver, type HttpReceiver } from './support/receivers.ts';
import { newWebhookSecret, startFlippableTarget, startScenario, type AlertingScenario, type FlippableTarget } from './support/alerting.ts';

let target: FlippableTarget;
let hook: HttpReceiver;
let s: AlertingScenario;

beforeAll(async () => {
  [target, hook] = await Promise.all([startFlippableTarget(), startHttpReceiver()]);
  s = await startScenario(`
alerting:
  channels:
    - { name: hook, kind: webhook, url: "${hook.url}/in", secret: "${newWebhookSecret()}" }
  defaults: { channels: [hook], escalation_delay: 0s }
services:
  - { name: poisoned, kind: http, target: "${target.url('poisoned')}", failure_threshold: 1 }
  - { name: fine, kind: http, target: "${target.url('fine')}", failure_threshold: 1 }
`);
});
afterAll(async () => {
  await s?.close();
  await Promise.all([target?.close(), hook?.close()]);
});

describe('a transition every pass fails on', () => {
  it('is stepped over after three tries, and the transitions after it still page (regression: one bad transition would have stopped alerting for good)', async () => {
    const sql = s.ts.server.app.sql;
    await s.check('poisoned');
    await s.check('fine');
    await s.step();
    // The database refuses any incident of "poisoned": a stand-in for whatever a pass might fail on.
    await sql.query(`create function refuse_poisoned() returns trigger language plpgsql as $$
      begin if new.service_id = (select id from services where name = 'poisoned') then raise exception 'refused for the test'; end if; return new; end $$`);
    await sql.query('create trigger refuse_poisoned before insert on alert_incidents for each row execute function refuse_poisoned()');
    target.set('poisoned', false);
    target.set('fine', false);
    expect(await s.check('poisoned')).toBe('down');
    expect(await s.check('fine')).toBe('down');

    const outcomes: string[] = [];
    // A pass may see nothing yet: the stream shows a transition once every older transaction on the
    // database server has ended (another test file's may be open). Those passes are left out.
    for (let i = 0; i < 500 && !hook.requests.length; i++) {
      try {
        const pass = await s.ts.server.app.alerting.runPass();
        if (pass.transitions || pass.skipped) outcomes.push(pass.skipped ? `skipped ${pass.skipped.service}` : `ok ${pass.transitions}`);
        else await new Promise((resolve) => setTimeout(resolve, 10));
      } catch (error) {
        outcomes.push(`failed: ${(error as Error).message}`);
      }
      await s.ts.server.app.alerting.deliver();
    }
    expect(outcomes.slice(0, 5)).toEqual([
      expect.stringMatching(/^failed: alerting could not act on the transitions it read: refused for the test/),
      expect.stringMatching(/^failed: /),
      expect.stringMatching(/^failed: /),
      'skipped poisoned',
      'ok 1',
    ]);
    const received = await hook.next();
    expect(JSON.parse(received.body)).toMatchObject({ type: 'incident.triggered', data: { incident: { service: 'fine' } } });
    const { alerts } = await s.gqlOk<{ alerts: { service: string }[] }>('{ alerts { service } }');
    expect(alerts.map((a) => a.service)).toEqual(['fine']);
  });
});
