/**
 * Hostile input to every alerting mutation and query, over real HTTP: wrong types, huge values,
 * control characters, out-of-range numbers and instants, pathological recurrence rules, JSON
 * settings of the wrong shape, SQL-ish and differently cased names. Each gets a clear refusal
 * naming the field (BAD_USER_INPUT, CONFLICT, NOT_FOUND, or GraphQL's own validation), answers
 * quickly, and writes nothing; what is accepted never breaks a later pass or listing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpReceiver, type HttpReceiver } from './support/receivers.ts';
import { newWebhookSecret, startFlippableTarget, startScenario, type AlertingScenario, type FlippableTarget } from './support/alerting.ts';

const SECRET = newWebhookSecret();
const MB = 'a'.repeat(1024 * 1024);
const REFUSALS = new Set(['BAD_USER_INPUT', 'CONFLICT', 'NOT_FOUND', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST']);

let s: AlertingScenario;
let target: FlippableTarget;
let hook: HttpReceiver;

beforeAll(async () => {
  [target, hook] = await Promise.all([startFlippableTarget(), startHttpReceiver()]);
  s = await startScenario(`
services:
  - { name: api, kind: http, target: "${target.url('api')}", failure_threshold: 1 }
`);
  await s.gqlOk('mutation($i: AlertChannelInput!) { createAlertChannel(input: $i) { name } }', { i: { name: 'ops-hook', kind: 'webhook', settings: { url: `${hook.url}/in`, secret: SECRET } } });
});
afterAll(async () => {
  await s?.close();
  await Promise.all([target?.close(), hook?.close()]);
});

/** Everything alerting's mutations write, to see that a refusal wrote none of it. */
async function written(): Promise<string> {
  const sql = s.ts.server.app.sql;
  const parts = await Promise.all(
    ['alert_channels', 'alert_configs', 'maintenance_windows', 'alert_incidents', 'alert_deliveries'].map(async (table) => {
      const { rows } = await sql.query(`select * from ${table} order by id`);
      return `${table}:${JSON.stringify(rows)}`;
    }),
  );
  return parts.join('\n');
}

type Case = [label: string, document: string, variables: Record<string, unknown>, expected: string, field?: string];

/** Runs each case as an operator (or admin for channels): the expected code, a short message naming the field, quickly, nothing written. */
async function attack(cases: Case[], token?: string): Promise<void> {
  for (const [label, document, variables, expected, field] of cases) {
    const before = await written();
    const started = performance.now();
    const result = await s.gql(document, variables, token);
    const elapsed = performance.now() - started;
    const error = result.errors?.[0];
    // GraphQL's own refusal of a variable's value (wrong type, an Int beyond 32 bits) carries no code.
    const code = error ? (error.extensions?.code ?? (/^Variable "\$\w+" got invalid value/.test(error.message) ? 'GRAPHQL_VALIDATION_FAILED' : `HTTP ${result.status}`)) : 'OK';
    expect(code, `${label}: ${error?.message}`).toBe(expected);
    expect(elapsed, `${label} took ${Math.round(elapsed)} ms`).toBeLessThan(5000);
    if (expected === 'OK') continue;
    expect(REFUSALS.has(code), label).toBe(true);
    expect(error!.message.length, `${label}: ${error!.message.slice(0, 200)}`).toBeLessThan(600);
    if (field) expect(error!.extensions?.field, `${label}: ${error!.message}`).toBe(field);
    expect(await written(), `${label} wrote something`).toBe(before);
  }
}

const CONFIG = 'mutation($s: String, $i: AlertConfigInput!) { updateAlertConfig(service: $s, input: $i) { service own } }';
const CREATE_CHANNEL = 'mutation($i: AlertChannelInput!) { createAlertChannel(input: $i) { name } }';
const UPDATE_CHANNEL = 'mutation($n: String!, $s: JSON!) { updateAlertChannel(name: $n, settings: $s) { name } }';
const CREATE_WINDOW = 'mutation($i: MaintenanceWindowInput!) { createMaintenanceWindow(input: $i) { id name active currentOrNextStart } }';

