/**
 * The Overview in an incident, in a real Chromium against a real Lookout whose scheduler runs, at
 * 1440×900 and 390×844: the first start (no worker yet) reads "Not ready yet" in both places, never
 * "No, degraded" beside "healthy"; when a critical service goes down, the headline and the strip's
 * Overall both say down at once and never disagree on the way; the cards come worst first
 * (down, degraded, then healthy; critical first; then by the name on the card), a down or degraded
 * card says why in text, and a refused connection shows no latency.
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

const ADMIN = { email: 'incident.admin@example.com', password: 'a long admin passphrase' };
/** The longest a page wait may take. */
const WAIT = 15_000;

/**
 * Internal names sort the other way from display names, so an order by internal name shows. The
 * accounts database is critical and up until the incident; billing is refused from the start;
 * the disk check warns (exit 1: degraded).
 */
const CONFIG = `
services:
  - { name: lookout, displayName: Lookout, kind: lookout, target: lookout, critical: true, interval: 1s }
  - { name: postgres, displayName: PostgreSQL, kind: postgres, target: self, critical: true, interval: 1s }
  - { name: a-cache, displayName: Zeta cache, kind: tcp, target: "127.0.0.1:UP_PORT", interval: 1s }
  - { name: b-billing, displayName: Billing API, kind: tcp, target: "127.0.0.1:REFUSED_PORT", interval: 1s, failureThreshold: 1 }
  - { name: c-disk, displayName: Disk space, kind: command, target: "echo only 7% free on /var; exit 1", options: { shell: true }, interval: 1s, failureThreshold: 1 }
  - { name: z-accounts, displayName: Accounts DB, kind: tcp, target: "127.0.0.1:ACCOUNTS_PORT", critical: true, interval: 1s, failureThreshold: 1 }
startup:
  optional: [required_files]
`;

let ts: TestServer;
let configDir: string;
let browser: Browser;
/** Always listening (the healthy cache). */
let up: net.Server;
/** The accounts database: listening until the incident. */
let accounts: net.Server;
let accountsPort = 0;
/** The services of the config file; the other built-ins are paused. */
const WATCHED = ['lookout', 'postgres', 'a-cache', 'b-billing', 'c-disk', 'z-accounts'];
const paused: string[] = [];

function listen(port = 0): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.end());
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;
const close = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** The headline's level and the strip's, as the page shows them now. */
async function verdicts(page: Page): Promise<{ headline: string | null; strip: string | null; answer: string | null; overall: string | null }> {
  return page.evaluate(() => ({
    headline: document.querySelector('[data-testid="ops-summary"]')?.getAttribute('data-status') ?? null,
    strip: document.querySelector('[data-testid="health-card"]')?.getAttribute('data-level') ?? null,
    answer: document.querySelector('[data-testid="ops-summary-status"]')?.textContent ?? null,
    overall: document.querySelector('[data-testid="overall-health"]')?.textContent ?? null,
  }));
}

/** Records, in the page, every moment the headline and the strip disagree (both shown). */
async function watchForDisagreement(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { lookoutDisagreements: string[] }).lookoutDisagreements = seen;
    const check = () => {
      const headline = document.querySelector('[data-testid="ops-summary"]')?.getAttribute('data-status');
      const strip = document.querySelector('[data-testid="health-card"]')?.getAttribute('data-level');
      if (headline && strip && headline !== strip) seen.push(`${headline} vs ${strip}`);
    };
    new MutationObserver(check).observe(document.body, { subtree: true, attributes: true, childList: true, characterData: true });
  });
}

const disagreements = (page: Page) => page.evaluate(() => (window as unknown as { lookoutDisagreements: string[] }).lookoutDisagreements);

beforeAll(async () => {
  await ensureDashboardBuilt();
  await fs.mkdir(SCREENSHOTS, { recursive: true });
  up = await listen();
  accounts = await listen();
  accountsPort = portOf(accounts);
  const refused = await listen();
  const refusedPort = portOf(refused);
  await close(refused);
  configDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-e2e-incident-'));
  const configFile = path.join(configDir, 'lookout.yaml');
  await fs.writeFile(configFile, CONFIG.replace('UP_PORT', String(portOf(up))).replace('REFUSED_PORT', String(refusedPort)).replace('ACCOUNTS_PORT', String(accountsPort)));
  ts = await startTestServer({ config: { configFile } });
  const setup = new URLSearchParams(new URL(ts.setupUrl!).hash.slice(1)).get('token');
  await gqlOk(ts, 'mutation($t: String!, $e: String!, $p: String!) { completeSetup(token: $t, email: $e, password: $p) { expiresAt } }', { t: setup, e: ADMIN.email, p: ADMIN.password });
  // The other built-in checks follow this shared machine (a busy host reads degraded): paused, they
  // count for nothing and sort last.
  const { services } = await gqlOk<{ services: { name: string }[] }>(ts, '{ services { name } }', {}, { token: ts.adminToken });
  for (const { name } of services.filter((s) => !WATCHED.includes(s.name))) {
    await gqlOk(ts, 'mutation($n: String!) { pauseService(name: $n) { name } }', { n: name }, { token: ts.adminToken });
    paused.push(name);
  }
  await serviceStatusBecomes(ts, 'b-billing', 'DOWN', WAIT);
  await serviceStatusBecomes(ts, 'c-disk', 'DEGRADED', WAIT);
  await serviceStatusBecomes(ts, 'z-accounts', 'HEALTHY', WAIT);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await ts?.close();
  await Promise.all([up && close(up), accounts?.listening ? close(accounts) : undefined]);
  if (configDir) await fs.rm(configDir, { recursive: true, force: true });
});

