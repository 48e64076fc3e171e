import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql } from '../support/graphql.ts';
import { QUERY_LIMITS } from '../../server/http/yoga.ts';

describe('HTTP endpoints', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(() => ts?.close());

  it('answers /health with the overall status only', async () => {
    const response = await fetch(`${ts.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'healthy' });
  });

  it('serves Prometheus metrics with process metrics and GraphQL counts and durations', async () => {
    await gql(ts, '{ me { name } }');
    await gql(ts, '{ serverTime }');
    const response = await fetch(`${ts.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^lookout_process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^lookout_process_resident_memory_bytes \d/m);
    expect(text).toMatch(/^lookout_graphql_requests_total\{operation="query",outcome="ok"\} [1-9]/m);
    expect(text).toMatch(/^lookout_graphql_requests_total\{operation="query",outcome="error"\} [1-9]/m);
    expect(text).toMatch(/^lookout_graphql_request_duration_seconds_count\{operation="query"\} [2-9]/m);
  });

  it('offers GraphiQL to a browser', async () => {
    const response = await fetch(`${ts.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/Lookout GraphQL/);
  });

  it('answers GET queries per the GraphQL-over-HTTP spec, and refuses mutations over GET', async () => {
    const get = await fetch(`${ts.url}/graphql?query=${encodeURIComponent('{ setupStatus { required } }')}`, { headers: { accept: 'application/graphql-response+json' } });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ data: { setupStatus: { required: true } } });
    const mutation = await fetch(`${ts.url}/graphql?query=${encodeURIComponent('mutation { signOut }')}`, { headers: { accept: 'application/graphql-response+json' } });
    expect(mutation.status).toBe(405);
  });

  /** `ofType { … }` nested n times: deep and costly, and valid against any schema. */
  const nested = (n: number) => `${'ofType { '.repeat(n)}name${' }'.repeat(n)}`;

  it('refuses a query deeper than the limit with a clear error', async () => {
    const result = await gql(ts, `{ __type(name: "Query") { fields { type { ${nested(QUERY_LIMITS.maxDepth)} } } } }`, {}, { token: ts.adminToken });
    expect(result.errors?.[0].message).toMatch(new RegExp(`depth limit of ${QUERY_LIMITS.maxDepth} exceeded`, 'i'));
  });

  it('accepts the standard introspection query (GraphiQL and codegen need it)', async () => {
    const { getIntrospectionQuery } = await import('graphql');
    const result = await gql(ts, getIntrospectionQuery(), {}, { token: ts.adminToken });
    expect(result.errors).toBeUndefined();
  });

  it('refuses __schema asked more than once in an operation, or with aliases inside it (introspection aliased within the alias limit)', async () => {
    // Each alias of __schema (free in the cost) was the whole schema: 30 of them passed every limit.
    const aliased = Array.from({ length: 2 }, (_, i) => `s${i}: __schema { types { name fields { name args { name } } } }`).join(' ');
    const twice = await gql(ts, `{ ${aliased} }`);
    expect(twice.data).toBeUndefined();
    expect(twice.errors?.[0].message).toBe("Introspection's __schema may be asked once per operation, found 2: ask for it once.");
    expect(twice.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    // Through fragments too, each counted where it is used.
    const fragments = await gql(ts, 'query { ...A ...B } fragment A on Query { a: __schema { queryType { name } } } fragment B on Query { ...C b: __schema { queryType { name } } } fragment C on Query { c: __schema { queryType { name } } }');
    expect(fragments.errors?.[0].message).toMatch(/__schema may be asked once per operation, found 3/);
    // One __schema with the aliases inside it (regression: 30 aliased `types` passed, 4.8 MB for 900 bytes asked).
    const inside = Array.from({ length: 30 }, (_, i) => `t${i}: types { name fields { name args { name } } }`).join(' ');
    const aliasedInside = await gql(ts, `{ __schema { ${inside} } }`);
    expect(aliasedInside.data).toBeUndefined();
    expect(aliasedInside.errors?.map((e) => e.message)).toEqual(['Aliases are not allowed inside introspection\'s __schema (found "t0"): each would be the whole list again.']);
    const viaFragment = await gql(ts, '{ __schema { types { ...T } } } fragment T on __Type { name f: fields { name } }');
    expect(viaFragment.errors?.[0].message).toMatch(/Aliases are not allowed inside introspection's __schema \(found "f"\)/);
    // Once is fine, in a document of several operations too.
    const body = JSON.stringify({ query: 'query One { __schema { queryType { name } } } query Two { __schema { queryType { name } } }', operationName: 'Two' });
    const once = await fetch(`${ts.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(await once.json()).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });

  it('refuses too many aliases', async () => {
    const aliases = Array.from({ length: QUERY_LIMITS.maxAliases + 1 }, (_, i) => `a${i}: serverTime`).join(' ');
    const result = await gql(ts, `{ ${aliases} }`, {}, { token: ts.adminToken });
    expect(result.errors?.[0].message).toMatch(new RegExp(`aliases limit of ${QUERY_LIMITS.maxAliases} exceeded`, 'i'));
  });

  it('refuses a query over the cost limit', async () => {
    // 20 aliases: within the token limit, over the cost limit.
    const fields = Array.from({ length: 20 }, (_, i) => `a${i}: __type(name: "Query") { fields { type { ${nested(8)} } } }`).join(' ');
    const result = await gql(ts, `{ ${fields} }`, {}, { token: ts.adminToken });
    expect(result.errors?.[0].message).toMatch(new RegExp(`cost limit of ${QUERY_LIMITS.maxCost} exceeded`, 'i'));
  });

  it('prices a literal page size as the same page asked with a variable (query cost without a "first" multiplier)', async () => {
    // graphql-armor's cost limit multiplied the whole field by a literal `first`: this page was refused
    // (cost 12,250), the same with `first: $first` or every service without `first` accepted.
    const card = 'name displayName target status statusSince lastCheckedAt latencyMs lastError uptime24h recentLatencies critical tags paused';
    const literal = await gql(ts, `{ healthOverview(orderBy: WORST_FIRST, first: 200) { totalCount services { ${card} } } }`, {}, { token: ts.adminToken });
    expect(literal.errors).toBeUndefined();
    const variable = await gql(ts, `query($n: Int) { healthOverview(orderBy: WORST_FIRST, first: $n) { totalCount services { ${card} } } }`, { n: 200 }, { token: ts.adminToken });
    expect(variable.errors).toBeUndefined();
    // The server checks its built-in services meanwhile: an uptime or a latency may move between the two
    // reads (CI once saw uptime24h go from null to 0.5). The same page is the same services, counted alike.
    type Page = { healthOverview: { totalCount: number; services: { name: string }[] } };
    const names = (data: unknown) => (data as Page).healthOverview.services.map((s) => s.name).sort();
    expect((variable.data as Page).healthOverview.totalCount).toBe((literal.data as Page).healthOverview.totalCount);
    expect(names(variable.data)).toEqual(names(literal.data));
    expect(names(literal.data).length).toBeGreaterThan(0);
    const runs = await gql(ts, '{ operationRuns(first: 500) { runs { id type typeLabel status outcome title initiatorName } endCursor hasNextPage } }', {}, { token: ts.adminToken });
    expect(runs.errors).toBeUndefined();
  });

  it('masks unexpected errors, and /health reports down when the database is gone', async () => {
    const name = new URL(ts.databaseUrl).pathname.slice(1);
    const admin = new pg.Client({ connectionString: inject('postgresUrl') });
    await admin.connect();
    await admin.query(`alter database ${name} allow_connections false`);
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name]);
    await admin.end();
    const result = await gql(ts, '{ apiTokens { id } }', {}, { token: ts.adminToken });
    expect(result.errors?.[0].message).not.toMatch(/pool|connect|knex|kysely|postgres/i);
    const health = await fetch(`${ts.url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'down' });
  });
});
