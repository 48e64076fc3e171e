/**
 * One after-commit path (issue 10 item 5): the code that changes state records its events in its
 * transaction, and they are published once it committed — once, and never after a rollback, for
 * ORM work (`audited`) and plain-SQL work (`auditedSql`, `inTransaction`) alike, and through the
 * API for the capabilities that change runs.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audited, auditedSql } from '../../server/audit/audit.ts';
import { systemClock } from '../../server/clock.ts';
import { inTransaction } from '../../server/db/sql.ts';
import { afterCommit, noEvents, type TransactionEvents } from '../../server/events/after-commit.ts';
import { Channels, type ChannelName, type ChannelPayloads } from '../../server/events/channels.ts';
import type { PubSub } from '../../server/events/pubsub.ts';
import { gql, gqlOk } from '../support/graphql.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { CLAIM, COMPLETE, makeReady, SUBMIT, type ClaimResult, type SubmitResult } from '../operations/support.ts';

const who = { actor: null, fallback: { type: 'system' as const, label: 'after-commit test' } };

describe('one after-commit path', () => {
  let ts: TestServer;
  let pubsub: PubSub;
  let pool: pg.Pool;

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    ({ pubsub, sql: pool } = ts.server.app);
    await pool.query('create table after_commit_rows (id text primary key, twin text unique deferrable initially deferred)');
  });
  afterAll(() => ts?.close());

  /**
   * What is published on `channel` while `work` runs and right after it, in order: listens first,
   * runs the work, then publishes an end marker on the same channel and collects up to it — whatever
   * the work published arrived before the marker (in process, a publish is delivered as it is made).
   */
  async function heardDuring<N extends ChannelName>(channel: N, end: ChannelPayloads[N], isEnd: (event: ChannelPayloads[N]) => boolean, work: () => Promise<unknown>): Promise<ChannelPayloads[N][]> {
    const controller = new AbortController();
    const events = pubsub.subscribe(channel, controller.signal);
    await events.ready;
    await work();
    await pubsub.publish(channel, end);
    const heard: ChannelPayloads[N][] = [];
    for await (const event of events) {
      if (isEnd(event)) break;
      heard.push(event);
    }
    controller.abort();
    return heard;
  }

  /** The access-change channel carries one word: the simplest event to record from test work. */
  const actionsDuring = async (work: () => Promise<unknown>) => {
    const end = `end-${randomUUID()}`;
    return (await heardDuring(Channels.accessChanged, { action: end }, (e) => e.action === end, work)).map((e) => e.action);
  };

  const rowExists = async (id: string) => (await pool.query('select 1 from after_commit_rows where id = $1', [id])).rowCount === 1;

  describe('ORM work (audited)', () => {
    it('publishes a committed change once, after the commit, when the change can be read', async () => {
      const id = randomUUID();
      let readableWhenPublished: boolean | undefined;
      const seen = pubsub.subscribe(Channels.accessChanged);
      await seen.ready;
      // Reads the row from another connection as soon as the event arrives.
      const reader = (async () => {
        for await (const event of seen) if (event.action === id) return (readableWhenPublished = await rowExists(id));
      })();
      const heard = await actionsDuring(() =>
        audited(ts.server.app.orm.em.fork(), who, systemClock, async (em, events) => {
          await em.getConnection().execute('insert into after_commit_rows (id) values (?)', [id], 'run', em.getTransactionContext());
          events.record(Channels.accessChanged, { action: id });
          // Still in the transaction: nothing is out yet.
          expect(await rowExists(id)).toBe(false);
        }, { action: 'test.orm.commit' }, pubsub),
      );
      expect(heard).toEqual([id]);
      await reader;
      expect(readableWhenPublished).toBe(true);
    });

    it('publishes nothing when the work fails and its transaction rolls back (regression: resolvers published after the call, at most once, and only on success by hand)', async () => {
      const id = randomUUID();
      const heard = await actionsDuring(() =>
        expect(
          audited(ts.server.app.orm.em.fork(), who, systemClock, async (em, events) => {
            await em.getConnection().execute('insert into after_commit_rows (id) values (?)', [id], 'run', em.getTransactionContext());
            events.record(Channels.accessChanged, { action: id });
            throw new Error('the work fails after recording its event');
          }, { action: 'test.orm.rollback' }, pubsub),
        ).rejects.toThrow(/fails after recording/),
      );
      expect(heard).toEqual([]);
      expect(await rowExists(id)).toBe(false);
      // The failure is audited all the same.
      expect((await pool.query("select outcome from audit_log where action = 'test.orm.rollback'")).rows).toEqual([{ outcome: 'failure' }]);
    });
  });

  describe('plain-SQL work (auditedSql, inTransaction)', () => {
    it('publishes a committed change once, after the commit', async () => {
      const id = randomUUID();
      const heard = await actionsDuring(() =>
        auditedSql(pool, who, systemClock, async (sql, events) => {
          await sql.query('insert into after_commit_rows (id) values ($1)', [id]);
          events.record(Channels.accessChanged, { action: id });
          expect(await rowExists(id)).toBe(false);
        }, { action: 'test.sql.commit' }, pubsub),
      );
      expect(heard).toEqual([id]);
      expect(await rowExists(id)).toBe(true);
    });

    it('publishes nothing when the work fails and its transaction rolls back', async () => {
      const id = randomUUID();
      const heard = await actionsDuring(() =>
        expect(
          auditedSql(pool, who, systemClock, async (sql, events) => {
            events.record(Channels.accessChanged, { action: id });
            await sql.query('insert into after_commit_rows (id) values ($1)', [id]);
            await sql.query('select 1 / 0');
          }, { action: 'test.sql.rollback' }, pubsub),
        ).rejects.toMatchObject({ code: '22012' }),
      );
      expect(heard).toEqual([]);
      expect(await rowExists(id)).toBe(false);
    });

    it('publishes nothing when the work succeeds but the commit fails (a deferred constraint): events wait for the commit, not for the work', async () => {
      const id = randomUUID();
      const heard = await actionsDuring(() =>
        expect(
          inTransaction(
            pool,
            async (sql, events) => {
              // Two rows with one `twin`: the unique constraint is checked at COMMIT, which fails.
              await sql.query('insert into after_commit_rows (id, twin) values ($1, $3), ($2, $3)', [id, `${id}-2`, id]);
              events.record(Channels.accessChanged, { action: id });
            },
            pubsub,
          ),
        ).rejects.toMatchObject({ code: '23505' }),
      );
      expect(heard).toEqual([]);
      expect(await rowExists(id)).toBe(false);
    });

    it('runs a wake-up once the transaction committed, and none after a rollback', async () => {
      const woken: string[] = [];
      await inTransaction(pool, async (_sql, events) => void events.afterCommit(() => woken.push('committed')), pubsub);
      await inTransaction(pool, async (_sql, events) => {
        events.afterCommit(() => woken.push('rolled back'));
        throw new Error('rolls back');
      }, pubsub).catch(() => {});
      expect(woken).toEqual(['committed']);
    });
  });

  describe('mistakes the path refuses', () => {
    it('refuses an event recorded after its transaction ended (it would never be published)', async () => {
      let kept: TransactionEvents | undefined;
      await afterCommit(pubsub, async (events) => void (kept = events));
      expect(() => kept!.record(Channels.accessChanged, { action: 'late' })).toThrow(/after its transaction ended/);
    });

    it('fails work that records an event in a transaction given no pub/sub, before it commits', async () => {
      const id = randomUUID();
      await expect(
        inTransaction(pool, async (sql) => {
          await sql.query('insert into after_commit_rows (id) values ($1)', [id]);
          noEvents.record(Channels.accessChanged, { action: id });
        }),
      ).rejects.toThrow(/publishes none/);
      expect(await rowExists(id)).toBe(false);
    });

    it('does not compile a publish on an undeclared channel, a payload of the wrong shape, or work that records events without a pub/sub', () => {
      // Checked by `tsc` (npm run typecheck): each line below must be a type error.
      const neverRun = () => {
        // @ts-expect-error 'service.check' (the old per-check channel) is not declared
        void pubsub.publish('service.check', { service: 'x' });
        // @ts-expect-error a status change without its status
        void pubsub.publish(Channels.statusChanged, { service: 'x', critical: false, previousStatus: null, reason: 'r', at: '' });
        // @ts-expect-error work that takes `events` needs the pub/sub that publishes them
        void inTransaction(pool, async (_sql, events: TransactionEvents) => events.record(Channels.accessChanged, { action: 'x' }));
      };
      expect(typeof neverRun).toBe('function');
    });
  });

  describe('capabilities through the API', () => {
    const admin = () => ({ token: ts.adminToken });
    const runsDuring = async (work: () => Promise<unknown>) => {
      const end = { id: -1, workspaceId: -1, tenantId: null, type: 'end', status: 'end', outcome: 'end', at: new Date().toISOString() };
      const messages = await heardDuring(Channels.runsUpdated, { runs: [end] }, (m) => m.runs[0]?.id === -1, work);
      return messages.map((m) => m.runs.map((r) => `${r.id}:${r.status}`));
    };

    it('publishes a run change once when a completion commits, and nothing for a refused one (SQL path)', async () => {
      await makeReady(ts);
      const { submitRun } = await gqlOk<SubmitResult>(ts, SUBMIT, { type: 'billing.invoice', workspace: 'after-commit' }, admin());
      const { claimRun } = await gqlOk<ClaimResult>(ts, CLAIM, { worker: 'worker-1', types: ['billing.invoice'] }, admin());
      const id = submitRun.run.id;
      expect(claimRun?.run.id).toBe(id);
      // A stale lease token: refused, rolled back, nothing published.
      expect(await runsDuring(async () => expect((await gql(ts, COMPLETE, { id, token: 'not-the-lease', outcome: 'SUCCEEDED' }, admin())).errors?.[0].extensions?.code).toBe('CONFLICT'))).toEqual([]);
      expect(await runsDuring(() => gqlOk(ts, COMPLETE, { id, token: claimRun!.leaseToken, outcome: 'SUCCEEDED' }, admin()))).toEqual([[`${id}:completed`]]);
    });

    it('publishes a run change once when an operator cancels, and nothing when the cancel is refused (ORM path)', async () => {
      const { submitRun } = await gqlOk<SubmitResult>(ts, SUBMIT, { type: 'billing.invoice', workspace: 'after-commit' }, admin());
      const id = submitRun.run.id;
      const cancel = (confirm: boolean) => gql(ts, 'mutation($id: ID!, $confirm: Boolean!) { cancelOperationRun(id: $id, confirm: $confirm) { status } }', { id, confirm }, admin());
      expect(await runsDuring(async () => expect((await cancel(false)).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT'))).toEqual([]);
      expect(await runsDuring(async () => expect((await cancel(true)).errors).toBeUndefined())).toEqual([[`${id}:completed`]]);
    });
  });
});
