/**
 * Alerting in a real Chromium against a real Lookout: a config file declares a webhook channel
 * (a real local receiver) and an http service whose target the test flips; the test drives the
 * check, the alerting pass and the outbox itself (no scheduler), and the pages must follow live.
 * Covers the critical banner on every page, the Alerts page and an incident's detail, acknowledge
 * (operators only), a service's alert settings, Admin → Alert channels with a test send, the
 * Maintenance tab, and the Alerts page on a phone.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk, signInSession, completeSetupAs } from '../support/graphql.ts';
import { launchBrowser, SCREENSHOTS, signInPage, ensureDashboardBuilt } from '../support/browser.ts';
import { until } from '../support/signals.ts';
import { startHttpReceiver, type HttpReceiver } from '../alerting/support/receivers.ts';
import { newWebhookSecret, passUntilCaughtUp, startFlippableTarget, writeConfigFile, type FlippableTarget } from '../alerting/support/alerting.ts';

const ADMIN = { email: 'alerts.admin@example.com', password: 'a long admin passphrase' };
const OPERATOR = { email: 'alerts.operator@example.com', password: 'a long operator passphrase' };
const VIEWER = { email: 'alerts.viewer@example.com', password: 'a long viewer passphrase' };
/** The longest a page wait may take. */
const WAIT = 15_000;

let ts: TestServer;
let target: FlippableTarget;
let hook: HttpReceiver;
let configFile: string;
const opsSecret = newWebhookSecret();
let browser: Browser;
const contexts: BrowserContext[] = [];
/** The admin's page, the operator's and the viewer's, each signed in once. */
let admin: Page;
let operator: Page;
let viewer: Page;

async function signedIn(user: { email: string; password: string }, viewport = { width: 1280, height: 900 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  await signInPage(page, ts.url, user.email, user.password);
  return page;
}

/** Checks `name` now (as the scheduler would) and runs one alerting pass. */
async function checkAndPass(name: string): Promise<void> {
  await ts.server.app.monitoring.recheck(name);
  await passUntilCaughtUp(ts.server.app);
}

const row = (page: Page, list: string, service: string) => page.locator(`[data-testid="${list}"] [data-testid="alert-row"][data-service="${service}"]`);
const hasNoHorizontalOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

beforeAll(async () => {
  await ensureDashboardBuilt();
  await fs.mkdir(SCREENSHOTS, { recursive: true });
  [target, hook] = await Promise.all([startFlippableTarget(), startHttpReceiver()]);
  configFile = await writeConfigFile(`
alerting:
  channels:
    - { name: ops-hook, kind: webhook, url: "${hook.url}/ops", secret: "${opsSecret}" }
  defaults: { channels: [ops-hook], escalation_delay: 0s }
services:
  - { name: api, display_name: Payments API, kind: http, target: "${target.url('api')}", interval: 1h, failure_threshold: 1, alerts: { remind_every: 1h } }
  - { name: web, kind: http, target: "${target.url('web')}", interval: 1h }
`);
  ts = await startTestServer({ runScheduler: false, config: { configFile } });
  await completeSetupAs(ts, ADMIN);
  for (const [user, role] of [[OPERATOR, 'OPERATOR'], [VIEWER, 'VIEWER']] as const) {
    await gqlOk(ts, 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: { ...user, role } }, { token: ts.adminToken });
  }
  // Healthy first, so the failure below is a transition.
  await checkAndPass('api');
  await checkAndPass('web');

  browser = await launchBrowser();
  [admin, operator, viewer] = await Promise.all([signedIn(ADMIN), signedIn(OPERATOR), signedIn(VIEWER)]);
});

afterAll(async () => {
  await browser?.close();
  await ts?.close();
  await Promise.all([target?.close(), hook?.close()]);
  if (configFile) await fs.rm(path.dirname(configFile), { recursive: true, force: true });
});

