/**
 * The operations pages in a real Chromium against a real Lookout whose scheduler runs: the start-up
 * checklist blocking submissions until an admin overrides it in the page, the Runs / Failures /
 * Stuck lists (one call to action each, rows that open by a click anywhere), an operation's detail
 * with retry, cancel and mark investigated, the ops summary on the Overview, and what a viewer is
 * not offered. Runs are made over GraphQL the way workers make them. The steps run in order.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { projectRoot } from '../../server/config.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';
import { launchBrowser, SCREENSHOTS } from '../support/browser.ts';
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

async function signIn(email: string, password: string): Promise<void> {
  await page.goto(`${ts.url}/signin`);
  await byTestId('signin-email').fill(email);
  await byTestId('signin-password').fill(password);
  await byTestId('signin-submit').click();
  await byTestId('current-user-name').filter({ hasText: email }).waitFor();
}

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

/** Every GraphQL request body the page sends, to show that a refused form sent nothing. */
const sentBodies: string[] = [];

beforeAll(async () => {
  if (!existsSync(path.join(projectRoot, 'dist', 'client', 'index.html'))) {
    const { build } = await import('vite');
    await build({ configFile: path.join(projectRoot, 'client', 'vite.config.ts'), logLevel: 'warn' });
  }
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
});
