/**
 * The seeds' REST paths against a real server: each answers its GraphQL query's data, refuses whom
 * GraphQL refuses with the matching HTTP status, audits a mutation once, names bad input, bounds
 * bodies like /graphql, and is described by a valid OpenAPI 3 document.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/signals.ts';
import { uploadUntilAnswered } from './raw-http.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk, signInSession, type Credentials } from '../support/graphql.ts';
import { schema } from '../../schema/index.ts';
import { buildSchema } from 'graphql';
import { REST_ROUTES, openApiPath } from '../../server/http/rest-routes.ts';
import { servedRoutes } from '../../server/http/rest.ts';

interface RestAnswer {
  status: number;
  headers: Headers;
  body: { errors?: { message: string; extensions: { code: string; field?: string } }[] } & Record<string, unknown>;
}

/** HTTP status of each GraphQL error code, as the REST paths answer them. */
const STATUS: Record<string, number> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, BAD_USER_INPUT: 400, NOT_FOUND: 404, CONFLICT: 409, SERVICE_UNAVAILABLE: 503 };

const hasField = (field: string) => {
  const [root, name] = field.split('.');
  return !!(root === 'Query' ? schema.getQueryType() : schema.getMutationType())?.getFields()[name];
};

describe('REST paths', () => {
  let ts: TestServer;
  let viewer: string;
  let operator: string;

  async function rest(method: string, target: string, credentials: Credentials = {}, body?: unknown, headers: Record<string, string> = {}): Promise<RestAnswer> {
    const sent: Record<string, string> = { ...headers };
    if (credentials.token) sent.authorization = `Bearer ${credentials.token}`;
    if (credentials.cookie) sent.cookie = credentials.cookie;
    if (credentials.csrf) sent['x-lookout-csrf'] = credentials.csrf;
    if (body !== undefined) sent['content-type'] ??= 'application/json';
    const response = await fetch(`${ts.url}${target}`, { method, headers: sent, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
  }
  const admin = () => ({ token: ts.adminToken });
  const auditCount = async (action: string) => Number((await ts.server.app.sql.query<{ n: string }>('select count(*) as n from audit_log where action = $1', [action])).rows[0].n);

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    await gqlOk(ts, 'mutation { createService(input: { name: "web", kind: "tcp", target: "127.0.0.1:9", tags: ["edge"] }) { name } }', {}, admin());
    await gqlOk(ts, 'mutation { recheckService(name: "web") { status } }', {}, admin());
    const token = async (role: string) =>
      (await gqlOk<{ createApiToken: { secret: string } }>(ts, `mutation { createApiToken(input: { name: "${role}", role: ${role} }) { secret } }`, {}, admin())).createApiToken.secret;
    viewer = await token('VIEWER');
    operator = await token('OPERATOR');
  });
  afterAll(() => ts?.close());

  it('answers the first REST requests, several at once while SOFA is first loaded and built, all alike (that it is built once: rest-lazy-sofa.test.ts)', async () => {
    const first = await Promise.all([
      rest('GET', '/admin/health/web', admin()),
      rest('GET', '/admin/health/web', admin()),
      rest('GET', '/admin/health', admin()),
      rest('GET', '/api/openapi.json', admin()),
      rest('GET', '/api/openapi.json', admin()),
    ]);
    expect(first.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(first[1]!.body).toEqual(first[0]!.body);
    expect(first[4]!.body).toEqual(first[3]!.body);
    expect(Object.keys(first[3]!.body.paths as object)).toContain('/admin/health/{name}');
  });

  it('GET /admin/health answers healthOverview', async () => {
    const query = '{ healthOverview { configError counts { healthy degraded down paused pending } services { name displayName kind target status latencyMs lastCheckedAt lastError statusSince uptime24h recentLatencies tags paused critical } } }';
    const graphql = await gqlOk<{ healthOverview: Record<string, unknown> }>(ts, query, {}, admin());
    const answer = await rest('GET', '/admin/health', admin());
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject(graphql.healthOverview);
    expect((answer.body.services as { name: string }[]).map((s) => s.name)).toContain('web');
  });

  it('GET /admin/health with a filter answers healthOverview(filter)', async () => {
    const graphql = await gqlOk<{ healthOverview: { services: { name: string }[] } }>(ts, '{ healthOverview(filter: { tag: "edge" }) { services { name status } } }', {}, admin());
    const answer = await rest('GET', `/admin/health?filter=${encodeURIComponent(JSON.stringify({ tag: 'edge' }))}`, admin());
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject(graphql.healthOverview);
    expect(graphql.healthOverview.services.map((s) => s.name)).toEqual(['web']);
  });

  it('GET /admin/health/{name} answers service(name), and 404 for an unknown service', async () => {
    const graphql = await gqlOk<{ service: Record<string, unknown> }>(ts, '{ service(name: "web") { name kind target status statusSince latencyMs lastCheckedAt lastError lastDetails failureThreshold recoveryThreshold intervalMs timeoutMs source tags } }', {}, admin());
    const answer = await rest('GET', '/admin/health/web', admin());
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject(graphql.service);
    expect(graphql.service.status).toBe('DOWN');

    const missing = await rest('GET', '/admin/health/nothing-here', admin());
    expect(missing.status).toBe(404);
    expect(missing.body.errors?.[0].extensions).toEqual({ code: 'NOT_FOUND', field: 'name' });
  });

  it('GET /admin/health/uptime answers uptime, of all services or of one', async () => {
    const query = '($service: String) { uptime(service: $service) { last24h { ratio time { healthyMs degradedMs downMs } } last7d { ratio } last30d { ratio } } }';
    for (const service of [undefined, 'web']) {
      const graphql = await gqlOk<{ uptime: Record<string, unknown> }>(ts, `query${query}`, { service }, admin());
      const answer = await rest('GET', `/admin/health/uptime${service ? `?service=${service}` : ''}`, admin());
      expect(answer.status).toBe(200);
      // The windows end "now": times grow between the two calls, so compare ratios and shape.
      expect(answer.body).toMatchObject({ last24h: { ratio: (graphql.uptime.last24h as { ratio: unknown }).ratio }, last7d: graphql.uptime.last7d, last30d: graphql.uptime.last30d });
    }
  });

  it('GET /admin/health/startup-checklist answers startupChecklist with PRD-080’s all_passed and checks[].passed', async () => {
    const graphql = await gqlOk<{ startupChecklist: { ready: boolean; failing: string[]; checks: { name: string; state: string; required: boolean; error: string | null }[] } }>(
      ts,
      '{ startupChecklist { ready failing checks { name label state required error } } }',
      {},
      admin(),
    );
    const answer = await rest('GET', '/admin/health/startup-checklist', admin());
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject(graphql.startupChecklist);
    expect(answer.body.all_passed).toBe(graphql.startupChecklist.ready);
    expect(answer.body.checks).toEqual(graphql.startupChecklist.checks.map((c) => expect.objectContaining({ name: c.name, passed: c.state === 'PASSED' })));
  });

  it('GET /admin/health/alerts answers alertConfigs; PUT /admin/health/alerts/{service} is updateAlertConfig, audited once', async () => {
    const before = await auditCount('alerting.config.update');
    const put = await rest('PUT', '/admin/health/alerts/web', admin(), { input: { escalationDelay: '2m', notifyRecovery: false } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ service: 'web', source: 'api', effective: { escalationDelay: '2m', notifyRecovery: false } });
    expect(await auditCount('alerting.config.update')).toBe(before + 1);

    const graphql = await gqlOk<{ alertConfigs: unknown[] }>(ts, '{ alertConfigs { service source own updatedAt effective { escalationDelay notifyRecovery enabled channels minDuration remindEvery } } }', {}, admin());
    const answer = await rest('GET', '/admin/health/alerts', admin());
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject(graphql.alertConfigs);
    expect(answer.body).toContainEqual(expect.objectContaining({ service: 'web', effective: expect.objectContaining({ escalationDelay: '2m' }) }));
  });

  it('POST /admin/health/{name}/recheck and /diagnose run the mutations; a recheck is recorded and audited once', async () => {
    const before = await auditCount('monitoring.service.recheck');
    const recheck = await rest('POST', '/admin/health/web/recheck', admin());
    expect(recheck.status).toBe(200);
    expect(recheck.body).toMatchObject({ service: 'web', status: 'DOWN', error: expect.stringMatching(/refused/) });
    expect(await auditCount('monitoring.service.recheck')).toBe(before + 1);
    const latest = await gqlOk<{ service: { lastCheckedAt: string } }>(ts, '{ service(name: "web") { lastCheckedAt } }', {}, admin());
    expect(latest.service.lastCheckedAt).toBe(recheck.body.checkedAt);

    const diagnose = await rest('POST', '/admin/health/web/diagnose', { token: operator });
    expect(diagnose.status).toBe(200);
    expect(diagnose.body).toMatchObject({ service: 'web', status: 'DOWN', steps: expect.arrayContaining([expect.objectContaining({ name: 'connect', ok: false })]) });
  });

  it.runIf(hasField('Query.systemStatus'))('GET /api/system/status answers systemStatus', async () => {
    const graphql = await gqlOk<{ systemStatus: { lookout: unknown; services: unknown } }>(ts, '{ systemStatus { lookout { version commit startedAt nodeVersion } services { total down } runtimes { name state } } }', {}, admin());
    const answer = await rest('GET', '/api/system/status', admin());
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject(graphql.systemStatus);
  });

  it.runIf(hasField('Query.systemHealth'))('GET /api/system/health answers systemHealth in feature 208’s shape', async () => {
    const answer = await rest('GET', '/api/system/health', admin());
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ cpu: { cores: expect.any(Number) }, memory: { total: expect.any(Number) }, disk: { total: expect.any(Number) }, queue: { depth: expect.any(Number) }, uptime: expect.any(Number) });
    const graphql = await gqlOk<{ systemHealth: { cpu: { cores: number }; memory: { total: number } } }>(ts, '{ systemHealth { cpu { cores } memory { total } } }', {}, admin());
    expect(answer.body).toMatchObject(graphql.systemHealth);
  });

  /** A request per served path that GraphQL answers for an admin, and the same operation in GraphQL. */
  const CASES: { field: string; method: string; target: string; body?: unknown; query: string }[] = [
    { field: 'Query.healthOverview', method: 'GET', target: '/admin/health', query: '{ healthOverview { generatedAt } }' },
    { field: 'Query.service', method: 'GET', target: '/admin/health/web', query: '{ service(name: "web") { name } }' },
    { field: 'Query.uptime', method: 'GET', target: '/admin/health/uptime', query: '{ uptime { last24h { ratio } } }' },
    { field: 'Query.startupChecklist', method: 'GET', target: '/admin/health/startup-checklist', query: '{ startupChecklist { ready } }' },
    { field: 'Query.alertConfigs', method: 'GET', target: '/admin/health/alerts', query: '{ alertConfigs { service } }' },
    { field: 'Mutation.updateAlertConfig', method: 'PUT', target: '/admin/health/alerts/web', body: { input: { minDuration: '0s' } }, query: 'mutation { updateAlertConfig(service: "web", input: { minDuration: "0s" }) { service } }' },
    { field: 'Mutation.diagnoseService', method: 'POST', target: '/admin/health/web/diagnose', query: 'mutation { diagnoseService(name: "web") { status } }' },
    { field: 'Mutation.recheckService', method: 'POST', target: '/admin/health/web/recheck', query: 'mutation { recheckService(name: "web") { status } }' },
    { field: 'Query.systemStatus', method: 'GET', target: '/api/system/status', query: '{ systemStatus { lookout { version } } }' },
    { field: 'Query.systemHealth', method: 'GET', target: '/api/system/health', query: '{ systemHealth { uptime } }' },
    { field: 'Mutation.restartRuntime', method: 'POST', target: '/api/system/restart', body: { name: 'no-such-runtime', confirm: true }, query: 'mutation { restartRuntime(name: "no-such-runtime", confirm: true) { __typename } }' },
  ];

  it('refuses anonymous callers, viewers and operators exactly where GraphQL does, with the matching status', async () => {
    const callers: [string, Credentials][] = [
      ['anonymous', {}],
      ['viewer', { token: viewer }],
      ['operator', { token: operator }],
      ['admin', admin()],
    ];
    const checked: string[] = [];
    for (const c of CASES.filter((c) => hasField(c.field))) {
      for (const [who, credentials] of callers) {
        const graphql = await gql(ts, c.query, {}, credentials);
        const code = graphql.errors?.[0]?.extensions?.code;
        const answer = await rest(c.method, c.target, credentials, c.body);
        const expected = code ? STATUS[code] : 200;
        expect({ path: `${c.method} ${c.target}`, who, status: answer.status, code: answer.body.errors?.[0]?.extensions.code }).toEqual({ path: `${c.method} ${c.target}`, who, status: expected, code });
        if (expected === 401) expect(answer.headers.get('www-authenticate')).toBe('Bearer');
        checked.push(`${who} ${c.field} ${expected}`);
      }
    }
    expect(checked).toContain('anonymous Query.healthOverview 401');
    expect(checked).toContain('viewer Mutation.recheckService 403');
    expect(checked).toContain('operator Mutation.recheckService 200');
  });

  it('authenticates a session cookie only with its CSRF header, as /graphql does', async () => {
    await gqlOk(ts, 'mutation { createUser(input: { email: "ops@example.com", password: "operator password", role: OPERATOR }) { id } }', {}, admin());
    const session = await signInSession(ts, 'ops@example.com', 'operator password');
    const graphqlWithout = await gql(ts, 'mutation { recheckService(name: "web") { status } }', {}, { cookie: session.cookie });
    const without = await rest('POST', '/admin/health/web/recheck', { cookie: session.cookie });
    expect(without.status).toBe(STATUS[graphqlWithout.errors![0].extensions!.code!]);
    expect(without.body.errors?.[0].message).toBe(graphqlWithout.errors![0].message);
    expect((await rest('POST', '/admin/health/web/recheck', { cookie: session.cookie, csrf: 'guessed' })).status).toBe(without.status);
    expect((await rest('POST', '/admin/health/web/recheck', { cookie: session.cookie, csrf: session.csrf })).status).toBe(200);
  });

  it('answers bad input with 400 naming the parameter or field', async () => {
    const cases: [string, string, unknown, string][] = [
      ['PUT', '/admin/health/alerts/web', { input: { escalationDelay: 5 } }, 'input.escalationDelay'],
      ['PUT', '/admin/health/alerts/web', { input: { escalationDelay: 'forever' } }, 'input.escalationDelay'],
      ['PUT', '/admin/health/alerts/web', { input: { colour: 'red' } }, 'input.colour'],
      ['PUT', '/admin/health/alerts/web', { inptu: {} }, 'inptu'],
      ['PUT', '/admin/health/alerts/web', {}, 'input'],
      ['GET', '/admin/health/uptime?services=web', undefined, 'services'],
      ['GET', '/admin/health/uptime?service=a&service=b', undefined, 'service'],
      ['GET', '/admin/health?filter=notjson', undefined, 'filter'],
      ['GET', '/admin/health?filter=%7B%22status%22%3A%5B%22SIDEWAYS%22%5D%7D', undefined, 'filter'],
      ['GET', '/admin/health/Not%20A%20Name', undefined, 'name'],
      ['GET', '/admin/health/%E0%A4%A', undefined, 'name'],
      ['POST', '/admin/health/web/recheck?name=other', undefined, 'name'],
      ['POST', '/admin/health/web/recheck', { name: 'other' }, 'name'],
    ];
    for (const [method, target, body, field] of cases) {
      const answer = await rest(method, target, admin(), body);
      expect({ target, body, status: answer.status, field: answer.body.errors?.[0]?.extensions.field }).toEqual({ target, body, status: 400, field });
      expect(answer.body.errors?.[0].message).not.toMatch(/\n\s+at /);
    }
    const notJson = await rest('PUT', '/admin/health/alerts/web', admin(), '{"input": ');
    expect(notJson.status).toBe(400);
    expect(notJson.body.errors?.[0].message).toMatch(/not valid JSON/);
    const array = await rest('PUT', '/admin/health/alerts/web', admin(), '[]');
    expect(array.status).toBe(400);
    const deep = await rest('PUT', '/admin/health/alerts/web', admin(), `${'['.repeat(100)}${']'.repeat(100)}`);
    expect(deep.status).toBe(400);
    const form = await rest('PUT', '/admin/health/alerts/web', admin(), 'input=1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    // Nothing was changed by any of them.
    const configs = await gqlOk<{ alertConfigs: { effective: { escalationDelay: string } }[] }>(ts, '{ alertConfigs(service: "web") { effective { escalationDelay } } }', {}, admin());
    expect(configs.alertConfigs[0].effective.escalationDelay).toBe('2m');
  });

  it.runIf(hasField('Mutation.restartRuntime'))('names a missing confirmation of POST /api/system/restart, as GraphQL does', async () => {
    const answer = await rest('POST', '/api/system/restart', admin(), { name: 'worker' });
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0].extensions.field).toBe('confirm');
  });

  it('refuses a body over LOOKOUT_MAX_BODY_BYTES with 413, declared or streamed, and changes nothing', async () => {
    const limit = ts.config.maxBodyBytes;
    const huge = JSON.stringify({ input: { escalationDelay: '3m', channels: ['x'.repeat(limit)] } });
    const declared = await rest('PUT', '/admin/health/alerts/web', admin(), huge);
    expect(declared.status).toBe(413);
    expect(declared.body.errors?.[0].extensions.code).toBe('REQUEST_ENTITY_TOO_LARGE');
    // Without a Content-Length: counted as it streams.
    const chunks = [huge.slice(0, 1024), huge.slice(1024)];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    const streamed = await fetch(`${ts.url}/admin/health/alerts/web`, { method: 'PUT', headers: { authorization: `Bearer ${ts.adminToken}`, 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    const configs = await gqlOk<{ alertConfigs: { effective: { escalationDelay: string } }[] }>(ts, '{ alertConfigs(service: "web") { effective { escalationDelay } } }', {}, admin());
    expect(configs.alertConfigs[0].effective.escalationDelay).toBe('2m');
  });

  it('answers a JSON body nesting deeper than the limit with 400 as soon as it does, before the size limit (regression: the REST body was read whole, then scanned)', async () => {
    const head = `PUT /admin/health/alerts/web HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ts.adminToken}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const total = 64 * 1024 * 1024;
    const result = await uploadUntilAnswered(ts.port, head, { total, chunked: true });
    expect(result.status).toBe(400);
    expect(result.raw).toContain('The request body nests arrays and objects deeper than 64 levels, the limit.');
    expect(result.raw).toMatch(/^connection: close\r$/im);
    // Answered before the size limit: a body read whole and then scanned would have been refused
    // for its size (413), not its depth. (The bytes the client had sent by then said nothing: the
    // server runs in this process, and the kernel takes up to tcp_wmem, 4 MiB, before it reads.)
    expect(result.total).toBeGreaterThan(ts.config.maxBodyBytes);
    // A body of another type is not scanned: refused for its type once read, as before.
    const form = await rest('PUT', '/admin/health/alerts/web', admin(), '['.repeat(100), { 'content-type': 'text/plain' });
    expect(form.status).toBe(415);
    const configs = await gqlOk<{ alertConfigs: { effective: { escalationDelay: string } }[] }>(ts, '{ alertConfigs(service: "web") { effective { escalationDelay } } }', {}, admin());
    expect(configs.alertConfigs[0].effective.escalationDelay).toBe('2m');
  });

  it('answers an unknown REST path 404 and a wrong method 405 with Allow, in JSON', async () => {
    for (const target of ['/api/nothing', '/admin/health/web/nothing', '/api/system/update/nothing']) {
      const answer = await rest('GET', target, admin());
      expect({ target, status: answer.status, code: answer.body.errors?.[0]?.extensions.code }).toEqual({ target, status: 404, code: 'NOT_FOUND' });
    }
    const wrong = await rest('DELETE', '/admin/health/web', admin());
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD');
    const getMutation = await rest('GET', '/admin/health/web/recheck', admin());
    expect(getMutation.status).toBe(405);
    expect(getMutation.headers.get('allow')).toBe('POST');
  });

  it('serves the generated OpenAPI 3 document of the served paths at /api/openapi.json', async () => {
    const response = await fetch(`${ts.url}/api/openapi.json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as {
      openapi: string;
      info: { title: string; version: string };
      paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; description?: string }>; parameters?: { name: string; in: string; required?: boolean }[] }>>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
    };
    // The OpenAPI 3.0 required fields (no OpenAPI validator is an npm dependency here; see below for openapi-spec-validator).
    expect(doc.openapi).toMatch(/^3\.0\.\d$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    const served = REST_ROUTES.filter((r) => hasField(r.field));
    expect(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort()).toEqual(served.map((r) => `${r.method} ${openApiPath(r.path)}`).sort());
    for (const [p, operations] of Object.entries(doc.paths)) {
      expect(p.startsWith('/')).toBe(true);
      for (const operation of Object.values(operations)) {
        expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '401', '403']));
        for (const response of Object.values(operation.responses)) expect(response.$ref ?? response.description).toEqual(expect.any(String));
        const inPath = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        expect((operation.parameters ?? []).filter((x) => x.in === 'path').map((x) => [x.name, x.required])).toEqual(inPath.map((name) => [name, true]));
      }
    }
    // Every $ref resolves.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/(\w+)\/(\w+)"/g)];
    for (const [, kind, name] of refs) expect((doc.components as Record<string, Record<string, unknown>>)[kind]?.[name], `${kind}/${name}`).toBeDefined();
    expect(doc.components.securitySchemes).toHaveProperty('bearer');
  });

  it('answers hostile requests without a 5xx, a stack trace or an echo of what was sent', async () => {
    const long = 'x'.repeat(5000);
    const requests: [string, string, string | undefined, Record<string, string>?][] = [
      ['GET', `/admin/health/${long}`, undefined],
      ['GET', `/admin/health/uptime?service=${long}`, undefined],
      ['GET', `/admin/health?filter=${encodeURIComponent(JSON.stringify({ text: long }))}`, undefined],
      ['GET', `/admin/health?filter=${'%5B'.repeat(200)}`, undefined],
      ['GET', '/admin/health/..%2F..%2Fetc%2Fpasswd', undefined],
      ['GET', '/admin/health/web%2Frecheck', undefined],
      ['GET', '/admin/health//recheck', undefined],
      ['GET', '/admin/health?filter[status]=DOWN', undefined],
      ['POST', '/admin/health/web/recheck', '{"__proto__": {"admin": true}}'],
      ['PUT', '/admin/health/alerts/web', '{"input": {"__proto__": {"enabled": false}}}'],
      ['PUT', '/admin/health/alerts/web', `{"input": {"channels": ${JSON.stringify(Array(2000).fill(long.slice(0, 100)))}}}`],
      ['PUT', '/admin/health/alerts/web', `{"input": {"escalationDelay": "${long}"}}`],
      ['PUT', '/admin/health/alerts/web', '{"input": null}'],
      ['PUT', '/admin/health/alerts/web', '"just a string"'],
      ['PUT', '/admin/health/alerts/web', '{"input": {"escalationDelay": "\u0000"}}'],
      ['PUT', '/admin/health/alerts/web', '\uffff\ud800'],
      ['POST', '/admin/health/web/recheck', '{}', { 'content-type': 'application/json; charset=latin1' }],
      ['POST', '/admin/health/web/diagnose', 'null'],
      ['PATCH', '/admin/health/alerts/web', '{}'],
      ['OPTIONS', '/api/openapi.json', undefined],
      ['HEAD', '/api/openapi.json', undefined],
      ['POST', '/api/openapi.json', '{}'],
    ];
    for (const [method, target, body, headers] of requests) {
      const response = await fetch(`${ts.url}${target}`, { method, headers: { authorization: `Bearer ${ts.adminToken}`, 'content-type': 'application/json', ...headers }, body });
      const text = await response.text();
      expect({ method, target: target.slice(0, 80), status: response.status < 500 }).toEqual({ method, target: target.slice(0, 80), status: true });
      expect(text).not.toMatch(/\n\s+at |node_modules|Unexpected error/);
      expect(text).not.toContain(long.slice(0, 200));
    }
    // Still serving, and nothing was changed by what was refused.
    const configs = await gqlOk<{ alertConfigs: { effective: { escalationDelay: string; enabled: boolean } }[] }>(ts, '{ alertConfigs(service: "web") { effective { escalationDelay enabled } } }', {}, admin());
    expect(configs.alertConfigs[0].effective).toEqual({ escalationDelay: '2m', enabled: true });
  });

  // The Python openapi-spec-validator, where the machine has it (it is not a dependency of Lookout).
  const python = (() => {
    try {
      execFileSync('python3', ['-c', 'import openapi_spec_validator'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  it.runIf(python)('passes openapi-spec-validator', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lookout-openapi-')), 'openapi.json');
    fs.writeFileSync(file, await (await fetch(`${ts.url}/api/openapi.json`)).text());
    const out = execFileSync('python3', ['-c', 'import json,sys\nfrom openapi_spec_validator import validate\nvalidate(json.load(open(sys.argv[1])))\nprint("valid")', file], { encoding: 'utf8' });
    expect(out.trim()).toBe('valid');
  });

  it('serves a path as soon as its field is in the schema, and logs each one it leaves out', () => {
    const lines: string[] = [];
    const partial = buildSchema('type Query { healthOverview: String, service(name: String!): String, serviceLogs(service: String): String } type Mutation { recheckService(name: String!): String }');
    const served = servedRoutes(partial, { info: (_fields: object, message: string) => void lines.push(message) } as never);
    expect(served.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /admin/health', 'GET /admin/health/:name', 'POST /admin/health/:name/recheck']);
    expect(lines).toContain('REST path GET /api/system/health not served: Query.systemHealth is not in the schema yet');
    expect(lines).toContain('REST path GET /admin/health/:name/logs not served: Query.serviceLogs has no argument name');
    expect(lines).toHaveLength(REST_ROUTES.length - served.length);
  });

  it('answers 404 on the paths whose fields are not in the schema yet', async () => {
    for (const route of REST_ROUTES.filter((r) => !hasField(r.field))) {
      const answer = await rest(route.method, route.path.replace(':name', 'web'), admin(), route.method === 'GET' ? undefined : {});
      expect({ path: route.path, status: answer.status }).toEqual({ path: route.path, status: 404 });
    }
  });

  // Last: it takes the database away from this file's server.
  it('answers 503 with Retry-After, not a stack trace, while the database cannot be reached', async () => {
    const database = new URL(ts.databaseUrl).pathname.slice(1);
    const admin = new pg.Client({ connectionString: ts.databaseUrl.replace(`/${database}`, '/postgres') });
    await admin.connect();
    try {
      await admin.query(`alter database ${database} allow_connections false`);
      await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [database]);
      const answer = await rest('GET', '/admin/health', { token: ts.adminToken });
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('5');
      expect(answer.body.errors?.[0]).toEqual({ message: expect.stringMatching(/cannot reach its database/), extensions: { code: 'SERVICE_UNAVAILABLE' } });
    } finally {
      await admin.query(`alter database ${database} allow_connections true`);
      await admin.end();
    }
    await until(async () => (await rest('GET', '/admin/health', { token: ts.adminToken })).status === 200, 'the REST path answers again', 15_000);
  });
});

describe('methods on the REST paths and /health', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
  });
  afterAll(() => ts?.close());

  it('answers HEAD wherever GET is taken, with the headers and no body (regression: HEAD /admin/health was a 405 naming GET only)', async () => {
    const get = await fetch(`${ts.url}/admin/health`, { headers: { authorization: `Bearer ${ts.adminToken}` } });
    const head = await fetch(`${ts.url}/admin/health`, { method: 'HEAD', headers: { authorization: `Bearer ${ts.adminToken}` } });
    expect(head.status).toBe(get.status);
    expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
    expect(await head.text()).toBe('');
    const put = await fetch(`${ts.url}/admin/health`, { method: 'PUT', headers: { authorization: `Bearer ${ts.adminToken}` } });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers another method than GET or HEAD on /health and /health/ready with 405 (regression: POST, PUT and DELETE were read as GET)', async () => {
    for (const path of ['/health', '/health/ready']) {
      for (const method of ['POST', 'PUT', 'DELETE']) {
        const response = await fetch(`${ts.url}${path}`, { method });
        expect(response.status, `${method} ${path}`).toBe(405);
        expect(response.headers.get('allow')).toBe('GET, HEAD');
      }
      expect((await fetch(`${ts.url}${path}`, { method: 'HEAD' })).status).not.toBe(405);
    }
  });
});

