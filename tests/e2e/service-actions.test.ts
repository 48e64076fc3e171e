/**
 * A service's quick actions on its page in a real Chromium against a real Lookout whose config file
 * gives one service a supervised runtime to restart and a real log file, and another a restart
 * command that fails: Restart asks first (Cancel runs nothing), then restarts and says so, audited
 * once; a failed restart shows its reason; the Logs viewer shows the last lines, follows new ones
 * while the reader is at the bottom, stays put (counting what came) once they scroll up, and goes
 * back to following on "Jump to newest"; operators and viewers are offered neither; a phone fits.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk, completeSetupAs } from '../support/graphql.ts';
import { launchBrowser, SCREENSHOTS, signInPage, ensureDashboardBuilt } from '../support/browser.ts';
import { until } from '../support/signals.ts';

const ADMIN = { email: 'actions.admin@example.com', password: 'a long admin passphrase' };
const OPERATOR = { email: 'actions.operator@example.com', password: 'a long operator passphrase' };
const WAIT = 20_000;

let ts: TestServer;
let dir: string;
let logFile: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;

const audits = async (name: string) =>
  (await ts.server.app.sql.query<{ outcome: string; error_message: string | null }>(`select outcome, error_message from audit_log where action = 'monitoring.service.restart' and target_id = $1 order by id`, [name])).rows;
const viewerState = (p: Page) => p.getByTestId('service-logs-state');
const scrollInfo = (p: Page) =>
  p.getByTestId('service-logs-lines').evaluate((el) => ({ top: el.scrollTop, bottomGap: el.scrollHeight - el.scrollTop - el.clientHeight }));

beforeAll(async () => {
  await ensureDashboardBuilt();
  await fs.mkdir(SCREENSHOTS, { recursive: true });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-e2e-actions-'));
  logFile = path.join(dir, 'api.log');
  await fs.writeFile(logFile, Array.from({ length: 300 }, (_, i) => `2026-12-05T18:00:${String(i % 60).padStart(2, '0')}Z api line ${i}`).join('\n') + '\n');
  const node = JSON.stringify(process.execPath);
  const file = path.join(dir, 'lookout.yaml');
  await fs.writeFile(
    file,
    `runtimes:
  - name: api-worker
    kind: process
    command: ${node}
    args: [-e, "setInterval(() => {}, 1000)"]
    restart: on-failure
services:
  - name: api
    kind: tcp
    target: "127.0.0.1:9"
    restart: { runtime: api-worker }
    logs: { file: ${JSON.stringify(logFile)} }
  - name: billing
    kind: tcp
    target: "127.0.0.1:9"
    restart: { command: [${node}, -e, "console.error('Unit billing.service not loaded.'); process.exit(5)"] }
`,
  );
  ts = await startTestServer({ runScheduler: false, config: { configFile: file } });
  await completeSetupAs(ts, ADMIN);
  await gqlOk(ts, 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: { ...OPERATOR, role: 'OPERATOR' } }, { token: ts.adminToken });
  await until(() => ts.server.app.runtimes.status('api-worker').state === 'running', 'the runtime runs', WAIT);

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

describe('Restart on a service’s page', () => {
  it('asks first: Cancel (and Escape) restart nothing, and focus starts on Cancel', async () => {
    await page.goto(`${ts.url}/services/api`);
    await page.getByTestId('service-restart').click();
    const dialog = page.getByTestId('service-restart-dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('restarts the runtime (api-worker)');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('service-restart-cancel');
    await page.getByTestId('service-restart-cancel').click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('service-restart').click();
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await audits('api')).toEqual([]);
    expect(ts.server.app.runtimes.status('api-worker').restarts).toBe(0);
  });

  it('restarts the runtime once confirmed, says so, and audits it once', async () => {
    const pid = ts.server.app.runtimes.status('api-worker').pid;
    await page.goto(`${ts.url}/services/api`);
    await page.getByTestId('service-restart').click();
    await page.getByTestId('service-restart-confirm').click();
    await page.getByTestId('service-restart-done').filter({ hasText: /^Restarted in \d+\.\d s$/ }).waitFor();
    expect(ts.server.app.runtimes.status('api-worker')).toMatchObject({ state: 'running', restarts: 1 });
    expect(ts.server.app.runtimes.status('api-worker').pid).not.toBe(pid);
    expect(await audits('api')).toEqual([{ outcome: 'success', error_message: null }]);
  });

  it('shows why a restart failed', async () => {
    await page.goto(`${ts.url}/services/billing`);
    await page.getByTestId('service-restart').click();
    await page.getByTestId('service-restart-confirm').click();
    const error = page.getByTestId('service-action-error');
    await error.waitFor();
    expect(await error.textContent()).toBe('The restart failed: exited with code 5: Unit billing.service not loaded.');
    expect(await page.getByTestId('service-restart').isEnabled()).toBe(true);
    expect(await audits('billing')).toMatchObject([{ outcome: 'failure' }]);
    // billing names no log source: no Logs button.
    expect(await page.getByTestId('service-logs-toggle').count()).toBe(0);
  });
});

describe('the Logs viewer', () => {
  it('shows the last lines, follows new ones at the bottom, stays put while the reader scrolls up, and jumps back', async () => {
    await page.goto(`${ts.url}/services/api`);
    await page.getByTestId('service-logs-toggle').click();
    const lines = page.getByTestId('service-logs-lines');
    await lines.locator('span', { hasText: 'api line 299' }).waitFor();
    expect(await lines.locator('span').count()).toBe(200); // the last 200 of 300
    expect(await lines.locator('span').first().textContent()).toContain('api line 100');
    await viewerState(page).filter({ hasText: 'Following new lines' }).waitFor();
    // Following: a new line arrives and the view is at the bottom.
    await fs.appendFile(logFile, 'api line 300 (new)\n');
    await lines.locator('span', { hasText: 'api line 300 (new)' }).waitFor();
    await until(async () => (await scrollInfo(page)).bottomGap <= 8, 'the view follows to the newest line');

    // The reader scrolls up: the view stays where they are, and the new lines are counted.
    await lines.evaluate((el) => el.scrollTo({ top: 100 }));
    await viewerState(page).filter({ hasText: 'Paused while you read' }).waitFor();
    await fs.appendFile(logFile, Array.from({ length: 30 }, (_, i) => `api line ${301 + i} (while reading)`).join('\n') + '\n');
    await lines.locator('span', { hasText: 'api line 330 (while reading)' }).waitFor();
    await viewerState(page).filter({ hasText: '30 new' }).waitFor();
    expect((await scrollInfo(page)).top).toBe(100);

    // Back to the newest: following again.
    await page.getByTestId('service-logs-follow').click();
    await viewerState(page).filter({ hasText: 'Following new lines' }).waitFor();
    await until(async () => (await scrollInfo(page)).bottomGap <= 8, 'the view is at the newest line');
    await fs.appendFile(logFile, 'api line 331 (after jumping)\n');
    await lines.locator('span', { hasText: 'api line 331 (after jumping)' }).waitFor();
    await until(async () => (await scrollInfo(page)).bottomGap <= 8, 'the view follows again');

    // Truncated (copytruncate): the viewer says the log started over and goes on.
    await fs.truncate(logFile, 0);
    await fs.appendFile(logFile, 'api line after truncation\n');
    await lines.locator('span', { hasText: 'api line after truncation' }).waitFor();
    expect(await lines.locator('.log-viewer__marker').count()).toBe(1);
    // Each line once.
    const texts = await lines.locator('span').allTextContents();
    expect(new Set(texts).size).toBe(texts.length);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'service-logs.png'), fullPage: false });
    await page.getByTestId('service-logs-close').click();
    await page.getByTestId('service-logs').waitFor({ state: 'detached' });
  });
});

describe('who is offered the quick actions', () => {
  it('offers an operator neither Restart nor Logs (admins only), though Recheck stays', async () => {
    const operatorContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const operatorPage = await operatorContext.newPage();
      operatorPage.setDefaultTimeout(WAIT);
      await signInPage(operatorPage, ts.url, OPERATOR.email, OPERATOR.password);
      await operatorPage.goto(`${ts.url}/services/api`);
      await operatorPage.getByTestId('service-recheck').waitFor();
      expect(await operatorPage.getByTestId('service-restart').count()).toBe(0);
      expect(await operatorPage.getByTestId('service-logs-toggle').count()).toBe(0);
    } finally {
      await operatorContext.close();
    }
  });

  it('fits the actions and the viewer on a 390 px phone', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      const phonePage = await phone.newPage();
      phonePage.setDefaultTimeout(WAIT);
      await signInPage(phonePage, ts.url, ADMIN.email, ADMIN.password);
      await phonePage.goto(`${ts.url}/services/api`);
      await phonePage.getByTestId('service-logs-toggle').click();
      await phonePage.getByTestId('service-logs-lines').locator('span').first().waitFor();
      for (const id of ['service-restart', 'service-logs-toggle', 'service-recheck']) {
        const box = (await phonePage.getByTestId(id).boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(390);
      }
      expect(await phonePage.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    } finally {
      await phone.close();
    }
  });
});
