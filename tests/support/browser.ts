/** Headless Chromium (Debian's, at /usr/bin/chromium) driven by playwright-core. */
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}: run \`apt-get install -y chromium\` (.ci/run does).`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Where browser tests save screenshots: `docs/screenshots/` when UPDATE_SCREENSHOTS=1 (to refresh
 * the committed pictures), otherwise a temporary folder, so a test run leaves the tree clean.
 */
export const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1'
  ? path.resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots')
  : mkdtempSync(path.join(os.tmpdir(), 'lookout-screenshots-'));

/** Signs in through the dashboard's form on the Lookout at `baseUrl`, and waits until the page shows the user. */
export async function signInPage(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/signin`);
  await page.getByTestId('signin-email').fill(email);
  await page.getByTestId('signin-password').fill(password);
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('current-user-name').filter({ hasText: email }).waitFor();
}

/** Builds the dashboard into dist/client when it is not there (a browser test run alone, before `npm run build:client`). */
export async function ensureDashboardBuilt(): Promise<void> {
  const { projectRoot } = await import('../../server/config.ts');
  if (existsSync(path.join(projectRoot, 'dist', 'client', 'index.html'))) return;
  const { build } = await import('vite');
  await build({ configFile: path.join(projectRoot, 'client', 'vite.config.ts'), logLevel: 'warn' });
}
