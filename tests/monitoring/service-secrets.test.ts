/**
 * Credentials in service definitions (found by attack reviews): a target's password, an http
 * service's Authorization header and a token in a query were returned whole to viewers, kept in the
 * audit log, and echoed into a check's error by a server that quotes what it was sent. Admins, who
 * edit services, read them; everyone else reads them masked, and no error or audit row keeps them.
 */
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';

const PG_PASSWORD = 'PgSecret-4242';
const HEADER_TOKEN = 'HdrSecret-4242';
const QUERY_TOKEN = 'QrySecret-4242';
const REDIS_PASSWORD = 'RedisSecret-4242';

describe('credentials in service definitions', () => {
  let ts: TestServer;
  let viewer: { token: string };
  let echo: net.Server;
  const admin = () => ({ token: ts.adminToken });

  beforeAll(async () => {
    // A "Redis" that answers every command with an error quoting it (AUTH and its password too).
    echo = net.createServer((socket) => {
      socket.on('data', (data) => socket.write(`-ERR unknown command, got: ${data.toString('latin1').replace(/\r\n/g, ' ')}\r\n`));
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    ts = await startTestServer({ runScheduler: false });
    const token = await gqlOk<{ createApiToken: { secret: string } }>(ts, 'mutation { createApiToken(input: { name: "reader", role: VIEWER }) { secret } }', {}, admin());
    viewer = { token: token.createApiToken.secret };
    const port = (echo.address() as AddressInfo).port;
    const services = [
      { name: 'orders-db', kind: 'postgres', target: `postgres://monitor:${PG_PASSWORD}@127.0.0.1:9/orders` },
      { name: 'api', kind: 'http', target: `http://127.0.0.1:9/health?token=${QUERY_TOKEN}&verbose=1`, options: { headers: { Authorization: `Bearer ${HEADER_TOKEN}`, 'X-Api-Key': HEADER_TOKEN, Accept: 'text/plain' } } },
      { name: 'cache', kind: 'redis', target: `redis://default:${REDIS_PASSWORD}@127.0.0.1:${port}` },
    ];
    await gqlOk(ts, 'mutation($s: [CreateServiceInput!]!) { createServices(services: $s) { name } }', { s: services }, admin());
  });
  afterAll(async () => {
    await ts?.close();
    echo?.close();
  });

  const SERVICES = '{ services { name target options } }';

  it('shows them masked to a viewer, and whole to an admin', async () => {
    const read = async (who: { token: string }) =>
      new Map((await gqlOk<{ services: { name: string; target: string; options: Record<string, unknown> }[] }>(ts, SERVICES, {}, who)).services.map((s) => [s.name, s]));
    const seen = await read(viewer);
    expect(seen.get('orders-db')!.target).toBe('postgres://monitor:[redacted]@127.0.0.1:9/orders');
    expect(seen.get('api')!.target).toBe('http://127.0.0.1:9/health?token=[redacted]&verbose=1');
    expect(seen.get('api')!.options).toMatchObject({ headers: { Authorization: '[redacted]', 'X-Api-Key': '[redacted]', Accept: 'text/plain' } });
    expect(seen.get('cache')!.target).toBe('redis://default:[redacted]@127.0.0.1:' + (echo.address() as AddressInfo).port);
    const all = JSON.stringify([...seen.values()]);
    for (const secret of [PG_PASSWORD, HEADER_TOKEN, QUERY_TOKEN, REDIS_PASSWORD]) expect(all).not.toContain(secret);

    const whole = await read(admin());
    expect(whole.get('orders-db')!.target).toContain(PG_PASSWORD);
    expect(whole.get('api')!.options).toMatchObject({ headers: { Authorization: `Bearer ${HEADER_TOKEN}` } });
  });

  it('does not let a text filter tell a password letter by letter', async () => {
    for (const who of [viewer, admin()]) {
      const found = await gqlOk<{ services: { name: string }[] }>(ts, 'query($t: String!) { services(filter: { text: $t }) { name } }', { t: 'PgSecret' }, who);
      expect(found.services).toEqual([]);
    }
    const byHost = await gqlOk<{ services: { name: string }[] }>(ts, 'query($t: String!) { services(filter: { text: $t }) { name } }', { t: '9/orders' }, viewer);
    expect(byHost.services.map((s) => s.name)).toEqual(['orders-db']);
  });

  it('keeps them out of a check error that echoes them', async () => {
    const result = await ts.server.app.monitoring.recheck('cache');
    expect(result.status).toBe('down');
    expect(result.error).toContain('[redacted]');
    expect(result.error).not.toContain(REDIS_PASSWORD);
    const read = await gqlOk<{ service: { lastError: string } }>(ts, '{ service(name: "cache") { lastError } }', {}, viewer);
    expect(read.service.lastError).not.toContain(REDIS_PASSWORD);
  });

  it('keeps them out of the audit log, in an input and in a refusal that quotes the target', async () => {
    const refused = await gql(ts, 'mutation($i: CreateServiceInput!) { createService(input: $i) { name } }', { i: { name: 'bad-db', kind: 'postgres', target: `postgres://monitor:${PG_PASSWORD}@127.0.0.1:notaport/x` } }, admin());
    expect(refused.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    await gqlOk(ts, 'mutation($i: UpdateServiceInput!) { updateService(name: "orders-db", input: $i) { name } }', { i: { kind: 'postgres', target: `postgres://monitor:${PG_PASSWORD}@127.0.0.1:9/orders2` } }, admin());
    const { rows } = await ts.server.app.sql.query<{ text: string }>(`select coalesce(input::text, '') || ' ' || coalesce(error_message, '') as text from audit_log where action like 'monitoring.service%'`);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const row of rows) for (const secret of [PG_PASSWORD, HEADER_TOKEN, QUERY_TOKEN, REDIS_PASSWORD]) expect(row.text).not.toContain(secret);
  });
});

/**
 * The second round (an attack review of the first fix): passwords written with characters a URL
 * encodes (`^`, `{`) or with `@` in them, stored as typed by the postgres and redis kinds; a command
 * line's URLs, in its target, its `args` and its output; a credential-named query value and an
 * `X-Access-Key` header in the audit log; a config file's error, which viewers read.
 */
describe('credentials written as typed', () => {
  let ts: TestServer;
  let viewer: { token: string };
  let dir: string;
  const admin = () => ({ token: ts.adminToken });
  const SECRETS = ['Sup3r^Secret', 'p@ssW0rdXYZ', 'R3dis{Secret}', 'ArgsPw123', 'TargetPw456', 'QTokSecret12345', 'HdrSecretKey999', 'CfgSecretPw2'];

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-secrets-'));
    await fs.writeFile(
      path.join(dir, 'lookout.yaml'),
      `services:
  - { name: cmd-args, kind: command, target: /bin/echo, options: { args: ["--db", "postgres://mon:ArgsPw123@127.0.0.1/app"] }, interval: 1h }
  - { name: cmd-target, kind: command, target: "/bin/echo --db postgres://mon:TargetPw456@127.0.0.1/app", interval: 1h }
`,
    );
    ts = await startTestServer({ runScheduler: false, config: { configFile: path.join(dir, 'lookout.yaml') } });
    viewer = { token: (await gqlOk<{ createApiToken: { secret: string } }>(ts, 'mutation { createApiToken(input: { name: "reader", role: VIEWER }) { secret } }', {}, admin())).createApiToken.secret };
    const services = [
      { name: 'caret-db', kind: 'postgres', target: 'postgres://mon:Sup3r^Secret@127.0.0.1:9/app' },
      { name: 'at-db', kind: 'postgres', target: 'postgres://mon:p@ssW0rdXYZ@127.0.0.1:9/app' },
      { name: 'brace-cache', kind: 'redis', target: 'redis://:R3dis{Secret}@127.0.0.1:9' },
      { name: 'keyed-api', kind: 'http', target: 'http://127.0.0.1:9/h?access_token=QTokSecret12345', options: { headers: { 'X-Access-Key': 'HdrSecretKey999' } } },
    ];
    await gqlOk(ts, 'mutation($s: [CreateServiceInput!]!) { createServices(services: $s) { name } }', { s: services }, admin());
    for (const s of services) await gqlOk(ts, 'mutation($n: String!, $i: UpdateServiceInput!) { updateService(name: $n, input: $i) { name } }', { n: s.name, i: { ...s, name: undefined, interval: '2h' } }, admin());
    await ts.server.app.monitoring.recheck('cmd-target');
  });
  afterAll(async () => {
    await ts?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('shows none of them to a viewer, in a target, options or a check', async () => {
    const read = await gqlOk<{ services: unknown[] }>(ts, '{ services { name target options lastError lastDetails } }', {}, viewer);
    const text = JSON.stringify(read.services);
    for (const secret of SECRETS) expect(text, secret).not.toContain(secret);
    expect(text).toContain('postgres://mon:[redacted]@127.0.0.1:9/app');
  });

  it('matches none of them with the text filter', async () => {
    for (const t of ['ssW0rd', 'Sup3r', 'R3dis']) {
      const found = await gqlOk<{ services: { name: string }[] }>(ts, 'query($t: String!) { services(filter: { text: $t }) { name } }', { t }, viewer);
      expect(found.services, t).toEqual([]);
    }
  });

  it('keeps none of them in the audit log', async () => {
    const { rows } = await ts.server.app.sql.query<{ text: string }>(`select coalesce(input::text, '') || ' ' || coalesce(error_message, '') as text from audit_log`);
    const text = rows.map((r) => r.text).join('\n');
    for (const secret of SECRETS) expect(text, secret).not.toContain(secret);
  });

  it("keeps a target's password out of a config file error, which viewers read", async () => {
    await fs.writeFile(path.join(dir, 'lookout.yaml'), 'services:\n  - { name: typo, kind: http, target: "http://mon:CfgSecretPw2@127.0.0.1:99999/health" }\n');
    expect(await ts.server.app.configFile.reload('test')).toBe(false);
    const read = await gqlOk<{ healthOverview: { configError: string } }>(ts, '{ healthOverview { configError } }', {}, viewer);
    expect(read.healthOverview.configError).toContain('typo');
    expect(read.healthOverview.configError).not.toContain('CfgSecretPw2');
  });
});
