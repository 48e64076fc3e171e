/**
 * Channel secrets (webhook URL and secret, Slack URL, PagerDuty routing key, SMTP password) are
 * looked for everywhere an attacker could read them: every GraphQL field as viewer, operator and
 * admin (alertChannels, alert{deliveries{…}}, testAlertChannel, the audit log), error messages of
 * failing deliveries from receivers that echo back what they were sent (the URL, a token alone,
 * the headers, the SMTP AUTH line), /metrics, and the server's own logs at debug level.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import { startServer, type LookoutServer } from '../../server/main.ts';
import { createTestDatabase } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';
import { newWebhookSecret, startFlippableTarget, writeConfigFile, type FlippableTarget } from './support/alerting.ts';

const WEBHOOK_SECRET = newWebhookSecret();
const HOOK_TOKEN = `hooktoken${randomBytes(12).toString('hex')}`;
const SLACK_TOKEN = `slacktoken${randomBytes(12).toString('hex')}`;
const ROUTING_KEY = `routingkey${randomBytes(11).toString('hex')}`;
const SMTP_PASSWORD = `smtppassword${randomBytes(10).toString('hex')}`;
/** The SMTP AUTH PLAIN and LOGIN forms of the password, as a server could echo them. */
const AUTH_PLAIN = Buffer.from(`\u0000lookout\u0000${SMTP_PASSWORD}`).toString('base64');
const AUTH_LOGIN = Buffer.from(SMTP_PASSWORD).toString('base64');
const SECRETS = [WEBHOOK_SECRET, WEBHOOK_SECRET.slice('whsec_'.length), HOOK_TOKEN, SLACK_TOKEN, ROUTING_KEY, SMTP_PASSWORD, AUTH_PLAIN, AUTH_LOGIN];

function expectNoSecret(text: string, where: string): void {
  for (const secret of SECRETS) expect(text.includes(secret), `${where} holds a secret: …${text.slice(Math.max(0, text.indexOf(secret) - 80), text.indexOf(secret) + 40)}…`).toBe(false);
}

