/**
 * Issue 14 items 4, 5 and 11 in a real Chromium against a real Lookout whose scheduler runs, at
 * 1440×900 and 390×844: short outages on the status timeline are blocks wide enough to hit, never
 * overlapping, that open with a real mouse click (on the service page and on the Uptime page); the
 * zoom; the chart covers a new service's own range with 24-hour times; the time zone is shown;
 * 7- and 30-day uptime say "since …"; the 7-day axis has every day; a heartbeat service reads
 * pending, with its period and grace and no latency.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk, serviceStatusBecomes, completeSetupAs } from '../support/graphql.ts';
import { launchBrowser, signInPage, ensureDashboardBuilt } from '../support/browser.ts';

const ADMIN = { email: 'timeline.admin@example.com', password: 'a long admin passphrase' };
const FLAPPY = 'flappy-api';
const WAIT = 15_000;
const VIEWPORTS = [
  { name: 'desktop', width: 1440, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

let ts: TestServer;
let browser: Browser;

/** A local HTTP service that answers 200, or 500 while `failing`. */
const target = {
  failing: false,
  server: http.createServer((_request, response) => {
    response.writeHead(target.failing ? 500 : 200, { 'content-type': 'text/plain' });
    response.end(target.failing ? 'broken on purpose' : 'ok');
  }),
  url: '',
};

beforeAll(async () => {
  await ensureDashboardBuilt();
  await new Promise<void>((resolve) => target.server.listen(0, '127.0.0.1', resolve));
  target.url = `http://127.0.0.1:${(target.server.address() as AddressInfo).port}/health`;
  ts = await startTestServer();
  await completeSetupAs(ts, ADMIN);
  const create = 'mutation($input: CreateServiceInput!) { createService(input: $input) { name } }';
  await gqlOk(ts, create, { input: { name: FLAPPY, displayName: 'Flappy API', kind: 'http', target: target.url, interval: '1s', failureThreshold: 1, recoveryThreshold: 1 } }, { token: ts.adminToken });
  await gqlOk(ts, create, { input: { name: 'nightly-job', displayName: 'Nightly job', kind: 'heartbeat', target: 'push', options: { period: '1h', grace: '5m' } } }, { token: ts.adminToken });
  // Three short outages, each a second or two: in a 24 h bar each is a fraction of a pixel.
  expect(await serviceStatusBecomes(ts, FLAPPY, 'HEALTHY')).toBe('HEALTHY');
  for (let i = 0; i < 3; i++) {
    target.failing = true;
    expect(await serviceStatusBecomes(ts, FLAPPY, 'DOWN')).toBe('DOWN');
    target.failing = false;
    expect(await serviceStatusBecomes(ts, FLAPPY, 'HEALTHY')).toBe('HEALTHY');
  }
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await ts?.close();
  await new Promise((resolve) => target.server.close(resolve));
});

/**
 * The timeline's blocks as laid out on screen, left to right, all read in one frame: the timeline is
 * live (the flapping service adds windows, "now" moves), so boxes read one call at a time could come
 * from two layouts and seem to overlap (CI saw it once).
 */
async function blockBoxes(page: Page, scope = page.getByTestId('timeline-card')) {
  const boxes = await scope.getByTestId('timeline-window').evaluateAll((elements) =>
    elements.map((el) => {
      const r = el.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    }),
  );
  return boxes.sort((a, b) => a.x - b.x);
}

