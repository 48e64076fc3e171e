/**
 * Every page of the dashboard on a phone (390×844) and on a desktop (1440×900), in a real Chromium
 * against a real Lookout with something on every page (a service down, failed, queued and stuck
 * runs): no page scrolls sideways, and no button, link or field lies off the screen or is cut off
 * by a box that does not scroll. A table may scroll inside its own card; the page may not.
 */
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk, serviceStatusBecomes } from '../support/graphql.ts';
import { launchBrowser, SCREENSHOTS, signInPage, ensureDashboardBuilt } from '../support/browser.ts';
import { CLAIM, COMPLETE, SUBMIT, type ClaimResult, type SubmitResult } from '../operations/support.ts';

const ADMIN = { email: 'phone.admin.with.a.rather.long.address@example.com', password: 'a long admin passphrase' };
/** The longest a page wait may take. */
const WAIT = 15_000;
const VIEWPORTS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1440, height: 900 },
] as const;

/** Lists a failed run, a queued one that no worker runs (stuck) and a down service with a long error. */
const CONFIG = `
services:
  - { name: lookout, displayName: Lookout, kind: lookout, target: lookout, critical: true, interval: 1s }
  - { name: postgres, displayName: PostgreSQL, kind: postgres, target: self, critical: true, interval: 1s }
  - name: payments-api-with-a-long-internal-name
    displayName: Payments API of the European billing cluster
    kind: tcp
    target: TARGET
    critical: true
    interval: 1s
    failureThreshold: 1
    tags: [payments, europe, critical-path]
operations:
  types:
    - type: billing.invoice
      label: Send invoice
    - type: reports.build
      label: Build report
      queuedTooLong: 1s
startup:
  optional: [required_files]
`;

let ts: TestServer;
let configDir: string;
let browser: Browser;
const runs = { failed: '', stuck: '' };

/** Each route of client/src/App.tsx, with what shows that its data is in. */
const ROUTES: { name: string; path: () => string; ready: string }[] = [
  { name: 'overview', path: () => '/', ready: '[data-testid="service-card"][data-status="down"]' },
  { name: 'service detail', path: () => '/services/payments-api-with-a-long-internal-name', ready: '[data-testid="check-row"][data-status="down"]' },
  { name: 'uptime', path: () => '/uptime', ready: '[data-testid="uptime-row"]' },
  { name: 'operations runs', path: () => '/system/ops/runs', ready: '[data-testid="run-row"]' },
  { name: 'operations failures', path: () => '/system/ops/failures', ready: '[data-testid="run-row"]' },
  { name: 'operations stuck', path: () => '/system/ops/stuck', ready: '[data-testid="run-row"]' },
  { name: 'operation detail', path: () => `/system/ops/runs/${runs.failed}`, ready: '[data-testid="run-detail"]' },
  { name: 'alerts', path: () => '/alerts', ready: '[data-testid="alert-history-card"]' },
  { name: 'maintenance', path: () => '/alerts/maintenance', ready: '[data-testid="maintenance-add"]' },
  { name: 'system', path: () => '/system', ready: '[data-testid="system-checklist-verdict"]' },
  { name: 'startup checklist', path: () => '/system/startup', ready: '[data-testid="startup-checks"]' },
  { name: 'updates', path: () => '/system/updates', ready: '[data-testid="update-check-card"]' },
  { name: 'admin tokens', path: () => '/admin/tokens', ready: '[data-testid="token-row"]' },
  { name: 'admin users', path: () => '/admin/users', ready: '[data-testid="user-row"]' },
  { name: 'admin services', path: () => '/admin/services', ready: '[data-testid="admin-services-table"]' },
  { name: 'admin channels', path: () => '/admin/channels', ready: '[data-testid="channel-add"]' },
  { name: 'admin audit', path: () => '/admin/audit', ready: '[data-testid="audit-row"]' },
];