describe('alerting in the dashboard', () => {
  it('shows the critical banner on another page as soon as an incident opens, without a reload', async () => {
    await admin.goto(`${ts.url}/uptime`);
    await admin.getByTestId('uptime-table').waitFor();
    expect(await admin.getByTestId('critical-alerts-banner').count()).toBe(0);
    await admin.evaluate(() => ((window as unknown as { lookoutTestMark: string }).lookoutTestMark = 'same page'));

    target.set('api', false);
    await checkAndPass('api');
    const banner = admin.getByTestId('critical-alerts-banner');
    await banner.waitFor();
    expect(await banner.getAttribute('role')).toBe('alert');
    expect(await banner.textContent()).toContain('1 critical alert open');
    expect(await admin.evaluate(() => (window as unknown as { lookoutTestMark?: string }).lookoutTestMark)).toBe('same page');

    // The webhook is paged at once (escalation_delay 0s).
    expect(await ts.server.app.alerting.deliver()).toBe(1);
    await until(() => hook.requests.some((r) => r.path === '/ops'), 'the trigger reaches the receiver');
    await banner.getByRole('link').click();
    await admin.waitForURL(`${ts.url}/alerts`);
  });

  it('lists the open incident first on the Alerts page, with its severity, status and reason', async () => {
    const open = row(admin, 'open-alerts', 'api');
    await open.waitFor();
    expect(await open.getAttribute('data-state')).toBe('OPEN');
    expect(await open.getByTestId('alert-severity').textContent()).toBe('Critical');
    expect(await open.getByTestId('alert-state').textContent()).toBe('Open');
    expect(await open.textContent()).toContain('Payments API');
    expect(await open.getByTestId('alert-reason').textContent()).toMatch(/500/);
    expect(await open.getByTestId('alert-since').textContent()).toMatch(/^since /);
    // An admin may manage operations too.
    await open.getByTestId('alert-acknowledge').waitFor();
    await admin.screenshot({ path: path.join(SCREENSHOTS, 'alerts.png'), fullPage: true });
  });

  it('offers a viewer no Acknowledge button, and the server refuses a viewer too', async () => {
    await viewer.goto(`${ts.url}/alerts`);
    await row(viewer, 'open-alerts', 'api').waitFor();
    await viewer.getByTestId('critical-alerts-banner').waitFor();
    expect(await viewer.getByTestId('alert-acknowledge').count()).toBe(0);
    await row(viewer, 'open-alerts', 'api').getByTestId('alert-open').click();
    await viewer.getByTestId('alert-detail').waitFor();
    expect(await viewer.getByTestId('alert-acknowledge').count()).toBe(0);

    const id = Number(await viewer.getByTestId('alert-detail').getAttribute('data-alert-id'));
    const session = await signInSession(ts, VIEWER.email, VIEWER.password);
    const refused = await gql(ts, 'mutation($id: Int!) { acknowledgeAlert(id: $id) { id } }', { id }, session);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('acknowledges as an operator: the row says who, and the admin’s open page follows live', async () => {
    await operator.goto(`${ts.url}/alerts`);
    const open = row(operator, 'open-alerts', 'api');
    await open.getByTestId('alert-acknowledge').click();
    await open.and(operator.locator('[data-acknowledged="true"]')).waitFor();
    expect(await open.getByTestId('alert-acknowledged-by').textContent()).toContain(OPERATOR.email);
    expect(await open.getByTestId('alert-state').textContent()).toBe('Acknowledged');
    expect(await open.getByTestId('alert-acknowledge').count()).toBe(0);

    const adminRow = row(admin, 'open-alerts', 'api');
    await adminRow.and(admin.locator('[data-acknowledged="true"]')).waitFor();
    expect(await adminRow.getByTestId('alert-acknowledged-by').textContent()).toContain(OPERATOR.email);
    // The webhook told of the trigger is told of the acknowledgement.
    expect(await ts.server.app.alerting.deliver()).toBe(1);
  });

  it('opens the incident’s detail: its transitions and every delivery attempt with its status code', async () => {
    await row(admin, 'open-alerts', 'api').getByTestId('alert-open').click();
    await admin.waitForURL(/\/alerts\/\d+$/);
    const detail = admin.getByTestId('alert-detail');
    await detail.waitFor();
    const transitions = admin.getByTestId('alert-transition');
    await transitions.first().waitFor();
    expect(await transitions.first().getAttribute('data-status')).toBe('down');
    expect(await admin.getByTestId('alert-detail-ack').textContent()).toContain(OPERATOR.email);

    const trigger = admin.locator('[data-testid="alert-delivery"][data-event="trigger"]');
    expect(await trigger.getAttribute('data-channel')).toBe('ops-hook');
    expect(await trigger.getAttribute('data-state')).toBe('SENT');
    const attempt = trigger.getByTestId('alert-delivery-attempt');
    expect(await attempt.count()).toBe(1);
    expect(await attempt.getAttribute('data-ok')).toBe('true');
    expect(await attempt.getByTestId('alert-attempt-status').textContent()).toBe('200');
    expect(await attempt.textContent()).toMatch(/\d+ ms/);
    // The acknowledgement notice, sent after the page loaded, arrives live.
    await admin.locator('[data-testid="alert-delivery"][data-event="acknowledge"][data-state="SENT"]').waitFor();
    await admin.screenshot({ path: path.join(SCREENSHOTS, 'alert-detail.png'), fullPage: true });
  });

  it('shows a service’s alert settings: from the config file read-only, otherwise editable, own beside inherited', async () => {
    await admin.goto(`${ts.url}/services/api`);
    const fromFile = admin.getByTestId('service-alert-settings');
    await fromFile.getByTestId('alert-settings-from-file').waitFor();
    expect(await fromFile.getByTestId('alert-settings-edit').count()).toBe(0);
    expect(await fromFile.getByTestId('alert-setting-remindEvery').getAttribute('data-own')).toBe('true');
    expect(await fromFile.getByTestId('alert-setting-channels').textContent()).toContain('ops-hook');
    expect(await fromFile.getByTestId('alert-setting-channels').getAttribute('data-own')).toBe('false');
    await row(admin, 'service-incident-list', 'api').waitFor();
    await admin.getByTestId('service-incidents').scrollIntoViewIfNeeded();
    await admin.screenshot({ path: path.join(SCREENSHOTS, 'service-alert-settings.png') });

    await admin.goto(`${ts.url}/services/web`);
    const settings = admin.getByTestId('service-alert-settings');
    await settings.getByTestId('alert-settings-edit').click();
    await admin.getByTestId('alert-inherit-escalationDelay').uncheck();
    await admin.getByTestId('alert-form-escalationDelay').fill('2m');
    await admin.getByTestId('alert-settings-save').click();
    const delay = settings.getByTestId('alert-setting-escalationDelay');
    await delay.and(admin.locator('[data-own="true"]')).waitFor();
    expect(await delay.textContent()).toContain('2m');
    expect(await settings.getByTestId('alert-setting-channels').getAttribute('data-own')).toBe('false');
    const [config] = (await gqlOk<{ alertConfigs: { source: string; own: Record<string, unknown> }[] }>(ts, '{ alertConfigs(service: "web") { source own } }', {}, { token: ts.adminToken })).alertConfigs;
    expect(config).toEqual({ source: 'api', own: { escalationDelayMs: 120_000 } });
  });

  it('creates a webhook channel in Admin → Alert channels, sends a test, keeps a blank secret on edit, and deletes it', async () => {
    await admin.getByTestId('nav-admin').click();
    await admin.getByTestId('admin-tab-channels').click();
    await admin.waitForURL(`${ts.url}/admin/channels`);
    const fromFile = admin.locator('[data-testid="channel-row"][data-channel="ops-hook"]');
    await fromFile.waitFor();
    expect(await fromFile.getByTestId('channel-origin').textContent()).toBe('Config file');
    expect(await fromFile.getByTestId('channel-secrets').textContent()).toContain('secret');
    expect(await fromFile.textContent()).not.toContain(opsSecret);
    expect(await fromFile.getByTestId('channel-edit').count()).toBe(0);

    const secret = newWebhookSecret();
    await admin.getByTestId('channel-add').click();
    await admin.getByTestId('channel-form-name').fill('team-hook');
    await admin.getByTestId('channel-form-kind').selectOption('webhook');
    await admin.getByTestId('channel-form-url').fill(`${hook.url}/team`);
    // The server's refusal shows at the field it names.
    await admin.getByTestId('channel-form-secret').fill('not a signing secret');
    await admin.getByTestId('channel-form-submit').click();
    const secretField = admin.locator('.field', { has: admin.getByTestId('channel-form-secret') });
    expect(await secretField.locator('.field__error').textContent()).toMatch(/Standard Webhooks secret/);
    await admin.getByTestId('channel-form-secret').fill(secret);
    await admin.getByTestId('channel-form-submit').click();
    await admin.getByTestId('channel-saved').waitFor();
    const created = admin.locator('[data-testid="channel-row"][data-channel="team-hook"]');
    expect(await created.getByTestId('channel-origin').textContent()).toBe('API');

    await created.getByTestId('channel-test').click();
    const result = admin.getByTestId('channel-test-result');
    await result.waitFor();
    expect(await result.getAttribute('data-ok')).toBe('true');
    expect(await result.getByTestId('channel-test-status').textContent()).toBe('200');
    const sent = hook.requests.find((r) => r.path === '/team');
    expect(sent).toBeDefined();
    expect(() => new Webhook(secret).verify(sent!.body, sent!.headers)).not.toThrow();
    await admin.screenshot({ path: path.join(SCREENSHOTS, 'alert-channels.png'), fullPage: true });

    // Edit the URL, leaving the secret blank: the next test is signed with the same secret.
    await created.getByTestId('channel-edit').click();
    expect(await admin.getByTestId('channel-form-secret').inputValue()).toBe('');
    await admin.getByTestId('channel-form-url').fill(`${hook.url}/team-moved`);
    await admin.getByTestId('channel-form-submit').click();
    await admin.getByTestId('channel-saved').waitFor();
    await created.getByTestId('channel-test').click();
    await admin.getByTestId('channel-test-result').waitFor();
    const moved = hook.requests.find((r) => r.path === '/team-moved');
    expect(() => new Webhook(secret).verify(moved!.body, moved!.headers)).not.toThrow();

    // A receiver that refuses: the outcome says so.
    hook.respondWith(503, 'busy');
    await created.getByTestId('channel-test').click();
    await admin.locator('[data-testid="channel-test-result"][data-ok="false"]').waitFor();
    expect(await admin.getByTestId('channel-test-status').textContent()).toBe('503');
    hook.respondWith(200, 'ok');

    await created.getByTestId('channel-delete').click();
    await created.getByTestId('channel-delete-confirm').click();
    await created.waitFor({ state: 'detached' });
  });

  it('plans a maintenance window as an operator and ends it now', async () => {
    await operator.goto(`${ts.url}/alerts`);
    await operator.getByTestId('alerts-tab-maintenance').click();
    await operator.waitForURL(`${ts.url}/alerts/maintenance`);
    await operator.getByTestId('maintenance-add').click();
    await operator.getByTestId('maintenance-form-name').fill('db-upgrade');
    await operator.getByTestId('maintenance-form-reason').fill('PostgreSQL 16 upgrade');
    // Found by its display name, asked of the server (the page lists only the first services by name).
    await operator.getByTestId('maintenance-form-find').fill('Payments');
    await operator.locator('[data-testid="maintenance-service"][data-service="web"]').waitFor({ state: 'detached' });
    expect(await operator.getByTestId('maintenance-service').evaluateAll((boxes) => boxes.map((b) => b.getAttribute('data-service')))).toEqual(['api']);
    await operator.locator('[data-testid="maintenance-service"][data-service="api"]').check();
    // Picked, it stays listed (checked) whatever is looked for next.
    await operator.getByTestId('maintenance-form-find').fill('web');
    await operator.locator('[data-testid="maintenance-service"][data-service="web"]').waitFor();
    expect(await operator.locator('[data-testid="maintenance-service"][data-service="api"]').isChecked()).toBe(true);
    await operator.getByTestId('maintenance-form-find').fill('');
    await operator.getByTestId('maintenance-form-duration').fill('2h');
    await operator.getByTestId('maintenance-form-submit').click();
    await operator.getByTestId('maintenance-saved').waitFor();
    const active = operator.locator('[data-testid="maintenance-active"] [data-testid="maintenance-window"][data-name="db-upgrade"]');
    await active.waitFor();
    expect(await active.getByTestId('maintenance-covers').textContent()).toContain('api');
    expect(await active.textContent()).toContain('PostgreSQL 16 upgrade');
    expect(await active.textContent()).toContain(OPERATOR.email);
    await operator.screenshot({ path: path.join(SCREENSHOTS, 'maintenance.png'), fullPage: true });

    await active.getByTestId('maintenance-end').click();
    await active.getByTestId('maintenance-end-confirm').click();
    await active.waitFor({ state: 'detached' });
    await operator.locator('[data-testid="maintenance-ended"] [data-testid="maintenance-window"][data-name="db-upgrade"]').waitFor();
    const [window] = (await gqlOk<{ maintenanceWindows: { name: string; active: boolean; endedAt: string | null }[] }>(ts, '{ maintenanceWindows(includeEnded: true) { name active endedAt } }', {}, { token: ts.adminToken })).maintenanceWindows;
    expect(window).toMatchObject({ name: 'db-upgrade', active: false });
    expect(window.endedAt).not.toBeNull();

    // A viewer sees the windows but is offered nothing to change them.
    await viewer.goto(`${ts.url}/alerts/maintenance`);
    await viewer.locator('[data-testid="maintenance-window"][data-name="db-upgrade"]').waitFor();
    expect(await viewer.getByTestId('maintenance-add').count()).toBe(0);
    expect(await viewer.getByTestId('maintenance-delete').count()).toBe(0);
  });

  it('fits the Alerts page, an incident and Maintenance on a 390 px phone without sideways scrolling', async () => {
    const phone = await signedIn(ADMIN, { width: 390, height: 844 });
    await phone.goto(`${ts.url}/alerts`);
    await row(phone, 'open-alerts', 'api').waitFor();
    await phone.getByTestId('critical-alerts-banner').waitFor();
    expect(await hasNoHorizontalOverflow(phone)).toBe(true);
    await phone.screenshot({ path: path.join(SCREENSHOTS, 'alerts-phone.png'), fullPage: true });
    await row(phone, 'open-alerts', 'api').getByTestId('alert-open').click();
    await phone.getByTestId('alert-delivery').first().waitFor();
    expect(await hasNoHorizontalOverflow(phone)).toBe(true);
    await phone.goto(`${ts.url}/alerts/maintenance`);
    await phone.getByTestId('maintenance-window').first().waitFor();
    expect(await hasNoHorizontalOverflow(phone)).toBe(true);
  });

  it('takes the banner down live when the incident resolves, and moves it to the history', async () => {
    await admin.goto(`${ts.url}/alerts`);
    await admin.getByTestId('critical-alerts-banner').waitFor();
    target.set('api', true);
    await checkAndPass('api');
    await admin.getByTestId('critical-alerts-banner').waitFor({ state: 'detached' });
    await admin.getByTestId('open-alerts-empty').waitFor();
    const resolved = row(admin, 'alert-history', 'api');
    await resolved.and(admin.locator('[data-state="RESOLVED"]')).waitFor();
    expect(await resolved.getByTestId('alert-state').textContent()).toBe('Resolved');
    // The history filters: a warning-only history has no critical incident of api.
    await admin.getByTestId('alert-filter-severity').selectOption('WARNING');
    await admin.getByTestId('alert-history-empty').waitFor();
    await admin.getByTestId('alert-filter-severity').selectOption('');
    // The service filter suggests services as typed, asked of the server (any of any number)…
    await admin.getByTestId('alert-filter-service').fill('ap');
    await admin.getByTestId('alert-filter-service-options').locator('option[value="api"]').waitFor({ state: 'attached' });
    // … and filters once the text is committed: a service with no incident shows none; its name, or
    // its display name typed in another case, shows its incident.
    const filterBy = async (text: string, shown: Locator) => {
      await admin.getByTestId('alert-filter-service').fill(text);
      await admin.getByTestId('alert-filter-service').press('Enter');
      await shown.waitFor();
    };
    for (const text of ['api', 'payments api']) {
      await filterBy('no-such-service', admin.getByTestId('alert-history-empty'));
      await filterBy(text, resolved);
    }
    // Clearing the field shows them all again.
    await filterBy('no-such-service', admin.getByTestId('alert-history-empty'));
    await admin.getByTestId('alert-filter-service').fill('');
    await resolved.waitFor();
  });
});
