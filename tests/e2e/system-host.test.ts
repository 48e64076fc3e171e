/**
 * The System page's Host card in a real Chromium against a real Lookout: the figures are this
 * machine's and the ledger's, they move with `systemHealthUpdated`, the 24 h charts draw the
 * stored minutes, and the page fits a 390 px phone.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk, completeSetupAs } from '../support/graphql.ts';
import { launchBrowser, SCREENSHOTS, signInPage, ensureDashboardBuilt } from '../support/browser.ts';

const ADMIN = { email: 'host.admin@example.com', password: 'a long admin passphrase' };
const WAIT = 15_000;

let ts: TestServer;
let browser: Browser;

async function signedIn(viewport = { width: 1280, height: 900 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  await signInPage(page, ts.url, ADMIN.email, ADMIN.password);
  return page;
}

const hasNoHorizontalOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

beforeAll(async () => {
  await ensureDashboardBuilt();
  await fs.mkdir(SCREENSHOTS, { recursive: true });
  ts = await startTestServer();
  await completeSetupAs(ts, ADMIN);

  const sql = ts.server.app.sql;
  // The ledger: two runs queued and one running.
  await sql.query(`insert into workspaces (slug, name, created_at) values ('media', 'Media', now())`);
  await sql.query(
    `insert into operation_runs (workspace_id, type, status, outcome, context, input, attempt, input_hash, created_at, started_at, lease_worker)
     select w.id, r.type, r.status, 'pending', '{}', '{}', 1, 'x', now(), r.started_at, r.worker
       from (values ('render.video', 'queued', null::timestamptz, null), ('render.video', 'queued', null, null),
                    ('render.thumbnail', 'running', now() - interval '2 minutes', 'gpu-worker-1')) as r(type, status, started_at, worker)
       cross join workspaces w where w.slug = 'media'`,
  );
  // This minute is stored by the server itself; the three hours before are fixture rows of this
  // replica (the server writes one a minute, too slow to wait for), with this host's memory and disk.
  const { replica } = ts.server.app.hostMetrics;
  const now = await ts.server.app.hostMetrics.recordMinute();
  await sql.query(
    `insert into host_samples (replica, at, cpu_percent, cpu_cores, memory_percent, memory_used_bytes, memory_total_bytes, disk_percent, disk_used_bytes, disk_total_bytes, queue_depth, running_runs, uptime_seconds)
     select $1, m, 20 + 15 * sin(extract(epoch from m) / 900) + (extract(minute from m)::int % 7), $2, $3 + 2 * cos(extract(epoch from m) / 1800), $4, $5, $6, $7, $8,
            (extract(epoch from m)::bigint / 1200) % 4, (extract(epoch from m)::bigint / 1800) % 2, 60
       from generate_series($9::timestamptz - interval '3 hours', $9::timestamptz - interval '1 minute', interval '1 minute') as m
     on conflict do nothing`,
    [replica, os.availableParallelism(), now.memoryPercent, now.memoryUsedBytes, os.totalmem(), now.diskPercent, now.diskUsedBytes, 1e12, now.at],
  );
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await ts?.close();
});

describe('System page: Host card', () => {
  it('shows real figures of this machine and the ledger, and updates them live', async () => {
    const page = await signedIn();
    await page.goto(`${ts.url}/system`);
    const card = page.getByTestId('host-card');
    await card.waitFor();
    await page.getByTestId('host-cpu').waitFor();

    const percentOf = async (id: string) => Number(await page.getByTestId(id).getAttribute('data-value'));
    for (const id of ['host-cpu', 'host-memory', 'host-disk']) {
      const value = await percentOf(id);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(100);
      await expect(page.getByTestId(id).textContent()).resolves.toMatch(/\d+\.\d %/);
    }
    expect(await percentOf('host-memory')).toBeGreaterThan(0);
    expect(await percentOf('host-disk')).toBeGreaterThan(0);
    await expect(page.getByTestId('host-cpu').textContent()).resolves.toContain(`${os.availableParallelism()} cores`);
    const totalGiB = os.totalmem() / 1024 ** 3;
    await expect(page.getByTestId('host-memory').textContent()).resolves.toContain(`of ${totalGiB >= 100 ? Math.round(totalGiB) : totalGiB.toFixed(1)} GiB`);
    expect(await page.getByTestId('host-queue-depth').getAttribute('data-value')).toBe('2');
    expect(await page.getByTestId('host-active-runs').getAttribute('data-value')).toBe('1');
    await expect(page.getByTestId('host-active-list').textContent()).resolves.toMatch(/render\.thumbnail in media on gpu-worker-1/);
    await expect(page.getByTestId('host-uptime').textContent()).resolves.toMatch(/\d+ (s|min|h|d)/);

    // Live: a new sample arrives (every 5 s) and replaces the one shown.
    const firstSampledAt = await page.getByTestId('host-sampled-at').textContent();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="host-card"]')?.getAttribute('data-samples')) >= 2, undefined, { timeout: WAIT });
    await page.waitForFunction((before) => document.querySelector('[data-testid="host-sampled-at"]')?.textContent !== before, firstSampledAt, { timeout: WAIT });

    // A run leaves the queue: the next sample says so.
    await ts.server.app.sql.query(`update operation_runs set status = 'running', started_at = now(), lease_worker = 'gpu-worker-2' where id = (select min(id) from operation_runs where status = 'queued')`);
    await page.waitForFunction(() => document.querySelector('[data-testid="host-queue-depth"]')?.getAttribute('data-value') === '1', undefined, { timeout: WAIT });
    expect(await page.getByTestId('host-active-runs').getAttribute('data-value')).toBe('2');

    // The 24 h charts draw the stored minutes.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="host-charts"]')?.getAttribute('data-points')) > 100, undefined, { timeout: WAIT });
    await page.getByTestId('host-chart-use').locator('canvas').waitFor();
    await page.getByTestId('host-chart-queue').locator('canvas').waitFor();
    await page.getByTestId('system-checklist').waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'system.png'), fullPage: true });
    await page.context().close();
  });

  it('fits a 390 px phone without sideways scrolling', async () => {
    const phone = await signedIn({ width: 390, height: 844 });
    await phone.goto(`${ts.url}/system`);
    await phone.getByTestId('host-cpu').waitFor();
    await phone.getByTestId('host-chart-use').locator('canvas').waitFor();
    expect(await hasNoHorizontalOverflow(phone)).toBe(true);
    const box = await phone.getByTestId('host-card').boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    await phone.context().close();
  });
});
