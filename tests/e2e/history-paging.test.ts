/**
 * Histories paged with "Load more" (50 at a time), in a real Chromium: the Alerts page's past the
 * 500 one `alerts` request lists, and Admin → Audit log's. A refresh (a reconnect, an alert
 * changing) fetches a history as far as it was paged, 500 a request at most, and keeps every row
 * shown and the button.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.ts';
import { completeSetupAs } from '../support/graphql.ts';
import { launchBrowser, signInPage, ensureDashboardBuilt } from '../support/browser.ts';
import { insertServices } from '../support/services.ts';

const ADMIN = { email: 'alert.history@example.com', password: 'a long admin passphrase' };
/** Resolved incidents stored: more than one request lists, and more than the page shows at first. */
const INCIDENTS = 580;
/** Audit entries stored besides those the setup writes. */
const AUDIT_ENTRIES = 130;

describe('histories paged with "Load more"', () => {
  let ts: TestServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await ensureDashboardBuilt();
    ts = await startTestServer({ runScheduler: false });
    await completeSetupAs(ts, ADMIN);
    const sql = new pg.Pool({ connectionString: ts.databaseUrl, max: 1 });
    const ids = await insertServices(sql, ['flaky'], { status: 'healthy' });
    await sql.query(
      `insert into alert_incidents (service_id, service_name, display_name, state, severity, status, reason, started_at, opened_at, resolved_at, resolution)
       select $1, 'flaky', 'Flaky', 'resolved', 'critical', 'down', 'incident ' || n, now() - n * interval '1 minute', now() - n * interval '1 minute',
              now() - n * interval '1 minute' + interval '30 seconds', 'recovered'
         from generate_series(1, $2::int) as n`,
      [ids.get('flaky'), INCIDENTS],
    );
    await sql.query(
      `insert into audit_log (at, actor_type, actor_label, action, target_type, target_id, outcome)
       select now() - n * interval '1 minute', 'system', 'seed', 'seed.entry', 'seed', 'entry-' || n, 'success' from generate_series(1, $1::int) as n`,
      [AUDIT_ENTRIES],
    );
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

  const rows = () => page.locator('[data-testid="alert-history"] [data-testid="alert-row"]');
  const reasons = () => rows().evaluateAll((elements) => elements.map((el) => el.querySelector('[data-testid="alert-reason"]')?.textContent ?? ''));

  it('keeps 550 rows shown, and "Load more", across a reconnect (regression: a refresh cut the history to 500 and the button went)', async () => {
    await page.goto(`${ts.url}/alerts`);
    await expect.poll(() => rows().count(), { timeout: 15_000 }).toBe(50);
    const more = page.getByTestId('alert-history-more');
    for (let shown = 100; shown <= 550; shown += 50) {
      await more.click();
      await expect.poll(() => rows().count(), { timeout: 15_000 }).toBe(shown);
    }
    // A reconnect refreshes the history: as far as it was paged, the first 500 and then 50 more.
    const pastFiveHundred = page.waitForResponse((response) => /"offset":500\b/.test(response.request().postData() ?? ''), { timeout: 30_000 });
    await ts.restart();
    await pastFiveHundred;
    await page.getByTestId('connection-status').filter({ hasText: 'Live' }).waitFor();
    await expect.poll(() => more.textContent(), { timeout: 15_000 }).toBe('Load more');
    expect(await rows().count()).toBe(550);
    const shown = await reasons();
    expect(new Set(shown).size).toBe(550);
    expect(shown[0]).toContain('incident 1');
    expect(shown.at(-1)).toContain('incident 550');

    await more.click();
    await expect.poll(() => rows().count(), { timeout: 15_000 }).toBe(INCIDENTS);
    await expect.poll(() => more.count()).toBe(0);
    expect(new Set(await reasons()).size).toBe(INCIDENTS);
  }, 120_000);

  it('keeps the audit log paged as far as it was across a reconnect (regression: a reconnect went back to the first 50)', async () => {
    await page.goto(`${ts.url}/admin/audit`);
    const entries = page.getByTestId('audit-row');
    await expect.poll(() => entries.count(), { timeout: 15_000 }).toBe(50);
    await page.getByTestId('audit-load-more').click();
    await expect.poll(() => entries.count(), { timeout: 15_000 }).toBe(100);
    const before = await entries.evaluateAll((elements) => elements.map((el) => el.textContent));
    const secondRequest = page.waitForResponse((response) => /AuditLog/.test(response.request().postData() ?? '') && /"first":100\b/.test(response.request().postData() ?? ''), { timeout: 30_000 });
    await ts.restart();
    await secondRequest;
    await page.getByTestId('connection-status').filter({ hasText: 'Live' }).waitFor();
    await expect.poll(() => page.getByTestId('audit-load-more').textContent(), { timeout: 15_000 }).toBe('Load more');
    expect(await entries.count()).toBe(100);
    expect(await entries.evaluateAll((elements) => elements.map((el) => el.textContent))).toEqual(before);
  }, 60_000);
});
