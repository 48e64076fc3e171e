/**
 * Workspaces, tenants and workers are created on first use by what workers submit and claim with,
 * so their number is the integrators' to grow: their lists page and refuse more than 10,000 asked
 * at once (regression: every tenant of every workspace was read, sorted and sent at each call), a
 * limited caller sees only its workspaces, and a replica keeps at most 10,000 of them in memory.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';
import { MAX_LISTED } from '../../server/db/paging.ts';
import { WorkspaceDirectory } from '../../server/operations/workspaces.ts';

describe('lists of workspaces, tenants and workers', () => {
  let ts: TestServer;
  let sql: pg.Pool;
  let limited: string;
  const admin = () => ({ token: ts.adminToken });

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    sql = new pg.Pool({ connectionString: ts.databaseUrl, max: 2 });
    await sql.query(`insert into workspaces (slug, name, created_at) values ('big', 'Big', now()), ('small', 'Small', now())`);
    await sql.query(
      `insert into tenants (workspace_id, slug, name, created_at)
       select (select id from workspaces where slug = 'big'), 't-' || lpad(i::text, 5, '0'), 'T ' || i, now() from generate_series(1, $1) i`,
      [MAX_LISTED + 1],
    );
    await sql.query(`insert into tenants (workspace_id, slug, name, created_at) select id, 'only', 'Only', now() from workspaces where slug = 'small'`);
    await sql.query(
      `insert into workers (name, types, capacity, registered_at, last_heartbeat_at) select 'w-' || lpad(i::text, 5, '0'), '{}', 1, now(), now() from generate_series(1, $1) i`,
      [MAX_LISTED + 1],
    );
    limited = (await gqlOk<{ createApiToken: { secret: string } }>(ts, 'mutation { createApiToken(input: { name: "small-only", role: VIEWER, workspaces: ["small"] }) { secret } }', {}, admin())).createApiToken.secret;
  });
  afterAll(async () => {
    await sql?.end();
    await ts?.close();
  });

  it('refuses tenants and workers unpaged above 10,000, naming first, and pages them in order', async () => {
    for (const document of ['{ tenants { slug } }', '{ tenants(workspace: "big") { slug } }', '{ workers { name } }']) {
      const refused = await gql(ts, document, {}, admin());
      expect(refused.errors?.[0], document).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
      expect(refused.errors?.[0].message, document).toMatch(/More than 10,000 .*: ask for them a page at a time/);
    }
    const page = await gqlOk<{ tenants: { slug: string; workspace: { slug: string } }[] }>(ts, '{ tenants(first: 3, offset: 9999) { slug workspace { slug } } }', {}, admin());
    expect(page.tenants.map((t) => `${t.workspace.slug}/${t.slug}`)).toEqual(['big/t-10000', 'big/t-10001', 'small/only']);
    const workers = await gqlOk<{ workers: { name: string }[] }>(ts, '{ workers(first: 2, offset: 1) { name } }', {}, admin());
    expect(workers.workers.map((w) => w.name)).toEqual(['w-00002', 'w-00003']);
    const bad = await gql(ts, '{ workspaces(first: 10001) { slug } }', {}, admin());
    expect(bad.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
  });

  it('shows a caller limited to one workspace only its workspaces and their tenants', async () => {
    const seen = await gqlOk<{ workspaces: { slug: string }[]; tenants: { slug: string }[]; big: { slug: string }[] }>(
      ts,
      '{ workspaces { slug } tenants { slug } big: tenants(workspace: "big") { slug } }',
      {},
      { token: limited },
    );
    expect(seen).toEqual({ workspaces: [{ slug: 'small' }], tenants: [{ slug: 'only' }], big: [] });
  });

  it('keeps at most 10,000 workspaces and tenants in a replica’s memory, and still resolves every entry', async () => {
    const directory = new WorkspaceDirectory();
    const now = new Date();
    const entries = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ workspace: 'spread', tenant: `n-${from + i}` }));
    for (let i = 0; i < 3; i++) {
      const places = await directory.resolve(ts.server.app.sql, entries(i * 6000, 6000), now);
      expect(places.every((p, j) => p.tenant?.slug === `n-${i * 6000 + j}`)).toBe(true);
    }
    // Cleared past 10,000, then the last batch: 18,000 tenants resolved, at most 10,000 + one batch held.
    expect(directory.cached).toBeLessThanOrEqual(MAX_LISTED + 6000 + 1);
    expect(directory.cached).toBeGreaterThan(0);
  });
});
