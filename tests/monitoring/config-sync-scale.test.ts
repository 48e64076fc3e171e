/**
 * Config sync and the API's bulk path at scale: 10,000 services from a YAML file synced in a few
 * statements and all due for a first check; a reload that changes one of them writes one row;
 * removal and re-adding; `createServices` creating 1,000 at once, all or nothing, with one audit
 * row. (Timings are in bench/config-sync, not asserted here.)
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../server/clock.ts';
import { syncDeclaredServices, type DeclaredService } from '../../server/monitoring/config-sync.ts';
import { claimDueChecks } from '../../server/monitoring/claims.ts';
import { validateService } from '../../server/monitoring/services.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';

const COUNT = 10_000;
const nameOf = (i: number) => `svc-${String(i).padStart(5, '0')}`;

/** A YAML file of `count` TCP services (entries in `skip` left out; `targets` overrides some targets). */
function yaml({ count = COUNT, skip = new Set<number>(), targets = new Map<number, string>() } = {}): string {
  const entries: string[] = [];
  for (let i = 0; i < count; i++) {
    if (skip.has(i)) continue;
    entries.push(`  - name: ${nameOf(i)}\n    kind: tcp\n    target: ${targets.get(i) ?? '127.0.0.1:9'}\n    interval: 60s\n    tags: [scale]\n`);
  }
  return `services:\n${entries.join('')}`;
}

