/**
 * Regressions (found by a review of the command line as a user): `lookout` with no command exited 0;
 * `--role viewer --role admin` made an admin token (the last value won, silently); `--expires-in-days
 * 1e9` said only "Invalid time value"; a database that cannot be opened was told in the driver's
 * words, naming neither the database nor DATABASE_URL.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const bin = path.resolve(import.meta.dirname, '..', 'bin', 'lookout.mjs');
const run = promisify(execFile);

async function lookout(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const { DATABASE_URL: _d, LOOKOUT_URL: _u, LOOKOUT_TOKEN: _t, ...base } = process.env;
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env: { ...base, LOG_LEVEL: 'warn', ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the command line, used wrongly', () => {
  it('asks for a command when given none (exit 2, with the usage); help still exits 0', async () => {
    const none = await lookout([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^Name a command\.\n\nUsage: lookout <command>/);
    expect((await lookout(['help'])).code).toBe(0);
  });

  it('refuses an option given twice, naming it, before touching any database', async () => {
    const twice = await lookout(['token', 'create', '--name', 'x', '--role', 'viewer', '--role', 'admin'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/^--role was given twice; give it once\./);
    const maintenance = await lookout(['maintenance', 'start', '--for', '1m', '--for', '2m', '--all'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(maintenance.code).toBe(2);
    expect(maintenance.stderr).toMatch(/--for was given twice/);
  });

  it('refuses a token lifetime it cannot keep, saying what it takes', async () => {
    const result = await lookout(['token', 'create', '--name', 'x', '--role', 'viewer', '--expires-in-days', '1e9'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^--expires-in-days must be a number of days from 0 \(not included\) to 3650, got "1e9"\./);
  });

  it('names the database and DATABASE_URL, without its password, when it cannot be opened', async () => {
    const result = await lookout(['token', 'create', '--name', 'x', '--role', 'viewer'], { DATABASE_URL: 'postgres://someone:s3cret-pw@127.0.0.1:1/none' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Cannot open the database of DATABASE_URL \(postgres:\/\/someone:\[redacted\]@127\.0\.0\.1:1\/none\): /);
    expect(result.stderr).not.toContain('s3cret-pw');
  });
});