describe('updateAlertConfig', () => {
  it('refuses wrong types, huge lists, unknown reset fields, differently cased and SQL-ish channel names, naming the field', async () => {
    await attack([
      ['1 MB service', CONFIG, { s: MB, i: { enabled: false } }, 'NOT_FOUND'],
      ['service with control characters', CONFIG, { s: 'api\u0007\u001b[31m', i: { enabled: false } }, 'NOT_FOUND'],
      ['100k channels', CONFIG, { s: 'api', i: { channels: Array.from({ length: 100_000 }, (_, n) => `c${n}`) } }, 'BAD_USER_INPUT', 'input.channels'],
      ['upper-case channel', CONFIG, { s: 'api', i: { channels: ['OPS-HOOK'] } }, 'BAD_USER_INPUT', 'input.channels'],
      ['SQL-ish channel', CONFIG, { s: 'api', i: { channels: ["ops-hook'); delete from alert_channels; --"] } }, 'BAD_USER_INPUT', 'input.channels'],
      ['channels not a list', CONFIG, { s: 'api', i: { channels: 'ops-hook' } }, 'OK'], // GraphQL coerces one value to a list of one
      ['escalationDelay NaN', CONFIG, { s: 'api', i: { escalationDelay: 'NaN' } }, 'BAD_USER_INPUT', 'input.escalationDelay'],
      ['escalationDelay Infinity', CONFIG, { s: 'api', i: { escalationDelay: 'Infinity' } }, 'BAD_USER_INPUT', 'input.escalationDelay'],
      ['escalationDelay 1e400s', CONFIG, { s: 'api', i: { escalationDelay: `1${'0'.repeat(400)}s` } }, 'BAD_USER_INPUT', 'input.escalationDelay'],
      ['escalationDelay 1 MB', CONFIG, { s: 'api', i: { escalationDelay: MB } }, 'BAD_USER_INPUT', 'input.escalationDelay'],
      ['escalationDelay a number', CONFIG, { s: 'api', i: { escalationDelay: 5 } }, 'GRAPHQL_VALIDATION_FAILED'],
      ['minDuration 8d', CONFIG, { s: 'api', i: { minDuration: '8d' } }, 'BAD_USER_INPUT', 'input.minDuration'],
      ['remindEvery 59s', CONFIG, { s: 'api', i: { remindEvery: '59s' } }, 'BAD_USER_INPUT', 'input.remindEvery'],
      ['enabled a string', CONFIG, { s: 'api', i: { enabled: 'yes' } }, 'GRAPHQL_VALIDATION_FAILED'],
      ['reset an unknown field', CONFIG, { s: 'api', i: { reset: ['escalationDelayMs'] } }, 'BAD_USER_INPUT', 'reset'],
      ['reset __proto__', CONFIG, { s: 'api', i: { reset: ['__proto__'] } }, 'BAD_USER_INPUT', 'reset'],
      ['reset 100k unknown fields', CONFIG, { s: 'api', i: { reset: Array.from({ length: 100_000 }, (_, n) => `f${n}`) } }, 'BAD_USER_INPUT', 'reset'],
      ['reset 1 MB field', CONFIG, { s: 'api', i: { reset: [MB] } }, 'BAD_USER_INPUT', 'reset'],
      ['a valid change with a bad reset', CONFIG, { s: 'api', i: { enabled: false, reset: ['nope'] } }, 'BAD_USER_INPUT', 'reset'],
      ['an unknown input field', CONFIG, { s: 'api', i: { enabled: false, color: 'red' } }, 'GRAPHQL_VALIDATION_FAILED'],
    ]);
  });

  it('resets a field set before, and resetting what is unset changes nothing', async () => {
    await s.gqlOk(CONFIG, { s: 'api', i: { escalationDelay: '1m', channels: ['ops-hook', 'dashboard'] } });
    const reset = await s.gqlOk(CONFIG, { s: 'api', i: { reset: ['escalationDelay', 'channels', 'remindEvery'] } });
    expect(reset.updateAlertConfig.own).toEqual({});
    const again = await s.gqlOk(CONFIG, { s: 'api', i: { reset: ['escalationDelay'] } });
    expect(again.updateAlertConfig).toEqual({ service: 'api', own: {} });
  });
});

