/**
 * Bad alerting configuration, from the file and through the API, gets a clear error naming the
 * entry or the field, and never quotes a secret; secrets are write-only in the API and redacted in
 * the audit log. Hostile inputs (huge, NUL bytes, negative, out of range) get BAD_USER_INPUT, never
 * an internal error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertingSection, maintenanceSection } from '../../server/alerting/config-file.ts';
import { startHttpReceiver, type HttpReceiver } from './support/receivers.ts';
import { newWebhookSecret, startFlippableTarget, startScenario, writeConfigFile, type AlertingScenario, type FlippableTarget } from './support/alerting.ts';
import { startTestServer } from '../support/server.ts';

const SECRET = newWebhookSecret();
const ROUTING_KEY = 'S3cretRoutingKeyS3cretRoutingKey';
const SMTP_PASSWORD = 'smtp-pa55word-very-secret';

/** The problems alerting's section finds in `alerting` (and services' `alerts`). */
function alertingProblems(alerting: unknown, services: { name: unknown; alerts: unknown }[] = []): string[] {
  const problems: string[] = [];
  alertingSection.parse({ file: 'lookout.yaml', values: { alerting }, entries: { services: services.map((s, index) => ({ index, name: s.name, values: { alerts: s.alerts } })) } }, problems);
  return problems;
}

