/**
 * Issue 14 (accessibility pass): axe-core (@axe-core/playwright) on every page of the dashboard
 * (the routes of client/src/App.tsx) in a real Chromium at 1440×900 and 390×844, signed in as an
 * admin so every page shows; 0 serious or critical violations. A failure lists each violation with
 * its rule, impact and the elements it found.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk, completeSetupAs } from '../support/graphql.ts';
import { launchBrowser, signInPage, ensureDashboardBuilt } from '../support/browser.ts';

const ADMIN = { email: 'axe.admin@example.com', password: 'a long admin passphrase' };
const WAIT = 15_000;
const VIEWPORTS = [
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
] as const;

/** Every route of App.tsx, with real ids where a route takes one (unknown ids show their not-found state). */
const ROUTES = [
  '/',
  '/services/lookout',
  '/uptime',
  '/system/ops/runs',
  '/system/ops/failures',
  '/system/ops/stuck',
  '/system/ops/runs/01234567-89ab-cdef-0123-456789abcdef',
  '/alerts',
  '/alerts/maintenance',
  '/alerts/00000000-0000-0000-0000-000000000000',
  '/system',
  '/system/startup',
  '/system/updates',
  '/admin/tokens',
  '/admin/users',
  '/admin/services',
  '/admin/channels',
  '/admin/audit',
  '/no-such-page',
];

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

/** axe's serious and critical violations on the page as it is now, one line each. */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}${v.nodes.length > 3 ? ` and ${v.nodes.length - 3} more` : ''}`);
}

describe.each(VIEWPORTS)('accessibility at $width×$height', (viewport) => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await browser.newContext({ viewport });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT);
  });
  afterAll(async () => {
    await context?.close();
  });

  it('has no serious or critical violations on the sign-in page', async () => {
    await page.goto(`${ts.url}/signin`);
    await page.getByTestId('signin-form').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await signInPage(page, ts.url, ADMIN.email, ADMIN.password);
  });

  it.each(ROUTES)('has no serious or critical violations on %s', async (route) => {
    await page.goto(`${ts.url}${route}`);
    await page.getByTestId('content').waitFor();
    // The page's own content has rendered (lazy pages load after the shell).
    await page.locator('[data-testid="content"] h1').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });
});
