/**
 * The operations pages in a real Chromium against a real Lookout whose scheduler runs: the start-up
 * checklist blocking submissions until an admin overrides it in the page, the Runs / Failures /
 * Stuck lists (one call to action each, rows that open by a click anywhere), an operation's detail
 * with retry, cancel and mark investigated, the ops summary on the Overview, and what a viewer is
 * not offered; then the lists kept live as workers complete runs, the tenant filter, and a user
 * limited to one workspace in Admin → Users. Runs are made over GraphQL the way workers make them.
 * The steps run in order.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';
import { launchBrowser, SCREENSHOTS, signInPage, ensureDashboardBuilt } from '../support/browser.ts';
import { CLAIM, COMPLETE, SUBMIT, type ClaimResult, type SubmitResult } from '../operations/support.ts';

/** SUBMIT with the initiator's name, as automation names itself. */
const SUBMIT_AS = `mutation SubmitAs($type: String!, $workspace: String!, $tenant: String, $input: JSON, $key: String, $initiator: String) {
  submitRun(type: $type, workspace: $workspace, tenant: $tenant, input: $input, idempotencyKey: $key, initiatorName: $initiator) { run { id } }
}`;

const ADMIN = { email: 'ops.admin@example.com', password: 'a long admin passphrase' };
const VIEWER = { email: 'ops.viewer@example.com', password: 'a long viewer passphrase' };
/** The longest a page wait may take. */
const WAIT = 15_000;
const RUNBOOKS_DEFAULT = 'https://example.com/runbooks';

/**
 * A config file replaces the built-in services, so it declares the two critical ones again. Labels
 * for the two types; "reports.build" is stuck (queued too long) one second after it is queued.
 */
