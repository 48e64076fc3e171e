/**
 * The System page's runtimes in a real Chromium against a real Lookout whose config file declares
 * a supervised `process` runtime (the reference runtime from examples/): the matrix, a restart from
 * the page while a poller asks for the dashboard and /graphql every 100 ms (no request fails, the
 * shell's restart banner comes and goes by itself), what a viewer is not offered, a 390 px phone,
 * and the dashboard recovering by itself after Lookout itself stops and starts again — for a page
 * that was open and for one that was being opened.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { projectRoot } from '../../server/config.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk, signInSession, completeSetupAs } from '../support/graphql.ts';
import { launchBrowser, SCREENSHOTS, signInPage, ensureDashboardBuilt } from '../support/browser.ts';
import { freePort } from '../runtimes/support/fixtures.ts';
import { startPoller } from '../support/poller.ts';
import { serverSubscribed } from '../support/subscribed.ts';

const ADMIN = { email: 'runtimes.admin@example.com', password: 'a long admin passphrase' };
const VIEWER = { email: 'runtimes.viewer@example.com', password: 'a long viewer passphrase' };
/** The longest a page wait may take. */
const WAIT = 20_000;

let ts: TestServer;
let dir: string;
let flag: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;

const row = (p: Page, name: string, state?: string) => p.locator(`[data-testid="runtime-row"][data-runtime="${name}"]${state ? `[data-state="${state}"]` : ''}`);
const hasNoHorizontalOverflow = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

beforeAll(async () => {
  await ensureDashboardBuilt();
  await fs.mkdir(SCREENSHOTS, { recursive: true });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-e2e-runtimes-'));
  const port = await freePort();
  const file = path.join(dir, 'lookout.yaml');
  // billing is "running" while this file exists; its restart command removes it, so its restart fails.
  flag = path.join(dir, 'billing.up');
  // start_period keeps a restart visible (RESTARTING) for three seconds: long enough to see on a loaded machine, short enough to wait for.
  await fs.writeFile(
    file,
    `runtimes:
  - name: reference
    kind: process
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(path.join(projectRoot, 'examples/reference-runtime.ts'))}, --port, "${port}"]
    restart: on-failure
    start_period: 3s
  - name: billing
    kind: command
    restart: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(`require('fs').rmSync(${JSON.stringify(flag)}, { force: true })`)}]
    status: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(`process.exit(require('fs').existsSync(${JSON.stringify(flag)}) ? 0 : 3)`)}]
    restart_timeout: 1s
`,
  );
  await fs.writeFile(flag, 'up');
  ts = await startTestServer({ runScheduler: false, config: { configFile: file } });
  await completeSetupAs(ts, ADMIN);
  await gqlOk(ts, 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: { ...VIEWER, role: 'VIEWER' } }, { token: ts.adminToken });
  // Something for the Overview's grid to show, so a page that came back can be told from a blank one.
  await gqlOk(ts, 'mutation($input: CreateServiceInput!) { createService(input: $input) { name } }', { input: { name: 'lookout-self', kind: 'http', target: `${ts.url}/health`, interval: '1m' } }, { token: ts.adminToken });

  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  await signInPage(page, ts.url, ADMIN.email, ADMIN.password);
});

afterAll(async () => {
  await browser?.close();
  await ts?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});


