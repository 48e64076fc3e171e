/**
 * Regression (issue 15): the rollups job's reads of the raw checks by time scanned the whole day's
 * partition every minute — its only index was led by `service_id` — so their cost grew all day with
 * the day's checks (0.8 s a statement at 10,000 services by 08:00; ten times that at 100,000 by the
 * evening). The BRIN index on `checked_at` lets PostgreSQL read only the minutes asked for. These
 * ask PostgreSQL for the plans of the job's statements over a day partition holding eight hours of
 * checks, and for the blocks the look for late checks actually reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionName, READ_BY_TIME, rollUpSql, UNCOUNTED_BUCKETS_SQL, uncountedBuckets } from '../../server/monitoring/timeseries.ts';
import type { SqlClient } from '../../server/db/sql.ts';
import { insertChecksOfADay } from '../support/checks-of-a-day.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}
const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

describe('the rollups job reads the raw checks of the buckets it rolls up, not the whole day', () => {
  let ts: TestServer;
  const day = new Date('2026-04-02T00:00:00Z');
  const at = (hh: string) => new Date(`2026-04-02T${hh}:00Z`);

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    // 1,000 services every minute from 00:00 to 08:00: 480,000 checks, stored in time order.
    await insertChecksOfADay(ts.server.app.sql, day, { services: 1000, rounds: 480, roundMs: 60_000, spacingMs: 50 });
  });
  afterAll(() => ts?.close());

  const plan = async (text: string, params: unknown[], analyze = false, settings: readonly string[] = []): Promise<PlanNode[]> => {
    const client = await ts.server.app.sql.connect();
    try {
      await client.query('begin'); // an analysed insert is rolled back
      await client.query('set local max_parallel_workers_per_gather = 0');
      for (const setting of settings) await client.query(setting);
      const { rows } = await client.query(`explain (format json${analyze ? ', analyze, buffers' : ''}) ${text}`, params);
      return nodes((rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0].Plan);
    } finally {
      await client.query('rollback');
      client.release();
    }
  };
  const scansOfTheDay = (plan: PlanNode[]) => plan.filter((n) => n['Relation Name'] === partitionName(day) || n['Index Name']?.startsWith(partitionName(day)));

  it('looks for late checks over 15 minutes through the time index, reading a small part of the day (regression: PostgreSQL 18 skip-scanned the service btree, more blocks than the heap)', async () => {
    // The job's own function, its statement explained: the settings it makes are in the plan.
    const client = await ts.server.app.sql.connect();
    let steps: PlanNode[] = [];
    try {
      await client.query('begin');
      await client.query('set local max_parallel_workers_per_gather = 0');
      const explaining = {
        query: async (text: string, params?: unknown[]) => {
          if (text !== UNCOUNTED_BUCKETS_SQL) return client.query(text, params);
          const { rows } = await client.query(`explain (format json, analyze, buffers) ${text}`, params);
          steps = nodes((rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0].Plan);
          return { rows: [] };
        },
      } as unknown as SqlClient;
      await uncountedBuckets(explaining, at('07:45'), at('08:00'));
    } finally {
      await client.query('rollback');
      client.release();
    }
    const scans = scansOfTheDay(steps);
    expect(scans.map((n) => n['Node Type'])).not.toContain('Seq Scan');
    expect(scans.some((n) => n['Node Type'] === 'Bitmap Index Scan' && n['Index Name']?.includes('checked_at')), JSON.stringify(scans.map((n) => [n['Node Type'], n['Index Name']]))).toBe(true);
    const read = scans.reduce((sum, n) => sum + (n['Shared Hit Blocks'] ?? 0) + (n['Shared Read Blocks'] ?? 0), 0);
    const { rows } = await ts.server.app.sql.query<{ blocks: number }>('select relpages as blocks from pg_class where relname = $1', [partitionName(day)]);
    // 15 minutes of 8 hours: about 3% of the heap; the whole day before.
    expect(read).toBeLessThan(rows[0].blocks / 10);
  });

  it('rolls up five minutes and an hour through the time index too', async () => {
    for (const [resolution, from, to] of [['5m', at('07:55'), at('08:00')], ['hour', at('07:00'), at('08:00')]] as const) {
      // After uncountedBuckets in the job's transaction, with its settings.
      const scans = scansOfTheDay(await plan(rollUpSql(resolution), [from, to], false, READ_BY_TIME));
      expect(scans.map((n) => n['Node Type']), resolution).not.toContain('Seq Scan');
    }
  });
});
