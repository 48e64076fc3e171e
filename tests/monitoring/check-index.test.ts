/**
 * Regression (issue 15, bytes per check): the raw checks' per-service index took about 45 bytes a
 * check — a key of its own per check, in leaf pages split all over the index — nearly as much as the
 * row. Keyed by the hour (Migration20261210090000), a service's checks of one hour share one
 * deduplicated key. These pin the size, and that the per-service reads (a service's newest checks,
 * its chart's raw minutes) still read that service's rows of the hours they ask for, not its day.
 * The five-minute rollups (Migration20261211090000, which replaced the minute rollups: a row per
 * service and minute, as much as the checks themselves at 60 s) are keyed the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import pgModule from 'pg';
import { latencySeries, recentChecks } from '../../server/monitoring/check-reads.ts';
import { ensurePartitions, partitionName, rollUp, rollUpRecent, ROLLUPS_LOCK_KEY } from '../../server/monitoring/timeseries.ts';
import { insertChecksOfADay } from '../support/checks-of-a-day.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

describe("the raw checks' per-service index is keyed by the hour", () => {
  let ts: TestServer;
  const day = new Date('2026-04-02T00:00:00Z');
  const at = (hhmm: string) => new Date(`2026-04-02T${hhmm}:00Z`);
  const SERVICES = 1000;
  const service = 100417;

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    // 1,000 services every 20 s from 00:00 to 08:00: 1.44 million checks. Each latency is its
    // check's number (its round), so a service's rows can be told apart.
    const g = `(g / ${SERVICES})`;
    await insertChecksOfADay(ts.server.app.sql, day, { services: SERVICES, rounds: 1440, roundMs: 20_000, spacingMs: 20, status: `${g} % 2`, latency: g });
  }, 120_000);
  afterAll(() => ts?.close());

  /** Runs `read` with a pool whose every statement is also explained; returns its result and the blocks its statements read. */
  const explained = async <T>(read: (pool: pg.Pool) => Promise<T>): Promise<{ result: T; blocks: number; indexes: string[] }> => {
    const { sql } = ts.server.app;
    let blocks = 0;
    const indexes: string[] = [];
    const pool = {
      query: async (text: string, params: unknown[]) => {
        const { rows } = await sql.query(`explain (format json, analyze, buffers) ${text}`, params);
        const visit = (node: PlanNode) => {
          if (node['Index Name']) indexes.push(node['Index Name']);
          (node.Plans ?? []).forEach(visit);
        };
        const root = (rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0].Plan;
        visit(root);
        blocks += (root['Shared Hit Blocks'] ?? 0) + (root['Shared Read Blocks'] ?? 0);
        return sql.query(text, params);
      },
    } as unknown as pg.Pool;
    return { result: await read(pool), blocks, indexes };
  };

  it('takes under 12 bytes a check (45 keyed by the instant)', async () => {
    const { rows } = await ts.server.app.sql.query<{ bytes: string; checks: string }>(
      `select pg_relation_size(i.indexrelid) as bytes, (select count(*) from ${partitionName(day)}) as checks
         from pg_index i join pg_class c on c.oid = i.indexrelid
        where i.indrelid = $1::regclass and pg_get_indexdef(i.indexrelid) like '%service_id%'`,
      [partitionName(day)],
    );
    expect(rows).toHaveLength(1);
    expect(Number(rows[0].checks)).toBe(SERVICES * 1440);
    expect(Number(rows[0].bytes) / Number(rows[0].checks)).toBeLessThan(12);
  });

  it("pages a service's newest checks in order, reading its newest hour, not its day", async () => {
    const first = await explained((pool) => recentChecks(pool, service, 20));
    // Its checks are numbered 0..1439, every 20 s; the newest is 1439.
    expect(first.result.checks.map((c) => c.latencyMs)).toEqual(Array.from({ length: 20 }, (_, i) => 1439 - i));
    expect(first.result.hasNextPage).toBe(true);
    expect(first.result.checks[0].status).toBe('degraded'); // 1439 is odd
    expect(first.indexes.some((name) => name.includes('date_bin') || name.includes('service'))).toBe(true);
    // Its newest hour is 180 checks on as many heap blocks; its day, 1,440.
    expect(first.blocks).toBeLessThan(400);

    // The next page from the cursor, across an hour's edge: checks 1240..1279 run from 06:53:20 to 07:06:20.
    const before = new Date(at('07:06').getTime() + 40_000 + 417 * 20); // check 1280's instant, exclusive
    const next = await explained((pool) => recentChecks(pool, service, 40, before));
    expect(next.result.checks.map((c) => c.latencyMs)).toEqual(Array.from({ length: 40 }, (_, i) => 1279 - i));
    expect(next.blocks).toBeLessThan(800);

    // Bounded below by `since`: only the checks at or after it.
    const since = await recentChecks(ts.server.app.sql, service, 100, undefined, at('07:59'));
    expect(since.checks.map((c) => c.latencyMs)).toEqual([1439, 1438, 1437]);
    expect(since.hasNextPage).toBe(false);
  });

  it("reads a chart's raw minutes by the hours they cover", async () => {
    // Nothing is rolled up: the last half hour comes from the raw checks, 90 of them.
    const series = await explained((pool) => latencySeries(pool, service, at('07:30'), at('08:00')));
    expect(series.result).toHaveLength(30);
    expect(series.result.reduce((n, p) => n + p.healthy + p.degraded + p.down, 0)).toBe(90);
    expect(series.result[0].maxMs).toBe(1352);
    expect(series.blocks).toBeLessThan(400);
  });

  it('draws a chart of up to 6 hours per minute from the raw checks, by the hours they cover', async () => {
    const series = await explained((pool) => latencySeries(pool, service, at('02:00'), at('08:00')));
    expect(series.result).toHaveLength(360);
    expect(series.result.map((p) => p.maxMs)).toEqual(Array.from({ length: 360 }, (_, m) => (m + 120) * 3 + 2));
    // 1,080 checks of one service, each on a block of its own; the day's checks are about 9,000 blocks.
    expect(series.blocks).toBeLessThan(2500);
  });

  describe('and so is the five-minute rollups\' (they have no unique key)', () => {
    beforeAll(async () => {
      await rollUp(ts.server.app.sql, '5m', at('00:00'), at('07:00'));
      await ts.server.app.sql.query(`vacuum analyze ${partitionName(day, 'health_rollups_5m')}`);
    }, 120_000);

    it('takes about 10 bytes a row', async () => {
      const { rows } = await ts.server.app.sql.query<{ bytes: string; n: string }>(
        `select pg_relation_size(i.indexrelid) as bytes, (select count(*) from ${partitionName(day, 'health_rollups_5m')}) as n
           from pg_index i where i.indrelid = $1::regclass and pg_get_indexdef(i.indexrelid) like '%service_id%'`,
        [partitionName(day, 'health_rollups_5m')],
      );
      expect(rows).toHaveLength(1);
      expect(Number(rows[0].n)).toBe(SERVICES * 84);
      expect(Number(rows[0].bytes) / Number(rows[0].n)).toBeLessThan(15);
    });

    it("reads a longer chart per five minutes from a service's rollups by hour, and its last hour from the raw checks", async () => {
      const series = await explained((pool) => latencySeries(pool, service, at('00:00'), at('08:00')));
      expect(series.result).toHaveLength(96);
      expect(series.result.reduce((n, p) => n + p.healthy + p.degraded + p.down, 0)).toBe(1440);
      // Fifteen checks a bucket, numbered in order: the last of each is the bucket's highest latency.
      expect(series.result.map((p) => p.maxMs)).toEqual(Array.from({ length: 96 }, (_, b) => b * 15 + 14));
      // 84 rollup rows and 180 checks of one service, each on a block of its own.
      expect(series.blocks).toBeLessThan(600);
    });

    it('draws the buckets that start in range, with their checks before its end, whether rolled up or not (regression: a rolled bucket counted its checks past the end)', async () => {
      const { sql } = ts.server.app;
      const from = new Date(at('00:02').getTime() + 10_000);
      const to = new Date(at('07:58').getTime() + 30_000);
      const series = await latencySeries(sql, service, from, to);
      expect(series[0].at).toEqual(at('00:05'));
      expect(series.at(-1)!.at).toEqual(at('07:55'));
      // Every check from the first bucket's start to the range's end, counted once.
      const { rows } = await sql.query<{ n: number }>('select count(*)::int as n from health_checks where service_id = $1 and checked_at >= $2 and checked_at < $3', [service, at('00:05'), to]);
      expect(series.reduce((n, p) => n + p.healthy + p.degraded + p.down, 0)).toBe(rows[0].n);
      // The same range's end inside a rolled bucket: 06:55 rolled up, the range ending at 06:57:30 counts its checks before that only.
      const early = await latencySeries(sql, service, at('00:00'), new Date(at('06:57').getTime() + 30_000));
      expect(early.at(-1)).toMatchObject({ at: at('06:55') });
      expect(early.at(-1)!.healthy + early.at(-1)!.degraded + early.at(-1)!.down).toBe(8); // 06:55:08 … 06:57:28, every 20 s
    });

    it('draws a per-minute chart from the five-minute rollups where the raw checks are gone (past their retention)', async () => {
      const { sql } = ts.server.app;
      const gone = 99998; // a service whose raw checks were dropped: only its rollups are left
      await sql.query(
        `insert into health_rollups_5m (service_id, bucket, healthy, degraded, down, latency_min, latency_avg, latency_max, latency_p95)
         select $1, b, 5, 0, 0, 10, 20, extract(minute from b)::int, 30 from generate_series($2::timestamptz, $3::timestamptz - interval '5 minutes', interval '5 minutes') b`,
        [gone, at('01:00'), at('02:00')],
      );
      const series = await latencySeries(sql, gone, at('00:30'), at('03:00'));
      expect(series.map((p) => [p.at.toISOString().slice(11, 16), p.maxMs, p.healthy])).toEqual(Array.from({ length: 12 }, (_, i) => [`01:${String(i * 5).padStart(2, '0')}`, i * 5, 5]));
      // A service with raw checks in range draws them per minute, its rollups unread.
      const raw = await latencySeries(sql, service, at('05:00'), at('06:00'));
      expect(raw).toHaveLength(60);
      expect(raw.every((p) => p.healthy + p.degraded + p.down === 3)).toBe(true);
      await sql.query('delete from health_rollups_5m where service_id = $1', [gone]);
    });

    it('reads a few blocks for a chart of a service with no rollups in its range (regression: max(bucket) walked every service\'s buckets)', async () => {
      const series = await explained((pool) => latencySeries(pool, 99999, at('00:00'), at('07:00')));
      expect(series.result).toEqual([]);
      expect(series.blocks).toBeLessThan(100);
    });

    it('skips a run while another holds the lock, and moves a day of rollups out of the default partition only between runs (regression: a run during the move wrote the moved minutes again)', async () => {
      const { sql } = ts.server.app;
      const holder = new pgModule.Client({ connectionString: ts.databaseUrl });
      await holder.connect();
      try {
        await holder.query('select pg_advisory_lock($1)', [ROLLUPS_LOCK_KEY]); // a run in progress elsewhere
        const skipped = await rollUpRecent(sql, at('07:30'), { rawRetentionDays: 14 });
        expect(skipped).toMatchObject({ skipped: true, fiveMinutes: [], hours: [] });
        expect((await sql.query('select count(*)::int as n from health_rollups_5m where bucket >= $1', [at('07:00')])).rows[0].n).toBe(0);
        // A day whose rollups went to the default partition (its partition was late) …
        const late = new Date('2026-04-05T00:00:00Z');
        await sql.query(
          `insert into health_rollups_5m (service_id, bucket, healthy, degraded, down, latency_min, latency_avg, latency_max, latency_p95) values (1, $1, 1, 0, 0, 5, 5, 5, 5)`,
          [new Date(late.getTime() + 60_000)],
        );
        // … is left in it while the run holds the lock (the raw checks' partition is made) …
        const during = await ensurePartitions(sql, late, 0);
        expect(during).toEqual([partitionName(late)]);
        expect((await sql.query('select count(*)::int as n from health_rollups_5m_default')).rows[0].n).toBe(1);
        // … and moved by the next look once the run is over.
        await holder.query('select pg_advisory_unlock($1)', [ROLLUPS_LOCK_KEY]);
        expect(await ensurePartitions(sql, late, 0)).toEqual([partitionName(late, 'health_rollups_5m')]);
        expect((await sql.query(`select count(*)::int as n from ${partitionName(late, 'health_rollups_5m')}`)).rows[0].n).toBe(1);
        expect((await sql.query('select count(*)::int as n from health_rollups_5m_default')).rows[0].n).toBe(0);
      } finally {
        await holder.end();
      }
    });

    it('keeps one row per service and five minutes when runs of the rollups job overlap (one runs, the others skip)', async () => {
      const { sql } = ts.server.app;
      // A late check in a rolled-up bucket: each run rolls that bucket up again, replacing its row.
      await sql.query(`insert into health_checks (checked_at, service_id, outcome) values ($1, $2, 99999 * 4 + 2)`, [new Date(at('06:59').getTime() + 30_000), service]);
      const runs = await Promise.all(Array.from({ length: 4 }, () => rollUpRecent(sql, at('07:10'), { rawRetentionDays: 14, from: at('06:50') })));
      expect(runs.some((run) => run.fiveMinutes.some((m) => m.getTime() === at('06:55').getTime()))).toBe(true);
      const { rows } = await sql.query<{ rows: string; buckets: string }>(
        `select count(*) as rows, count(distinct (service_id, bucket)) as buckets from health_rollups_5m where bucket >= $1 and bucket < $2`,
        [at('06:50'), at('07:10')],
      );
      expect(Number(rows[0].rows)).toBe(SERVICES * 4);
      expect(Number(rows[0].buckets)).toBe(SERVICES * 4);
      const { rows: late } = await sql.query(`select down, latency_max from health_rollups_5m where service_id = $1 and bucket = $2`, [service, at('06:55')]);
      expect(late).toEqual([{ down: 1, latency_max: 99999 }]);
    });
  });
});
