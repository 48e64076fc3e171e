/**
 * Transitions are durable facts with an exact cursor (issue 10): a consumer that polls
 * `transitionsAfter` reads every transition exactly once, in the order of the stream, however the
 * writers' transactions overlap — a transaction that began earlier may commit later (writers wait
 * on row locks, a disk stalls), which a cursor of start times or ids steps past. On the real
 * PostgreSQL, with the check writer's own statements.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransactionEvents } from '../../server/events/after-commit.ts';
import { writeChecks, type CompletedCheck } from '../../server/monitoring/results.ts';
import { FIRST_TRANSITION, formatCursor, parseCursor, transitionsAfter, type RecordedTransition, type TransitionCursor } from '../../server/monitoring/transitions.ts';
import { gqlOk } from '../support/graphql.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/** The writers here are the test's own transactions: what they would publish does not matter. */
const unpublished: TransactionEvents = { record: () => {}, afterCommit: () => {} };

describe('the transition cursor', () => {
  let ts: TestServer;
  let pool: pg.Pool;
  const ids = new Map<string, number>();
  const check = (service: string, status: 'healthy' | 'down', at: Date): CompletedCheck => ({
    serviceId: ids.get(service)!,
    serviceName: service,
    critical: false,
    kind: 'tcp',
    checkedAt: at,
    result: { status, latencyMs: 1, error: status === 'down' ? 'refused' : null, details: {} },
  });

  /** A writer's transaction, held open after it wrote its window until `commit()`. */
  async function openWriter(service: string, status: 'healthy' | 'down', at: Date): Promise<{ commit(): Promise<void> }> {
    const client = await pool.connect();
    await client.query('begin');
    const { transitions } = await writeChecks(client, [check(service, status, at)], unpublished);
    expect(transitions).toHaveLength(1);
    return {
      commit: async () => {
        await client.query('commit');
        client.release();
      },
    };
  }

  /** A consumer as alerting will be: polls with its cursor (3 at a time) and keeps what it read. */
  class PollingReader {
    cursor: TransitionCursor = FIRST_TRANSITION;
    read: RecordedTransition[] = [];
    async poll(): Promise<RecordedTransition[]> {
      const page = await transitionsAfter(pool, this.cursor, 3);
      this.cursor = page.cursor;
      this.read.push(...page.transitions);
      return page.transitions;
    }
    /**
     * Polls until it has read `count` more, for 10 s at most. Not "until a poll is empty": a
     * transaction open anywhere on the database server (another suite's) holds the stream back a
     * moment, as it would hold alerting.
     */
    async readMore(count: number): Promise<RecordedTransition[]> {
      const from = this.read.length;
      const deadline = Date.now() + 10_000;
      while (this.read.length < from + count && Date.now() < deadline) if (!(await this.poll()).length) await new Promise((r) => setTimeout(r, 20));
      return this.read.slice(from);
    }
    names = (transitions: RecordedTransition[]) => transitions.map((t) => `${t.service}:${t.previousStatus ?? '-'}->${t.status}`);
  }
  /** One consumer through the whole file. */
  const reader = new PollingReader();

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    pool = ts.server.app.sql;
    // No check runs here but the test's own: the stream holds only their windows.
    for (let i = 0; i < 8; i++) {
      const name = `cursor-${i}`;
      await gqlOk(ts, 'mutation($input: CreateServiceInput!) { createService(input: $input) { name } }', { input: { name, kind: 'tcp', target: '127.0.0.1:9', interval: '1h', failureThreshold: 1, recoveryThreshold: 1 } }, { token: ts.adminToken });
      ids.set(name, (await pool.query<{ id: number }>('select id from services where name = $1', [name])).rows[0].id);
    }
  });
  afterAll(() => ts?.close());

  it('reads both transitions exactly once when two writer transactions commit out of start order (regression: uptime_records.recorded_at is the transaction start, so a reader after X missed a window committed after a later one)', async () => {
    const t0 = new Date('2026-06-01T10:00:00Z');
    // A starts and writes first; B starts later, writes, and commits while A is still open.
    const a = await openWriter('cursor-0', 'healthy', t0);
    const b = await openWriter('cursor-1', 'healthy', t0);
    await b.commit();
    // B's window is committed, but A's, older in the stream, is not: the reader waits for it.
    expect(await reader.poll()).toEqual([]);
    // The control: reading by the time the window was stored, B's is there, and a reader that
    // moved past it would never see A's (whose recorded_at is earlier).
    const { rows: byTime } = await pool.query<{ service_id: number; recorded_at: Date; id: string }>(
      'select service_id, recorded_at, id from uptime_records where service_id = any($1) order by recorded_at, id',
      [[ids.get('cursor-0'), ids.get('cursor-1')]],
    );
    expect(byTime.map((r) => r.service_id)).toEqual([ids.get('cursor-1')]);
    await a.commit();
    const { rows: missed } = await pool.query('select 1 from uptime_records where service_id = $1 and (recorded_at, id) > ($2, $3)', [ids.get('cursor-0'), byTime[0].recorded_at, byTime[0].id]);
    expect(missed).toEqual([]); // what a recorded_at cursor would have read next: not A's window

    expect(reader.names(await reader.readMore(2))).toEqual(['cursor-0:-->healthy', 'cursor-1:-->healthy']);
    expect(await reader.poll()).toEqual([]);
  });

  it('gives a polling reader every transition of eight overlapping writers once, in commit-safe order, whatever the order they commit in', async () => {
    const t1 = new Date('2026-06-01T10:01:00Z');
    // Eight writers begin in order, each writing a transition; they commit in reverse, the reader
    // polling between commits: a poll never returns a window while an older writer is open.
    const writers = [];
    for (let i = 0; i < 8; i++) writers.push(await openWriter(`cursor-${i}`, 'down', new Date(t1.getTime() + i)));
    for (const writer of writers.reverse()) {
      expect(await reader.poll()).toEqual([]);
      await writer.commit();
    }
    const read = await reader.readMore(8);
    expect(read.map((t) => t.service)).toEqual([...ids.keys()]);
    expect(read.every((t) => t.status === 'down' && t.previousStatus !== 'down')).toBe(true);
    // The cursors go up strictly: each transition has its own place, none is read twice.
    const keys = read.map((t) => formatCursor(t.cursor));
    expect(new Set(keys).size).toBe(keys.length);
    expect(read.map((t) => [BigInt(t.cursor.txid), t.cursor.id])).toEqual(
      [...read].sort((x, y) => (BigInt(x.cursor.txid) === BigInt(y.cursor.txid) ? x.cursor.id - y.cursor.id : BigInt(x.cursor.txid) < BigInt(y.cursor.txid) ? -1 : 1)).map((t) => [BigInt(t.cursor.txid), t.cursor.id]),
    );
    expect(await reader.poll()).toEqual([]);
  });

  it('keeps its place as text and refuses a cursor that is not one, naming it', () => {
    const cursor = { txid: '18446744073709551615', id: 42 };
    expect(parseCursor(formatCursor(cursor))).toEqual(cursor);
    for (const bad of ['', '1', '1:x', '-1:2', '1:2:3', `${'9'.repeat(21)}:1`]) expect(() => parseCursor(bad)).toThrow(/transition cursor/);
  });

  it('also carries pauses and resumes, with the status before them', async () => {
    const admin = { token: ts.adminToken };
    await gqlOk(ts, 'mutation { pauseService(name: "cursor-3") { name } }', {}, admin);
    await gqlOk(ts, 'mutation { resumeService(name: "cursor-3") { name } }', {}, admin);
    const read = await reader.readMore(2);
    expect(reader.names(read)).toEqual(['cursor-3:down->paused', 'cursor-3:paused->down']);
    expect(read.map((t) => t.reason)).toEqual(['paused', 'resumed']);
  });
});
