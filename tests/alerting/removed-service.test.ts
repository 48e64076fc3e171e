/** An incident outlives its service: removing the service resolves it and tells the channels told of it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import { startHttpReceiver, type HttpReceiver } from './support/receivers.ts';
import { newWebhookSecret, startFlippableTarget, startScenario, type AlertingScenario, type FlippableTarget } from './support/alerting.ts';

let target: FlippableTarget;
let pager: HttpReceiver;
let s: AlertingScenario;
const ROUTING_KEY = 'R0utingKeyR0utingKeyR0utingKey42';
let config = '';

beforeAll(async () => {
  [target, pager] = await Promise.all([startFlippableTarget(), startHttpReceiver()]);
  pager.respondWith(202, '{"status":"success"}');
  config = `
alerting:
  channels:
    - { name: pager, kind: pagerduty, routing_key: "${ROUTING_KEY}", url: "${pager.url}/v2/enqueue" }
    - { name: hook, kind: webhook, url: "${pager.url}/hook", secret: "${newWebhookSecret()}" }
  defaults: { channels: [pager], escalation_delay: 0s }
services:
  - { name: keep, kind: http, target: "${target.url('keep')}", failure_threshold: 1 }
  - { name: db, kind: http, target: "${target.url('db')}", failure_threshold: 1 }
`;
  s = await startScenario(config);
});
afterAll(async () => {
  await s?.close();
  await Promise.all([target?.close(), pager?.close()]);
});

const events = () => pager.requests.filter((r) => r.path === '/v2/enqueue').map((r) => JSON.parse(r.body) as { event_action: string; dedup_key: string });

describe('a service removed while its incident is open', () => {
  it('from the config file: the incident is resolved and PagerDuty gets its resolve with the same dedup_key (regression: the incident was deleted with its service and the PagerDuty alert stayed open)', async () => {
    await s.check('db');
    await s.step();
    target.set('db', false);
    expect(await s.check('db')).toBe('down');
    await s.step();
    expect(events().map((e) => e.event_action)).toEqual(['trigger']);
    const [{ dedup_key }] = events();

    await fs.writeFile(s.file, config.replace(/ {2}- \{ name: db,.*\n/, ''));
    expect(await s.ts.server.app.configFile.reload('test')).toBe(true);
    await s.step();
    expect(events()).toEqual([expect.objectContaining({ event_action: 'trigger', dedup_key }), expect.objectContaining({ event_action: 'resolve', dedup_key })]);
    const { alerts } = await s.gqlOk<{ alerts: { service: string; state: string; resolution: string; transitions: { status: string; reason: string }[] }[] }>(
      '{ alerts(filter: { service: "db" }) { service state resolution transitions { status reason } } }',
    );
    expect(alerts).toEqual([{ service: 'db', state: 'RESOLVED', resolution: 'removed', transitions: [expect.objectContaining({ status: 'down' }), { status: 'removed', reason: 'the service was removed' }] }]);
  });

  it('through the API: deleteService resolves the incident the same way', async () => {
    await s.gqlOk('mutation { createService(input: { name: "api-svc", kind: "http", target: "' + target.url('api-svc') + '", failureThreshold: 1 }) { name } }');
    await s.check('api-svc');
    await s.step();
    target.set('api-svc', false);
    await s.check('api-svc');
    await s.step();
    const before = events().length;
    await s.gqlOk('mutation { deleteService(name: "api-svc") }');
    await s.step();
    expect(events().slice(before).map((e) => e.event_action)).toEqual(['resolve']);
    const { alerts } = await s.gqlOk<{ alerts: { state: string; resolution: string }[] }>('{ alerts(filter: { service: "api-svc" }) { state resolution } }');
    expect(alerts).toEqual([{ state: 'RESOLVED', resolution: 'removed' }]);
  });
});
