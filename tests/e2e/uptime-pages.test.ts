/**
 * Dashboard pages that list services, a page at a time, in a real Chromium: `uptimeTimeline` and
 * `services` refuse every service at once above 10,000 and one request lists at most 10,000, so the
 * Uptime page asks 200 services at a time ("Show 200 more" appends the next over the same range)
 * and the admin's list 500 ("Show 500 more").
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.ts';
import { completeSetupAs } from '../support/graphql.ts';
import { launchBrowser, signInPage, ensureDashboardBuilt } from '../support/browser.ts';
import { insertServices } from '../support/services.ts';

const ADMIN = { email: 'uptime.pages@example.com', password: 'a long admin passphrase' };

describe('the Uptime page, 200 services at a time', () => {
  let ts: TestServer;
  let browser: Browser;
  let page: Page;
  let total: number;

  beforeAll(async () => {
    await ensureDashboardBuilt();
    ts = await startTestServer({ runScheduler: false });
    await completeSetupAs(ts, ADMIN);
    const sql = new pg.Pool({ connectionString: ts.databaseUrl, max: 1 });
    await insertServices(sql, Array.from({ length: 550 }, (_, i) => `fleet-${String(i).padStart(3, '0')}`), { status: 'healthy' });
    total = (await sql.query<{ n: number }>('select count(*)::int as n from services')).rows[0].n;
    await sql.end();
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(15_000);
    await signInPage(page, ts.url, ADMIN.email, ADMIN.password);
  });
  afterAll(async () => {
    await browser?.close();
    await ts?.close();
  });

  it('Uptime: shows the first 200, then the rest with "Show 200 more", each service once, and the button goes', async () => {
    await page.goto(`${ts.url}/uptime`);
    const rows = page.getByTestId('uptime-row');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(200);
    const more = page.getByTestId('uptime-more');
    expect(await more.textContent()).toBe('Show 200 more');
    await more.click();
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(400);
    await more.click();
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(total);
    const names = await rows.evaluateAll((elements) => elements.map((el) => el.getAttribute('data-service')));
    expect(new Set(names).size).toBe(total);
    expect(await more.count()).toBe(0);
    // Another range starts again from the first page.
    await page.getByTestId('uptime-range-7d').click();
    await expect.poll(() => page.getByTestId('uptime-table').getAttribute('data-range'), { timeout: 15_000 }).toBe('7d');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(200);
  });

  it('keeps the pages shown, and the one being loaded, across a reconnect (regression: a reconnect while "Show 200 more" loaded dropped its page, and a reconnect went back to the first 200)', async () => {
    await page.goto(`${ts.url}/uptime`);
    const rows = page.getByTestId('uptime-row');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(200);
    // Hold the second page's request until the server has restarted and the page has refetched.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held: (() => void) | null = null;
    const heldSeen = new Promise<void>((resolve) => (held = resolve));
    const secondPage = (body: string | null) => !!body && body.includes('UptimeTimeline') && /"offset":200\b/.test(body);
    await page.route('**/graphql', async (route) => {
      if (held && secondPage(route.request().postData())) {
        const seen = held;
        held = null;
        seen();
        await released;
      }
      await route.continue().catch(() => {});
    });
    try {
      await page.getByTestId('uptime-more').click();
      await heldSeen;
      await ts.restart();
      await page.getByTestId('connection-status').filter({ hasText: 'Live' }).waitFor();
      // The refetch after the reconnect asks for both pages: the click is not lost.
      await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(400);
      release();
      await expect.poll(() => page.getByTestId('uptime-more').textContent(), { timeout: 15_000 }).toBe('Show 200 more');
      const names = await rows.evaluateAll((elements) => elements.map((el) => el.getAttribute('data-service')));
      expect(names).toHaveLength(400);
      expect(new Set(names).size).toBe(400);
      // Another reconnect keeps the 400 shown: its refetch asks for the second page too.
      const refetched = page.waitForResponse((response) => secondPage(response.request().postData()), { timeout: 30_000 });
      await ts.restart();
      await refetched;
      await expect.poll(() => page.getByTestId('uptime-more').textContent(), { timeout: 15_000 }).toBe('Show 200 more');
      expect(await rows.count()).toBe(400);
    } finally {
      release();
      await page.unrouteAll({ behavior: 'ignoreErrors' });
    }
  }, 90_000);

  it('Admin services: shows 500 of all, then the rest with "Show 500 more"', async () => {
    await page.goto(`${ts.url}/admin/services`);
    const rows = page.getByTestId('admin-services-table').locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(500);
    expect(await page.getByTestId('admin-services-count').textContent()).toBe(`500 of ${total} shown`);
    await page.getByTestId('admin-services-more').click();
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(total);
    expect(await page.getByTestId('admin-services-count').textContent()).toBe(`${total} in total`);
    expect(await page.getByTestId('admin-services-more').count()).toBe(0);
  });
});
