/**
 * A public status page in a real Chromium, signed out: a config file declares six services in two
 * groups (one down), with 90 days of history; the page must read at 1440×900 and at 390×844 with
 * no horizontal scrolling, follow the system's dark mode, and its badges must render. Saves
 * docs/screenshots/status-page.png and status-page-phone.png with UPDATE_SCREENSHOTS=1.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.ts';
import { launchBrowser, SCREENSHOTS } from '../support/browser.ts';

const WAIT = 15_000;
let ts: TestServer;
let upstream: http.Server;
let dir: string;
let browser: Browser;

const SERVICES = [
  ['web', 'Website', 'Customer-facing'],
  ['api', 'Public API', 'Customer-facing'],
  ['checkout', 'Checkout', 'Customer-facing'],
  ['search', 'Search', 'Customer-facing'],
  ['mail', 'Email delivery', 'Back office'],
  ['reports', 'Reports', 'Back office'],
] as const;

beforeAll(async () => {
  upstream = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const port = (upstream.address() as AddressInfo).port;
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-status-e2e-'));
  const file = path.join(dir, 'lookout.yaml');
  const services = SERVICES.map(([name, display]) =>
    name === 'mail'
      ? `  - { name: ${name}, displayName: ${display}, kind: tcp, target: "127.0.0.1:9", failureThreshold: 1 }`
      : `  - { name: ${name}, displayName: ${display}, kind: http, target: "http://127.0.0.1:${port}/health" }`,
  );
  const groups = [...new Set(SERVICES.map(([, , g]) => g))].map((g) => `      - name: ${g}\n        services: [${SERVICES.filter(([, , x]) => x === g).map(([n]) => n).join(', ')}]`);
  await fs.writeFile(file, `services:\n${services.join('\n')}\nstatus_pages:\n  - slug: acme\n    title: Acme Cloud\n    description: Live status of Acme's public services. Times are UTC.\n    groups:\n${groups.join('\n')}\n`);
  ts = await startTestServer({ runScheduler: false, config: { configFile: file } });
  // 89 days of history before today: an outage or a slow half hour now and then.
  await ts.server.app.sql.query(`insert into uptime_records (service_id, status, started_at, ended_at, duration_ms)
    select s.id, w.status, w.started_at, w.ended_at, null from services s cross join lateral (
      select 'healthy' as status, date_trunc('day', now()) - d * interval '1 day' as started_at, date_trunc('day', now()) - d * interval '1 day' + interval '12 hours' as ended_at from generate_series(1, 89) d
      union all select case when (d * 7 + s.id) % 29 = 0 then 'down' when (d * 3 + s.id) % 17 = 0 then 'degraded' else 'healthy' end,
                       date_trunc('day', now()) - d * interval '1 day' + interval '12 hours', date_trunc('day', now()) - d * interval '1 day' + interval '13 hours 30 minutes' from generate_series(1, 89) d
      union all select 'healthy', date_trunc('day', now()) - d * interval '1 day' + interval '13 hours 30 minutes', date_trunc('day', now()) - (d - 1) * interval '1 day' from generate_series(1, 89) d
    ) w where s.name = any($1::text[])`, [SERVICES.map(([n]) => n)]);
  for (const [name] of SERVICES) await ts.server.app.monitoring.recheck(name);
  await ts.server.app.sql.query(
    `insert into alert_incidents (service_id, service_name, display_name, state, severity, status, reason, started_at, opened_at)
     select id, name, display_name, 'open', 'critical', 'down', 'connect ECONNREFUSED', now() - interval '4 minutes', now() - interval '4 minutes' from services where name = 'mail'`,
  );
  await ts.server.app.sql.query(
    `insert into maintenance_windows (name, services, tags, everything, starts_at, ends_at, rrule, duration_ms, reason, end_when_healthy, source, created_by, created_at)
     values ('search-reindex', '{search}', '{}', false, date_trunc('hour', now()) + interval '1 day 2 hours', date_trunc('hour', now()) + interval '1 day 3 hours', null, null, 'internal note', false, 'api', 'test', now())`,
  );
  ts.server.app.statusPages.invalidate();
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await ts?.close();
  await new Promise((resolve) => upstream?.close(resolve));
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

async function open(viewport: { width: number; height: number }, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const context = await browser.newContext({ viewport, colorScheme });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  const response = await page.goto(`${ts.url}/status/acme`);
  expect(response?.status()).toBe(200);
  return page;
}

const hasNoHorizontalOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

describe('public status page in a browser', () => {
  for (const [label, viewport, shot] of [
    ['desktop', { width: 1440, height: 900 }, 'status-page.png'],
    ['phone', { width: 390, height: 844 }, 'status-page-phone.png'],
  ] as const) {
    it(`reads at ${viewport.width}×${viewport.height} (${label}) signed out, without horizontal scrolling`, async () => {
      const page = await open(viewport);
      await expect(page.title()).resolves.toBe('Acme Cloud status');
      expect(await page.locator('h1').textContent()).toBe('Acme Cloud');
      expect(await page.getByRole('status').textContent()).toBe('Partial outage');
      expect(await page.locator('.service-name').allTextContents()).toEqual(SERVICES.map(([, d]) => d));
      expect(await page.locator('h2').allTextContents()).toEqual(['Current incidents', 'Maintenance', 'Customer-facing', 'Back office']);
      expect(await page.locator('.bars').first().locator('i').count()).toBe(90);
      expect(await page.locator('.bars i.b').count()).toBeGreaterThan(0);
      const body = await page.content();
      for (const internal of ['ECONNREFUSED', 'internal note', '127.0.0.1']) expect(body).not.toContain(internal);
      expect(await hasNoHorizontalOverflow(page)).toBe(true);
      await page.screenshot({ path: path.join(SCREENSHOTS, shot), fullPage: label === 'phone' ? false : true });
      await page.context().close();
    });
  }

  it('follows the system\'s dark mode', async () => {
    const light = await open({ width: 1440, height: 900 });
    const dark = await open({ width: 1440, height: 900 }, 'dark');
    const background = (page: Page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(await background(light)).not.toBe(await background(dark));
    await light.context().close();
    await dark.context().close();
  });

  it('renders the badges as images', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${ts.url}/status/acme`);
    const sizes = await page.evaluate(async (base) => {
      const load = (src: string) => new Promise<number>((resolve) => {
        const img = new Image();
        img.onload = () => resolve(img.naturalWidth);
        img.onerror = () => resolve(-1);
        img.src = src;
      });
      return Promise.all([`${base}/badge/mail/status.svg`, `${base}/badge/web/uptime/30d.svg`, `${base}/badge/nope/status.svg`].map(load));
    }, ts.url);
    expect(sizes[0]).toBeGreaterThan(40);
    expect(sizes[1]).toBeGreaterThan(40);
    expect(sizes[2]).toBe(-1);
    await context.close();
  });
});
