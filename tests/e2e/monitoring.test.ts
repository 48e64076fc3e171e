/**
 * The monitoring pages in a real Chromium against a real Lookout whose scheduler runs: the live
 * grid (a local HTTP target that fails and recovers), the service detail (chart, checks, timeline,
 * recheck, diagnose), the Uptime page, Admin → Services, and what a viewer is not offered.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk, serviceStatusBecomes, signInSession, completeSetupAs } from '../support/graphql.ts';
import { launchBrowser, SCREENSHOTS, signInPage, ensureDashboardBuilt } from '../support/browser.ts';
import { Channels } from '../../server/events/channels.ts';

const ADMIN = { email: 'monitoring.admin@example.com', password: 'a long admin passphrase' };
const VIEWER = { email: 'monitoring.viewer@example.com', password: 'a long viewer passphrase' };
const TARGET = 'local-api';
/** The longest a page wait may take. */
const WAIT = 15_000;

let ts: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

/** A local HTTP service to monitor: answers 200, or 500 while `failing`. */
const target = {
  failing: false,
  server: http.createServer((_request, response) => {
    response.writeHead(target.failing ? 500 : 200, { 'content-type': 'text/plain' });
    response.end(target.failing ? 'broken on purpose' : 'ok');
  }),
  url: '',
};

const byTestId = (id: string) => page.getByTestId(id);
const card = (name: string, status?: string) => page.locator(`[data-testid="service-card"][data-service="${name}"]${status ? `[data-status="${status}"]` : ''}`);

const signIn = (email: string, password: string) => signInPage(page, ts.url, email, password);

beforeAll(async () => {
  await ensureDashboardBuilt();
  await fs.mkdir(SCREENSHOTS, { recursive: true });
  await new Promise<void>((resolve) => target.server.listen(0, '127.0.0.1', resolve));
  target.url = `http://127.0.0.1:${(target.server.address() as AddressInfo).port}/health`;

  ts = await startTestServer();
  await completeSetupAs(ts, ADMIN);
  await gqlOk(
    ts,
    'mutation($input: CreateServiceInput!) { createService(input: $input) { name } }',
    { input: { name: TARGET, displayName: 'Local API', kind: 'http', target: target.url, interval: '1s', failureThreshold: 1, critical: true, tags: ['e2e'] } },
    { token: ts.adminToken },
  );

  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  await signIn(ADMIN.email, ADMIN.password);
});

afterAll(async () => {
  await browser?.close();
  await ts?.close();
  await new Promise((resolve) => target.server.close(resolve));
});

