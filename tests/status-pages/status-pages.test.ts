/**
 * Public status pages and badges against a real server: pages from the config file and from the
 * API, what the public sees (and never: targets, errors, reasons, ids, internal names), 404s,
 * one computation for many concurrent readers, ETags, badges, admin-only mutations and the audit.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';

/** Strings that exist only inside Lookout: none may reach a public answer. */
const SECRET_PATH = '/internal-health-xq7';
const INTERNAL_NAMES = ['core-api-internal', 'billing-db-internal', 'unlisted-internal'];

describe('public status pages', () => {
  let ts: TestServer;
  let upstream: http.Server;
  let dir: string;
  const admin = () => ({ token: ts.adminToken });
  const get = (p: string, headers: Record<string, string> = {}) => fetch(`${ts.url}${p}`, { headers });
  const recheck = (name: string) => gqlOk(ts, 'mutation($n: String!) { recheckService(name: $n) { status } }', { n: name }, admin());

  beforeAll(async () => {
    upstream = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const port = (upstream.address() as AddressInfo).port;
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-status-pages-'));
    const file = path.join(dir, 'lookout.yaml');
    await fs.writeFile(
      file,
      `services:
  - name: core-api-internal
    displayName: Public API
    kind: http
    target: http://127.0.0.1:${port}${SECRET_PATH}
    failureThreshold: 1
  - name: billing-db-internal
    displayName: Billing
    kind: tcp
    target: 127.0.0.1:9
    failureThreshold: 1
  - name: unlisted-internal
    displayName: Not public
    kind: tcp
    target: 127.0.0.1:9
status_pages:
  - slug: acme
    title: Acme status
    description: How our public services are doing.
    groups:
      - name: Core
        services: [core-api-internal, billing-db-internal]
`,
    );
    ts = await startTestServer({ runScheduler: false, config: { configFile: file } });
    await recheck('core-api-internal');
    await recheck('billing-db-internal');
    ts.server.app.statusPages.invalidate();
  });
  afterAll(async () => {
    await ts?.close();
    await new Promise((resolve) => upstream?.close(resolve));
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  /** Asserts a public body names nothing internal. */
  function expectNoInternalDetail(body: string): void {
    for (const secret of [SECRET_PATH, '127.0.0.1', 'ECONNREFUSED', 'refused', ...INTERNAL_NAMES]) expect(body, `leaks ${secret}`).not.toContain(secret);
  }
  function keysOf(value: unknown, into = new Set<string>()): Set<string> {
    if (Array.isArray(value)) value.forEach((v) => keysOf(v, into));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) keysOf(v, into.add(k));
    return into;
  }

  it('serves a page from the config file as HTML, anonymously, with the services\' current status', async () => {
    const res = await get('/status/acme');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('cache-control')).toBe('public, max-age=10');
    expect(res.headers.get('etag')).toMatch(/^".+"$/);
    const html = await res.text();
    expect(html).toContain('<h1>Acme status</h1>');
    expect(html).toContain('How our public services are doing.');
    expect(html).toContain('Public API');
    expect(html).toContain('Billing');
    expect(html).not.toContain('Not public');
    expect(html).toContain('Partial outage');
    expect((html.match(/<i class="[gfbn]" title="\d{4}-\d\d-\d\d: /g) ?? []).length).toBe(180);
    expectNoInternalDetail(html);
  });

  it('serves the same page as JSON with no ids, targets, errors or internal names', async () => {
    const res = await get('/status/acme.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const text = await res.text();
    expectNoInternalDetail(text);
    const page = JSON.parse(text);
    expect(page).toMatchObject({ slug: 'acme', title: 'Acme status', status: 'outage' });
    expect(page.groups[0].name).toBe('Core');
    expect(page.groups[0].services.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([['Public API', 'operational'], ['Billing', 'outage']]);
    expect(page.groups[0].services[0].days).toHaveLength(90);
    const keys = keysOf(page);
    for (const forbidden of ['id', 'target', 'error', 'lastError', 'reason', 'replica', 'serviceId']) expect(keys.has(forbidden), `key ${forbidden}`).toBe(false);
  });

  it('sends gzip only to a reader that accepts it (regression: gzip;q=0 got gzip), and links the JSON from /status/<slug>/ too (regression: a relative link went to /status/acme/acme.json)', async () => {
    for (const [accept, gzip] of [['gzip', true], ['gzip;q=0', false], ['gzip;q=0, *', false], ['*;q=0.5', true], ['identity', false], ['br, GZIP;q=0.8', true]] as const) {
      const response = await fetch(`${ts.url}/status/acme`, { headers: { 'accept-encoding': accept }, decompress: false } as RequestInit);
      expect(response.headers.get('content-encoding'), accept).toBe(gzip ? 'gzip' : null);
      await response.arrayBuffer();
    }
    const html = await (await get('/status/acme/')).text();
    const link = /<a href="([^"]+)">JSON<\/a>/.exec(html)?.[1];
    expect(link).toBe('/status/acme.json');
    expect((await get(new URL(link!, `${ts.url}/status/acme/`).pathname)).status).toBe(200);
  });

  it('answers 404 for an unknown slug, as HTML and as JSON', async () => {
    const page = await get('/status/no-such-page');
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('Status page not found');
    const json = await get('/status/no-such-page.json');
    expect(json.status).toBe(404);
    expect(await json.json()).toEqual({ error: 'There is no status page at this address.' });
  });

  it('computes a page once for 50 concurrent readers, and answers 304 to a matching If-None-Match', async () => {
    ts.server.app.statusPages.invalidate();
    const before = ts.server.app.statusPages.computations;
    const answers = await Promise.all(Array.from({ length: 50 }, () => get('/status/acme').then(async (r) => ({ status: r.status, etag: r.headers.get('etag'), body: await r.text() }))));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(new Set(answers.map((a) => a.etag)).size).toBe(1);
    expect(ts.server.app.statusPages.computations - before).toBe(1);
    const again = await get('/status/acme', { 'if-none-match': answers[0].etag! });
    expect(again.status).toBe(304);
    expect(ts.server.app.statusPages.computations - before).toBe(1);
  });

  it('shows open incidents without their reason, and maintenance without its reason', async () => {
    await ts.server.app.sql.query(
      `insert into alert_incidents (service_id, service_name, display_name, state, severity, status, reason, started_at, opened_at)
       select id, name, display_name, 'open', 'critical', 'down', 'secret incident reason zq9', now(), now() from services where name = 'billing-db-internal'`,
    );
    await gqlOk(ts, 'mutation { createMaintenanceWindow(input: { name: "db-upgrade", services: ["core-api-internal"], duration: "1h", reason: "secret maintenance reason zq9" }) { id } }', {}, admin());
    ts.server.app.statusPages.invalidate();
    const html = await (await get('/status/acme')).text();
    expect(html).toContain('Billing: major outage');
    expect(html).toContain('db-upgrade (in progress)');
    expect(html).not.toContain('zq9');
    expectNoInternalDetail(html);
    const json = await (await get('/status/acme.json')).json();
    expect(json.incidents).toEqual([expect.objectContaining({ service: 'Billing', impact: 'major', acknowledged: false })]);
    expect(json.maintenance).toEqual([expect.objectContaining({ title: 'db-upgrade', services: ['Public API'], active: true })]);
    expect(json.groups[0].services[0].status).toBe('maintenance');
    expect(JSON.stringify(json)).not.toContain('zq9');
  });

  it('serves status and uptime badges only for services on a public page', async () => {
    const status = await get('/badge/billing-db-internal/status.svg');
    expect(status.status).toBe(200);
    expect(status.headers.get('content-type')).toContain('image/svg+xml');
    expect(status.headers.get('etag')).toBeTruthy();
    const svg = await status.text();
    expect(svg).toContain('<svg');
    expect(svg).toContain('Billing: down');
    expect(svg).toContain('#e05d44');
    for (const range of ['24h', '7d', '30d']) {
      const uptime = await get(`/badge/core-api-internal/uptime/${range}.svg`);
      expect(uptime.status).toBe(200);
      expect(await uptime.text()).toMatch(new RegExp(`uptime ${range}: (\\d+(\\.\\d+)?%|no data)`));
    }
    const hidden = await get('/badge/unlisted-internal/status.svg');
    const unknown = await get('/badge/no-such-service/status.svg');
    expect(hidden.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(await hidden.text()).toBe(await unknown.text());
    expect((await get('/badge/core-api-internal/uptime/1y.svg')).status).toBe(404);
    expect((await get('/status/Not_A_Slug')).status).toBe(404);
  });

  it('lets an admin create, update and delete a page through the API, each audited, seen at once', async () => {
    const created = await gqlOk<{ createStatusPage: { slug: string; url: string; source: string } }>(
      ts,
      'mutation($input: StatusPageInput!) { createStatusPage(slug: "partners", input: $input) { slug url source } }',
      { input: { title: 'Partner status', description: 'For partners', groups: [{ name: 'APIs', services: ['core-api-internal'] }] } },
      admin(),
    );
    expect(created.createStatusPage).toMatchObject({ slug: 'partners', source: 'api', url: `${ts.url}/status/partners` });
    expect(await (await get('/status/partners')).text()).toContain('Partner status');
    await gqlOk(ts, 'mutation($input: StatusPageInput!) { updateStatusPage(slug: "partners", input: $input) { title } }', { input: { title: 'Partner status v2', groups: [{ name: 'APIs', services: ['core-api-internal', 'unlisted-internal'] }] } }, admin());
    const updated = await (await get('/status/partners')).text();
    expect(updated).toContain('Partner status v2');
    expect(updated).toContain('Not public');
    // Now on a page: its badge exists.
    expect((await get('/badge/unlisted-internal/status.svg')).status).toBe(200);
    const list = await gqlOk<{ statusPages: { slug: string; source: string }[] }>(ts, '{ statusPages { slug source } }', {}, admin());
    expect(list.statusPages).toEqual([{ slug: 'acme', source: 'config' }, { slug: 'partners', source: 'api' }]);
    await gqlOk(ts, 'mutation { deleteStatusPage(slug: "partners") }', {}, admin());
    expect((await get('/status/partners')).status).toBe(404);
    expect((await get('/badge/unlisted-internal/status.svg')).status).toBe(404);
    const audit = await gqlOk<{ auditLog: { entries: { action: string; targetId: string }[] } }>(ts, '{ auditLog(filter: { targetType: "status_page" }) { entries { action targetId } } }', {}, admin());
    expect(audit.auditLog.entries.map((e) => `${e.action} ${e.targetId}`).sort()).toEqual(['status_pages.create partners', 'status_pages.delete partners', 'status_pages.update partners']);
  });

  it('refuses page changes from a non-admin, unknown services, duplicate slugs and changes to the file\'s pages', async () => {
    const viewer = await gqlOk<{ createApiToken: { secret: string } }>(ts, 'mutation { createApiToken(input: { name: "viewer", role: VIEWER }) { secret } }', {}, admin());
    const input = { title: 'X', groups: [{ name: 'G', services: ['core-api-internal'] }] };
    const create = 'mutation($slug: String!, $input: StatusPageInput!) { createStatusPage(slug: $slug, input: $input) { slug } }';
    expect((await gql(ts, create, { slug: 'viewers', input }, { token: viewer.createApiToken.secret })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await gql(ts, create, { slug: 'anon', input })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await gql(ts, create, { slug: 'ghost', input: { title: 'X', groups: [{ name: 'G', services: ['no-such-service'] }] } }, admin())).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await gql(ts, create, { slug: 'Bad Slug', input }, admin())).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await gql(ts, create, { slug: 'acme', input }, admin())).errors?.[0].extensions?.code).toBe('CONFLICT');
    const update = await gql(ts, 'mutation($input: StatusPageInput!) { updateStatusPage(slug: "acme", input: $input) { slug } }', { input }, admin());
    expect(update.errors?.[0].extensions?.code).toBe('CONFLICT');
    expect(update.errors?.[0].message).toContain('config file');
    expect((await get('/status/viewers')).status).toBe(404);
  });
});
