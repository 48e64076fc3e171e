/**
 * `lookout maintenance` given bad arguments, an unreachable or wrong server, or a token that lacks
 * the capability: a clear one-line message, a non-zero exit, no stack trace, and no window made.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk } from '../support/graphql.ts';

const bin = path.resolve(import.meta.dirname, '..', '..', 'bin', 'lookout.mjs');
const exec = promisify(execFile);

let ts: TestServer;
let viewer: string;
let html: http.Server;
let htmlUrl: string;
let closedPort: number;

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

/** A refusal: exit `code`, a message matching `message`, and no stack trace or internal detail. */
function expectRefused(result: { code: number; stdout: string; stderr: string }, code: number, message: RegExp): void {
  expect(result.code, result.stderr).toBe(code);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/^\s+at |node:internal|\.ts:\d+:\d+|TypeError|ERR_/m);
  expect(result.stdout).not.toMatch(/started/);
}

beforeAll(async () => {
  ts = await startTestServer({ runScheduler: false });
  await gqlOk(ts, 'mutation { createService(input: { name: "db", kind: "tcp", target: "127.0.0.1:9" }) { name } }', {}, { token: ts.adminToken });
  viewer = (await gqlOk<{ createApiToken: { secret: string } }>(ts, 'mutation { createApiToken(input: { name: "ci-viewer", role: VIEWER }) { secret } }', {}, { token: ts.adminToken })).createApiToken.secret;
  html = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>not lookout</html>'));
  await new Promise<void>((resolve) => html.listen(0, '127.0.0.1', resolve));
  htmlUrl = `http://127.0.0.1:${(html.address() as AddressInfo).port}`;
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});
afterAll(async () => {
  await ts?.close();
  await new Promise<void>((resolve) => html?.close(() => resolve()));
});

const windows = async () => (await gqlOk<{ maintenanceWindows: { name: string }[] }>(ts, '{ maintenanceWindows(includeEnded: true) { name } }', {}, { token: ts.adminToken })).maintenanceWindows;

describe('lookout maintenance, attacked', () => {
  it('refuses bad arguments with the usage and exit 2', async () => {
    const api = { LOOKOUT_URL: ts.url, LOOKOUT_TOKEN: ts.adminToken };
    expectRefused(await lookout(['start', '--service', 'db', '--for', '30m', '--bogus'], api), 2, /Unknown option '--bogus'/);
    expectRefused(await lookout(['start', '--service', 'db', '--for'], api), 2, /--for/);
    expectRefused(await lookout(['stop'], api), 2, /start\|end\|list/);
    expectRefused(await lookout(['start', '--for', '30m'], api), 2, /--service S/);
    expectRefused(await lookout(['start', '--service', 'db', '--for', '30m', 'extra'], api), 2, /extra/);
    expectRefused(await lookout(['list'], { LOOKOUT_URL: ts.url }), 2, /needs --token/);
  }, 120_000);

  it('refuses bad values with the field named and exit 1', async () => {
    const api = { LOOKOUT_URL: ts.url, LOOKOUT_TOKEN: ts.adminToken };
    expectRefused(await lookout(['start', '--service', 'db', '--for', 'forever'], api), 1, /--for.*duration/);
    expectRefused(await lookout(['start', '--service', 'db', '--for', '-5m'], api), 2, /--for/); // read as an option by parseArgs
    expectRefused(await lookout(['start', '--service', 'db', '--for', '10s'], api), 1, /duration must be from 1m/);
    expectRefused(await lookout(['start', '--service', 'db', '--for', '30m', '--name', 'Bad Name!'], api), 1, /name/);
    expectRefused(await lookout(['start', '--service', "db'; drop table services; --", '--for', '30m'], api), 1, /services/);
    expect(await windows()).toEqual([]);
  }, 120_000);

  it('regression: an unreachable server, a wrong URL and a page that is not Lookout said "fetch failed" or quoted a page; each now names the server and what went wrong', async () => {
    const unreachable = await lookout(['start', '--service', 'db', '--for', '30m'], { LOOKOUT_URL: `http://127.0.0.1:${closedPort}`, LOOKOUT_TOKEN: ts.adminToken });
    expectRefused(unreachable, 1, new RegExp(`127\\.0\\.0\\.1:${closedPort}.*(refused|nothing listening)`, 'i'));
    expectRefused(await lookout(['list'], { LOOKOUT_URL: 'not a url', LOOKOUT_TOKEN: ts.adminToken }), 2, /--url.*http/i);
    expectRefused(await lookout(['list'], { LOOKOUT_URL: 'http://no-such-host.invalid', LOOKOUT_TOKEN: ts.adminToken }), 1, /no-such-host\.invalid/);
    expectRefused(await lookout(['list'], { LOOKOUT_URL: htmlUrl, LOOKOUT_TOKEN: ts.adminToken }), 1, /not a Lookout server|not GraphQL/);
  }, 120_000);

  it('regression: a server answering without end was read whole into memory until the 30 s timeout; the CLI reads 16 MiB at most and says it is not Lookout', async () => {
    let sent = 0;
    let letGo!: () => void;
    const gone = new Promise<void>((resolve) => (letGo = resolve));
    const endless = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, ' ');
      const pump = () => {
        while (!res.destroyed) {
          const more = res.write(chunk);
          sent += chunk.length; // written, whether or not it is still buffered
          if (!more) return void res.once('drain', pump);
        }
      };
      res.on('close', () => letGo());
      pump();
    });
    await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
    try {
      const result = await lookout(['list'], { LOOKOUT_URL: `http://127.0.0.1:${(endless.address() as AddressInfo).port}`, LOOKOUT_TOKEN: ts.adminToken });
      expectRefused(result, 1, /not a Lookout server|not GraphQL/);
      await gone;
      expect(sent).toBeLessThan(64 * 1024 * 1024); // 16 MiB read, and what the kernels' buffers held
    } finally {
      endless.closeAllConnections();
      await new Promise<void>((resolve) => endless.close(() => resolve()));
    }
  }, 120_000);

  it('refuses a token without the capability, and never prints the token', async () => {
    const result = await lookout(['start', '--service', 'db', '--for', '30m'], { LOOKOUT_URL: ts.url, LOOKOUT_TOKEN: viewer });
    expectRefused(result, 1, /not allowed|forbidden|capabilit/i);
    expect(result.stderr + result.stdout).not.toContain(viewer);
    expect(await windows()).toEqual([]);
    // Listing is what a viewer may do.
    expect((await lookout(['list'], { LOOKOUT_URL: ts.url, LOOKOUT_TOKEN: viewer })).code).toBe(0);
  }, 120_000);
});