describe('runtimes on the System page', () => {
  it('shows the runtime matrix and Lookout’s metadata', async () => {
    await page.goto(`${ts.url}/system`);
    const reference = row(page, 'reference', 'RUNNING');
    await reference.waitFor();
    expect(await reference.textContent()).toContain('process');
    expect(await reference.getByTestId('runtime-state').textContent()).toBe('running');
    expect(Number(await reference.locator('td.mono').first().textContent())).toBeGreaterThan(0);
    expect(await reference.getByTestId('runtime-restarts').textContent()).toBe('0');
    await page.getByTestId('lookout-version').filter({ hasText: ts.server.app.version }).waitFor();
    expect(await page.getByTestId('lookout-replicas').textContent()).toBe('1');
    await page.getByTestId('host-card').waitFor();
  });

  it('restarts a supervised runtime from the page while the dashboard and /graphql keep answering', async () => {
    await page.goto(`${ts.url}/system`);
    await row(page, 'reference', 'RUNNING').waitFor();
    const pidBefore = await row(page, 'reference').locator('td.mono').first().textContent();
    const poller = startPoller(ts.url, { everyMs: 100 });
    try {
      // The matrix's states as the page shows them, in order.
      await page.evaluate(() => {
        const seen: string[] = [];
        (window as unknown as { runtimeStates: string[] }).runtimeStates = seen;
        const read = () => {
          const state = document.querySelector('[data-testid="runtime-row"][data-runtime="reference"]')?.getAttribute('data-state');
          if (state && seen[seen.length - 1] !== state) seen.push(state);
        };
        new MutationObserver(read).observe(document.body, { subtree: true, attributes: true, childList: true });
        read();
      });

      await row(page, 'reference').getByTestId('runtime-restart').click();
      const dialog = page.getByTestId('runtime-restart-dialog');
      await dialog.waitFor();
      // Focus moved into the dialog (on Cancel), and Escape cancels.
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('runtime-restart-cancel');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      expect(await row(page, 'reference').getAttribute('data-state')).toBe('RUNNING');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('runtime-restart');

      await row(page, 'reference').getByTestId('runtime-restart').click();
      await page.getByTestId('runtime-restart-confirm').click();
      const banner = page.getByTestId('runtime-restart-banner');
      await banner.waitFor();
      expect(await banner.textContent()).toMatch(/Runtime reference is restarting since \d\d:\d\d:\d\d/);
      expect(await banner.textContent()).toContain('System page');
      await page.screenshot({ path: path.join(SCREENSHOTS, 'system-runtimes.png'), fullPage: true });
      await page.getByTestId('runtime-restart-outcome').filter({ hasText: 'reference restarted in' }).waitFor();
      await banner.waitFor({ state: 'detached' });
      await row(page, 'reference', 'RUNNING').waitFor();
      const states = await page.evaluate(() => (window as unknown as { runtimeStates: string[] }).runtimeStates);
      expect(states).toEqual(['RUNNING', 'RESTARTING', 'RUNNING']);
      expect(await row(page, 'reference').getByTestId('runtime-restarts').textContent()).toBe('1');
      expect(await row(page, 'reference').locator('td.mono').first().textContent()).not.toBe(pidBefore);
    } finally {
      await poller.stop();
    }
    expect(poller.requests()).toBeGreaterThan(10);
    expect(poller.failures).toEqual([]);
  });

  it('shows the restart banner on every page, not only the System page', async () => {
    // The banner hears runtimeChanged on the page's socket: the restart must not come and go before
    // the server subscribed it ("Live" says the socket is open, not that this subscription started).
    const listening = serverSubscribed(ts, 'runtime.changed');
    try {
      await page.goto(`${ts.url}/alerts`);
      await page.getByTestId('content').waitFor();
      await listening.subscribed;
    } finally {
      listening.restore();
    }
    const restarted = gqlOk(ts, 'mutation { restartRuntime(name: "reference", confirm: true) { ok } }', {}, { token: ts.adminToken });
    const item = page.locator('[data-testid="runtime-restart-banner-item"][data-runtime="reference"]');
    await item.waitFor();
    expect(await restarted).toEqual({ restartRuntime: { ok: true } });
    await page.getByTestId('runtime-restart-banner').waitFor({ state: 'detached' });
  });

  it('reports a restart that failed with its reason, and keeps the banner until the runtime runs again', async () => {
    await page.goto(`${ts.url}/system`);
    await row(page, 'billing', 'RUNNING').waitFor();
    await row(page, 'billing').getByTestId('runtime-restart').click();
    await page.getByTestId('runtime-restart-confirm').click();
    const outcome = page.locator('[data-testid="runtime-restart-outcome"][data-ok="false"]');
    await outcome.waitFor();
    expect(await outcome.textContent()).toMatch(/^billing did not restart: the restart command succeeded, but the status says stopped/);
    await row(page, 'billing', 'STOPPED').waitFor();
    // Still down after the restart that was asked for: the banner stays, with what to do.
    const item = page.locator('[data-testid="runtime-restart-banner-item"][data-runtime="billing"][data-state="STOPPED"]');
    await item.waitFor();
    expect(await item.textContent()).toContain('Runtime billing is stopped after a restart');
    expect(await page.getByTestId('runtime-restart-banner').textContent()).toContain('restart it again, or check the host');
    // Someone brings it back by hand: the page reads the matrix again while it is down, and the banner goes by itself.
    await fs.writeFile(flag, 'up');
    await page.getByTestId('runtime-restart-banner').waitFor({ state: 'detached' });
    await row(page, 'billing', 'RUNNING').waitFor();
  });

  it('fits a 390 px phone without sideways scrolling', async () => {
    const phone = await context.newPage();
    try {
      phone.setDefaultTimeout(WAIT);
      await phone.setViewportSize({ width: 390, height: 844 });
      await phone.goto(`${ts.url}/system`);
      await row(phone, 'reference', 'RUNNING').waitFor();
      await phone.getByTestId('lookout-version').waitFor();
      expect(await hasNoHorizontalOverflow(phone)).toBe(true);
      const box = await phone.getByTestId('runtime-matrix').boundingBox();
      expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    } finally {
      await phone.close();
    }
  });

  it('offers a viewer no Restart, and the API refuses them', async () => {
    const viewerContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const viewerPage = await viewerContext.newPage();
      viewerPage.setDefaultTimeout(WAIT);
      await signInPage(viewerPage, ts.url, VIEWER.email, VIEWER.password);
      await viewerPage.goto(`${ts.url}/system`);
      await row(viewerPage, 'reference', 'RUNNING').waitFor();
      expect(await viewerPage.getByTestId('runtime-restart').count()).toBe(0);
      const session = await signInSession(ts, VIEWER.email, VIEWER.password);
      const refused = await gql(ts, 'mutation { restartRuntime(name: "reference", confirm: true) { ok } }', {}, session);
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    } finally {
      await viewerContext.close();
    }
  });
});

