/**
 * The Overview with more services than one page, in a real Chromium against a real Lookout whose
 * scheduler checks a real HTTP target: the first page (200 cards, worst first) with the counts of
 * every service; the next page when the grid is scrolled to its end, and the rest on a press; a
 * text filter that finds a service far past the first page (the server filters); and a service
 * that was never shown going down comes to the top, counted, without a reload.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk, serviceStatusBecomes } from '../support/graphql.ts';
import { launchBrowser, signInPage, ensureDashboardBuilt } from '../support/browser.ts';
import { until } from '../support/signals.ts';

const ADMIN = { email: 'paging.admin@example.com', password: 'a long admin passphrase' };
const WAIT = 20_000;
const FLEET = 450;

let ts: TestServer;
let target: http.Server;
let browser: Browser;
let page: Page;
let watchFails = false;

const admin = () => ({ token: ts.adminToken });
const cards = () => page.locator('[data-testid="service-card"]');
const card = (name: string, status?: string) => page.locator(`[data-testid="service-card"][data-service="${name}"]${status ? `[data-status="${status}"]` : ''}`);
const countOf = async (key: string) => Number(await page.getByTestId(`count-${key}`).getAttribute('data-count'));
const cardCount = (n: number) => page.waitForFunction((n) => document.querySelectorAll('[data-testid="service-card"]').length === n, n);

/** The server's own counts, as the dashboard should show them. */
async function summary(): Promise<{ total: number; healthy: number; down: number }> {
  return (await gqlOk<{ healthOverview: { summary: { total: number; healthy: number; down: number } } }>(ts, '{ healthOverview { summary { total healthy down } } }', {}, admin())).healthOverview.summary;
}

beforeAll(async () => {
  await ensureDashboardBuilt();
  target = http.createServer((req, res) => {
    res.statusCode = req.url === '/watch' && watchFails ? 503 : 200;
    res.end('ok');
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
  ts = await startTestServer();
  const setup = new URLSearchParams(new URL(ts.setupUrl!).hash.slice(1)).get('token');
  await gqlOk(ts, 'mutation($t: String!, $e: String!, $p: String!) { completeSetup(token: $t, email: $e, password: $p) { expiresAt } }', { t: setup, e: ADMIN.email, p: ADMIN.password });
  // The built-in checks follow this shared machine (a busy host reads degraded): paused, they sort last.
  for (const name of ['lookout', 'postgres', 'event-bus', 'filesystem', 'host']) await gqlOk(ts, 'mutation($n: String!) { pauseService(name: $n) { name } }', { n: name }, admin());
  // Checked once at start, then hourly: healthy. "Zulu watch" sorts after every "Fleet …" card.
  const fleet = Array.from({ length: FLEET }, (_, i) => ({ name: `fleet-${i + 1}`, displayName: `Fleet ${i + 1}`, kind: 'http', target: `${url}/`, interval: '1h' }));
  const watch = { name: 'zz-watch', displayName: 'Zulu watch', kind: 'http', target: `${url}/watch`, interval: '1s', failureThreshold: 1, tags: ['watched'] };
  await gqlOk(ts, 'mutation($s: [CreateServiceInput!]!) { createServices(services: $s) { name } }', { s: [...fleet, watch] }, admin());
  await serviceStatusBecomes(ts, 'zz-watch', 'HEALTHY', WAIT);
  // Every fleet service checked once (the first checks of 450 services take a moment).
  await until(async () => (await summary()).healthy === FLEET + 1, 'every fleet service was checked and healthy', WAIT, 100);
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  page.setDefaultTimeout(WAIT);
  await signInPage(page, ts.url, ADMIN.email, ADMIN.password);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await ts?.close();
  target?.close();
});

describe('the Overview past one page', () => {
  it('shows the first 200 services, worst first, with the counts of all 456', async () => {
    await page.goto(`${ts.url}/`);
    await cardCount(200);
    expect(await countOf('healthy')).toBe(FLEET + 1);
    expect(await countOf('paused')).toBe(5);
    expect(await page.getByTestId('grid-shown').textContent()).toBe(`${FLEET + 6} services`);
    expect(await page.getByTestId('grid-more').textContent()).toContain(`200 of ${FLEET + 6} shown`);
    // Healthy ones by the number on the card: Fleet 1, 2, … 200 (not 1, 10, 100, …).
    const shown = await cards().evaluateAll((all) => all.map((c) => c.getAttribute('data-service')));
    expect(shown.slice(0, 3)).toEqual(['fleet-1', 'fleet-2', 'fleet-3']);
    expect(shown.at(-1)).toBe('fleet-200');
    // The page's end (what is shown, and the button for more) holds to the accessibility rules.
    const { violations } = await new AxeBuilder({ page }).include('[data-testid="grid-more"]').analyze();
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
  });

  it('asks for the next page when the grid is scrolled to its end, and the rest on a press', async () => {
    await page.getByTestId('grid-show-more').scrollIntoViewIfNeeded();
    await cardCount(400);
    // The rest on a press — unless the button, still within a screen of the viewport, asked for it
    // by itself first and went away (CI saw the press wait 20 s for a button that was gone).
    const rest = cardCount(FLEET + 6);
    await Promise.race([page.getByTestId('grid-show-more').click({ timeout: 20_000 }).catch(() => rest), rest]);
    await rest;
    await page.getByTestId('grid-more').waitFor({ state: 'detached' });
    expect(await card('fleet-450').count()).toBe(1);
  });

  it('finds a service far past the first page by its name (the server filters)', async () => {
    await page.goto(`${ts.url}/`);
    await cardCount(200);
    await page.getByTestId('grid-filter-text').fill('Fleet 449');
    await card('fleet-449').waitFor();
    await cardCount(1);
    expect(await page.getByTestId('grid-shown').textContent()).toBe(`1 of ${FLEET + 6} services`);
    await page.getByTestId('grid-filter-text').fill('');
    await cardCount(200);
    await page.getByTestId('grid-filter-tag').selectOption('watched');
    await card('zz-watch').waitFor();
    await page.getByTestId('grid-filter-tag').selectOption('');
    await cardCount(200);
  });

  it('brings a service never shown to the top when it goes down, counted, without a reload', async () => {
    await page.goto(`${ts.url}/`);
    await cardCount(200);
    await page.evaluate(() => ((window as unknown as { lookoutTestMark: string }).lookoutTestMark = 'same page'));
    expect(await card('zz-watch').count()).toBe(0);
    expect(await countOf('down')).toBe(0);
    watchFails = true;
    try {
      await card('zz-watch', 'down').waitFor();
      const first = await cards().first().getAttribute('data-service');
      expect(first).toBe('zz-watch');
      await page.waitForFunction(() => document.querySelector('[data-testid="count-down"]')?.getAttribute('data-count') === '1');
      expect(await countOf('healthy')).toBe(FLEET);
      expect(await page.evaluate(() => (window as unknown as { lookoutTestMark?: string }).lookoutTestMark)).toBe('same page');
    } finally {
      watchFails = false;
    }
    // Back up: counted healthy again, and back at its place past the first page.
    await page.waitForFunction(() => document.querySelector('[data-testid="count-down"]')?.getAttribute('data-count') === '0');
    await card('zz-watch').waitFor({ state: 'detached' });
    await cardCount(200);
  });
});
