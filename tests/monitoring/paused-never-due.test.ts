/**
 * Regression (issue 15, found reviewing the claims' plans): a paused service kept `next_due_at` at
 * the time it was paused (or created paused), at the near end of the next-due index, and every
 * claim — a look a second — walked over each paused service and looked its service row up before
 * reaching one it could claim: 5,000 paused services were 15,000 buffers a look. A paused service is
 * now never due (PAUSED_DUE, at the far end) on every path that pauses, creates, edits, syncs or
 * lets go of one; resuming makes it due at once.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparedStatements } from '../../server/db/sql.ts';
import { claimDue, PAUSED_DUE, releaseClaims } from '../../server/monitoring/claims.ts';
import { setPaused, updateService } from '../../server/monitoring/services.ts';
import { gqlOk } from '../support/graphql.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { until } from '../support/signals.ts';

/** A file with one paused service at `target`, and 3,000 more paused (created in one batch). */
const CONFIG = (target: string) => `
services:
  - name: from-file
    kind: tcp
    target: ${target}
    interval: 1h
    paused: true
${Array.from({ length: 3000 }, (_, i) => `  - { name: many-paused-${i}, kind: tcp, target: "127.0.0.1:9", interval: 1h, paused: true }`).join('\n')}
`;

describe('a paused service is never due', () => {
  let ts: TestServer;
  let dir: string;
  let file: string;
  const admin = () => ({ token: ts.adminToken });
  const dueOf = async (name: string) =>
    (await ts.server.app.sql.query<{ next_due_at: Date }>('select st.next_due_at from service_states st join services s on s.id = st.service_id where s.name = $1', [name])).rows[0].next_due_at;
  const create = (name: string) =>
    gqlOk(ts, 'mutation($input: CreateServiceInput!) { createService(input: $input) { name } }', { input: { name, kind: 'tcp', target: '127.0.0.1:9', interval: '1h' } }, admin());

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-paused-'));
    file = path.join(dir, 'lookout.yaml');
    await fs.writeFile(file, CONFIG('127.0.0.1:7'));
    ts = await startTestServer({ runScheduler: false, config: { configFile: file } });
  });
  afterAll(async () => {
    await ts?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('created paused (from the config file), paused, edited while paused, or changed in the file while paused', async () => {
    expect(await dueOf('from-file')).toEqual(PAUSED_DUE);
    expect(await dueOf('many-paused-2999')).toEqual(PAUSED_DUE);

    await create('later-paused');
    expect((await dueOf('later-paused')).getTime()).toBeLessThanOrEqual(Date.now());
    await gqlOk(ts, 'mutation { pauseService(name: "later-paused") { paused } }', {}, admin());
    expect(await dueOf('later-paused')).toEqual(PAUSED_DUE);
    await gqlOk(ts, 'mutation { updateService(name: "later-paused", input: { kind: "tcp", target: "127.0.0.1:10", interval: "2h" }) { name } }', {}, admin());
    expect(await dueOf('later-paused')).toEqual(PAUSED_DUE);

    await fs.writeFile(file, CONFIG('127.0.0.1:8'));
    expect(await ts.server.app.configFile.reload('test')).toBe(true);
    const target = (await ts.server.app.sql.query<{ target: string }>("select target from services where name = 'from-file'")).rows[0].target;
    expect(target).toBe('127.0.0.1:8');
    expect(await dueOf('from-file')).toEqual(PAUSED_DUE);
  });

  it('resumed: due at once', async () => {
    const before = Date.now();
    await gqlOk(ts, 'mutation { resumeService(name: "later-paused") { paused } }', {}, admin());
    const due = (await dueOf('later-paused')).getTime();
    expect(due).toBeGreaterThanOrEqual(before - 1000);
    expect(due).toBeLessThanOrEqual(Date.now());
  });

  /** Creates `name`, has `owner` claim it ahead (every other running service due tomorrow), then pauses it. */
  const claimedThenPaused = async (name: string, owner: string) => {
    const { sql } = ts.server.app;
    await create(name);
    await sql.query("update service_states set next_due_at = now() + interval '1 day' from services s where s.id = service_id and not s.paused and s.name <> $1", [name]);
    const { claims } = await claimDue(sql, new Date(), 10, { owner }, 1500);
    expect(claims.map((c) => c.name)).toEqual([name]);
    await gqlOk(ts, `mutation { pauseService(name: "${name}") { paused } }`, {}, admin());
    return claims;
  };

  it('paused after a replica claimed it ahead: when the replica lets go, it is still never due', async () => {
    const claims = await claimedThenPaused('claimed-then-paused', 'paused-test');
    await releaseClaims(ts.server.app.sql, 'paused-test', claims);
    expect(await dueOf('claimed-then-paused')).toEqual(PAUSED_DUE);
  });

  /** Whether a statement starting with `prefix` waits for a lock now. */
  const waitingOnLock = async (prefix: string) =>
    (
      await ts.server.app.sql.query<{ n: number }>(
        "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like $1",
        [`${prefix}%`],
      )
    ).rows[0].n === 1;
  const stateOf = async (name: string) =>
    (await ts.server.app.sql.query<{ next_due_at: Date; paused: boolean }>('select st.next_due_at, s.paused from service_states st join services s on s.id = st.service_id where s.name = $1', [name])).rows[0];

  it('an edit racing a resume (regression: the edit read it paused, the resume committed before the edit wrote it never due, and it ran never checked)', async () => {
    const { orm, clock } = ts.server.app;
    await create('edit-race');
    await gqlOk(ts, 'mutation { pauseService(name: "edit-race") { paused } }', {}, admin());
    let resumed: Promise<unknown> | undefined;
    await orm.em.fork().transactional(async (tx) => {
      const flush = tx.flush.bind(tx);
      let first = true;
      tx.flush = async () => {
        if (first) {
          first = false;
          // Another operator resumes it between the edit's read and its write: it waits for the edit now.
          resumed = orm.em.fork().transactional((r) => setPaused(r, 'edit-race', false, clock));
          await until(() => waitingOnLock('select 1 from services where name ='), 'the resume to wait for the edit (before, it committed at once)');
        }
        return flush();
      };
      await updateService(tx, 'edit-race', { kind: 'tcp', target: '127.0.0.1:10', interval: '1h' }, clock);
    });
    await resumed;
    const state = await stateOf('edit-race');
    expect(state.paused).toBe(false);
    expect(state.next_due_at.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('a release of claims racing a resume (regression: the release judged by the services row as it was before the resume committed, and left a running service never due)', async () => {
    const { sql } = ts.server.app;
    const claims = await claimedThenPaused('release-race', 'release-race-owner');
    // A resume in flight, as setPaused writes it: the service, then its state, not committed yet.
    const resume = new pg.Client({ connectionString: ts.databaseUrl });
    await resume.connect();
    try {
      await resume.query('begin');
      await resume.query("update services set paused = false where name = 'release-race'");
      await resume.query("update service_states st set next_due_at = now(), claimed_until = null from services s where s.id = st.service_id and s.name = 'release-race'");
      const released = releaseClaims(sql, 'release-race-owner', claims);
      await until(() => waitingOnLock('update service_states st set claimed_by = null'), 'the release to wait for the resume');
      await resume.query('commit');
      await released;
    } finally {
      await resume.end();
    }
    const state = await stateOf('release-race');
    expect(state.paused).toBe(false);
    expect(state.next_due_at.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('a claim reads a few pages to find the one due service, however many are paused', async () => {
    const { sql } = ts.server.app;
    await sql.query("update service_states set next_due_at = now() + interval '1 day' from services s where s.id = service_id and not s.paused");
    await create('one-due');
    await sql.query('analyze service_states');
    const client = await sql.connect();
    try {
      await client.query('begin');
      await client.query(`prepare claim_walk as ${preparedStatements().get('claim-due-checks')}`);
      const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: unknown }] }>(`explain (analyze, buffers, format json) execute claim_walk(now(), 200, 'walk-test', '{}', 0)`);
      const plan = rows[0]['QUERY PLAN'][0].Plan as { 'Shared Hit Blocks': number; 'Shared Read Blocks': number };
      const claimed = await client.query<{ n: number }>("select count(*)::int as n from service_states where claimed_by = 'walk-test'");
      expect(claimed.rows[0].n).toBe(1);
      // Walking 3,000 paused services first, it read over 9,000.
      expect(plan['Shared Hit Blocks'] + plan['Shared Read Blocks']).toBeLessThan(300);
    } finally {
      await client.query('rollback');
      client.release(true);
    }
  });
});