describe('the dashboard after Lookout itself stops and starts', () => {
  it('brings back a page that was open, without a reload', async () => {
    await page.goto(`${ts.url}/`);
    await page.getByTestId('service-card').first().waitFor();
    await page.evaluate(() => ((window as unknown as { lookoutTestMark: string }).lookoutTestMark = 'same page'));
    await ts.stop();
    await page.getByTestId('connection-banner').waitFor();
    await ts.start();
    await page.getByTestId('connection-banner').waitFor({ state: 'detached' });
    await page.locator('[data-testid="connection-status"][data-state="live"]').waitFor();
    await page.getByTestId('service-card').first().waitFor();
    expect(await page.evaluate(() => (window as unknown as { lookoutTestMark?: string }).lookoutTestMark)).toBe('same page');
  });

  it('brings back a page whose first queries found Lookout stopped', async () => {
    const opening = await context.newPage();
    try {
      opening.setDefaultTimeout(WAIT);
      // The page and its code arrive; Lookout stops before the page's first query reaches it.
      let stopped: Promise<void> | undefined;
      await opening.route(`${ts.url}/graphql`, async (route) => {
        // Once the shell has rendered (its "Loading Lookout…"): all of the dashboard's code is in.
        stopped ??= opening.waitForFunction(() => document.querySelector('[data-testid="loading"]')).then(() => ts.stop());
        await stopped;
        await route.continue().catch(() => {});
      });
      await opening.goto(`${ts.url}/`, { waitUntil: 'commit' });
      await opening.getByTestId('lookout-unreachable').filter({ hasText: 'Lookout is not answering — retrying…' }).waitFor();
      await opening.getByTestId('connection-banner').waitFor();
      await opening.unroute(`${ts.url}/graphql`);
      await ts.start();
      await opening.getByTestId('service-card').first().waitFor();
      await opening.locator('[data-testid="connection-status"][data-state="live"]').waitFor();
    } finally {
      await opening.close();
    }
  });

  it('retries a first session query that Lookout answered with an error (the page stayed on "Loading Lookout…" forever)', async () => {
    const opening = await context.newPage();
    try {
      opening.setDefaultTimeout(WAIT);
      // A Lookout still starting (its database not there yet) answers, but with an error; the socket stays up throughout.
      let refused = 0;
      await opening.route(`${ts.url}/graphql`, async (route) => {
        if (refused < 3 && route.request().postData()?.includes('query Session')) {
          refused++;
          return route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ errors: [{ message: 'the database is not answering yet', extensions: { code: 'INTERNAL' } }] }) });
        }
        await route.continue();
      });
      await opening.goto(`${ts.url}/`);
      await opening.getByTestId('lookout-unreachable').waitFor();
      await opening.getByTestId('service-card').first().waitFor();
      expect(refused).toBe(3);
    } finally {
      await opening.close();
    }
  });

  it('brings back a page whose code could not load because Lookout stopped (it stayed blank until a manual reload)', async () => {
    const opening = await context.newPage();
    try {
      opening.setDefaultTimeout(WAIT);
      // The HTML arrives; Lookout stops before the dashboard's code does.
      let stopped: Promise<void> | undefined;
      await opening.route(`${ts.url}/assets/**`, async (route) => {
        stopped ??= ts.stop();
        await stopped;
        await route.continue().catch(() => {});
      });
      await opening.goto(`${ts.url}/`, { waitUntil: 'commit' });
      await opening.getByTestId('lookout-unreachable').waitFor();
      await opening.unroute(`${ts.url}/assets/**`);
      await ts.start();
      await opening.getByTestId('service-card').first().waitFor();
    } finally {
      await opening.close();
    }
  });
});