const CONFIG = `
services:
  - { name: lookout, displayName: Lookout, kind: lookout, target: lookout, critical: true, interval: 1s }
  - { name: postgres, displayName: PostgreSQL, kind: postgres, target: self, critical: true, interval: 1s }
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
let context: BrowserContext;
let page: Page;
let operator: { token: string };

/** The runs the steps share. */
const runs = { failed: '', succeeded: '', queued: '', stuck: '', retry: '' };

const byTestId = (id: string) => page.getByTestId(id);
const row = (id: string) => page.locator(`[data-testid="run-row"][data-run-id="${id}"]`);
const check = (name: string) => page.locator(`[data-testid="startup-check"][data-check="${name}"]`);
const detail = (id: string, attribute = '') => page.locator(`[data-testid="run-detail"][data-run-id="${id}"]${attribute}`);
const pathname = () => new URL(page.url()).pathname;

const signIn = (email: string, password: string) => signInPage(page, ts.url, email, password);

async function submit(type: string, workspace: string, extra: { tenant?: string; input?: unknown; key?: string; initiator?: string } = {}): Promise<string> {
  const r = await gqlOk<SubmitResult>(ts, SUBMIT_AS, { type, workspace, tenant: extra.tenant, input: extra.input, key: extra.key, initiator: extra.initiator }, operator);
  return r.submitRun.run.id;
}

/** Claims the oldest queued run of the type (it must be `id`) as worker-1. */
async function claim(id: string, type = 'billing.invoice'): Promise<string> {
  const { claimRun } = await gqlOk<ClaimResult>(ts, CLAIM, { worker: 'worker-1', types: [type], lease: 120 }, operator);
  expect(claimRun?.run.id).toBe(id);
  return claimRun!.leaseToken;
}

/** Waits until the server classifies the run as stuck (a second after it was queued). */
async function untilStuck(id: string): Promise<void> {
  const deadline = Date.now() + WAIT;
  for (;;) {
    const { operationStuck } = await gqlOk<{ operationStuck: { runs: { id: string }[] } }>(ts, '{ operationStuck(first: 20) { runs { id } } }', {}, operator);
    if (operationStuck.runs.some((r) => r.id === id)) return;
    if (Date.now() > deadline) throw new Error(`operation ${id} never became stuck`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The text of each option of a select (optgroups flattened), as the user reads them. */
async function optionTexts(select: string, on: Page = page): Promise<string[]> {
  return on.getByTestId(select).locator('option').evaluateAll((els) => els.map((el) => el.textContent ?? ''));
}

/** Marks the window: a reload would lose the mark. */
async function markPage(): Promise<void> {
  await page.evaluate(() => ((window as unknown as { lookoutTestMark: string }).lookoutTestMark = 'same page'));
}

async function pageWasNotReloaded(): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { lookoutTestMark?: string }).lookoutTestMark === 'same page');
}

/** A run of a type only the later steps use (one type per concurrent worker), claimed and completed as a worker does. */
async function runToCompletion(workspace: string, outcome: 'SUCCEEDED' | 'FAILED', extra: { tenant?: string; type?: string } = {}): Promise<string> {
  const type = extra.type ?? 'billing.refund';
  const id = await submit(type, workspace, { tenant: extra.tenant, initiator: 'refund-worker' });
  const lease = await claim(id, type);
  await gqlOk(ts, COMPLETE, { id, token: lease, outcome, error: outcome === 'FAILED' ? 'refund refused' : null }, operator);
  return id;
}

/** Every GraphQL request body the page sends, to show that a refused form sent nothing. */
const sentBodies: string[] = [];

beforeAll(async () => {
  await ensureDashboardBuilt();
  await fs.mkdir(SCREENSHOTS, { recursive: true });
  configDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-e2e-ops-'));
  const configFile = path.join(configDir, 'lookout.yaml');
  await fs.writeFile(configFile, CONFIG);

  // A fresh server: no worker has ever registered, so the start-up checklist blocks.
  ts = await startTestServer({ config: { configFile } });
  const setup = new URLSearchParams(new URL(ts.setupUrl!).hash.slice(1)).get('token');
  await gqlOk(ts, 'mutation($t: String!, $e: String!, $p: String!) { completeSetup(token: $t, email: $e, password: $p) { expiresAt } }', { t: setup, ...{ e: ADMIN.email, p: ADMIN.password } });
  await gqlOk(ts, 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: { ...VIEWER, role: 'VIEWER' } }, { token: ts.adminToken });
  const created = await gqlOk<{ createApiToken: { secret: string } }>(
    ts,
    'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { secret } }',
    { input: { name: 'e2e-operator', role: 'OPERATOR' } },
    { token: ts.adminToken },
  );
  operator = { token: created.createApiToken.secret };

  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  page.on('request', (request) => {
    if (request.url().endsWith('/graphql') && request.method() === 'POST') sentBodies.push(request.postData() ?? '');
  });
  await signIn(ADMIN.email, ADMIN.password);
});

afterAll(async () => {
  await browser?.close();
  await ts?.close();
  if (configDir) await fs.rm(configDir, { recursive: true, force: true });
});

describe('operations in the dashboard', () => {
  it('blocks submissions while the start-up checklist fails, until an admin overrides the check in the page', async () => {
    const refused = await gql(ts, SUBMIT, { type: 'reports.build', workspace: 'acme' }, operator);
    expect(refused.errors?.[0]?.extensions?.code).toBe('NOT_READY');

    await page.goto(`${ts.url}/system`);
    await byTestId('system-checklist-verdict').and(page.locator('[data-ready="false"]')).waitFor();
    await byTestId('system-checklist-link').click();
    await page.waitForURL(`${ts.url}/system/startup`);

    // No worker ever registered: a failed, required, blocking check, first and in red, with its error.
    const worker = check('worker_online');
    await page.locator('[data-testid="startup-check"][data-check="worker_online"][data-state="FAILED"][data-blocking="true"]').waitFor();
    expect(await worker.getByTestId('check-error').textContent()).toMatch(/no worker has sent a heartbeat/);
    expect(await page.getByTestId('startup-check').first().getAttribute('data-check')).toBe('worker_online');
    expect(await worker.evaluate((el) => getComputedStyle(el).boxShadow)).toContain('rgb(179, 38, 30)');
    expect(await byTestId('checklist-verdict').getAttribute('data-ready')).toBe('false');
    expect(await byTestId('checklist-verdict').textContent()).toContain('At least one worker is online');
    expect(await check('required_files').getByTestId('check-optional').count()).toBe(1);

    // The scheduler checks the critical services within a second; the page follows live (or on request).
    await byTestId('checklist-rerun').click();
    await page.locator('[data-testid="startup-check"][data-check="critical_services"][data-state="PASSED"]').waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'startup-checklist.png'), fullPage: true });

    // A reason that is too short is refused in the page, and nothing is sent.
    await worker.getByTestId('check-override-open').click();
    const before = sentBodies.length;
    await worker.getByTestId('check-override-reason').fill('ok');
    await worker.getByTestId('check-override-submit').click();
    await worker.locator('.field__error').filter({ hasText: '5–500 characters' }).waitFor();
    expect(sentBodies.slice(before).filter((b) => b.includes('overrideStartupCheck'))).toEqual([]);

    await worker.getByTestId('check-override-reason').fill('Workers are deployed after the control plane; accept runs meanwhile.');
    await worker.getByTestId('check-override-submit').click();
    await worker.getByTestId('check-override').filter({ hasText: ADMIN.email }).waitFor();
    await page.locator('[data-testid="checklist-verdict"][data-ready="true"]').waitFor();

    // Unblocked: the stuck run of the later steps is queued here (no worker runs reports.build).
    runs.stuck = await submit('reports.build', 'acme', { initiator: 'report-scheduler', input: { report: 'monthly' } });
  });

  it('lists every operation on Runs, with "Go to runbooks" as its one call to action and no row actions', async () => {
    // A worker joins; a failed, a succeeded and a queued invoice run, each from the worker's side.
    await gqlOk(ts, 'mutation { registerWorker(name: "worker-1", types: ["billing.invoice"], capacity: 2) { name } }', {}, operator);
    runs.failed = await submit('billing.invoice', 'acme', { tenant: 'acme-eu', initiator: 'nightly-billing', input: { invoice: 'INV-1001', amount: 4200 }, key: 'inv-1001' });
    let lease = await claim(runs.failed);
    await gqlOk(ts, COMPLETE, { id: runs.failed, token: lease, outcome: 'FAILED', error: 'card declined', result: { declined: true, gateway: 'stripe' } }, operator);
    runs.succeeded = await submit('billing.invoice', 'globex', { initiator: 'nightly-billing', input: { invoice: 'INV-1002' } });
    lease = await claim(runs.succeeded);
    await gqlOk(ts, COMPLETE, { id: runs.succeeded, token: lease, outcome: 'SUCCEEDED', result: { sent: true } }, operator);
    runs.queued = await submit('billing.invoice', 'acme', { initiator: 'alice', input: { invoice: 'INV-1003' } });

    await byTestId('nav-operations').click();
    await page.waitForURL(`${ts.url}/system/ops/runs`);
    for (const id of Object.values(runs).filter(Boolean)) await row(id).waitFor();
    const failed = row(runs.failed);
    expect(await failed.getAttribute('data-status')).toBe('COMPLETED');
    expect(await failed.getAttribute('data-outcome')).toBe('FAILED');
    expect(await failed.getByTestId('run-title').textContent()).toContain(`Operation #${runs.failed}`);
    expect(await failed.getByTestId('run-type').textContent()).toContain('Send invoice');
    expect(await failed.getByTestId('run-workspace').textContent()).toContain('acme');
    expect(await failed.getByTestId('run-tenant').textContent()).toContain('acme-eu');
    expect(await failed.getByTestId('run-initiator').textContent()).toContain('nightly-billing');
    expect(await failed.getByTestId('run-status').textContent()).toBe('Completed');
    expect(await failed.getByTestId('run-status').isVisible()).toBe(true);
    expect(await failed.getByTestId('run-outcome').textContent()).toBe('Failed');
    expect(await failed.getByTestId('run-created').textContent()).toMatch(/\d\d:\d\d:\d\d/);
    expect(await row(runs.stuck).getByTestId('run-type').textContent()).toContain('Build report');

    // Exactly one call to action, in the header; rows hold no buttons, checkboxes or other controls.
    const ctas = page.locator('[data-cta]');
    expect(await ctas.count()).toBe(1);
    expect(await byTestId('page-header-actions').locator('a, button').count()).toBe(1);
    expect(await byTestId('cta-runbooks').textContent()).toBe('Go to runbooks');
    expect(await byTestId('cta-runbooks').getAttribute('href')).toBe(RUNBOOKS_DEFAULT);
    expect(await page.locator('[data-testid="run-row"] :is(a, button, input, select)').count()).toBe(0);
    expect(await page.locator('input[type="checkbox"]').count()).toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'operations-runs.png'), fullPage: true });

    // Filters go to the server: one workspace, then free text.
    await byTestId('run-filter-workspace').selectOption('globex');
    await byTestId('run-filter-apply').click();
    await page.waitForURL(/workspace=globex/);
    await page.locator('[data-testid="runs-runs"][data-loaded="true"]').waitFor();
    await row(runs.failed).waitFor({ state: 'detached' });
    expect(await page.getByTestId('run-row').count()).toBe(1);
    await row(runs.succeeded).waitFor();
    await byTestId('run-filter-clear').click();
    await row(runs.failed).waitFor();
  });

  it('lists the failed operation on Failures and the stuck one on Stuck with its class, each offering "Show all operations"', async () => {
    await byTestId('ops-tab-failures').click();
    await page.waitForURL(`${ts.url}/system/ops/failures`);
    await row(runs.failed).waitFor();
    expect(await page.getByTestId('run-row').count()).toBe(1);
    expect(await page.locator('[data-cta]').count()).toBe(1);
    expect(await byTestId('page-header-actions').locator('a, button').count()).toBe(1);
    expect(await byTestId('cta-all-operations').textContent()).toBe('Show all operations');

    // An empty list offers the same single call to action, and the header still has it.
    await byTestId('run-filter-text').fill('no such operation anywhere');
    await byTestId('run-filter-apply').click();
    await byTestId('runs-empty').waitFor();
    expect(await byTestId('runs-empty').locator('a, button').count()).toBe(1);
    expect(await byTestId('runs-empty').locator('[data-cta="all-operations"]').count()).toBe(1);
    expect(await page.locator('[data-cta]').evaluateAll((els) => els.map((el) => el.textContent))).toEqual(['Show all operations', 'Show all operations']);

    await untilStuck(runs.stuck);
    await byTestId('ops-tab-stuck').click();
    await page.waitForURL(`${ts.url}/system/ops/stuck`);
    const stuck = row(runs.stuck);
    await stuck.waitFor();
    expect(await page.getByTestId('run-row').count()).toBe(1);
    expect(await stuck.getAttribute('data-stuck-class')).toBe('QUEUED_TOO_LONG');
    expect(await stuck.getByTestId('run-stuck').textContent()).toContain('Queued too long');
    expect(await stuck.getByTestId('run-stuck-reason').textContent()).toMatch(/no worker took it/);
    expect(await page.locator('[data-cta]').count()).toBe(1);

    await byTestId('cta-all-operations').click();
    await page.waitForURL(`${ts.url}/system/ops/runs`);
  });

  it('opens an operation by a click anywhere on its row, or from the keyboard', async () => {
    // The created time, far from the title: still the same link.
    await row(runs.failed).getByTestId('run-created').click();
    await page.waitForURL(`${ts.url}/system/ops/runs/${runs.failed}`);
    await detail(runs.failed).waitFor();

    await page.goBack();
    await row(runs.succeeded).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`${ts.url}/system/ops/runs/${runs.succeeded}`);
    await detail(runs.succeeded).waitFor();
  });

  it('shows every field of a failed operation with the services around its failure, and the ways out', async () => {
    await page.goto(`${ts.url}/system/ops/runs/${runs.failed}`);
    const run = detail(runs.failed, '[data-outcome="FAILED"]');
    await run.waitFor();
    expect(await byTestId('run-error').textContent()).toBe('card declined');
    expect(await byTestId('fact-type').textContent()).toContain('Send invoice');
    expect(await byTestId('fact-tenant').textContent()).toContain('acme-eu');
    expect(await byTestId('fact-initiator').textContent()).toBe('nightly-billing');
    expect(await byTestId('fact-idempotency-key').textContent()).toBe('inv-1001');
    expect(await byTestId('fact-attempt').textContent()).toMatch(/1 of \d/);
    expect(JSON.parse((await byTestId('run-input').textContent())!)).toEqual({ invoice: 'INV-1001', amount: 4200 });
    expect(JSON.parse((await byTestId('run-result').textContent())!)).toEqual({ declined: true, gateway: 'stripe' });
    expect(JSON.parse((await byTestId('run-context').textContent())!)).toEqual(expect.any(Object));
    const actions = await page.getByTestId('audit-entry').evaluateAll((els) => els.map((el) => el.getAttribute('data-action')));
    expect(actions).toEqual(expect.arrayContaining(['operations.run.submit', 'operations.run.claim', 'operations.run.complete']));
    // The critical services (the type names none), each as a strip with the failure marked.
    const strip = page.locator('[data-testid="service-strip"][data-service="postgres"]');
    await strip.locator('[data-testid="timeline-window"]').first().waitFor();
    expect(await page.getByTestId('service-strip').count()).toBeGreaterThanOrEqual(2);
    // The ways out stay in the header next to the triage buttons.
    expect(await byTestId('cta-all-operations').getAttribute('href')).toBe('/system/ops/runs');
    expect(await byTestId('cta-runbooks').getAttribute('href')).toBe(RUNBOOKS_DEFAULT);
    for (const action of ['run-retry', 'run-cancel', 'run-investigate']) await byTestId(action).waitFor();
    expect(await byTestId('run-cancel').isDisabled()).toBe(true);
  });

  it('refuses a too-short investigation reason in the page without a request, then records a valid one', async () => {
    const auditBefore = await page.getByTestId('audit-entry').count();
    await byTestId('run-investigate').click();
    const before = sentBodies.length;
    await byTestId('run-investigate-reason').fill('meh ');
    await byTestId('run-investigate-submit').click();
    await page.locator('[data-testid="run-investigate-form"] .field__error').filter({ hasText: '5–500 characters (it has 3)' }).waitFor();
    expect(sentBodies.slice(before).filter((b) => b.includes('markOperationRunInvestigated'))).toEqual([]);
    expect(await page.locator('[data-testid="audit-entry"][data-action="platform.system_console.mark_investigated"]').count()).toBe(0);
    expect(await page.getByTestId('audit-entry').count()).toBe(auditBefore);

    const reason = 'Card expired; support asked the customer for a new one.';
    await byTestId('run-investigate-reason').fill(reason);
    await byTestId('run-investigate-submit').click();
    await byTestId('run-investigated').filter({ hasText: reason }).waitFor();
    expect(await byTestId('run-investigated').textContent()).toContain(ADMIN.email);
    await page.locator('[data-testid="audit-entry"][data-action="platform.system_console.mark_investigated"]').waitFor();
    expect(JSON.parse((await byTestId('run-context').textContent())!).triage.investigated.reason).toBe(reason);
  });

  it('retries a failed operation and opens the new queued run, linked both ways', async () => {
    await byTestId('run-retry').click();
    await byTestId('run-retry-confirm').click(); // asks first (tests/e2e/operations-triage.test.ts covers the rest)
    await byTestId('run-retried-link').click();
    await page.waitForURL((url) => /^\/system\/ops\/runs\/\d+$/.test(url.pathname) && url.pathname !== `/system/ops/runs/${runs.failed}`);
    runs.retry = pathname().split('/').pop()!;
    await detail(runs.retry, '[data-status="QUEUED"]').waitFor();
    expect(await byTestId('detail-run-outcome').textContent()).toBe('Pending');
    const back = byTestId('retried-from').getByTestId('lineage-link');
    expect(await back.getAttribute('data-run-id')).toBe(runs.failed);

    await back.click();
    await detail(runs.failed).waitFor();
    expect(await byTestId('retried-as').getByTestId('lineage-link').getAttribute('data-run-id')).toBe(runs.retry);
    await page.locator('[data-testid="audit-entry"][data-action="platform.system_console.retry"]').waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SCREENSHOTS, 'operation-detail.png'), fullPage: true });
  });

  it('follows an operation live, and cancels it only after confirmation', async () => {
    await page.goto(`${ts.url}/system/ops/runs/${runs.queued}`);
    await detail(runs.queued, '[data-status="QUEUED"]').waitFor();
    // The worker takes it: the page shows it running without a reload.
    await claim(runs.queued);
    await detail(runs.queued, '[data-status="RUNNING"]').waitFor();
    expect(await byTestId('fact-lease').textContent()).toContain('worker-1');

    await byTestId('run-cancel').click();
    await byTestId('run-cancel-confirmation').waitFor();
    expect(await detail(runs.queued).getAttribute('data-status')).toBe('RUNNING');
    await byTestId('run-cancel-confirm').click();
    await detail(runs.queued, '[data-outcome="CANCELLED"]').waitFor();
    expect(await byTestId('detail-run-outcome').textContent()).toBe('Cancelled');
    expect(await byTestId('detail-run-outcome').evaluate((el) => getComputedStyle(el).textTransform)).toBe('uppercase');
    await byTestId('run-cancelled').filter({ hasText: ADMIN.email }).waitFor();
    const sent = sentBodies.find((b) => b.includes('cancelOperationRun'));
    expect(sent).toContain('confirm: true');
  });

  it('answers "Healthy right now?" at the top of the Overview, with its reasons in words', async () => {
    await byTestId('nav-overview').click();
    const summary = byTestId('ops-summary');
    await summary.and(page.locator('[data-status="degraded"]')).waitFor();
    expect(await byTestId('ops-summary-status').textContent()).toBe('No, degraded');
    expect(await page.locator('[data-testid="ops-summary-reasons"] [data-reason="FAILED_RUNS"]').textContent()).toMatch(/failed/);
    expect(await page.locator('[data-testid="ops-summary-reasons"] [data-reason="BLOCKED_RUNS"]').count()).toBe(1);
    expect(Number(await byTestId('ops-count-failed').getAttribute('data-count'))).toBe(1);
    expect(Number(await byTestId('ops-count-workers').getAttribute('data-count'))).toBe(1);
    // It sits above the service grid.
    const [summaryTop, gridTop] = await Promise.all([summary.boundingBox(), byTestId('server-strip').boundingBox()]);
    expect(summaryTop!.y).toBeLessThan(gridTop!.y);
  });

  it('offers a viewer no Retry, Cancel, Mark investigated or Override, but the ways out', async () => {
    await context.clearCookies();
    await signIn(VIEWER.email, VIEWER.password);
    await page.goto(`${ts.url}/system/ops/runs/${runs.retry}`);
    await detail(runs.retry, '[data-status="QUEUED"]').waitFor();
    for (const action of ['run-actions', 'run-retry', 'run-cancel', 'run-investigate']) expect(await byTestId(action).count()).toBe(0);
    await byTestId('cta-all-operations').waitFor();
    await byTestId('cta-runbooks').waitFor();

    await page.goto(`${ts.url}/system/startup`);
    await byTestId('startup-check').first().waitFor();
    expect(await byTestId('checklist-rerun').count()).toBe(0);
    expect(await byTestId('check-override-open').count()).toBe(0);
  });

  it('shows a run a worker submits, claims and completes on Runs as it happens, updating its row in place', async () => {
    await page.goto(`${ts.url}/system/ops/runs`);
    await page.locator('[data-testid="runs-runs"][data-loaded="true"]').waitFor();
    await markPage();

    const id = await submit('billing.refund', 'acme', { tenant: 'acme-eu', initiator: 'refund-worker' });
    const live = row(id);
    await page.locator(`[data-testid="run-row"][data-run-id="${id}"][data-status="QUEUED"]`).waitFor();
    // The row keeps its element and its focus while the run changes.
    await live.focus();
    await live.evaluate((el) => ((el as HTMLElement).dataset.sameElement = 'yes'));
    const lease = await claim(id, 'billing.refund');
    await page.locator(`[data-testid="run-row"][data-run-id="${id}"][data-status="RUNNING"]`).waitFor();
    await gqlOk(ts, COMPLETE, { id, token: lease, outcome: 'FAILED', error: 'refund refused' }, operator);
    await page.locator(`[data-testid="run-row"][data-run-id="${id}"][data-outcome="FAILED"]`).waitFor();
    expect(await live.getByTestId('run-outcome').textContent()).toBe('Failed');
    expect(await live.getAttribute('data-same-element')).toBe('yes');
    expect(await live.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await pageWasNotReloaded()).toBe(true);
  });

  it('keeps up with a burst of runs on Runs, fetching the list about once a second however many change', async () => {
    const fetches = () => sentBodies.filter((b) => b.includes('query OperationRuns(')).length;
    const before = fetches();
    const started = Date.now();
    // Two workers at once, ten runs each (submitted, claimed, completed): 60 changes in a few seconds.
    const worker = async (workspace: string, type: string) => {
      const mine: string[] = [];
      for (let i = 0; i < 10; i++) mine.push(await runToCompletion(workspace, i % 2 ? 'FAILED' : 'SUCCEEDED', { type }));
      return mine;
    };
    const ids = (await Promise.all([worker('acme', 'billing.refund'), worker('globex', 'billing.payout')])).flat();
    for (const id of ids) await page.locator(`[data-testid="run-row"][data-run-id="${id}"][data-status="COMPLETED"]`).waitFor();
    const seconds = (Date.now() - started) / 1000;
    const refetches = fetches() - before;
    expect(refetches).toBeGreaterThan(0);
    expect(refetches).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
    expect(await pageWasNotReloaded()).toBe(true);
  });

  it('adds a run that fails to Failures without a reload', async () => {
    await byTestId('ops-tab-failures').click();
    await page.waitForURL(`${ts.url}/system/ops/failures`);
    await page.locator('[data-testid="runs-failures"][data-loaded="true"]').waitFor();
    await markPage();
    const shown = await page.getByTestId('run-row').count();
    const id = await runToCompletion('acme', 'FAILED', { tenant: 'acme-eu' });
    await row(id).waitFor();
    expect(await page.getByTestId('run-row').first().getAttribute('data-run-id')).toBe(id);
    expect(await page.getByTestId('run-row').count()).toBe(shown + 1);
    // A run that succeeds does not belong here and does not show up.
    const succeeded = await runToCompletion('acme', 'SUCCEEDED');
    await page.waitForTimeout(1500);
    expect(await row(succeeded).count()).toBe(0);
    expect(await pageWasNotReloaded()).toBe(true);
  });

  it('offers the tenants of the chosen workspace in the tenant filter, and filters the list by one', async () => {
    const acmeUs = await submit('billing.refund', 'acme', { tenant: 'acme-us' });
    await submit('billing.refund', 'globex', { tenant: 'globex-eu' });
    await page.goto(`${ts.url}/system/ops/runs`);
    await page.locator('[data-testid="runs-runs"][data-loaded="true"]').waitFor();

    // Any workspace: every tenant, grouped under its workspace; choosing one chooses its workspace.
    await expect.poll(() => optionTexts('run-filter-tenant')).toEqual(['any', 'acme / acme-eu', 'acme / acme-us', 'globex / globex-eu']);
    expect(await byTestId('run-filter-tenant').locator('optgroup').evaluateAll((els) => els.map((el) => el.getAttribute('label')))).toEqual(['acme', 'globex']);
    await byTestId('run-filter-tenant').selectOption({ label: 'globex / globex-eu' });
    expect(await byTestId('run-filter-workspace').inputValue()).toBe('globex');
    await expect.poll(() => optionTexts('run-filter-tenant')).toEqual(['any', 'globex-eu']);
    expect(await byTestId('run-filter-tenant').inputValue()).toBe('globex-eu');

    // Another workspace: its tenants only, and "any tenant" again.
    await byTestId('run-filter-workspace').selectOption('acme');
    await expect.poll(() => optionTexts('run-filter-tenant')).toEqual(['any', 'acme-eu', 'acme-us']);
    expect(await byTestId('run-filter-tenant').inputValue()).toBe('');
    await byTestId('run-filter-tenant').selectOption('acme-us');
    await byTestId('run-filter-apply').click();
    await page.waitForURL((url) => url.searchParams.get('workspace') === 'acme' && url.searchParams.get('tenant') === 'acme-us');
    await row(runs.failed).waitFor({ state: 'detached' });
    await row(acmeUs).waitFor();
    expect(await page.getByTestId('run-tenant').evaluateAll((els) => [...new Set(els.map((el) => el.textContent))])).toEqual(['Tenant: acme-us']);

    // The address keeps the filter: a reload shows the same list with the same choices.
    await page.reload();
    await row(acmeUs).waitFor();
    await expect.poll(() => byTestId('run-filter-tenant').inputValue()).toBe('acme-us');
    expect(await byTestId('run-filter-workspace').inputValue()).toBe('acme');
  });

  it('limits a user to one workspace in Admin → Users; signed in elsewhere, they see only its runs', async () => {
    await context.clearCookies();
    await signIn(ADMIN.email, ADMIN.password);
    await page.goto(`${ts.url}/admin/users`);

    // A new account limited from the start: the workspaces that exist are offered.
    await byTestId('user-email').fill('acme.auditor@example.com');
    await byTestId('user-password').fill('a long auditor passphrase');
    await byTestId('user-create-workspaces-only').check();
    await page.locator('[data-testid="user-create-workspaces-option"][data-workspace="acme"]').check();
    await byTestId('user-create-submit').click();
    await byTestId('user-created').waitFor();
    await page.locator('[data-testid="user-row"][data-user-email="acme.auditor@example.com"] [data-testid="user-workspaces"][data-workspaces="acme"]').waitFor();
    expect(await byTestId('user-create-workspaces-all').isChecked()).toBe(true);

    const user = page.locator(`[data-testid="user-row"][data-user-email="${VIEWER.email}"]`);
    expect(await user.getByTestId('user-workspaces').textContent()).toBe('All workspaces');
    await user.getByTestId('user-workspaces-edit').click();
    const editor = byTestId('user-workspaces-editor');
    await editor.getByTestId('user-workspaces-field-only').check();

    // None ticked, then a slug that is not one: each refused in the page, naming what is wrong.
    const before = sentBodies.length;
    await editor.getByTestId('user-workspaces-save').click();
    await editor.getByTestId('user-workspaces-field-error').filter({ hasText: 'Tick at least one workspace' }).waitFor();
    await editor.getByTestId('user-workspaces-field-new').fill('Globex Corp');
    await editor.getByTestId('user-workspaces-field-add').click();
    await editor.getByTestId('user-workspaces-field-error').filter({ hasText: '“Globex Corp” is not a workspace slug' }).waitFor();
    expect(sentBodies.slice(before).filter((b) => b.includes('setUserWorkspaces'))).toEqual([]);

    // The workspaces that exist are offered; globex it is.
    await editor.getByTestId('user-workspaces-field-new').fill('');
    expect(await editor.getByTestId('user-workspaces-field-option').evaluateAll((els) => els.map((el) => el.getAttribute('data-workspace')))).toEqual(['acme', 'globex']);
    await editor.locator('[data-testid="user-workspaces-field-option"][data-workspace="globex"]').check();
    await editor.getByTestId('user-workspaces-save').click();
    await user.locator('[data-testid="user-workspaces"][data-workspaces="globex"]').waitFor();
    await editor.waitFor({ state: 'detached' });
    expect(await user.getByTestId('user-workspaces').textContent()).toContain('globex');

    const { operationRuns } = await gqlOk<{ operationRuns: { runs: { id: string }[] } }>(ts, '{ operationRuns(filter: { workspace: "globex" }, first: 100) { runs { id } } }', {}, { token: ts.adminToken });
    const other = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    try {
      const viewer = await other.newPage();
      viewer.setDefaultTimeout(WAIT);
      await signInPage(viewer, ts.url, VIEWER.email, VIEWER.password);
      await viewer.goto(`${ts.url}/system/ops/runs`);
      await viewer.locator('[data-testid="runs-runs"][data-loaded="true"]').waitFor();
      const shown = await viewer.getByTestId('run-row').evaluateAll((els) => els.map((el) => el.getAttribute('data-run-id')));
      expect(shown.sort()).toEqual(operationRuns.runs.map((r) => r.id).sort());
      expect(await viewer.getByTestId('run-workspace').evaluateAll((els) => [...new Set(els.map((el) => el.textContent))])).toEqual(['Workspace: globex']);
      await expect.poll(() => optionTexts('run-filter-workspace', viewer)).toEqual(['any', 'globex']);
      await expect.poll(() => optionTexts('run-filter-tenant', viewer)).toEqual(['any', 'globex / globex-eu']);
      // Live too, within the limit: a new acme run does not appear, a new globex run does.
      const acme = await submit('billing.refund', 'acme');
      const globex = await submit('billing.refund', 'globex');
      await viewer.locator(`[data-testid="run-row"][data-run-id="${globex}"]`).waitFor();
      expect(await viewer.locator(`[data-testid="run-row"][data-run-id="${acme}"]`).count()).toBe(0);
    } finally {
      await other.close();
    }
  });
});
