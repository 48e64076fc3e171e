/**
 * Triage in a real Chromium against a real Lookout (issue 14, items 6–9), at 1440×900 and at
 * 390×844: Retry asks first, says which attempt it makes, then stays disabled with a link to the
 * retry; the Failures list shows the error, attempt, failure time and whether the run was
 * investigated or retried, and Runs the worker and duration; a requeued run says what happened to its
 * lapsed lease (no "running for", no "no worker took it") with the system's requeue in its audit
 * trail; the audit log filters by actor kind and time range. Runs are made over GraphQL as workers do.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sweepExpiredLeases } from '../../server/operations/leases.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk } from '../support/graphql.ts';
import { launchBrowser, SCREENSHOTS, signInPage, ensureDashboardBuilt } from '../support/browser.ts';
import { until } from '../support/signals.ts';
import { CLAIM, COMPLETE, makeReady, SUBMIT, token, type ClaimResult, type SubmitResult } from '../operations/support.ts';

const ADMIN = { email: 'triage.admin@example.com', password: 'a long admin passphrase' };
const WAIT = 15_000;
const CONFIG = `
services:
  - { name: lookout, displayName: Lookout, kind: lookout, target: lookout, critical: true }
  - { name: postgres, displayName: PostgreSQL, kind: postgres, target: self, critical: true }
operations:
  types:
    - type: billing.invoice
      label: Send invoice
      maxAttempts: 3
startup:
  optional: [required_files]
`;

let ts: TestServer;
let configDir: string;
let browser: Browser;
let operator: string;

beforeAll(async () => {
  await ensureDashboardBuilt();
  await fs.mkdir(SCREENSHOTS, { recursive: true });
  configDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-e2e-triage-'));
  const configFile = path.join(configDir, 'lookout.yaml');
  await fs.writeFile(configFile, CONFIG);
  // No scheduler: the lease sweep is run by the test, at the moment it chooses.
  ts = await startTestServer({ runScheduler: false, config: { configFile } });
  const setup = new URLSearchParams(new URL(ts.setupUrl!).hash.slice(1)).get('token');
  await gqlOk(ts, 'mutation($t: String!, $e: String!, $p: String!) { completeSetup(token: $t, email: $e, password: $p) { expiresAt } }', { t: setup, e: ADMIN.email, p: ADMIN.password });
  await makeReady(ts, 'w-e2e', ['billing.invoice']);
  operator = await token(ts, 'OPERATOR');
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await ts?.close();
  if (configDir) await fs.rm(configDir, { recursive: true, force: true });
});

const op = () => ({ token: operator });

/** Claims until `id` is leased to `worker` (runs queued before it are completed on the way). */
async function claimExactly(id: string, worker: string, lease = 60): Promise<string> {
  for (;;) {
    const { claimRun } = await gqlOk<ClaimResult>(ts, CLAIM, { worker, types: ['billing.invoice'], lease }, op());
    if (!claimRun) throw new Error(`operation ${id} was not in the queue`);
    if (claimRun.run.id === id) return claimRun.leaseToken;
    await gqlOk(ts, COMPLETE, { id: claimRun.run.id, token: claimRun.leaseToken, outcome: 'SUCCEEDED' }, op());
  }
}

async function submit(input: unknown): Promise<string> {
  return (await gqlOk<SubmitResult>(ts, SUBMIT, { type: 'billing.invoice', workspace: 'acme', input }, op())).submitRun.run.id;
}

async function failedRun(input: unknown): Promise<string> {
  const id = await submit(input);
  const lease = await claimExactly(id, 'w-e2e');
  await gqlOk(ts, COMPLETE, { id, token: lease, outcome: 'FAILED', error: `card declined for ${JSON.stringify(input)}` }, op());
  return id;
}