interface Overflow {
  pageWidth: number;
  viewport: number;
  /** Elements reaching past the screen's edges with no scrolling box around them. */
  offScreen: string[];
  /** Buttons, links and fields wholly outside a box that clips without scrolling. */
  unreachable: string[];
  /** A check's cells beyond the screen's edges inside a box scrolling sideways: read only by scrolling. */
  hiddenSideways: string[];
}

/** Measures, in the page, what sticks out sideways. */
async function overflow(page: Page): Promise<Overflow> {
  return page.evaluate(() => {
    const viewport = document.documentElement.clientWidth;
    const describe = (el: Element) => {
      const r = el.getBoundingClientRect();
      const id = el.getAttribute('data-testid');
      const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
      return `${el.tagName.toLowerCase()}${id ? `[data-testid=${id}]` : ''}${cls} (${Math.round(r.left)}–${Math.round(r.right)} px) "${(el.textContent ?? '').trim().slice(0, 40)}"`;
    };
    const offScreen: string[] = [];
    const unreachable: string[] = [];
    // Only the outermost element that sticks out is named: its children say nothing more.
    const named = new Set<Element>();
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue; // not drawn
      if (el.parentElement && named.has(el.parentElement)) {
        named.add(el);
        continue;
      }
      let clip: Element | null = null;
      // A box clips an absolutely placed element only from its containing block (offsetParent) up.
      const absolute = ['absolute', 'fixed'].includes(getComputedStyle(el).position);
      let from: Element | null = absolute ? (el as HTMLElement).offsetParent : el.parentElement;
      if (absolute && !from) from = null;
      for (let p = from; p && p !== document.body; p = p.parentElement) {
        if (getComputedStyle(p).overflowX !== 'visible') {
          clip = p;
          break;
        }
      }
      if (!clip) {
        if (r.left < -1 || r.right > viewport + 1) {
          offScreen.push(describe(el));
          named.add(el);
        }
        continue;
      }
      const scrolls = ['auto', 'scroll'].includes(getComputedStyle(clip).overflowX);
      if (scrolls || !el.matches('a, button, input, select, textarea, [tabindex]')) continue;
      const box = clip.getBoundingClientRect();
      if (r.left >= box.right - 1 || r.right <= box.left + 1) unreachable.push(describe(el));
    }
    // Text cells hidden sideways: wholly or partly beyond the visible part of a box that scrolls
    // sideways, to be read only by scrolling (a check's error, beyond the right edge on a phone).
    const hiddenSideways: string[] = [];
    for (const cell of document.querySelectorAll('[data-testid="check-row"] td')) {
      const r = cell.getBoundingClientRect();
      const text = (cell.textContent ?? '').trim();
      if (r.width === 0 || text.length <= 1) continue;
      if (r.left < -1 || r.right > viewport + 1) hiddenSideways.push(describe(cell));
    }
    const pageWidth = document.documentElement.scrollWidth;
    if (pageWidth > viewport && !offScreen.length) {
      // Something wider than the screen that the rules above missed: name the furthest right.
      const furthest = [...document.querySelectorAll('body *')].sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right);
      offScreen.push(...furthest.slice(0, 3).map((el) => `furthest right: ${describe(el)}`));
    }
    return { pageWidth, viewport, offScreen: offScreen.slice(0, 8), unreachable: unreachable.slice(0, 8), hiddenSideways: hiddenSideways.slice(0, 8) };
  });
}