describe('config sync at 10,000 services', () => {
  let ts: TestServer;
  let dir: string;
  let file: string;
  const sql = () => ts.server.app.sql;
  const one = async <T>(text: string, params: unknown[] = []) => (await sql().query<T & Record<string, unknown>>(text, params)).rows[0];
  const updatesCounted = async () => Number((await one<{ n: number }>('select n from test_service_updates')).n);
  const reload = async (text: string) => {
    await fs.writeFile(file, text);
    // The watcher may reload too: a reload that finds nothing changed writes nothing, as asserted below.
    expect(await ts.server.app.configFile.reload('test')).toBe(true);
  };

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-sync-scale-'));
    file = path.join(dir, 'lookout.yaml');
    await fs.writeFile(file, yaml());
    // No scheduler: the state rows stay as the sync wrote them (the claim below shows them due).
    ts = await startTestServer({ config: { configFile: file }, runScheduler: false });
    // Counts every row update of services, whoever writes it.
    await sql().query(`
      create table test_service_updates (n int not null); insert into test_service_updates values (0);
      create function count_service_updates() returns trigger language plpgsql as $$ begin update test_service_updates set n = n + 1; return null; end $$;
      create trigger count_service_updates after update on services for each row execute function count_service_updates();`);
  });
  afterAll(async () => {
    await ts?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('syncs 10,000 new services from the file at start-up, every one with a state row due now', async () => {
    const counts = await one<{ services: string; states: string; due: string; names: string }>(
      `select count(*) services, count(st.service_id) states, count(*) filter (where st.next_due_at <= now()) due,
              count(*) filter (where s.name ~ '^svc-[0-9]{5}$' and s.source_path = $1) names
         from services s left join service_states st on st.service_id = s.id where s.source = 'config'`,
      [file],
    );
    expect(counts).toEqual({ services: String(COUNT), states: String(COUNT), due: String(COUNT), names: String(COUNT) });
    // The built-in services stay beside the file's.
    expect((await sql().query(`select name from services where source = 'builtin' order by name`)).rows.map((r) => r.name)).toEqual(['event-bus', 'filesystem', 'host', 'lookout', 'postgres']);
  });

  it('hands every one of them to the scheduler for a first check', async () => {
    const claimed = await claimDueChecks(sql(), new Date(), COUNT + 100, { owner: 'scale-test' });
    const names = new Set(claimed.map((c) => c.name));
    expect(Array.from({ length: COUNT }, (_, i) => nameOf(i)).filter((n) => !names.has(n))).toEqual([]);
  });

  it('writes nothing on a reload that changes nothing', async () => {
    const before = await updatesCounted();
    await reload(yaml());
    expect(await updatesCounted()).toBe(before);
  });

  it('updates exactly one services row when a reload changes one service of 10,000, and checks it again at once', async () => {
    const before = await updatesCounted();
    const stateBefore = await one<{ next_due_at: Date }>(`select st.next_due_at from service_states st join services s on s.id = st.service_id where s.name = $1`, [nameOf(4321)]);
    await reload(yaml({ targets: new Map([[4321, '127.0.0.1:10']]) }));
    expect(await updatesCounted()).toBe(before + 1);
    const after = await one<{ target: string; next_due_at: Date }>(
      `select s.target, st.next_due_at from services s join service_states st on st.service_id = s.id where s.name = $1`,
      [nameOf(4321)],
    );
    expect(after.target).toBe('127.0.0.1:10');
    // Claimed above, its next check was a minute away; changed, it is due now.
    expect(stateBefore.next_due_at.getTime()).toBeGreaterThan(Date.now());
    expect(after.next_due_at.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('removes services left out of the file (with their state) and adds them back, due now, when they return', async () => {
    const gone = new Set(Array.from({ length: 100 }, (_, i) => i * 97));
    const ids = async () => (await sql().query(`select id from services where name = any($1)`, [[...gone].map(nameOf)])).rows.map((r) => r.id as number);
    const oldIds = await ids();
    expect(oldIds).toHaveLength(100);
    await reload(yaml({ skip: gone, targets: new Map([[4321, '127.0.0.1:10']]) }));
    expect(await ids()).toEqual([]);
    expect(Number((await one<{ n: string }>('select count(*) n from service_states where service_id = any($1)', [oldIds])).n)).toBe(0);
    expect(Number((await one<{ n: string }>(`select count(*) n from services where source = 'config'`)).n)).toBe(COUNT - 100);

    const before = await updatesCounted();
    await reload(yaml({ targets: new Map([[4321, '127.0.0.1:10']]) }));
    const back = await sql().query(
      `select s.id, st.next_due_at <= now() due, st.last_checked_at from services s join service_states st on st.service_id = s.id where s.name = any($1)`,
      [[...gone].map(nameOf)],
    );
    expect(back.rows).toHaveLength(100);
    expect(back.rows.every((r) => r.due && r.last_checked_at === null && !oldIds.includes(r.id))).toBe(true);
    // Adding and removing write no updates to the other 9,900.
    expect(await updatesCounted()).toBe(before);
  });

  it('reports exactly what it added, updated and removed (the built-ins too), in one transaction under the lock', async () => {
    const declared = (targets: Map<number, string>, count: number): DeclaredService[] => [
      ...Array.from({ length: count }, (_, i) => ({
        definition: validateService({ name: nameOf(i), kind: 'tcp', target: targets.get(i) ?? '127.0.0.1:9', interval: '60s', tags: ['scale'] }, 'config'),
        source: 'config' as const,
        sourcePath: file,
      })),
    ];
    const sync = (services: DeclaredService[]) => ts.server.app.orm.em.fork().transactional((tx) => syncDeclaredServices(tx, services, systemClock));
    // The file as it is, but two services changed, one new, the last two and the built-ins gone.
    const result = await sync([
      ...declared(new Map([[4321, '127.0.0.1:10'], [7, '127.0.0.1:11'], [8000, '127.0.0.1:12']]), COUNT - 2),
      { definition: validateService({ name: 'brand-new', kind: 'tcp', target: '127.0.0.1:13' }, 'config'), source: 'config', sourcePath: file },
    ]);
    expect(result).toEqual({
      added: ['brand-new'],
      updated: [nameOf(7), nameOf(8000)],
      removed: ['event-bus', 'filesystem', 'host', 'lookout', 'postgres', nameOf(COUNT - 2), nameOf(COUNT - 1)].sort(),
    });
    // Back to the file: the built-ins return through the loader.
    await reload(yaml({ targets: new Map([[4321, '127.0.0.1:10']]) }));
    expect(Number((await one<{ n: string }>(`select count(*) n from services where source in ('config', 'builtin')`)).n)).toBe(COUNT + 5);
  });
});

describe('createServices', () => {
  let ts: TestServer;
  const admin = () => ({ token: ts.adminToken });
  const count = async (pattern: string) => Number((await ts.server.app.sql.query('select count(*) n from services where name like $1', [pattern])).rows[0].n);
  const batch = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ name: `${prefix}-${i}`, kind: 'tcp', target: '127.0.0.1:9', interval: '60s' }));
  const CREATE = 'mutation($services: [CreateServiceInput!]!) { createServices(services: $services) { name target intervalMs } }';

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
  });
  afterAll(() => ts?.close());

  it('creates 1,000 services in one call, in order, each due for a first check, with one audit row naming them all', async () => {
    const services = batch('bulk', 1000);
    services[999] = { ...services[999], name: 'bulk-last', dependsOn: ['bulk-0', 'lookout'] } as (typeof services)[number];
    const created = await gqlOk<{ createServices: { name: string; target: string; intervalMs: number }[] }>(ts, CREATE, { services }, admin());
    expect(created.createServices.map((s) => s.name)).toEqual(services.map((s) => s.name));
    expect(created.createServices[0]).toEqual({ name: 'bulk-0', target: '127.0.0.1:9', intervalMs: 60_000 });
    const states = await ts.server.app.sql.query(
      `select count(*) filter (where st.next_due_at <= now()) due, count(*) n from services s join service_states st on st.service_id = s.id where s.name like 'bulk-%' and s.source = 'api'`,
    );
    expect(states.rows[0]).toEqual({ due: '1000', n: '1000' });
    const audit = await ts.server.app.sql.query(`select outcome, target_type, target_ids, input from audit_log where action = 'monitoring.services.create'`);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({ outcome: 'success', target_type: 'service', input: { count: 1000, kinds: ['tcp'] } });
    expect(audit.rows[0].target_ids).toEqual(services.map((s) => s.name));
  });

  it('creates nothing when one entry is bad, and the error names the entry', async () => {
    const services = batch('atomic', 1000);
    services[3] = { ...services[3], target: 'nowhere' };
    const refused = await gql(ts, CREATE, { services }, admin());
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'services[3].target' });
    expect(await count('atomic-%')).toBe(0);
    const failure = await ts.server.app.sql.query(`select outcome, error_code from audit_log where action = 'monitoring.services.create' order by id desc limit 1`);
    expect(failure.rows[0]).toEqual({ outcome: 'failure', error_code: 'BAD_USER_INPUT' });
  });

  it('refuses, naming the entry, a name given twice, a name taken, a config-only kind and an unknown dependency', async () => {
    const cases: [Record<string, unknown>[], string, string][] = [
      [[...batch('dup', 3), { name: 'dup-1', kind: 'tcp', target: '127.0.0.1:9' }], 'services[3].name', 'BAD_USER_INPUT'],
      [[...batch('taken', 2), { name: 'bulk-5', kind: 'tcp', target: '127.0.0.1:9' }], 'services[2].name', 'CONFLICT'],
      [[...batch('cmd', 2), { name: 'cmd-x', kind: 'command', target: 'true' }], 'services[2].kind', 'BAD_USER_INPUT'],
      [[...batch('dep', 2), { name: 'dep-x', kind: 'tcp', target: '127.0.0.1:9', dependsOn: ['nobody'] }], 'services[2].dependsOn', 'BAD_USER_INPUT'],
    ];
    for (const [services, field, code] of cases) {
      const refused = await gql(ts, CREATE, { services }, admin());
      expect(refused.errors?.[0].extensions, field).toMatchObject({ code, field });
    }
    expect((await count('dup-%')) + (await count('taken-%')) + (await count('cmd-%')) + (await count('dep-%'))).toBe(0);
  });
});