describe.each([
  { name: 'desktop', width: 1440, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const)('the Overview in an incident at $width×$height', (viewport) => {
  let context: BrowserContext;
  let page: Page;
  const card = (name: string, status?: string) => page.locator(`[data-testid="service-card"][data-service="${name}"]${status ? `[data-status="${status}"]` : ''}`);
  const order = () => page.locator('[data-testid="service-card"]').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-service')));

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height } });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    await signInPage(page, ts.url, ADMIN.email, ADMIN.password);
  });

  afterAll(async () => {
    await context?.close();
  });

  it('says "Not ready yet" in both places on a first start with every service up and no worker yet, never "No, degraded" beside "healthy"', async () => {
    const admin = { token: ts.adminToken };
    for (const name of ['b-billing', 'c-disk']) await gqlOk(ts, 'mutation($n: String!) { pauseService(name: $n) { name } }', { n: name }, admin);
    try {
      await page.goto(`${ts.url}/`);
      await watchForDisagreement(page);
      await page.locator('[data-testid="ops-summary"][data-status="not_ready"]').waitFor();
      expect(await verdicts(page)).toMatchObject({ headline: 'not_ready', strip: 'not_ready', answer: 'Not ready yet', overall: 'not ready' });
      // What is missing, with the way to it.
      const reason = page.locator('[data-testid="ops-summary-reasons"] [data-reason="STARTUP_CHECKLIST_BLOCKING"] a');
      expect(await reason.getAttribute('href')).toBe('/system/startup');
      expect(await disagreements(page)).toEqual([]);
    } finally {
      for (const name of ['b-billing', 'c-disk']) await gqlOk(ts, 'mutation($n: String!) { resumeService(name: $n) { name } }', { n: name }, admin);
    }
  });

  it('says one verdict in the headline and the strip: degraded (a service down, one degraded), never "healthy" beside it', async () => {
    await page.goto(`${ts.url}/`);
    await watchForDisagreement(page);
    await page.locator('[data-testid="ops-summary"][data-status]').waitFor();
    const now = await verdicts(page);
    expect(now.headline).toBe(now.strip);
    // Billing is down and the disk degraded, none of them critical: degraded, not down.
    expect(now).toMatchObject({ headline: 'degraded', answer: 'No, degraded', overall: 'degraded' });
    await page.locator('[data-testid="ops-summary-reasons"] [data-reason="SERVICES_DOWN"]').waitFor();
    await page.locator('[data-testid="ops-summary-reasons"] [data-reason="SERVICES_DEGRADED"]').waitFor();
    expect(await disagreements(page)).toEqual([]);
  });

  it('orders the cards worst first, critical first, then by the name on the card', async () => {
    await card('b-billing', 'down').waitFor();
    await card('c-disk', 'degraded').waitFor();
    // Down, then degraded, then the healthy ones by display name: Accounts DB, Lookout, PostgreSQL, Zeta cache.
    // The cards change status live; the order follows with the page asked again (within a second).
    await expect.poll(async () => (await order()).slice(0, WATCHED.length), { timeout: 10_000 }).toEqual(['b-billing', 'c-disk', 'z-accounts', 'lookout', 'postgres', 'a-cache']);
    const shown = await order();
    expect(shown.slice(WATCHED.length).sort()).toEqual([...paused].sort());
  });

  it('says on a down or degraded card why, in text, and shows no latency for a refused connection', async () => {
    const billing = card('b-billing');
    const reason = billing.getByTestId('service-reason');
    expect(await reason.isVisible()).toBe(true);
    expect(await reason.textContent()).toMatch(/refused|ECONNREFUSED/i);
    expect(await billing.getByTestId('service-latency').textContent()).toBe('—');
    expect(await card('c-disk').getByTestId('service-reason').textContent()).toContain('only 7% free on /var');
    // A healthy card says no reason and shows its latency.
    expect(await card('a-cache').getByTestId('service-reason').isVisible()).toBe(false);
    expect(await card('a-cache').getByTestId('service-latency').textContent()).toMatch(/\d+ ms/);
  });

  it('when a critical service goes down: "No, down" in both places at once, its card first, without a reload', async () => {
    await page.evaluate(() => ((window as unknown as { lookoutTestMark: string }).lookoutTestMark = 'same page'));
    if (accounts.listening) await close(accounts);
    await card('z-accounts', 'down').waitFor();
    await page.locator('[data-testid="ops-summary"][data-status="down"]').waitFor();
    const now = await verdicts(page);
    expect(now).toMatchObject({ headline: 'down', strip: 'down', answer: 'No, down', overall: 'down' });
    await page.locator('[data-testid="ops-summary-reasons"] [data-reason="CRITICAL_SERVICES_DOWN"]').waitFor();
    expect(Number(await page.getByTestId('ops-count-services-down').getAttribute('data-count'))).toBe(2);
    // The critical one down comes before the other one down.
    // Once the page is asked again (within a second of the change; regression: read at once, the order was sometimes the one before).
    await expect.poll(async () => (await order()).slice(0, 3), { timeout: 10_000 }).toEqual(['z-accounts', 'b-billing', 'c-disk']);
    expect(await card('z-accounts').getByTestId('service-reason').textContent()).toMatch(/refused|ECONNREFUSED/i);
    expect(await page.evaluate(() => (window as unknown as { lookoutTestMark?: string }).lookoutTestMark)).toBe('same page');
    expect(await disagreements(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, viewport.name === 'phone' ? 'overview-incident-phone.png' : 'overview-incident.png') });
    // Back up for the next viewport: the same verdict comes back in both places.
    accounts = await listen(accountsPort);
    await card('z-accounts', 'healthy').waitFor();
    await page.locator('[data-testid="ops-summary"][data-status="degraded"]').waitFor();
    expect((await verdicts(page)).strip).toBe('degraded');
    expect(await disagreements(page)).toEqual([]);
  });
});