const VIEWPORTS = [
  { name: 'desktop', width: 1440, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

describe.each(VIEWPORTS)('operations triage at $width×$height', (viewport) => {
  let context: BrowserContext;
  let page: Page;
  const byTestId = (id: string) => page.getByTestId(id);
  const row = (id: string) => page.locator(`[data-testid="run-row"][data-run-id="${id}"]`);
  const detail = (id: string, attribute = '') => page.locator(`[data-testid="run-detail"][data-run-id="${id}"]${attribute}`);
  /** Nothing is wider than the screen: no sideways scrolling. */
  const noSidewaysScroll = async () => expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}${viewport.name === 'phone' ? '-phone' : ''}.png`), fullPage: true });

  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height } });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    await signInPage(page, ts.url, ADMIN.email, ADMIN.password);
  });
  afterAll(() => context?.close());

  it('asks before retrying, says which attempt the retry makes, then disables Retry with a link to the retry (regression: #15 and #16 from one failure)', async () => {
    const failed = await failedRun({ invoice: `INV-${viewport.name}` });
    await page.goto(`${ts.url}/system/ops/runs/${failed}`);
    await detail(failed, '[data-outcome="FAILED"]').waitFor();
    expect(await byTestId('fact-attempt').textContent()).toBe('1 of 3');
    await byTestId('run-retry').click();
    const confirmation = byTestId('run-retry-confirmation');
    await confirmation.waitFor();
    expect(await confirmation.textContent()).toContain('attempt 2 of 3');
    expect(await page.locator('[data-testid="run-retried-link"]').count()).toBe(0); // nothing sent yet
    await byTestId('run-retry-confirm').click();

    const link = byTestId('run-retried-link');
    await link.waitFor();
    const retry = (await link.getAttribute('href'))!.split('/').pop()!;
    expect(await link.textContent()).toContain(`Operation #${retry}`);
    await page.locator('[data-testid="run-retry"][disabled]').waitFor();
    expect(await byTestId('run-retry-blocked').textContent()).toContain(`already retried as Operation #${retry}`);
    // Every action that is off says why in text beside it, tied to its button (not only a tooltip).
    expect(await byTestId('run-cancel-blocked').textContent()).toBe('Cancel: Only a queued or running operation can be cancelled.');
    expect(await byTestId('run-cancel').getAttribute('aria-describedby')).toBe('run-cancel-blocked');
    expect(await byTestId('run-retry').getAttribute('aria-describedby')).toBe('run-retry-blocked');
    expect(await page.locator('[data-testid="run-investigate-blocked"]').count()).toBe(0); // a failed run can be marked
    await noSidewaysScroll();
    await shot('operation-retried');

    await link.click();
    await detail(retry, '[data-status="QUEUED"]').waitFor();
    expect(await byTestId('fact-attempt').textContent()).toBe('2 of 3');
    expect(await byTestId('run-investigate-blocked').textContent()).toBe('Mark investigated: Only a failed or stuck operation can be marked investigated.');
    expect(await byTestId('run-investigate').getAttribute('aria-describedby')).toBe('run-investigate-blocked');
  });

  it('lists failures with the error, attempt, failure time and triage, and runs with worker and duration', async () => {
    const investigated = await failedRun({ investigated: viewport.name });
    await gqlOk(ts, 'mutation($id: ID!) { markOperationRunInvestigated(id: $id, reason: "customer card expired") { id } }', { id: investigated }, op());
    const retried = await failedRun({ retried: viewport.name });
    const { retryOperationRun } = await gqlOk<{ retryOperationRun: { id: string } }>(ts, 'mutation($id: ID!) { retryOperationRun(id: $id) { id } }', { id: retried }, op());

    await page.goto(`${ts.url}/system/ops/failures`);
    await row(investigated).waitFor();
    expect(await row(investigated).getByTestId('run-error').textContent()).toContain('card declined');
    expect(await row(investigated).getByTestId('run-attempt').textContent()).toContain('1 of 3');
    expect(await row(investigated).getByTestId('run-failed-at').textContent()).toMatch(/\d\d:\d\d:\d\d/);
    expect(await row(investigated).getByTestId('run-investigated-badge').textContent()).toBe('Investigated');
    expect(await row(retried).getByTestId('run-retried-badge').textContent()).toBe(`Retried as #${retryOperationRun.id}`);
    expect(await row(retried).getByTestId('run-error').isVisible()).toBe(true);
    await noSidewaysScroll();
    await shot('operations-failures');

    await page.goto(`${ts.url}/system/ops/runs`);
    await row(investigated).waitFor();
    expect(await row(investigated).getByTestId('run-worker').textContent()).toContain('w-e2e');
    expect(await row(investigated).getByTestId('run-duration').textContent()).toMatch(/\d+(\.\d)? (ms|s)$/);
    expect(await row(retryOperationRun.id).getByTestId('run-duration').textContent()).toContain('—'); // queued: not started
    expect(await row(investigated).getByTestId('run-worker').isVisible()).toBe(true);
    await noSidewaysScroll();
  });

  it('says what happened to a requeued run instead of "running for" and "no worker took it", with the system\'s requeue in its trail', async () => {
    const id = await submit({ requeued: viewport.name });
    await claimExactly(id, 'w-gone', 5);
    await until(async () => {
      const r = await gqlOk<{ operationRun: { stuckClass: string | null } }>(ts, 'query($id: ID!) { operationRun(id: $id) { stuckClass } }', { id }, op());
      return r.operationRun.stuckClass === 'LEASE_EXPIRED';
    }, `the lease of operation ${id} expired`, WAIT, 200);
    const swept = await sweepExpiredLeases(ts.server.app.orm.em.fork(), ts.server.app.operations.catalog, ts.server.app.clock, 0);
    expect(swept.requeued).toContain(Number(id));

    await page.goto(`${ts.url}/system/ops/runs/${id}`);
    await detail(id, '[data-status="QUEUED"]').waitFor();
    const lapse = page.locator('[data-testid="lease-lapse"][data-attempt="1"][data-outcome="requeued"]');
    await lapse.waitFor();
    expect(await lapse.textContent()).toMatch(/Attempt 1 was leased to w-gone at .+; its lease expired at .+, and the lease sweep requeued it at/);
    expect(await byTestId('fact-attempt').textContent()).toBe('2 of 3');
    expect(await byTestId('fact-completed').textContent()).not.toContain('running for');
    expect(await byTestId('fact-waiting').textContent()).toContain('back in the queue for');
    const requeue = page.locator('[data-testid="audit-entry"][data-action="operations.run.requeue"]');
    await requeue.waitFor();
    expect(await requeue.getByTestId('audit-entry-actor').getAttribute('data-actor-type')).toBe('system');
    expect(await requeue.getByTestId('audit-entry-actor').textContent()).toContain('lease sweep');
    await noSidewaysScroll();
    await shot('operation-requeued');
  });

  it('filters the audit log by actor kind and time range, and keeps empty claims out of it', async () => {
    for (let i = 0; i < 3; i++) expect((await gqlOk<ClaimResult>(ts, CLAIM, { worker: 'idle', types: ['nothing.here'] }, op())).claimRun).toBeNull();
    await page.goto(`${ts.url}/admin/audit`);
    await byTestId('audit-row').first().waitFor();
    await byTestId('audit-filter-actor-type').selectOption('system');
    await byTestId('audit-filter-apply').click();
    await page.locator('[data-testid="audit-row"][data-action="operations.run.requeue"]').first().waitFor();
    // The requeue row was listed before the filter too: wait for the filtered list to replace the old one.
    await page.locator('[data-testid="audit-row"]:not([data-actor-type="system"])').first().waitFor({ state: 'detached' });
    expect(new Set(await byTestId('audit-row').evaluateAll((els) => els.map((el) => el.getAttribute('data-actor-type'))))).toEqual(new Set(['system']));

    // Only claims that leased a run are recorded: none by the idle worker.
    await byTestId('audit-filter-actor-type').selectOption('');
    await byTestId('audit-filter-actor').fill('');
    await byTestId('audit-filter-action').fill('operations.run.claim');
    await byTestId('audit-filter-apply').click();
    await page.locator('[data-testid="audit-row"][data-action="operations.run.claim"]').first().waitFor();
    expect(await page.locator('[data-testid="audit-row"][data-action="operations.run.claim"]').count()).toBeGreaterThan(0);
    const inputs = await gqlOk<{ auditLog: { entries: { input: { worker: string } }[] } }>(
      ts, '{ auditLog(filter: { action: "operations.run.claim" }, first: 200) { entries { input } } }', {}, { token: ts.adminToken },
    );
    expect(inputs.auditLog.entries.filter((e) => e.input.worker === 'idle')).toEqual([]);

    // A range in the future holds nothing.
    await byTestId('audit-filter-from').fill('2099-01-01T00:00:00');
    await byTestId('audit-filter-to').fill('2099-01-02T00:00:00');
    await byTestId('audit-filter-apply').click();
    await page.locator('[data-testid="audit-table"] .table__empty').filter({ hasText: 'No audit entries match.' }).waitFor();
    expect(await byTestId('audit-row').count()).toBe(0);
    await shot('audit-filters');
  });
});