describe.each(VIEWPORTS)('timelines and charts at $width×$height', (viewport) => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height }, timezoneId: 'Europe/Berlin', locale: 'en-US' });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    await signInPage(page, ts.url, ADMIN.email, ADMIN.password);
  });
  afterAll(async () => {
    await context?.close();
  });

  it('lays short outages out as blocks wide enough to hit, never overlapping, and opens one with a mouse click', async () => {
    await page.goto(`${ts.url}/services/${FLAPPY}`);
    await page.getByTestId('timeline-card').getByTestId('timeline-window').first().waitFor();
    const boxes = await blockBoxes(page);
    expect(boxes.length).toBeGreaterThanOrEqual(1);
    for (const box of boxes) expect(box.width).toBeGreaterThanOrEqual(9);
    for (let i = 1; i < boxes.length; i++) expect(boxes[i].x).toBeGreaterThanOrEqual(boxes[i - 1].x + boxes[i - 1].width - 0.5);
    // Every block: hover, then a real click on its middle opens its checks.
    const blocks = page.getByTestId('timeline-card').getByTestId('timeline-window');
    for (let i = 0; i < (await blocks.count()); i++) {
      // A real pointer: hover first (that used to drop the block under its neighbour), then click; Playwright checks the block itself receives it.
      await blocks.nth(i).hover();
      await blocks.nth(i).click();
      await expect.poll(() => blocks.nth(i).getAttribute('aria-pressed')).toBe('true');
      await page.getByTestId('window-checks').waitFor();
    }
    // A down block (alone or merged with its neighbours) lists the failed checks.
    await page.getByTestId('timeline-card').locator('[data-testid="timeline-window"][data-status="down" i]').first().click();
    await page.getByTestId('window-checks').locator('[data-testid="check-row"][data-status="down"]').first().waitFor();
    await page.getByTestId('window-checks-close').click();
  });

  it('zooms, covers the new service\'s own range and shows 24-hour times and the time zone', async () => {
    await page.goto(`${ts.url}/services/${FLAPPY}`);
    await page.getByTestId('latency-chart').locator('.u-axis').first().waitFor();
    await expect.poll(() => page.getByTestId('latency-card').locator('h2').textContent()).toMatch(/since /);
    await expect.poll(() => page.getByTestId('time-zone').textContent()).toContain('Europe/Berlin');
    await expect.poll(() => page.getByTestId('latency-chart').getAttribute('data-axis')).toBeTruthy();
    const axis = (await page.getByTestId('latency-chart').getAttribute('data-axis'))!.split('|').filter(Boolean);
    expect(axis.length).toBeGreaterThan(0);
    for (const label of axis) expect(label).toMatch(/^\d{2}:\d{2}$/);
    for (const label of await page.getByTestId('timeline-card').getByTestId('time-axis').locator('span').allInnerTexts()) {
      expect(label).not.toMatch(/am|pm/i);
    }
    // The service is minutes old: its 7- and 30-day uptime say since when.
    await expect.poll(() => page.getByTestId('uptime-7d-since').textContent()).toMatch(/^since /);
    await expect.poll(() => page.getByTestId('uptime-30d-since').textContent()).toMatch(/^since /);
    await page.getByTestId('zoom-1h').click();
    await expect.poll(() => page.getByTestId('zoom-1h').getAttribute('aria-pressed')).toBe('true');
    expect((await blockBoxes(page)).length).toBeGreaterThanOrEqual(1);
    const culprits = await page.evaluate((w) =>
      [...document.querySelectorAll<HTMLElement>('body *')]
        .filter((e) => e.getBoundingClientRect().right > w + 0.5 && !e.closest('.check-table-scroll, nav'))
        .slice(0, 6)
        .map((e) => `${e.tagName}.${e.className}[${e.dataset.testid ?? ''}] ${Math.round(e.getBoundingClientRect().right)}`),
    viewport.width);
    // Nothing of the page's content runs past the screen (the navigation strip is the phone layout's, not this page's).
    expect(culprits).toEqual([]);
  });

  it('opens blocks on the Uptime page with a mouse click, and the 7-day axis has every day', async () => {
    await page.goto(`${ts.url}/uptime`);
    const row = page.locator(`[data-testid="uptime-row"][data-service="${FLAPPY}"]`);
    await row.getByTestId('timeline-window').first().click();
    await page.getByTestId('window-checks').getByTestId('check-row').first().waitFor();
    await page.getByTestId('window-checks-close').click();
    await page.getByTestId('uptime-range-7d').click();
    await page.locator('[data-testid="uptime-table"][data-range="7d"]').waitFor();
    const axisLabels = () =>
      page.locator('.uptime__row--head').getByTestId('time-axis').locator('span').evaluateAll((spans) =>
        spans.filter((s) => getComputedStyle(s).display !== 'none').map((s) => s.textContent ?? ''),
      );
    // The table's range can change before its axis is drawn again: wait for day labels ("Dec 5"), not
    // the 24 h axis's hours (which Date would also parse, as times of one day: CI saw that once).
    await expect.poll(async () => (await axisLabels()).filter((d) => d !== 'now').every((d) => /^[A-Za-z]{3,}\.? \d{1,2}$|^\d{1,2}\.? [A-Za-z]{3,}\.?$/.test(d))).toBe(true);
    const days = await axisLabels();
    const dates = days.filter((d) => d !== 'now');
    if (viewport.name === 'desktop') {
      // Midnight every day for 7 days: 6 or 7 of them (the last may give way to "now"), one day apart.
      expect(dates.length).toBeGreaterThanOrEqual(6);
      // Labels carry no year: read each in this year, and one that goes back in time (Dec 31 → Jan 1) in the next.
      let year = new Date().getFullYear();
      if (new Date(`${dates[0]} ${year}`).getTime() > Date.now()) year--; // the week began last year
      const parsed: number[] = [];
      for (const d of dates) {
        let at = new Date(`${d} ${year}`).getTime();
        if (parsed.length && at < parsed.at(-1)!) at = new Date(`${d} ${year + 1}`).getTime();
        parsed.push(at);
      }
      for (let i = 1; i < parsed.length; i++) expect(Math.round((parsed[i] - parsed[i - 1]) / 86400_000)).toBe(1);
    } else {
      expect(dates.length).toBeGreaterThanOrEqual(3);
    }
    await row.getByTestId('timeline-window').first().click();
    await page.getByTestId('window-checks').waitFor();
  });

  it('shows a new heartbeat service as pending, with its period and grace and no latency', async () => {
    await page.goto(`${ts.url}/services/nightly-job`);
    await expect.poll(() => page.getByTestId('detail-schedule').textContent()).toContain('expects a ping every 1h, grace 5m');
    expect(await page.getByTestId('detail-status').textContent()).toMatch(/pending/i);
    expect(await page.getByTestId('detail-latency').count()).toBe(0);
    expect(await page.getByTestId('latency-card').count()).toBe(0);
    expect(await page.getByTestId('recent-checks').locator('th').allInnerTexts()).not.toContain('Latency');
  });
});
