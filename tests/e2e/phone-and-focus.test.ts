/**
 * A phone at 375×667 and keyboard focus, in a real Chromium against a real Lookout:
 * - the run detail's "Services around the failure" strips have width and stay inside their card;
 *   Input/Result/Context stack in one column; a service's uptime figures stay inside their cards;
 *   a heartbeat's curl command wraps inside its card; a failure's time is not cut in the list;
 * - closing the Restart dialog and the run's Retry/Cancel confirmations with Escape (or their
 *   Cancel button) gives the focus back to the button that opened them;
 * - a field the server refused is linked to its message and takes the focus.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk } from '../support/graphql.ts';
import { launchBrowser, signInPage, ensureDashboardBuilt } from '../support/browser.ts';
import { CLAIM, COMPLETE, SUBMIT, makeReady, type ClaimResult, type SubmitResult } from '../operations/support.ts';

const ADMIN = { email: 'phone.focus.admin@example.com', password: 'a long admin passphrase' };
const WAIT = 15_000;
const HEARTBEAT = 'nightly-backup-of-the-european-billing-cluster';
const CONFIG = `
services:
  - { name: lookout, displayName: Lookout, kind: lookout, target: lookout, critical: true }
  - { name: postgres, displayName: PostgreSQL, kind: postgres, target: self, critical: true }
  - name: api
    kind: tcp
    target: "127.0.0.1:9"
    restart: { command: [${JSON.stringify(process.execPath)}, -e, "0"] }
operations:
  types:
    - type: billing.invoice
      label: Send invoice
      maxAttempts: 3
startup:
  optional: [required_files]
`;

let ts: TestServer;
let configDir: string;
let browser: Browser;
const runs = { failed: '', queued: '' };

/** Where an element lies, and its width. */
interface Box {
  left: number;
  right: number;
  top: number;
  width: number;
}
const box = (locator: Locator): Promise<Box> =>
  locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, width: r.width };
  });
/** The box of an element's text itself (a Range), which may run past the element. */
const textBox = (locator: Locator): Promise<Box> =>
  locator.evaluate((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const r = range.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, width: r.width };
  });
const inside = (inner: Box, outer: Box) => inner.left >= outer.left - 0.5 && inner.right <= outer.right + 0.5;
/** What has the focus: its test id, or BODY. */
const focused = (page: Page) => page.evaluate(() => (document.activeElement === document.body ? 'BODY' : (document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName)));

beforeAll(async () => {
  await ensureDashboardBuilt();
  configDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-e2e-phone-focus-'));
  const configFile = path.join(configDir, 'lookout.yaml');
  await fs.writeFile(configFile, CONFIG);
  ts = await startTestServer({ runScheduler: false, config: { configFile } });
  const setup = new URLSearchParams(new URL(ts.setupUrl!).hash.slice(1)).get('token');
  await gqlOk(ts, 'mutation($t: String!, $e: String!, $p: String!) { completeSetup(token: $t, email: $e, password: $p) { expiresAt } }', { t: setup, e: ADMIN.email, p: ADMIN.password });
  const admin = { token: ts.adminToken };
  await gqlOk(ts, 'mutation($input: CreateServiceInput!) { createService(input: $input) { name } }', { input: { name: HEARTBEAT, kind: 'heartbeat', target: 'push', options: { period: '1h', grace: '5m' } } }, admin);
  await makeReady(ts, 'w-phone', ['billing.invoice']);
  // api is checked once (refused: down), so its uptime cards show figures.
  await gqlOk(ts, 'mutation { recheckService(name: "api") { status } }', {}, admin);
  // A failed run (retry allowed: attempt 1 of 3), then a queued one (cancelable).
  runs.failed = (await gqlOk<SubmitResult>(ts, SUBMIT, { type: 'billing.invoice', workspace: 'acme-europe-west', input: { invoice: 'INV-2026-000123' } }, admin)).submitRun.run.id;
  const claim = await gqlOk<ClaimResult>(ts, CLAIM, { worker: 'w-phone', types: ['billing.invoice'], lease: 120 }, admin);
  expect(claim.claimRun?.run.id).toBe(runs.failed);
  await gqlOk(ts, COMPLETE, { id: runs.failed, token: claim.claimRun!.leaseToken, outcome: 'FAILED', error: 'card_declined: the issuing bank refused the charge' }, admin);
  runs.queued = (await gqlOk<SubmitResult>(ts, SUBMIT, { type: 'billing.invoice', workspace: 'acme-europe-west', input: { invoice: 'INV-2026-000124' } }, admin)).submitRun.run.id;
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await ts?.close();
  if (configDir) await fs.rm(configDir, { recursive: true, force: true });
});