describe('alert channels', () => {
  it('refuses names, kinds and settings of every wrong shape and size, naming the field', async () => {
    const webhook = (settings: unknown, name = 'w') => ({ i: { name, kind: 'webhook', settings } });
    const deep: Record<string, unknown> = {};
    let cursor = deep;
    for (let i = 0; i < 1000; i++) cursor = (cursor.n = {}) as Record<string, unknown>;
    await attack([
      ['1 MB name', CREATE_CHANNEL, webhook({ url: `${hook.url}/x`, secret: SECRET }, MB), 'BAD_USER_INPUT', 'name'],
      ['upper-case name', CREATE_CHANNEL, webhook({ url: `${hook.url}/x`, secret: SECRET }, 'Ops-Hook'), 'BAD_USER_INPUT', 'name'],
      ['an existing name with spaces around it', CREATE_CHANNEL, webhook({ url: `${hook.url}/x`, secret: SECRET }, ' ops-hook '), 'CONFLICT', 'name'],
      ['SQL-ish name', CREATE_CHANNEL, webhook({ url: `${hook.url}/x`, secret: SECRET }, "x'; drop table alert_channels; --"), 'BAD_USER_INPUT', 'name'],
      ['control characters in the name', CREATE_CHANNEL, webhook({ url: `${hook.url}/x`, secret: SECRET }, 'ops\u0008hook'), 'BAD_USER_INPUT', 'name'],
      ['1 MB kind', CREATE_CHANNEL, { i: { name: 'w', kind: MB, settings: {} } }, 'BAD_USER_INPUT', 'kind'],
      ['upper-case kind', CREATE_CHANNEL, { i: { name: 'w', kind: 'WEBHOOK', settings: {} } }, 'BAD_USER_INPUT', 'kind'],
      ['the dashboard kind', CREATE_CHANNEL, { i: { name: 'w', kind: 'dashboard', settings: {} } }, 'BAD_USER_INPUT', 'kind'],
      ['settings a string', CREATE_CHANNEL, webhook('url=http://x'), 'BAD_USER_INPUT', 'settings'],
      ['settings a number', CREATE_CHANNEL, webhook(42), 'BAD_USER_INPUT', 'settings'],
      ['settings a list', CREATE_CHANNEL, webhook([{ url: `${hook.url}/x`, secret: SECRET }]), 'BAD_USER_INPUT', 'settings'],
      ['settings nested 1000 deep', CREATE_CHANNEL, webhook(deep), 'BAD_REQUEST'],
      ['url a list of 100k', CREATE_CHANNEL, webhook({ url: Array.from({ length: 100_000 }, () => 'http://x'), secret: SECRET }), 'BAD_USER_INPUT', 'url'],
      ['url an object', CREATE_CHANNEL, webhook({ url: { href: 'http://x' }, secret: SECRET }), 'BAD_USER_INPUT', 'url'],
      ['a __proto__ setting', CREATE_CHANNEL, { i: { name: 'w', kind: 'webhook', settings: JSON.parse(`{"url":"${hook.url}/x","secret":"${SECRET}","__proto__":{"polluted":true}}`) } }, 'BAD_USER_INPUT', '__proto__'],
      ['email port -1', CREATE_CHANNEL, { i: { name: 'm', kind: 'email', settings: { host: 'mail.example', port: -1, from: 'a@example.com', to: ['b@example.com'] } } }, 'BAD_USER_INPUT', 'port'],
      ['email port 1e20', CREATE_CHANNEL, { i: { name: 'm', kind: 'email', settings: { host: 'mail.example', port: 1e20, from: 'a@example.com', to: ['b@example.com'] } } }, 'BAD_USER_INPUT', 'port'],
      ['email port a string', CREATE_CHANNEL, { i: { name: 'm', kind: 'email', settings: { host: 'mail.example', port: '25', from: 'a@example.com', to: ['b@example.com'] } } }, 'BAD_USER_INPUT', 'port'],
      ['email 100k recipients', CREATE_CHANNEL, { i: { name: 'm', kind: 'email', settings: { host: 'mail.example', from: 'a@example.com', to: Array.from({ length: 100_000 }, (_, n) => `u${n}@example.com`) } } }, 'BAD_USER_INPUT', 'to'],
      ['email header injection in from', CREATE_CHANNEL, { i: { name: 'm', kind: 'email', settings: { host: 'mail.example', from: 'a@example.com\r\nBcc: x@evil.example', to: ['b@example.com'] } } }, 'BAD_USER_INPUT', 'from'],
      ['email host with a scheme', CREATE_CHANNEL, { i: { name: 'm', kind: 'email', settings: { host: 'smtp://mail.example', from: 'a@example.com', to: ['b@example.com'] } } }, 'BAD_USER_INPUT', 'host'],
      ['email user with a line break', CREATE_CHANNEL, { i: { name: 'm', kind: 'email', settings: { host: 'mail.example', from: 'a@example.com', to: ['b@example.com'], user: 'u\r\nRSET', password: 'pw-secret-1' } } }, 'BAD_USER_INPUT', 'user'],
      ['pagerduty routing key 1 MB', CREATE_CHANNEL, { i: { name: 'p', kind: 'pagerduty', settings: { routingKey: MB } } }, 'BAD_USER_INPUT', 'routingKey'],
      ['slack url javascript:', CREATE_CHANNEL, { i: { name: 'sl', kind: 'slack', settings: { url: 'javascript:alert(1)' } } }, 'BAD_USER_INPUT', 'url'],
      ['update an unknown channel', UPDATE_CHANNEL, { n: 'ghost', s: {} }, 'NOT_FOUND'],
      ['update a channel named 1 MB', UPDATE_CHANNEL, { n: MB, s: {} }, 'NOT_FOUND'],
      ['update with settings a list', UPDATE_CHANNEL, { n: 'ops-hook', s: [] }, 'BAD_USER_INPUT', 'settings'],
      ['update with settings a string', UPDATE_CHANNEL, { n: 'ops-hook', s: 'x' }, 'BAD_USER_INPUT', 'settings'],
      ['update with an empty secret', UPDATE_CHANNEL, { n: 'ops-hook', s: { url: `${hook.url}/in`, secret: '' } }, 'BAD_USER_INPUT', 'secret'],
      ['update the case of the name', UPDATE_CHANNEL, { n: 'OPS-HOOK', s: {} }, 'NOT_FOUND'],
      ['delete an unknown channel', 'mutation { deleteAlertChannel(name: "ghost") }', {}, 'NOT_FOUND'],
      ['test an unknown channel', 'mutation { testAlertChannel(name: "ghost") { ok } }', {}, 'NOT_FOUND'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('queries', () => {
  it('refuses out-of-range limits, offsets, ids and instants, and answers huge or odd filters', async () => {
    const ALERTS = 'query($f: AlertFilter) { alerts(filter: $f) { id } }';
    await attack([
      ['limit 0', ALERTS, { f: { limit: 0 } }, 'BAD_USER_INPUT', 'limit'],
      ['limit -1', ALERTS, { f: { limit: -1 } }, 'BAD_USER_INPUT', 'limit'],
      ['limit 2^31-1', ALERTS, { f: { limit: 2147483647 } }, 'BAD_USER_INPUT', 'limit'],
      ['limit 2^53', ALERTS, { f: { limit: 2 ** 53 } }, 'GRAPHQL_VALIDATION_FAILED'],
      ['limit 1.5', ALERTS, { f: { limit: 1.5 } }, 'GRAPHQL_VALIDATION_FAILED'],
      ['offset -1', ALERTS, { f: { offset: -1 } }, 'BAD_USER_INPUT', 'offset'],
      ['offset 2^31-1', ALERTS, { f: { offset: 2147483647 } }, 'BAD_USER_INPUT', 'offset'],
      ['since the year 0', ALERTS, { f: { since: '0000-01-01T00:00:00Z' } }, 'GRAPHQL_VALIDATION_FAILED'],
      ['until the year 275760', ALERTS, { f: { until: '+275760-09-13T00:00:00Z' } }, 'GRAPHQL_VALIDATION_FAILED'],
      ['since not a date', ALERTS, { f: { since: 'yesterday' } }, 'GRAPHQL_VALIDATION_FAILED'],
      ['severity unknown', ALERTS, { f: { severity: 'FATAL' } }, 'GRAPHQL_VALIDATION_FAILED'],
      ['since the year 1', ALERTS, { f: { since: '0001-01-01T00:00:00Z', until: '9999-12-31T23:59:59.999Z' } }, 'OK'],
      ['service 1 MB', ALERTS, { f: { service: MB } }, 'BAD_USER_INPUT', 'filter.service'],
      ['service SQL-ish', ALERTS, { f: { service: "api' or '1'='1" } }, 'OK'],
      ['alert id 0', 'query { alert(id: 0) { id } }', {}, 'OK'],
      ['alert id -2^31', 'query { alert(id: -2147483648) { id } }', {}, 'OK'],
      ['alert id 2^31', 'query { alert(id: 2147483648) { id } }', {}, 'GRAPHQL_VALIDATION_FAILED'],
      ['alert id a string', 'query { alert(id: "1") { id } }', {}, 'GRAPHQL_VALIDATION_FAILED'],
      ['alertConfigs of a 1 MB service', 'query($s: String) { alertConfigs(service: $s) { service } }', { s: MB }, 'OK'],
      ['acknowledge id 0', 'mutation { acknowledgeAlert(id: 0) { id } }', {}, 'NOT_FOUND'],
      ['acknowledge id 2^31-1', 'mutation { acknowledgeAlert(id: 2147483647) { id } }', {}, 'NOT_FOUND'],
    ]);
  });
});

describe('maintenance windows', () => {
  it('refuses pathological rules, instants and sizes, naming the field, and what it accepts keeps the pass and the listing working', async () => {
    const w = (input: Record<string, unknown>) => ({ i: { name: 'w', services: ['api'], duration: '1h', ...input } });
    await attack([
      ['1 MB name', CREATE_WINDOW, w({ name: MB }), 'BAD_USER_INPUT', 'name'],
      ['SQL-ish name', CREATE_WINDOW, w({ name: "w'; delete from maintenance_windows; --" }), 'BAD_USER_INPUT', 'name'],
      ['100k services', CREATE_WINDOW, w({ services: Array.from({ length: 100_000 }, (_, n) => `s${n}`) }), 'BAD_USER_INPUT', 'services'],
      ['100k tags', CREATE_WINDOW, w({ services: [], tags: Array.from({ length: 100_000 }, (_, n) => `t${n}`) }), 'BAD_USER_INPUT', 'tags'],
      ['upper-case service', CREATE_WINDOW, w({ services: ['API'] }), 'BAD_USER_INPUT', 'services'],
      ['nothing covered', CREATE_WINDOW, w({ services: [] }), 'BAD_USER_INPUT', 'services'],
      ['duration -1m', CREATE_WINDOW, w({ duration: '-1m' }), 'BAD_USER_INPUT', 'duration'],
      ['duration NaN', CREATE_WINDOW, w({ duration: 'NaN' }), 'BAD_USER_INPUT', 'duration'],
      ['duration 1 MB', CREATE_WINDOW, w({ duration: MB }), 'BAD_USER_INPUT', 'duration'],
      ['duration 0s', CREATE_WINDOW, w({ duration: '0s' }), 'BAD_USER_INPUT', 'duration'],
      ['end before start', CREATE_WINDOW, w({ duration: undefined, start: '2026-12-06T12:00:00Z', end: '2026-12-06T11:00:00Z' }), 'BAD_USER_INPUT', 'end'],
      ['start in the year 0', CREATE_WINDOW, w({ start: '0000-12-31T00:00:00Z' }), 'GRAPHQL_VALIDATION_FAILED'],
      ['start in the year 275760', CREATE_WINDOW, w({ start: '+275760-09-01T00:00:00Z', duration: '31d' }), 'GRAPHQL_VALIDATION_FAILED'],
      ['an rrule and an end', CREATE_WINDOW, w({ rrule: 'FREQ=DAILY', end: '2027-01-01T00:00:00Z' }), 'BAD_USER_INPUT', 'end'],
      ['an rrule of 1 MB', CREATE_WINDOW, w({ rrule: MB }), 'BAD_USER_INPUT', 'rrule'],
      ['FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30', CREATE_WINDOW, w({ rrule: 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30' }), 'BAD_USER_INPUT', 'rrule'],
      ['a huge INTERVAL', CREATE_WINDOW, w({ rrule: 'FREQ=DAILY;INTERVAL=99999999999999' }), 'BAD_USER_INPUT', 'rrule'],
      ['INTERVAL=0', CREATE_WINDOW, w({ rrule: 'FREQ=HOURLY;INTERVAL=0' }), 'BAD_USER_INPUT', 'rrule'],
      ['an impossible BYSETPOS', CREATE_WINDOW, w({ rrule: 'FREQ=YEARLY;BYYEARDAY=1,2;BYSETPOS=366' }), 'BAD_USER_INPUT', 'rrule'],
      ['FREQ=SECONDLY', CREATE_WINDOW, w({ rrule: 'FREQ=SECONDLY' }), 'BAD_USER_INPUT', 'rrule'],
      ['no FREQ', CREATE_WINDOW, w({ rrule: 'BYHOUR=3' }), 'BAD_USER_INPUT', 'rrule'],
      ['COUNT', CREATE_WINDOW, w({ rrule: 'FREQ=DAILY;COUNT=5' }), 'BAD_USER_INPUT', 'rrule'],
      ['update id -1', 'mutation($i: MaintenanceWindowInput!) { updateMaintenanceWindow(id: -1, input: $i) { id } }', w({}), 'NOT_FOUND'],
      ['end with neither id nor name', 'mutation { endMaintenanceWindow { id } }', {}, 'NOT_FOUND'],
      ['end id 0', 'mutation { endMaintenanceWindow(id: 0) { id } }', {}, 'NOT_FOUND'],
      ['end a 1 MB name', 'mutation($n: String) { endMaintenanceWindow(name: $n) { id } }', { n: MB }, 'NOT_FOUND'],
      ['delete id -2^31', 'mutation { deleteMaintenanceWindow(id: -2147483648) }', {}, 'NOT_FOUND'],
    ]);
    // Accepted: a window from the year 1 and one at the far end of the calendar; neither breaks the pass nor the listing.
    await attack([
      ['from the year 1, hourly', CREATE_WINDOW, w({ name: 'ancient', rrule: 'FREQ=HOURLY', start: '0001-01-01T00:00:00Z', duration: '30m' }), 'OK'],
      ['to the end of the calendar', CREATE_WINDOW, w({ name: 'far', start: '9999-12-31T00:00:00Z', duration: '31d' }), 'OK'],
      ['the last weekday of each month, BYSETPOS', CREATE_WINDOW, w({ name: 'month-end', rrule: 'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;BYHOUR=22' }), 'OK'],
    ]);
    await s.step();
    const { maintenanceWindows } = await s.gqlOk('{ maintenanceWindows { name active currentOrNextStart currentOrNextEnd } }');
    expect(maintenanceWindows.map((x: { name: string }) => x.name).sort()).toEqual(['ancient', 'far', 'month-end']);
  });

  it('regression: a recurring window started in the years 1–99 was placed 1900 years late (Date.UTC reads a two-digit year as 19xx)', async () => {
    const { createMaintenanceWindow } = await s.gqlOk(CREATE_WINDOW, { i: { name: 'since-year-50', services: ['api'], rrule: 'FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=3', start: '0050-01-01T03:00:00Z', duration: '1h' } });
    // The manual clock reads 2026-12-06: the next occurrence is on the first of next month, not in 3926.
    expect(createMaintenanceWindow.currentOrNextStart).toBe('2027-01-01T03:00:00.000Z');
  });

  it('regression: a rule with an empty part (BYHOUR=) failed with an internal error; parts out of their range (BYHOUR=25, BYMONTH=13) and a rule whose UNTIL is before its start are refused naming rrule', async () => {
    const w = (name: string, rrule: string, start?: string) => ({ i: { name, services: ['api'], duration: '1h', rrule, ...(start && { start }) } });
    await attack([
      ['BYHOUR=', CREATE_WINDOW, w('a', 'FREQ=DAILY;BYHOUR='), 'BAD_USER_INPUT', 'rrule'],
      ['BYDAY=', CREATE_WINDOW, w('a', 'FREQ=WEEKLY;BYDAY='), 'BAD_USER_INPUT', 'rrule'],
      ['BYHOUR=25', CREATE_WINDOW, w('a', 'FREQ=DAILY;BYHOUR=25'), 'BAD_USER_INPUT', 'rrule'],
      ['BYMINUTE=60', CREATE_WINDOW, w('a', 'FREQ=DAILY;BYMINUTE=60'), 'BAD_USER_INPUT', 'rrule'],
      ['BYMONTH=0', CREATE_WINDOW, w('a', 'FREQ=YEARLY;BYMONTH=0'), 'BAD_USER_INPUT', 'rrule'],
      ['BYMONTHDAY=32', CREATE_WINDOW, w('a', 'FREQ=MONTHLY;BYMONTHDAY=32'), 'BAD_USER_INPUT', 'rrule'],
      ['BYSETPOS=0', CREATE_WINDOW, w('a', 'FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0'), 'BAD_USER_INPUT', 'rrule'],
      ['WKST=XX', CREATE_WINDOW, w('a', 'FREQ=WEEKLY;WKST=XX'), 'BAD_USER_INPUT', 'rrule'],
      ['UNTIL before DTSTART', CREATE_WINDOW, w('a', 'FREQ=DAILY;UNTIL=20200101T000000Z', '2026-12-06T00:00:00Z'), 'BAD_USER_INPUT', 'rrule'],
      ['UNTIL before a DTSTART of its own', CREATE_WINDOW, w('a', 'DTSTART:20261206T000000Z\nRRULE:FREQ=DAILY;UNTIL=20261205T000000Z'), 'BAD_USER_INPUT', 'rrule'],
    ]);
  });

  it('regression: a stored window whose rule no longer passes the check (stored before it grew stricter) would have failed every pass and listing; it is read as never in force', async () => {
    await s.ts.server.app.sql.query(
      `insert into maintenance_windows (name, services, tags, everything, starts_at, rrule, duration_ms, source, created_by, created_at)
       values ('legacy', '{}', '{}', true, now(), 'FREQ=DAILY;BYHOUR=25', 3600000, 'api', 'test', now())`,
    );
    const { maintenanceWindows } = await s.gqlOk('{ maintenanceWindows(includeEnded: true) { name active currentOrNextStart } }');
    expect(maintenanceWindows).toContainEqual({ name: 'legacy', active: false, currentOrNextStart: null });
    target.set('api', false);
    expect(await s.check('api')).toBe('down');
    await s.step();
    const { alerts } = await s.gqlOk('{ alerts(filter: { service: "api" }) { state suppressedBy } }');
    expect(alerts[0].state).toBe('OPEN');
    await s.ts.server.app.sql.query("delete from maintenance_windows where name = 'legacy'");
  });
});
