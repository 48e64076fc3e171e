/**
 * Dark mode follows the system's preference: with `prefers-color-scheme: dark` (Chromium's emulation)
 * the dashboard's surfaces turn dark, and axe-core finds no serious or critical violation (colour
 * contrast above all) on the main pages; with the light preference it stays light.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk, completeSetupAs } from '../support/graphql.ts';
import { launchBrowser, SCREENSHOTS, signInPage, ensureDashboardBuilt } from '../support/browser.ts';

const ADMIN = { email: 'dark.admin@example.com', password: 'a long admin passphrase' };
const ROUTES = ['/', '/services/lookout', '/uptime', '/system/ops/runs', '/alerts', '/system', '/system/updates', '/admin/tokens'];

let ts: TestServer;
let browser: Browser;

beforeAll(async () => {
  await ensureDashboardBuilt();
  ts = await startTestServer();
  await completeSetupAs(ts, ADMIN);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await ts?.close();
});

const background = (page: Page) => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
const luminance = (rgb: string) => {
  const [r, g, b] = (rgb.match(/\d+/g) ?? ['255', '255', '255']).map(Number);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};

describe('dark mode', () => {
  it('follows the system preference, with no serious or critical axe violation on the main pages', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    try {
      await signInPage(page, ts.url, ADMIN.email, ADMIN.password);
      for (const route of ROUTES) {
        await page.goto(`${ts.url}${route}`);
        await page.locator('[data-testid="content"] h1').first().waitFor();
        expect(luminance(await background(page)), route).toBeLessThan(60);
        const results = await new AxeBuilder({ page }).analyze();
        const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${route}: ${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
        expect(serious).toEqual([]);
      }
      await page.goto(`${ts.url}/`);
      await page.locator('[data-testid="content"] h1').first().waitFor();
      await page.screenshot({ path: path.join(SCREENSHOTS, 'overview-dark.png') });
    } finally {
      await context.close();
    }
  }, 180_000);

  it('stays light with the light preference', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
    const page = await context.newPage();
    try {
      await page.goto(`${ts.url}/signin`);
      await page.getByTestId('signin-form').waitFor();
      expect(luminance(await background(page))).toBeGreaterThan(200);
    } finally {
      await context.close();
    }
  });
});