describe('on a 375×667 phone', () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    await signInPage(page, ts.url, ADMIN.email, ADMIN.password);
  });
  afterAll(() => context?.close());

  it('keeps the strips around a failure inside their card, with width, and stacks Input/Result/Context', async () => {
    await page.goto(`${ts.url}/system/ops/runs/${runs.failed}`);
    await page.getByTestId('service-strip').first().waitFor();
    const card = await box(page.getByTestId('services-around-failure'));
    const bars = page.locator('[data-testid="service-strip"] .failure-strip__bar');
    expect(await bars.count()).toBeGreaterThan(0);
    for (const bar of await bars.all()) {
      const b = await box(bar);
      expect(b.width, 'a strip is drawn with no width').toBeGreaterThan(100);
      expect(inside(b, card), `a strip (${b.left}–${b.right}) lies outside its card (${card.left}–${card.right})`).toBe(true);
    }
    for (const name of await page.locator('[data-testid="service-strip"] .failure-strip__name').all()) expect(inside(await box(name), card)).toBe(true);

    const cards = page.locator('.grid--3 > .card');
    expect(await cards.count()).toBe(3);
    const grid = await box(page.locator('.grid--3'));
    const placed = await Promise.all((await cards.all()).map(box));
    for (const c of placed) expect(c.width, 'Input/Result/Context are not one a row').toBeGreaterThan(grid.width - 1);
    expect(new Set(placed.map((c) => Math.round(c.top))).size).toBe(3);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  });

  it('keeps a service’s uptime figures inside their cards', async () => {
    await page.goto(`${ts.url}/services/api`);
    await page.getByTestId('uptime-30d').waitFor();
    for (const id of ['uptime-24h', 'uptime-7d', 'uptime-30d']) {
      const value = page.getByTestId(id);
      const card = await box(value.locator('xpath=ancestor::section[contains(@class, "card")][1]'));
      const text = await textBox(value);
      expect(inside(text, card), `${id} (${text.left}–${text.right}) spills out of its card (${card.left}–${card.right})`).toBe(true);
    }
  });

  it('wraps a heartbeat’s curl command inside its card, at 375 px and on a narrower 360 px phone', async () => {
    await page.goto(`${ts.url}/services/${HEARTBEAT}`);
    const ping = page.getByTestId('ping-url');
    await ping.waitFor();
    try {
      for (const width of [375, 360]) {
        await page.setViewportSize({ width, height: 667 });
        await page.waitForFunction((w) => document.documentElement.clientWidth === w, width);
        const card = await box(ping.locator('xpath=ancestor::*[contains(@class, "card")][1]'));
        for (const part of [ping, ping.locator('input'), ping.locator('code').first()]) {
          const b = await box(part);
          expect(b.width).toBeGreaterThan(0);
          expect(inside(b, card), `at ${width} px the ping URL (${b.left}–${b.right}) runs past its card (${card.left}–${card.right})`).toBe(true);
          expect(b.right).toBeLessThanOrEqual(width);
        }
      }
    } finally {
      await page.setViewportSize({ width: 375, height: 667 });
    }
  });

  it('shows a failure’s time in full in the failures list', async () => {
    await page.goto(`${ts.url}/system/ops/failures`);
    const cell = page.locator(`[data-testid="run-row"][data-run-id="${runs.failed}"] [data-testid="run-failed-at"]`);
    await cell.waitFor();
    const cut = await cell.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    expect(cut.scroll, 'the failure time is cut').toBeLessThanOrEqual(cut.client);
    const row = await box(page.locator(`[data-testid="run-row"][data-run-id="${runs.failed}"]`));
    expect(inside(await textBox(cell), row)).toBe(true);
  });
});

describe('keyboard focus', () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    await signInPage(page, ts.url, ADMIN.email, ADMIN.password);
  });
  afterAll(() => context?.close());

  it('gives the focus back to Restart after Escape or Cancel closes its dialog', async () => {
    await page.goto(`${ts.url}/services/api`);
    const opener = page.getByTestId('service-restart');
    const dialog = page.getByTestId('service-restart-dialog');
    for (const close of ['Escape', 'Cancel'] as const) {
      await opener.focus();
      await page.keyboard.press('Enter');
      await dialog.waitFor();
      await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'service-restart-cancel');
      if (close === 'Escape') await page.keyboard.press('Escape');
      else await page.getByTestId('service-restart-cancel').press('Enter');
      await dialog.waitFor({ state: 'detached' });
      // The dialog gives the focus back as it goes: polled, not slept on.
      await expect.poll(() => focused(page), { message: `after ${close}`, timeout: WAIT }).toBe('service-restart');
    }
  });

  it('gives the focus back to Retry… and Cancel… after Escape or their own cancel button closes the confirmation', async () => {
    for (const [run, action, keep] of [
      [runs.failed, 'run-retry', 'run-retry-keep'],
      [runs.queued, 'run-cancel', 'run-cancel-keep'],
    ] as const) {
      await page.goto(`${ts.url}/system/ops/runs/${run}`);
      const opener = page.getByTestId(action);
      const confirmation = page.getByTestId(`${action}-confirmation`);
      for (const close of ['Escape', 'button'] as const) {
        await opener.focus();
        await page.keyboard.press('Enter');
        await confirmation.waitFor();
        await page.waitForFunction((id) => document.activeElement?.getAttribute('data-testid') === `${id}-confirm`, action);
        if (close === 'Escape') await page.keyboard.press('Escape');
        else await page.getByTestId(keep).press('Enter');
        await confirmation.waitFor({ state: 'detached' });
        await expect.poll(() => focused(page), { message: `${action} after ${close}`, timeout: WAIT }).toBe(action);
      }
    }
  });

  it('links a field the server refused to its message, and moves the focus there', async () => {
    await page.goto(`${ts.url}/admin/users`);
    await page.getByTestId('user-email').fill(ADMIN.email);
    await page.getByTestId('user-password').fill('another long passphrase');
    await page.getByTestId('user-create-submit').focus();
    await page.keyboard.press('Enter');
    const error = page.locator('[data-testid="user-create-form"] .field--invalid .field__error');
    await error.waitFor();
    const email = page.getByTestId('user-email');
    const id = await error.getAttribute('id');
    expect(id).toBeTruthy();
    expect((await email.getAttribute('aria-describedby'))?.split(' ')).toContain(id);
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => focused(page), { timeout: WAIT }).toBe('user-email');
  });
});
