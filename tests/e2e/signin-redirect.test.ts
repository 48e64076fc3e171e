/**
 * Issue 14 items 10 and 12 in a real Chromium, at 1440×900 and 390×844: a deep link opened while
 * signed out leads back to itself after sign-in (only paths on this site: `?next=//elsewhere` goes
 * to the Overview); every page has its own document title; the skip link is the first Tab stop
 * and moves focus to the page's content.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk, completeSetupAs } from '../support/graphql.ts';
import { launchBrowser, ensureDashboardBuilt } from '../support/browser.ts';

const ADMIN = { email: 'redirect.admin@example.com', password: 'a long admin passphrase' };
const WAIT = 15_000;
const VIEWPORTS = [
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
] as const;

let ts: TestServer;
let browser: Browser;

beforeAll(async () => {
  await ensureDashboardBuilt();
  ts = await startTestServer({ runScheduler: false });
  await completeSetupAs(ts, ADMIN);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await ts?.close();
});

describe.each(VIEWPORTS)('sign-in, titles and skip link at $width×$height', (viewport) => {
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

  async function submitSignIn(): Promise<void> {
    await page.getByTestId('signin-email').fill(ADMIN.email);
    await page.getByTestId('signin-password').fill(ADMIN.password);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('current-user-name').waitFor();
  }

  it('refuses a return address off the site and goes to the Overview', async () => {
    await page.goto(`${ts.url}/signin?next=${encodeURIComponent('//evil.example/x')}`);
    await submitSignIn();
    expect(new URL(page.url()).pathname).toBe('/');
    expect(new URL(page.url()).host).toBe(new URL(ts.url).host);
    await page.getByTestId('sign-out').click();
    await page.getByTestId('signin-form').waitFor();
  });

  it('leads a deep link to a run back to that run after sign-in', async () => {
    const deepLink = '/system/ops/runs/01234567-89ab-cdef-0123-456789abcdef?tab=audit';
    await page.goto(`${ts.url}${deepLink}`);
    await page.getByTestId('signin-form').waitFor();
    expect(new URL(page.url()).searchParams.get('next')).toBe(deepLink);
    expect(await page.title()).toBe('Sign in · Lookout');
    await submitSignIn();
    await expect
      .poll(() => {
        const url = new URL(page.url());
        return `${url.pathname}${url.search}`;
      })
      .toBe(deepLink);
  });

  it('gives every page its own title', async () => {
    const titles: [string, string][] = [
      ['/', 'Overview · Lookout'],
      ['/uptime', 'Uptime · Lookout'],
      ['/services/lookout', 'Service lookout · Lookout'],
      ['/system/ops/failures', 'Failures · Operations · Lookout'],
      ['/alerts/maintenance', 'Maintenance · Alerts · Lookout'],
      ['/admin/users', 'Users · Admin · Lookout'],
    ];
    for (const [at, title] of titles) {
      await page.goto(`${ts.url}${at}`);
      await expect.poll(() => page.title()).toBe(title);
    }
  });

  it('offers the skip link as the first Tab stop, and it moves focus to the content', async () => {
    await page.goto(`${ts.url}/uptime`);
    await page.getByTestId('current-user-name').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('skip-link');
    expect(await page.getByTestId('skip-link').isVisible()).toBe(true);
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
  });
});