describe('monitoring in the dashboard', () => {
  it('shows every service on the grid: the built-in ones and a local HTTP target', async () => {
    await page.goto(`${ts.url}/`);
    await card(TARGET, 'healthy').waitFor();
    for (const builtin of ['lookout', 'postgres', 'filesystem', 'host', 'event-bus']) await card(builtin).waitFor();
    const local = card(TARGET);
    expect(await local.getByTestId('service-status').textContent()).toBe('Healthy');
    expect(await local.textContent()).toContain('Local API');
    expect(await local.getAttribute('data-critical')).toBe('critical');
    expect(await local.getByTestId('service-latency').textContent()).toMatch(/\d+ ms|\d\.\d+ s/);
    expect(Number(await byTestId('count-healthy').getAttribute('data-count'))).toBeGreaterThanOrEqual(1);
    // The server clock keeps ticking above the grid.
    await byTestId('server-time').waitFor();
  });

  it('filters the grid by status count, tag and text', async () => {
    await byTestId('grid-filter-text').fill('Local API');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="service-card"]').length === 1);
    await byTestId('grid-filter-text').fill('');
    await byTestId('grid-filter-tag').selectOption('lookout');
    await card(TARGET).waitFor({ state: 'detached' });
    await byTestId('grid-filter-tag').selectOption('');
    await byTestId('count-down').click();
    await card(TARGET).waitFor({ state: 'detached' });
    await byTestId('count-down').click();
    await card(TARGET).waitFor();
  });

  it('turns a card red when its target fails and green when it recovers, without a reload', async () => {
    await page.evaluate(() => ((window as unknown as { lookoutTestMark: string }).lookoutTestMark = 'same page'));
    // Updated in place: the very same card element, not a re-rendered one.
    await card(TARGET).evaluate((el) => ((el as HTMLElement & { lookoutSame?: boolean }).lookoutSame = true));
    target.failing = true;
    await card(TARGET, 'down').waitFor();
    expect(await card(TARGET).getByTestId('service-status').textContent()).toBe('Down');
    expect(await byTestId('count-down').getAttribute('data-count')).not.toBe('0');
    const red = await card(TARGET).evaluate((el) => getComputedStyle(el).borderLeftColor);
    expect(red).toBe('rgb(179, 38, 30)');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'overview.png') });

    target.failing = false;
    await card(TARGET, 'healthy').waitFor();
    expect(await card(TARGET).getByTestId('service-status').textContent()).toBe('Healthy');
    expect(await page.evaluate(() => (window as unknown as { lookoutTestMark?: string }).lookoutTestMark)).toBe('same page');
    expect(await card(TARGET).evaluate((el) => (el as HTMLElement & { lookoutSame?: boolean }).lookoutSame)).toBe(true);
  });

  it('catches up by itself when the server ended its status subscription for falling behind (regression: after FELL_BEHIND the grid stayed frozen, the indicator green)', async () => {
    await card(TARGET, 'healthy').waitFor();
    await page.evaluate(() => ((window as unknown as { lookoutTestMark: string }).lookoutTestMark = 'not reloaded'));
    // More status changes in one turn of the server's event loop than a client's subscription may
    // hold (10,000): the page cannot take any of them in between, so its subscription is ended.
    const at = new Date().toISOString();
    for (let i = 0; i < 10_050; i++) {
      void ts.server.app.pubsub.publish(Channels.statusChanged, { service: `ghost-${i}`, critical: false, previousStatus: 'healthy', status: 'down', reason: 'a burst', at });
    }
    // A change after it still reaches the grid, without a reload.
    target.failing = true;
    await card(TARGET, 'down').waitFor();
    expect(await page.evaluate(() => (window as unknown as { lookoutTestMark?: string }).lookoutTestMark)).toBe('not reloaded');
    target.failing = false;
    await card(TARGET, 'healthy').waitFor();
  });

  it('opens a service from its card: chart, recent checks, and the checks of a timeline window', async () => {
    await card(TARGET).click();
    await page.waitForURL(`${ts.url}/services/${TARGET}`);
    await byTestId('detail-status').filter({ hasText: 'Healthy' }).waitFor();
    expect(await byTestId('detail-source').textContent()).toMatch(/API/);
    await page.locator('[data-testid="latency-chart"] canvas').first().waitFor();
    await page.locator('[data-testid="recent-checks"] [data-testid="check-row"]').first().waitFor();
    // Live: new checks keep arriving at the top of the list.
    const rows = page.locator('[data-testid="recent-checks"] [data-testid="check-row"]');
    const before = await rows.count();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="recent-checks"] [data-testid="check-row"]').length > n, before);

    const downWindow = page.locator('[data-testid="timeline-card"] [data-testid="timeline-window"][data-status="down"]').first();
    await downWindow.waitFor();
    // Windows too short to click on their own are merged into one block showing the worst of them (TimelineBar's layout): at least that one.
    expect(await page.locator('[data-testid="timeline-card"] [data-testid="timeline-window"]').count()).toBeGreaterThanOrEqual(1);
    await downWindow.click();
    const windowChecks = byTestId('window-checks');
    await windowChecks.locator('[data-testid="check-row"][data-status="down"]').first().waitFor();
    expect(await windowChecks.textContent()).toContain('500');
    // The header is sticky: from the top, a full-page picture shows it once, at the top.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SCREENSHOTS, 'service-detail.png'), fullPage: true });
  });

  it('rechecks and diagnoses on request, showing the result and the steps with their times', async () => {
    await byTestId('service-recheck').click();
    await byTestId('recheck-result').getByTestId('check-run-status').filter({ hasText: 'Healthy' }).waitFor();

    await byTestId('service-diagnose').click();
    const steps = byTestId('diagnose-result').getByTestId('diagnose-step');
    await steps.first().waitFor();
    expect(await steps.count()).toBeGreaterThanOrEqual(2);
    expect(await byTestId('diagnose-steps').textContent()).toMatch(/\d+(\.\d)? ms/);
  });

  it('pauses and resumes the service', async () => {
    await byTestId('service-pause').click();
    await byTestId('detail-status').filter({ hasText: 'Paused' }).waitFor();
    await byTestId('service-resume').click();
    await byTestId('service-pause').waitFor();
    await byTestId('detail-status').filter({ hasText: 'Healthy' }).waitFor();
  });

  it('lists every service’s timeline on the Uptime page, with uptime per range', async () => {
    await byTestId('nav-uptime').click();
    await page.waitForURL(`${ts.url}/uptime`);
    const row = page.locator(`[data-testid="uptime-row"][data-service="${TARGET}"]`);
    await row.getByTestId('timeline-window').first().waitFor();
    expect(await page.getByTestId('uptime-row').count()).toBeGreaterThanOrEqual(6);
    // Down for a while and degraded never: below 100%, above 0%.
    expect(await row.getByTestId('uptime-ratio').textContent()).toMatch(/^\d{1,2}\.\d\d%$/);
    await byTestId('time-axis').first().waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'uptime.png') });

    await byTestId('uptime-range-7d').click();
    await page.locator('[data-testid="uptime-table"][data-range="7d"]').waitFor();
    await row.getByTestId('timeline-window').first().waitFor();
  });

  it('creates, edits and deletes a service in Admin → Services, with the server’s message at a bad interval', async () => {
    await byTestId('nav-admin').click();
    await byTestId('admin-tab-services').click();
    await page.waitForURL(`${ts.url}/admin/services`);
    const builtin = page.locator('[data-testid="admin-service-row"][data-service="postgres"]');
    expect(await builtin.getByTestId('admin-service-origin').textContent()).toMatch(/Built in/);
    expect(await builtin.getByTestId('admin-service-edit').count()).toBe(0);

    await byTestId('service-add').click();
    await byTestId('service-form-name').fill('second-api');
    await byTestId('service-form-displayName').fill('Second API');
    await byTestId('service-form-kind').selectOption('http');
    await byTestId('service-form-target').fill(target.url);
    await byTestId('service-form-interval').fill('0.5s');
    await byTestId('service-form-submit').click();
    const intervalField = page.locator('.field', { has: byTestId('service-form-interval') });
    expect(await intervalField.locator('.field__error').textContent()).toMatch(/interval must be at least 1s/i);

    await byTestId('service-form-interval').fill('5s');
    await byTestId('service-form-options').fill('{"expectedStatus": "nope"}');
    await byTestId('service-form-submit').click();
    const optionsField = page.locator('.field', { has: byTestId('service-form-options') });
    expect(await optionsField.locator('.field__error').textContent()).toMatch(/expectedStatus/);

    await byTestId('service-form-options').fill('');
    await byTestId('service-form-submit').click();
    await byTestId('service-saved').waitFor();
    const created = page.locator('[data-testid="admin-service-row"][data-service="second-api"]');
    await created.getByTestId('admin-service-edit').waitFor();
    expect(await created.getByTestId('admin-service-origin').textContent()).toMatch(/API/);

    // Edit: the form comes back filled in, the name fixed.
    await created.getByTestId('admin-service-edit').click();
    expect(await byTestId('service-form-name').isDisabled()).toBe(true);
    expect(await byTestId('service-form-interval').inputValue()).toBe('5s');
    await byTestId('service-form-displayName').fill('Second API, renamed');
    await byTestId('service-form-submit').click();
    await created.filter({ hasText: 'Second API, renamed' }).waitFor();

    // Delete, after a confirmation.
    await created.getByTestId('admin-service-delete').click();
    await created.getByTestId('admin-service-delete-confirm').click();
    await created.waitFor({ state: 'detached' });
  });

  it('offers a viewer no Recheck, Diagnose or Pause', async () => {
    await gqlOk(ts, 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: { ...VIEWER, role: 'VIEWER' } }, { token: ts.adminToken });
    await context.clearCookies();
    await signIn(VIEWER.email, VIEWER.password);
    await page.goto(`${ts.url}/services/${TARGET}`);
    await byTestId('detail-status').waitFor();
    await page.locator('[data-testid="recent-checks"] [data-testid="check-row"]').first().waitFor();
    for (const action of ['service-recheck', 'service-diagnose', 'service-pause', 'service-resume']) expect(await byTestId(action).count()).toBe(0);
    // The server refuses it too.
    const session = await signInSession(ts, VIEWER.email, VIEWER.password);
    const refused = await gql(ts, 'mutation($n: String!) { recheckService(name: $n) { status } }', { n: TARGET }, session);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('shows a change that happened between reading the grid and its subscriptions starting', async () => {
    // A second page whose socket is held back: its grid is read over HTTP, then the target fails,
    // and only then may the socket connect. The transition is already past; the card learns it
    // from the subscription's replay of what changed since the grid was read.
    const held = await context.newPage();
    held.setDefaultTimeout(WAIT);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await held.routeWebSocket(/\/graphql$/, async (socket) => {
      const early: (string | Buffer)[] = [];
      socket.onMessage((message) => early.push(message));
      await released;
      const server = socket.connectToServer();
      server.onMessage((message) => socket.send(message));
      socket.onMessage((message) => server.send(message));
      socket.onClose(() => server.close());
      server.onClose(() => socket.close());
      for (const message of early) server.send(message);
    });
    const heldCard = held.locator(`[data-testid="service-card"][data-service="${TARGET}"]`);
    await held.goto(`${ts.url}/`);
    await heldCard.and(held.locator('[data-status="healthy"]')).waitFor();
    target.failing = true;
    expect(await serviceStatusBecomes(ts, TARGET, 'DOWN', WAIT)).toBe('DOWN');
    expect(await heldCard.getAttribute('data-status')).toBe('healthy'); // no socket yet: nothing told it
    release();
    await heldCard.and(held.locator('[data-status="down"]')).waitFor();
    expect(await heldCard.getByTestId('service-status').textContent()).toBe('Down');
    target.failing = false;
    await heldCard.and(held.locator('[data-status="healthy"]')).waitFor();
    await held.close();
  });

  it('refetches the grid every 30 s while the socket is down but HTTP answers', async () => {
    // A page whose WebSocket is refused every time: only the grid's refetch can show the change.
    const offline = await context.newPage();
    offline.setDefaultTimeout(WAIT);
    await offline.clock.install();
    await offline.routeWebSocket(/\/graphql$/, (socket) => socket.close());
    const offlineCard = offline.locator(`[data-testid="service-card"][data-service="${TARGET}"]`);
    await offline.goto(`${ts.url}/`);
    await offlineCard.and(offline.locator('[data-status="healthy"]')).waitFor();
    target.failing = true;
    expect(await serviceStatusBecomes(ts, TARGET, 'DOWN', WAIT)).toBe('DOWN');
    await offline.clock.fastForward(5_000);
    expect(await offlineCard.getAttribute('data-status')).toBe('healthy'); // not yet: nothing told it
    await offline.clock.fastForward(26_000);
    await offlineCard.and(offline.locator('[data-status="down"]')).waitFor();
    target.failing = false;
    await offline.close();
  });
});