beforeAll(async () => {
  await ensureDashboardBuilt();
  await fs.mkdir(SCREENSHOTS, { recursive: true });
  // A port nothing listens on: the TCP check is refused, so the service is down with an error.
  const closed = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  configDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-e2e-phone-'));
  const configFile = path.join(configDir, 'lookout.yaml');
  await fs.writeFile(configFile, CONFIG.replace('TARGET', `127.0.0.1:${closed}`));
  ts = await startTestServer({ config: { configFile } });
  const setup = new URLSearchParams(new URL(ts.setupUrl!).hash.slice(1)).get('token');
  await gqlOk(ts, 'mutation($t: String!, $e: String!, $p: String!) { completeSetup(token: $t, email: $e, password: $p) { expiresAt } }', { t: setup, e: ADMIN.email, p: ADMIN.password });
  const admin = { token: ts.adminToken };
  await gqlOk(ts, 'mutation($n: String!, $t: [String!]!) { registerWorker(name: $n, types: $t, capacity: 4) { name } }', { n: 'worker-on-a-phone', t: ['billing.invoice'] }, admin);
  // The down payments service is critical: an admin accepts runs anyway, as one would in an incident.
  await gqlOk(ts, 'mutation($r: String!) { overrideStartupCheck(name: "critical_services", reason: $r) { ready } }', { r: 'Payments is down on purpose in this test.' }, admin);
  const { rerunStartupChecklist } = await gqlOk<{ rerunStartupChecklist: { ready: boolean; failing: string[] } }>(ts, 'mutation { rerunStartupChecklist { ready failing } }', {}, admin);
  expect(rerunStartupChecklist.failing, 'the start-up checklist still blocks submissions').toEqual([]);
  // A failed run (with a long error) and a run no worker takes, stuck a second later.
  const failed = await gqlOk<SubmitResult>(ts, SUBMIT, { type: 'billing.invoice', workspace: 'acme-europe-west', tenant: 'eu-1', input: { invoice: 'INV-2026-000123' } }, admin);
  runs.failed = failed.submitRun.run.id;
  const claim = await gqlOk<ClaimResult>(ts, CLAIM, { worker: 'worker-on-a-phone', types: ['billing.invoice'], lease: 120 }, admin);
  await gqlOk(ts, COMPLETE, { id: runs.failed, token: claim.claimRun!.leaseToken, outcome: 'FAILED', error: 'card_declined: the issuing bank refused the charge for invoice INV-2026-000123 (do not honour)' }, admin);
  runs.stuck = (await gqlOk<SubmitResult>(ts, SUBMIT, { type: 'reports.build', workspace: 'acme-europe-west', input: { report: 'monthly' } }, admin)).submitRun.run.id;
  await serviceStatusBecomes(ts, 'payments-api-with-a-long-internal-name', 'DOWN', WAIT);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await ts?.close();
  if (configDir) await fs.rm(configDir, { recursive: true, force: true });
});

describe.each(VIEWPORTS)('every page at $width×$height ($name)', (viewport) => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height } });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT);
  });

  afterAll(async () => {
    await context?.close();
  });

  it('shows the sign-in page with nothing off the screen', async () => {
    await page.goto(`${ts.url}/signin`);
    await page.getByTestId('signin-submit').waitFor();
    const measured = await overflow(page);
    // Signed in whatever the measure says: the pages after it need the session.
    await signInPage(page, ts.url, ADMIN.email, ADMIN.password);
    expect(measured, 'the sign-in page sticks out sideways').toMatchObject({ pageWidth: measured.viewport, offScreen: [], unreachable: [] });
  });

  it.each(ROUTES)('does not scroll sideways on $name, and every action is on the screen', async (route) => {
    await page.goto(`${ts.url}${route.path()}`);
    await page.locator(route.ready).first().waitFor();
    await page.locator('main h1').first().waitFor();
    const measured = await overflow(page);
    if (viewport.name === 'phone' && process.env.UPDATE_SCREENSHOTS === '1' && ['overview', 'operation detail', 'service detail'].includes(route.name)) {
      await page.screenshot({ path: path.join(SCREENSHOTS, `phone-${route.name.replace(/ /g, '-')}.png`), fullPage: true });
    }
    expect(measured, `${route.name} at ${viewport.width} px sticks out sideways or hides a check’s text sideways`).toMatchObject({ pageWidth: measured.viewport, offScreen: [], unreachable: [], hiddenSideways: [] });
  });
});
