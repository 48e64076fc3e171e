/**
 * The dashboard in a real Chromium against a real Lookout (fresh database, real HTTP and
 * WebSocket): first-admin setup, sign-in, the live clock, API tokens (and their workspace limits),
 * role-based navigation, and recovery after the server goes away and comes back. The steps run in
 * order on one browser.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { projectRoot } from '../../server/config.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql } from '../support/graphql.ts';
import { launchBrowser, SCREENSHOTS, signInPage } from '../support/browser.ts';

const ADMIN = { email: 'first.admin@example.com', password: 'a long admin passphrase' };
const VIEWER = { email: 'viewer@example.com', password: 'a long viewer passphrase' };
/** The longest a page wait may take. */
const WAIT = 15_000;

let ts: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

const byTestId = (id: string) => page.getByTestId(id);

async function serverTime(): Promise<string | null> {
  return byTestId('server-time').getAttribute('data-iso', { timeout: WAIT });
}

/** Waits until the live server clock shows a time other than `previous`. */
async function waitForNextTick(previous: string | null): Promise<string> {
  await page.waitForFunction(
    (before) => {
      const now = document.querySelector('[data-testid="server-time"]')?.getAttribute('data-iso');
      return !!now && now !== before;
    },
    previous,
    { timeout: WAIT },
  );
  return (await serverTime())!;
}

const signIn = (email: string, password: string) => signInPage(page, ts.url, email, password);

async function signOut(): Promise<void> {
  await byTestId('sign-out').click();
  await page.waitForURL(`${ts.url}/signin`, { timeout: WAIT });
}

beforeAll(async () => {
  if (!existsSync(path.join(projectRoot, 'dist', 'client', 'index.html'))) {
    // `npm test` builds the dashboard first; a direct `vitest run tests/e2e` may not have.
    const { build } = await import('vite');
    await build({ configFile: path.join(projectRoot, 'client', 'vite.config.ts'), logLevel: 'warn' });
  }
  await fs.mkdir(SCREENSHOTS, { recursive: true });
  ts = await startTestServer();
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.setDefaultTimeout(WAIT);
});

afterAll(async () => {
  await browser?.close();
  await ts?.close();
});

