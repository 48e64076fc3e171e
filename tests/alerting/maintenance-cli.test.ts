/** `lookout maintenance start|end|list` as a CI job runs it: a real process, through the API (LOOKOUT_URL + token) and on the database. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk } from '../support/graphql.ts';

const bin = path.resolve(import.meta.dirname, '..', '..', 'bin', 'lookout.mjs');
const exec = promisify(execFile);

let ts: TestServer;

/** Runs the command; resolves with its exit code and output (never rejects on a non-zero exit). */
async function lookout(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const { LOOKOUT_URL: _u, LOOKOUT_TOKEN: _t, DATABASE_URL: _d, ...base } = process.env;
  try {
    const { stdout, stderr } = await exec(process.execPath, [bin, 'maintenance', ...args], { env: { ...base, LOG_LEVEL: 'warn', ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const windows = async () =>
  (await gqlOk<{ maintenanceWindows: { name: string; services: string[]; active: boolean; reason: string | null; createdBy: string }[] }>(
    ts, '{ maintenanceWindows(includeEnded: true) { name services active reason createdBy } }', {}, { token: ts.adminToken },
  )).maintenanceWindows;

beforeAll(async () => {
  ts = await startTestServer({ runScheduler: false });
  await gqlOk(ts, 'mutation { createService(input: { name: "db", kind: "tcp", target: "127.0.0.1:9" }) { name } }', {}, { token: ts.adminToken });
});
afterAll(() => ts?.close());

describe('lookout maintenance', () => {
  it('starts a window through the API with LOOKOUT_URL and LOOKOUT_TOKEN, and `end` alone ends what that caller started', async () => {
    const api = { LOOKOUT_URL: ts.url, LOOKOUT_TOKEN: ts.adminToken };
    const started = await lookout(['start', '--service', 'db', '--for', '30m', '--reason', 'deploy', '--name', 'deploy-1'], api);
    expect(started).toMatchObject({ code: 0 });
    expect(started.stdout).toMatch(/^Maintenance window "deploy-1" \(db\) until \d{4}-.*started/);
    expect(await windows()).toEqual([expect.objectContaining({ name: 'deploy-1', services: ['db'], active: true, reason: 'deploy' })]);
    const ended = await lookout(['end'], api);
    expect(ended).toMatchObject({ code: 0 });
    expect(ended.stdout).toMatch(/^Ended maintenance window "deploy-1"/);
    expect((await windows())[0].active).toBe(false);
  });

  it('works on the database without a server URL, audited as the cli', async () => {
    const db = { DATABASE_URL: ts.databaseUrl };
    expect((await lookout(['start', '--service', 'db', '--for', '1h', '--name', 'direct'], db)).code).toBe(0);
    expect((await lookout(['list'], db)).stdout).toMatch(/^active +"direct" \(db\) until /m);
    expect((await lookout(['end', '--service', 'db'], db)).stdout).toMatch(/Ended maintenance window "direct"/);
    const { rows } = await ts.server.app.sql.query<{ action: string; actor_label: string }>(
      "select action, actor_label from audit_log where action like 'alerting.maintenance.%' and actor_label = 'cli' order by id",
    );
    expect(rows.map((r) => r.action)).toEqual(['alerting.maintenance.create', 'alerting.maintenance.end']);
  });

  it('refuses what it cannot do with a clear message and a non-zero exit', async () => {
    const api = { LOOKOUT_URL: ts.url, LOOKOUT_TOKEN: ts.adminToken };
    const noDuration = await lookout(['start', '--service', 'db'], api);
    expect(noDuration.code).toBe(2);
    expect(noDuration.stderr).toMatch(/--for is required/);
    const unknown = await lookout(['start', '--service', 'nope', '--for', '10m'], api);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/Unknown services: nope/);
    const badToken = await lookout(['list'], { LOOKOUT_URL: ts.url, LOOKOUT_TOKEN: 'lko_wrong' });
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toMatch(/token is unknown, expired or revoked/i);
    expect((await lookout(['end', '--name', 'missing'], api)).stderr).toMatch(/No maintenance window named "missing"/);
  });
});

describe('lookout maintenance with scopes that do not go together', () => {
  it('refuses --all with --service or --tag (regression: --service was dropped silently and every service silenced), and `end --service S` ends only windows naming S (regression: it ended every all-services window, even for an unknown S, and exited 0)', async () => {
    const api = { LOOKOUT_URL: ts.url, LOOKOUT_TOKEN: ts.adminToken };
    const both = await lookout(['start', '--service', 'db', '--all', '--for', '10m'], api);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--all covers every service: give it alone/);
    expect((await windows()).filter((w) => w.active)).toEqual([]);

    expect((await lookout(['start', '--all', '--for', '10m', '--name', 'everything'], api)).code).toBe(0);
    const unknown = await lookout(['end', '--service', 'no-such-service'], api);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No active maintenance window names "no-such-service"\. Windows covering tags or every service are ended by name: --name everything\./);
    expect((await lookout(['end', '--service', 'db'], api)).code).toBe(1);
    expect((await windows()).find((w) => w.name === 'everything')?.active).toBe(true);
    expect((await lookout(['end', '--name', 'everything'], api)).code).toBe(0);
    expect((await windows()).find((w) => w.name === 'everything')?.active).toBe(false);
  });
});

describe('maintenanceWindows', () => {
  it('lists active and upcoming windows, not one that ran out (regression: a one-off window past its end was listed as if current)', async () => {
    const past = { start: new Date(Date.now() - 3 * 3600_000).toISOString(), end: new Date(Date.now() - 2 * 3600_000).toISOString() };
    const future = { start: new Date(Date.now() + 3600_000).toISOString(), end: new Date(Date.now() + 2 * 3600_000).toISOString() };
    for (const [name, range] of [['ran-out', past], ['upcoming', future]] as const) {
      await gqlOk(ts, 'mutation($input: MaintenanceWindowInput!) { createMaintenanceWindow(input: $input) { id } }', { input: { name, services: ['db'], ...range } }, { token: ts.adminToken });
    }
    const listed = async (includeEnded: boolean) =>
      (await gqlOk<{ maintenanceWindows: { name: string }[] }>(ts, 'query($e: Boolean) { maintenanceWindows(includeEnded: $e) { name } }', { e: includeEnded }, { token: ts.adminToken })).maintenanceWindows.map((w) => w.name);
    expect(await listed(false)).toEqual(['upcoming']);
    expect(await listed(true)).toEqual(expect.arrayContaining(['ran-out', 'upcoming']));
  });
});