/** An HTTP receiver that refuses everything (500), echoing the request line, each query value and path segment alone, and every header. */
async function startEchoingReceiver() {
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    request.resume();
    request.on('end', () => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      const parts = [...url.searchParams.values(), ...url.pathname.split('/')].join(' ');
      response.end(`token ${parts} is not valid; you sent ${request.method} ${request.url} with ${JSON.stringify(request.headers)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** An SMTP server that refuses every login, echoing the credentials it got in its reply. */
async function startEchoingSmtp() {
  const server = new SMTPServer({
    secure: false, hideSTARTTLS: true, disabledCommands: ['STARTTLS'], allowInsecureAuth: true, logger: false,
    onAuth(auth, _session, callback) {
      callback(Object.assign(new Error(`Authentication failed for ${auth.username}/${auth.password} (${AUTH_PLAIN} ${AUTH_LOGIN})`), { responseCode: 535 }));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.server.address() as AddressInfo).port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let server: LookoutServer;
let url: string;
let drop: () => Promise<void>;
let dataDir: string;
let file: string;
const logs: string[] = [];
const clock = new ManualClock(new Date('2026-12-06T10:00:00.000Z'));
const adminToken = `lko_test_${randomBytes(16).toString('hex')}`;
let target: FlippableTarget;
let echo: Awaited<ReturnType<typeof startEchoingReceiver>>;
let smtp: Awaited<ReturnType<typeof startEchoingSmtp>>;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  [target, echo, smtp] = await Promise.all([startFlippableTarget(), startEchoingReceiver(), startEchoingSmtp()]);
  file = await writeConfigFile(`
services:
  - { name: api, kind: http, target: "${target.url('api')}", failure_threshold: 1 }
`);
  const database = await createTestDatabase();
  drop = database.drop;
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-secrets-'));
  const config: Config = { ...loadConfig({}), host: '127.0.0.1', port: 0, databaseUrl: database.url, dataDir, bootstrapToken: adminToken, configFile: file, logLevel: 'debug' };
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  server = await startServer(config, { clock, logger: pino({ level: 'trace' }, sink), runScheduler: false });
  url = `http://127.0.0.1:${server.port}`;
  server.app.alerting.attemptTimeoutMs = 3000;
  for (const role of ['VIEWER', 'OPERATOR'] as const) {
    const created = await gqlOk<{ createApiToken: { secret: string } }>({ url }, `mutation { createApiToken(input: { name: "${role}", role: ${role} }) { secret } }`, {}, { token: adminToken });
    tokens[role] = created.createApiToken.secret;
  }
  tokens.ADMIN = adminToken;
});
afterAll(async () => {
  await server?.close();
  await drop?.();
  await fs.rm(dataDir, { recursive: true, force: true });
  await fs.rm(path.dirname(file), { recursive: true, force: true });
  await Promise.all([target?.close(), echo?.close(), smtp?.close()]);
});

const CHANNELS = () => [
  { name: 'hook', kind: 'webhook', settings: { url: `${echo.url}/hooks/${HOOK_TOKEN}?token=${HOOK_TOKEN}`, secret: WEBHOOK_SECRET } },
  { name: 'chat', kind: 'slack', settings: { url: `${echo.url}/services/T000/B000/${SLACK_TOKEN}` } },
  { name: 'pager', kind: 'pagerduty', settings: { routingKey: ROUTING_KEY, url: `${echo.url}/v2/enqueue` } },
  { name: 'mail', kind: 'email', settings: { host: '127.0.0.1', port: smtp.port, from: 'lookout@example.com', to: ['ops@example.com'], user: 'lookout', password: SMTP_PASSWORD, requireTls: false } },
];

const EVERYTHING = `{
  alertChannels { name kind settings secretsSet source }
  alertConfigs { service own effective { channels } }
  alerts(filter: { limit: 50 }) { id reason channels deliveries { id channel event messageId state lastError log { error detail statusCode } } }
}`;

describe('channel secrets', () => {
  it('never show in any field, error, audit entry, metric or log line, for any role, even when receivers echo them back', async () => {
    for (const input of CHANNELS()) await gqlOk({ url }, 'mutation($i: AlertChannelInput!) { createAlertChannel(input: $i) { name } }', { i: input }, { token: adminToken });
    // Updates that leave the secret out, and one that sets it again.
    await gqlOk({ url }, 'mutation($s: JSON!) { updateAlertChannel(name: "pager", settings: $s) { name } }', { s: { url: `${echo.url}/v2/enqueue?x=1` } }, { token: adminToken });
    await gqlOk({ url }, 'mutation($s: JSON!) { updateAlertChannel(name: "hook", settings: $s) { name } }', { s: CHANNELS()[0].settings }, { token: adminToken });
    // A refused update carrying the secrets in the wrong places.
    const refused = await gql({ url }, 'mutation($s: JSON!) { updateAlertChannel(name: "mail", settings: $s) { name } }', { s: { host: SMTP_PASSWORD, port: ROUTING_KEY, to: [HOOK_TOKEN] } }, { token: adminToken });
    expect(refused.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expectNoSecret(JSON.stringify(refused), 'a refused update');
    await gqlOk({ url }, 'mutation { updateAlertConfig(input: { channels: ["hook", "chat", "pager", "mail"], escalationDelay: "0s" }) { service } }', {}, { token: adminToken });

    // Every channel fails, its receiver echoing what it got.
    for (const name of ['hook', 'chat', 'pager', 'mail']) {
      const tested = await gqlOk<{ testAlertChannel: { ok: boolean; error: string | null; detail: string | null } }>({ url }, `mutation { testAlertChannel(name: "${name}") { ok error detail statusCode } }`, {}, { token: adminToken });
      expect(tested.testAlertChannel.ok, name).toBe(false);
      expect(tested.testAlertChannel.error, name).toBeTruthy();
      expectNoSecret(JSON.stringify(tested), `testAlertChannel(${name})`);
    }
    target.set('api', false);
    expect((await server.app.monitoring.recheck('api')).status).toBe('down');
    clock.advance(1000);
    // Until each of the four deliveries has failed once: a pass may see the transition only once
    // every older transaction on the database server has ended (another test file's may be open).
    const failedAttempts = async () => (await server.app.sql.query<{ n: number }>('select count(distinct delivery_id)::int as n from alert_delivery_attempts where not ok')).rows[0].n;
    for (let i = 0; i < 500 && (await failedAttempts()) < 4; i++) {
      await server.app.alerting.runPass();
      if ((await server.app.alerting.deliver()) === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(await failedAttempts()).toBe(4);

    for (const [role, token] of Object.entries(tokens)) {
      const seen = await gqlOk<{ alerts: { deliveries: { lastError: string }[] }[] }>({ url }, EVERYTHING, {}, { token });
      expect(seen.alerts[0].deliveries.length, role).toBe(4);
      expect(seen.alerts[0].deliveries.every((d) => d.lastError), role).toBe(true);
      expectNoSecret(JSON.stringify(seen), `what a ${role} reads`);
    }
    const audit = await gqlOk({ url }, '{ auditLog(filter: { action: "alerting.*" }) { entries { action input outcome errorCode errorMessage targetId } } }', {}, { token: adminToken });
    expect(JSON.stringify(audit)).toContain('alerting.channel.update');
    expectNoSecret(JSON.stringify(audit), 'the audit log');
    const viewerAudit = await gql({ url }, '{ auditLog { entries { input } } }', {}, { token: tokens.VIEWER });
    expectNoSecret(JSON.stringify(viewerAudit), "the audit log as a viewer's");
    const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })).text();
    expectNoSecret(metrics, '/metrics');
    const logged = logs.join('');
    expect(logged).toMatch(/alert delivery failed/);
    expectNoSecret(logged, 'the server log');
  });
});