describe('the config file', () => {
  it('refuses each bad channel definition, naming the entry and the field, without quoting a secret', () => {
    const problems = alertingProblems(
      {
        channels: [
          { name: 'pigeon', kind: 'carrier-pigeon' },
          { name: 'pager', kind: 'pagerduty', routing_key: `${ROUTING_KEY}!` },
          { name: 'hook', kind: 'webhook', url: `ftp://example.com/${SECRET}`, secret: SECRET },
          { name: 'hook2', kind: 'webhook', url: 'https://hooks.example/lookout' },
          { name: 'hook3', kind: 'webhook', url: 'https://hooks.example/lookout', secret: `${SECRET.slice(0, 12)}` },
          { name: 'mail', kind: 'email', host: 'smtp.example', from: 'a@example.com', to: ['b@example.com'], password: SMTP_PASSWORD },
        ],
        defaults: { channels: ['pager', 'nowhere'] },
      },
      [{ name: 'api', alerts: { channels: ['hook2', 'ghost'] } }, { name: 'web', alerts: { escalation_delay: '-5m' } }],
    );
    const text = problems.join('\n');
    expect(problems.find((p) => p.startsWith('alerting.channels[0] ("pigeon"): kind'))).toMatch(/Unknown channel kind "carrier-pigeon"/);
    expect(problems.find((p) => p.startsWith('alerting.channels[1] ("pager"): routingKey '))).toMatch(/routingKey is not valid/);
    expect(problems.find((p) => p.startsWith('alerting.channels[2] ("hook"): url'))).toMatch(/http:\/\/ or https:\/\//);
    expect(problems.find((p) => p.startsWith('alerting.channels[3] ("hook2"): secret'))).toMatch(/required/);
    expect(problems.find((p) => p.startsWith('alerting.channels[4] ("hook3"): secret'))).toMatch(/Standard Webhooks secret/);
    expect(problems.find((p) => p.startsWith('alerting.channels[5] ("mail"): user'))).toMatch(/user is required when a password is set/);
    expect(problems.find((p) => p.startsWith('alerting.defaults'))).toMatch(/nowhere/);
    expect(problems.find((p) => p.startsWith('services[0] ("api")') && p.includes('ghost'))).toBeDefined();
    expect(problems.find((p) => p.startsWith('services[1] ("web")'))).toMatch(/escalationDelay must be a duration/);
    for (const secret of [SECRET, SECRET.slice(6), SECRET.slice(0, 12), ROUTING_KEY, SMTP_PASSWORD]) expect(text).not.toContain(secret);
  });

  it('refuses 10,000 channels with one clear problem, quickly', () => {
    const channels = Array.from({ length: 10_000 }, (_, i) => ({ name: `c${i}`, kind: 'webhook', url: `https://hooks.example/${i}`, secret: SECRET }));
    const started = performance.now();
    const problems = alertingProblems({ channels });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(problems).toEqual([expect.stringMatching(/^alerting\.channels: at most \d+ channels/)]);
  });

  it('refuses NUL bytes and huge values in names, and a negative maintenance duration', () => {
    const problems = alertingProblems({ channels: [{ name: 'a\u0000b', kind: 'webhook', url: 'https://x.example/', secret: SECRET }, { name: 'x'.repeat(100_000), kind: 'webhook' }] });
    expect(problems[0]).toMatch(/^alerting\.channels\[0\].*name/);
    expect(problems[1].length).toBeLessThan(500);
    const maintenance: string[] = [];
    maintenanceSection(() => new Date()).parse({ file: 'lookout.yaml', values: { maintenance: [{ name: 'm', all: true, duration: '-1h' }, { name: 'n', all: true, rrule: 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30', duration: '1h' }] }, entries: {} }, maintenance);
    expect(maintenance).toEqual([expect.stringMatching(/^maintenance\[0\] \("m"\): duration/), expect.stringMatching(/^maintenance\[1\] \("n"\): rrule.*no occurrence/)]);
  });

  it('refuses to start a server on a file with a bad channel, naming the entry', async () => {
    const file = await writeConfigFile(`
alerting:
  channels:
    - { name: hook, kind: webhook, url: "https://hooks.example/lookout", secret: "${SECRET}" }
    - { name: pager, kind: pagerduty, routing_key: "" }
`);
    const error = await startTestServer({ runScheduler: false, config: { configFile: file } }).then(
      async (ts) => {
        await ts.close();
        throw new Error('the server started');
      },
      (e: Error) => e,
    );
    expect(error.message).toContain('alerting.channels[1] ("pager"): routingKey must not be empty');
  });
});

describe('the API', () => {
  let s: AlertingScenario;
  let target: FlippableTarget;
  let hook: HttpReceiver;
  beforeAll(async () => {
    [target, hook] = await Promise.all([startFlippableTarget(), startHttpReceiver()]);
    s = await startScenario(`
services:
  - { name: api, kind: http, target: "${target.url('api')}", failure_threshold: 1 }
`);
  });
  afterAll(async () => {
    await s?.close();
    await Promise.all([target?.close(), hook?.close()]);
  });

  const CREATE = 'mutation($input: AlertChannelInput!) { createAlertChannel(input: $input) { name kind settings secretsSet } }';
  const refusedWith = async (document: string, variables: Record<string, unknown>, token?: string) => {
    const result = await s.gql(document, variables, token);
    expect(result.errors, JSON.stringify(result.data)).toBeDefined();
    return result.errors![0];
  };

  it('refuses a bad channel with BAD_USER_INPUT naming the field, and never quotes its secret', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'p', kind: 'pagerduty', settings: { routingKey: `${ROUTING_KEY} ` } }, 'routingKey'],
      [{ name: 'p', kind: 'pagerduty', settings: {} }, 'routingKey'],
      [{ name: 'w', kind: 'webhook', settings: { url: `gopher://x/${SECRET}`, secret: SECRET } }, 'url'],
      [{ name: 'w', kind: 'webhook', settings: { url: 'https://x.example/', secret: 'whsec_short' } }, 'secret'],
      [{ name: 'w', kind: 'nope', settings: {} }, 'kind'],
      [{ name: 'bad name!', kind: 'webhook', settings: {} }, 'name'],
      [{ name: 'w', kind: 'webhook', settings: { url: 'https://x.example/', secret: SECRET, extra: SMTP_PASSWORD } }, 'extra'],
      [{ name: 'm', kind: 'email', settings: { host: 'h.example', from: 'a@example.com', to: ['b@example.com'], user: 'u\u0000', password: SMTP_PASSWORD } }, 'input.settings.user'],
      [{ name: 'w', kind: 'webhook', settings: [] }, 'settings'],
      [{ name: 'w', kind: 'webhook', settings: { url: `https://x.example/${'a'.repeat(100_000)}`, secret: SECRET } }, 'url'],
    ];
    for (const [input, field] of cases) {
      const error = await refusedWith(CREATE, { input });
      expect(error.extensions?.code, `${field}: ${error.message}`).toBe('BAD_USER_INPUT');
      expect(error.extensions?.field, error.message).toBe(field);
      for (const secret of [SECRET, SECRET.slice(6), ROUTING_KEY, SMTP_PASSWORD]) expect(error.message).not.toContain(secret);
    }
    expect((await s.gqlOk('{ alertChannels { name } }')).alertChannels).toEqual([]);
  });

  it('regression: a webhook URL carrying a token was shown by alertChannels, and a secret under an unknown key was kept in the audit log; secrets are write-only: alertChannels shows secretsSet, the audit log shows [redacted], an update without the secret keeps it', async () => {
    await s.gqlOk(CREATE, { input: { name: 'ops-hook', kind: 'webhook', settings: { url: `${hook.url}/hook?token=${ROUTING_KEY}`, secret: SECRET } } });
    await s.gqlOk(CREATE, { input: { name: 'mail', kind: 'email', settings: { host: '127.0.0.1', port: 2525, from: 'a@example.com', to: ['b@example.com'], user: 'lookout', password: SMTP_PASSWORD, requireTls: false } } });
    const { alertChannels } = await s.gqlOk('{ alertChannels { name kind settings secretsSet source } }');
    expect(alertChannels).toEqual([
      { name: 'mail', kind: 'email', settings: expect.not.objectContaining({ password: expect.anything() }), secretsSet: ['password'], source: 'api' },
      { name: 'ops-hook', kind: 'webhook', settings: {}, secretsSet: ['url', 'secret'], source: 'api' },
    ]);
    await s.gqlOk('mutation($s: JSON!) { updateAlertChannel(name: "ops-hook", settings: $s) { secretsSet } }', { s: { url: `${hook.url}/hook2` } });
    const { testAlertChannel } = await s.gqlOk('mutation { testAlertChannel(name: "ops-hook") { ok statusCode error } }');
    expect(testAlertChannel).toEqual({ ok: true, statusCode: 200, error: null });
    expect((await hook.next()).path).toBe('/hook2');
    const { auditLog } = await s.gqlOk('{ auditLog(filter: { action: "alerting.channel.*" }) { entries { action input } } }');
    const text = JSON.stringify(auditLog.entries);
    expect(auditLog.entries.length).toBeGreaterThanOrEqual(3);
    // What the API shows is kept; a value under an unknown key (a pasted password) is not.
    expect(auditLog.entries).toContainEqual({ action: 'alerting.channel.create', input: { name: 'mail', kind: 'email', settings: expect.objectContaining({ host: '127.0.0.1', password: '[redacted]' }) } });
    expect(auditLog.entries).toContainEqual({ action: 'alerting.channel.create', input: { name: 'w', kind: 'webhook', settings: { url: '[redacted]', secret: '[redacted]', extra: '[redacted]' } } });
    expect(text).toContain('[redacted]');
    for (const secret of [SECRET, ROUTING_KEY, SMTP_PASSWORD, SECRET.slice(6)]) expect(text).not.toContain(secret);
    const viewer = await s.tokenFor('VIEWER');
    expect((await refusedWith(CREATE, { input: { name: 'x', kind: 'webhook', settings: {} } }, viewer)).extensions?.code).toBe('FORBIDDEN');
  });

  it('answers hostile inputs to every alerting mutation with a clear refusal, never an internal error', async () => {
    const operator = await s.tokenFor('OPERATOR');
    const cases: [string, Record<string, unknown>, string][] = [
      ['mutation($i: AlertConfigInput!) { updateAlertConfig(service: "api", input: $i) { service } }', { i: { escalationDelay: '-5m' } }, 'BAD_USER_INPUT'],
      ['mutation($i: AlertConfigInput!) { updateAlertConfig(service: "api", input: $i) { service } }', { i: { remindEvery: '1s' } }, 'BAD_USER_INPUT'],
      ['mutation($i: AlertConfigInput!) { updateAlertConfig(service: "api", input: $i) { service } }', { i: { minDuration: '9'.repeat(400) } }, 'BAD_USER_INPUT'],
      ['mutation($i: AlertConfigInput!) { updateAlertConfig(service: "api", input: $i) { service } }', { i: { channels: Array.from({ length: 10_000 }, (_, n) => `c${n}`) } }, 'BAD_USER_INPUT'],
      ['mutation($i: AlertConfigInput!) { updateAlertConfig(service: "api", input: $i) { service } }', { i: { channels: ['ghost\u0000'] } }, 'BAD_USER_INPUT'],
      ['mutation($i: AlertConfigInput!) { updateAlertConfig(service: "api", input: $i) { service } }', { i: { reset: ['everything'] } }, 'BAD_USER_INPUT'],
      ['mutation($i: AlertConfigInput!) { updateAlertConfig(service: "nope\u0000", input: $i) { service } }', { i: { enabled: false } }, 'BAD_USER_INPUT'],
      ['mutation($i: MaintenanceWindowInput!) { createMaintenanceWindow(input: $i) { id } }', { i: { name: 'nul', all: true, duration: '1h', reason: 'deploy\u0000now' } }, 'BAD_USER_INPUT'],
      ['mutation($i: MaintenanceWindowInput!) { createMaintenanceWindow(input: $i) { id } }', { i: { name: 'neg', all: true, duration: '-1h' } }, 'BAD_USER_INPUT'],
      ['mutation($i: MaintenanceWindowInput!) { createMaintenanceWindow(input: $i) { id } }', { i: { name: 'huge', all: true, duration: '1h', rrule: `FREQ=DAILY;${'BYHOUR=1;'.repeat(10_000)}` } }, 'BAD_USER_INPUT'],
      ['mutation($i: MaintenanceWindowInput!) { createMaintenanceWindow(input: $i) { id } }', { i: { name: 'old', all: true, duration: '1h', rrule: 'FREQ=HOURLY', start: '0001-01-01T00:00:00Z' } }, 'OK'],
      ['mutation($i: MaintenanceWindowInput!) { createMaintenanceWindow(input: $i) { id } }', { i: { name: 'many', services: Array.from({ length: 10_000 }, (_, n) => `s${n}`), duration: '1h' } }, 'BAD_USER_INPUT'],
      ['mutation($i: MaintenanceWindowInput!) { createMaintenanceWindow(input: $i) { id } }', { i: { name: 'ghost', services: ['ghost'], duration: '1h' } }, 'BAD_USER_INPUT'],
      ['mutation($i: MaintenanceWindowInput!) { updateMaintenanceWindow(id: 2147483647, input: $i) { id } }', { i: { name: 'x', all: true, duration: '1h' } }, 'NOT_FOUND'],
      ['mutation { acknowledgeAlert(id: -1) { id } }', {}, 'NOT_FOUND'],
      ['mutation { acknowledgeAlert(id: 99999999999) { id } }', {}, 'GRAPHQL_VALIDATION_FAILED'],
      ['mutation { endMaintenanceWindow(name: "x\u0000") { id } }', {}, 'BAD_USER_INPUT'],
      ['mutation { deleteMaintenanceWindow(id: 0) }', {}, 'NOT_FOUND'],
    ];
    for (const [document, variables, code] of cases) {
      const result = await s.gql(document, variables, operator);
      const label = `${document.slice(0, 60)} ${JSON.stringify(variables).slice(0, 120)}`;
      if (code === 'OK') {
        expect(result.errors, label).toBeUndefined();
        continue;
      }
      expect(result.errors?.[0].extensions?.code ?? result.status, `${label}: ${result.errors?.[0].message}`).toBe(code);
      expect(result.errors![0].message.length, label).toBeLessThan(1000);
    }
    // The window of the year 1 costs nothing to list, and the server still answers.
    const started = performance.now();
    const { maintenanceWindows } = await s.gqlOk('{ maintenanceWindows { name active currentOrNextStart } }');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(maintenanceWindows.map((w: { name: string }) => w.name)).toEqual(['old']);
  });
});