describe('the dashboard in a browser', () => {
  it('sends a visitor who is not signed in to the sign-in page, with a hint that setup is pending', async () => {
    await page.goto(`${ts.url}/admin/tokens`);
    // Sign-in remembers where the visitor was going (tests/e2e/signin-redirect.test.ts).
    await page.waitForURL(`${ts.url}/signin?next=${encodeURIComponent('/admin/tokens')}`);
    await byTestId('setup-required-hint').waitFor();
  });

  it('creates the first admin from the printed setup link and lands on the Overview', async () => {
    expect(ts.setupUrl).toMatch(/\/setup#token=/);
    await page.goto(ts.setupUrl!);
    await byTestId('setup-email').fill(ADMIN.email);
    await byTestId('setup-password').fill(ADMIN.password);
    await byTestId('setup-confirm').fill(ADMIN.password);
    await byTestId('setup-submit').click();

    await byTestId('current-user-name').filter({ hasText: ADMIN.email }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await byTestId('current-user-role').textContent()).toBe('admin');
    for (const place of ['nav-overview', 'nav-operations', 'nav-alerts', 'nav-system', 'nav-admin']) {
      await byTestId(place).waitFor();
    }
  });

  it('refuses the setup link once it has been used, with the server’s reason', async () => {
    const second = await context.newPage();
    try {
      await second.goto(ts.setupUrl!);
      await second.getByTestId('setup-email').fill('someone.else@example.com');
      await second.getByTestId('setup-password').fill('another long passphrase');
      await second.getByTestId('setup-confirm').fill('another long passphrase');
      await second.getByTestId('setup-submit').click();
      const error = await second.getByTestId('setup-error').textContent({ timeout: WAIT });
      expect(error).toMatch(/already been used|already complete/);
    } finally {
      await second.close();
    }
  });

  it('shows the server time live on the Overview, ticking every second', async () => {
    await page.goto(`${ts.url}/`);
    await byTestId('connection-status').filter({ hasText: 'Live' }).waitFor();
    const first = await waitForNextTick(null);
    const second = await waitForNextTick(first);
    expect(new Date(second).getTime()).toBeGreaterThan(new Date(first).getTime());
    expect(await byTestId('overall-health').textContent()).toMatch(/healthy|not ready|degraded|down/);
    await byTestId('server-version').waitFor();
    // overview.png is written by monitoring.test.ts (the grid with a real service going down)
  });

  it('signs out, refuses a wrong password with the server’s message, and signs back in', async () => {
    await signOut();
    await page.goto(`${ts.url}/`);
    await page.waitForURL(`${ts.url}/signin`);

    await byTestId('signin-email').fill(ADMIN.email);
    await byTestId('signin-password').fill('not the password at all');
    await byTestId('signin-submit').click();
    expect(await byTestId('signin-error').textContent()).toMatch(/not correct/i);

    await signIn(ADMIN.email, ADMIN.password);
    await byTestId('connection-status').filter({ hasText: 'Live' }).waitFor();
    await waitForNextTick(await serverTime());
  });

  it('creates an API token whose secret is shown once, then revokes it', async () => {
    await byTestId('nav-admin').click();
    await page.waitForURL(`${ts.url}/admin/tokens`);
    await byTestId('token-name').fill('ci-deploy');
    await byTestId('token-role').selectOption('OPERATOR');
    await byTestId('token-create-submit').click();

    const secret = await byTestId('new-token-secret').inputValue();
    expect(secret.length).toBeGreaterThan(20);
    expect(await byTestId('new-token').textContent()).toMatch(/will not be shown again/);
    const row = page.locator('[data-testid="token-row"][data-token-name="ci-deploy"]');
    expect(await row.getByTestId('token-status').textContent()).toBe('ACTIVE');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'admin-tokens.png'), fullPage: true });

    // The secret works as a bearer token, with the operator role.
    const me = await gql<{ me: { name: string; role: string } }>(ts, '{ me { name role } }', {}, { token: secret });
    expect(me.data?.me).toEqual({ name: 'ci-deploy', role: 'OPERATOR' });

    await page.reload();
    await row.waitFor();
    expect(await byTestId('new-token-secret').count()).toBe(0);
    expect(await page.content()).not.toContain(secret);

    await row.getByTestId('token-revoke').click();
    await row.getByTestId('token-revoke-confirm').click();
    await page.locator('[data-testid="token-row"][data-token-name="ci-deploy"][data-status="REVOKED"]').waitFor();
    expect(await row.getByTestId('token-status').textContent()).toBe('REVOKED');
    expect(await row.getByTestId('token-revoke').count()).toBe(0);

    const after = await gql(ts, '{ me { name } }', {}, { token: secret });
    expect(after.data?.me ?? null).toBeNull();
  });

  it('creates a token limited to a workspace that does not exist yet, and shows the limit in the table', async () => {
    await page.goto(`${ts.url}/admin/tokens`);
    await page.locator('[data-testid="token-row"][data-token-name="ci-deploy"]').waitFor();
    expect(await page.textContent('body')).toContain('cannot be changed once created');
    await byTestId('token-name').fill('acme-worker');
    await byTestId('token-create-workspaces-only').check();
    // No workspace exists yet: none to tick, so "only these" with none is refused in the page.
    await byTestId('token-create-workspaces').filter({ hasText: 'No workspace exists yet' }).waitFor();
    await byTestId('token-create-submit').click();
    await byTestId('token-create-workspaces-error').filter({ hasText: 'Tick at least one workspace' }).waitFor();
    expect(await page.locator('[data-testid="token-row"][data-token-name="acme-worker"]').count()).toBe(0);

    // A slug typed freely is added, ticked; Enter adds it rather than submitting the form.
    await byTestId('token-create-workspaces-new').fill('acme');
    await byTestId('token-create-workspaces-new').press('Enter');
    expect(await page.locator('[data-testid="token-create-workspaces-option"][data-workspace="acme"]').isChecked()).toBe(true);
    expect(await byTestId('new-token-secret').count()).toBe(0);
    await byTestId('token-create-submit').click();
    const secret = await byTestId('new-token-secret').inputValue();

    const row = page.locator('[data-testid="token-row"][data-token-name="acme-worker"]');
    await row.locator('[data-testid="token-workspaces"][data-workspaces="acme"]').waitFor();
    expect(await row.getByTestId('token-workspaces').textContent()).toContain('acme');
    expect(await page.locator('[data-testid="token-row"][data-token-name="ci-deploy"]').getByTestId('token-workspaces').textContent()).toBe('All workspaces');
    // The form is back to "All workspaces" for the next token.
    expect(await byTestId('token-create-workspaces-all').isChecked()).toBe(true);

    // What the server keeps, and the token works (its limit is enforced by the API: tests/operations).
    const me = await gql<{ me: { name: string } }>(ts, '{ me { name } }', {}, { token: secret });
    expect(me.data?.me.name).toBe('acme-worker');
    const tokens = await gql<{ apiTokens: { name: string; workspaces: string[] | null }[] }>(ts, '{ apiTokens { name workspaces } }', {}, { token: ts.adminToken });
    expect(tokens.data?.apiTokens.find((t) => t.name === 'acme-worker')?.workspaces).toEqual(['acme']);
  });

  it('shows that Lookout is unreachable while the server is down, and recovers without a reload', async () => {
    await page.goto(`${ts.url}/`);
    await byTestId('connection-status').filter({ hasText: 'Live' }).waitFor();
    await waitForNextTick(await serverTime());
    // A reload would lose this mark.
    await page.evaluate(() => ((window as unknown as { lookoutTestMark: string }).lookoutTestMark = 'same page'));

    // ts.restart() is stop() then start(); split here so the outage can be observed.
    await ts.stop();
    await byTestId('connection-status').filter({ hasText: 'Reconnecting…' }).waitFor();
    await byTestId('connection-banner').filter({ hasText: 'Lookout is unreachable — retrying' }).waitFor();
    const lastSeen = await serverTime();

    await ts.start();
    await byTestId('connection-status').filter({ hasText: 'Live' }).waitFor();
    await byTestId('connection-banner').waitFor({ state: 'detached' });
    await waitForNextTick(lastSeen);
    await byTestId('current-user-name').filter({ hasText: ADMIN.email }).waitFor();
    expect(await page.evaluate(() => (window as unknown as { lookoutTestMark?: string }).lookoutTestMark)).toBe('same page');
  }, 60_000);

  it('catches up by itself after a quick restart: reconnects, re-subscribes and refetches', async () => {
    await byTestId('connection-status').filter({ hasText: 'Live' }).waitFor();
    const startedBefore = await byTestId('server-started-at').getAttribute('data-iso');
    // The restart may be too quick to catch with a poll: record every state the indicator shows.
    await page.evaluate(() => {
      const indicator = document.querySelector('[data-testid="connection-status"]')!;
      const seen: string[] = [];
      (window as unknown as { seenStates: string[] }).seenStates = seen;
      new MutationObserver(() => seen.push(indicator.getAttribute('data-state') ?? '')).observe(indicator, {
        attributes: true,
        attributeFilter: ['data-state'],
      });
    });

    await ts.restart();
    await page.waitForFunction(() => {
      const seen = (window as unknown as { seenStates: string[] }).seenStates;
      return seen.includes('reconnecting') && seen.at(-1) === 'live';
    });
    await page.waitForFunction(
      (before) => document.querySelector('[data-testid="server-started-at"]')?.getAttribute('data-iso') !== before,
      startedBefore,
    );
    await waitForNextTick(await serverTime());
    expect(await page.evaluate(() => (window as unknown as { lookoutTestMark?: string }).lookoutTestMark)).toBe('same page');
  }, 60_000);

  it('does not offer the Admin pages to a viewer, who gets "no access" there', async () => {
    const created = await gql(
      ts,
      'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
      { input: { ...VIEWER, role: 'VIEWER' } },
      { token: ts.adminToken },
    );
    expect(created.errors).toBeUndefined();

    await signOut();
    await signIn(VIEWER.email, VIEWER.password);
    expect(await byTestId('current-user-role').textContent()).toBe('viewer');
    await byTestId('nav-overview').waitFor();
    await byTestId('nav-operations').waitFor();
    expect(await byTestId('nav-admin').count()).toBe(0);

    await page.goto(`${ts.url}/admin/tokens`);
    expect(await byTestId('no-access').textContent()).toContain('You do not have access to this page');
    expect(await byTestId('tokens-table').count()).toBe(0);
  });
});