describe('services from a config file in the dashboard', () => {
  let configured: TestServer;
  let dir: string;
  afterAll(async () => {
    await configured?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('lists them in Admin → Services read-only, with the file they come from', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-e2e-config-'));
    const file = path.join(dir, 'lookout.yaml');
    await fs.writeFile(file, `services:\n  - name: billing-api\n    kind: http\n    target: ${target.url}\n    interval: 1h\n`);
    configured = await startTestServer({ config: { configFile: file }, runScheduler: false });
    const token = new URLSearchParams(new URL(configured.setupUrl!).hash.slice(1)).get('token');
    await gqlOk(configured, 'mutation($t: String!, $e: String!, $p: String!) { completeSetup(token: $t, email: $e, password: $p) { expiresAt } }', { t: token, e: ADMIN.email, p: ADMIN.password });
    const own = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const admin = await own.newPage();
    admin.setDefaultTimeout(WAIT);
    await signInPage(admin, configured.url, ADMIN.email, ADMIN.password);
    await admin.goto(`${configured.url}/admin/services`);
    const row = admin.locator('[data-testid="admin-service-row"][data-service="billing-api"]');
    await row.waitFor();
    expect(await row.getByTestId('admin-service-origin').textContent()).toContain(file);
    expect(await row.getByTestId('admin-service-edit').count()).toBe(0);
    expect(await row.getByTestId('admin-service-delete').count()).toBe(0);
    expect(await row.getByTestId('admin-service-readonly').textContent()).toBe('read-only: edit the config file');
    // The server refuses to change it, naming the file.
    const refused = await gql(configured, 'mutation { deleteService(name: "billing-api") }', {}, { token: configured.adminToken });
    expect(refused.errors?.[0]?.message).toContain(file);
    await own.close();
  });
});
