/**
 * Periodic jobs claimed by due time in the database (server/jobs.ts): real schedulers on real pools
 * to one PostgreSQL database, each as a replica would run it, with one manual clock for all.
 */
import net from 'node:net';
import pg from 'pg';
import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../server/clock.ts';
import { ormOptions } from '../server/db/orm.ts';
import { migrateUnderLock } from '../server/db/migrate.ts';
import { createPool } from '../server/db/pool.ts';
import { JobScheduler, scheduleJobs, type JobContext, type ScheduledJob } from '../server/jobs.ts';
import { periodicJobs } from '../server/job-registry.ts';
import { createLogger, type Logger } from '../server/logger.ts';
import { createTestDatabase, startTestServer } from './support/server.ts';
import { capturedLogger, until } from './support/signals.ts';

const T0 = new Date('2026-03-01T00:00:00.000Z');
const MINUTE = 60_000;
const at = (ms: number) => new Date(T0.getTime() + ms);

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let admin: pg.Pool;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const orm = await MikroORM.init(ormOptions(database.url));
  await migrateUnderLock(orm, database.url, createLogger('silent'));
  await orm.close(true);
  admin = new pg.Pool({ connectionString: database.url, max: 2 });
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await admin?.end();
  await database?.drop();
});



interface Row {
  every_ms: number;
  next_run_at: Date;
  claimed_by: string | null;
  claimed_until: Date | null;
  last_started_at: Date | null;
  last_finished_at: Date | null;
  last_error: string | null;
  state: unknown;
}
const row = async (name: string): Promise<Row> => (await admin.query<Row>('select * from periodic_jobs where name = $1', [name])).rows[0];

/** A replica's scheduler: its own pool (closed after the test unless the test kills it first). */
function replica(jobs: ScheduledJob[], clock: ManualClock, logger: Logger = createLogger('silent')) {
  const pool = createPool(database.url, 2, logger);
  const scheduler = new JobScheduler(pool, jobs, { clock, logger, pollMs: 20, idleMaxWaitMs: 20 });
  cleanups.push(async () => {
    await scheduler.stop(1000);
    await pool.end().catch(() => {});
  });
  scheduler.start();
  return { pool, scheduler };
}

/** Waits until every scheduler has looked for due jobs `rounds` more times: each had its chance to (wrongly) run a job. */
async function pollsPass(schedulers: JobScheduler[], rounds = 3): Promise<void> {
  const from = schedulers.map((s) => s.polls);
  await until(() => schedulers.every((s, i) => s.polls >= from[i] + rounds), `every scheduler polled ${rounds} more times`);
}

/** A run that waits until the test releases it. */
function gate(): { wait: Promise<void>; release(): void } {
  let release!: () => void;
  return { wait: new Promise<void>((resolve) => (release = resolve)), release: () => release() };
}

describe('periodic jobs claimed by due time', () => {
  it('a job runs once per period with three schedulers on one database (regression: every replica ran every job each period)', async () => {
    const clock = new ManualClock(T0);
    const runs: { by: number; at: Date }[] = [];
    const job = (by: number): ScheduledJob => ({
      name: 'once-per-period',
      everyMs: MINUTE,
      leaseMs: 10_000,
      run: async () => {
        runs.push({ by, at: clock.now() });
        await admin.query('select pg_sleep(0.05)'); // long enough for the others to poll meanwhile
      },
    });
    const replicas = [0, 1, 2].map((i) => replica([job(i)], clock));
    const schedulers = replicas.map((r) => r.scheduler);
    for (let period = 0; period < 6; period++) {
      await until(() => runs.length === period + 1, `the run of period ${period}`);
      await until(async () => (await row('once-per-period')).last_finished_at?.getTime() === at(period * MINUTE).getTime(), 'the run was recorded');
      await pollsPass(schedulers);
      expect(runs).toHaveLength(period + 1);
      expect(await row('once-per-period')).toMatchObject({ next_run_at: at((period + 1) * MINUTE), claimed_by: null, claimed_until: null });
      clock.advance(MINUTE);
    }
    expect(runs.map((r) => r.at)).toEqual([0, 1, 2, 3, 4, 5].map((p) => at(p * MINUTE)));
  });

  it('a dead scheduler\'s job runs on time elsewhere (when its claim lapses, before the next period)', async () => {
    const clock = new ManualClock(T0);
    const hung = gate();
    const runs: { by: string; at: Date }[] = [];
    const job = (by: string, run: () => Promise<unknown> = async () => {}): ScheduledJob => ({
      name: 'dead-claim',
      everyMs: MINUTE,
      leaseMs: 10_000,
      run: async () => {
        runs.push({ by, at: clock.now() });
        await run();
      },
    });
    const a = replica([job('a', () => hung.wait)], clock);
    await until(() => runs.length === 1, 'a claimed the job');
    expect(await row('dead-claim')).toMatchObject({ claimed_by: a.scheduler.owner, claimed_until: at(10_000) });
    const others = [replica([job('b')], clock).scheduler, replica([job('c')], clock).scheduler];
    // While a lives, it renews its claim (a third of the lease before it lapses, or sooner) and nobody else runs the job.
    clock.advance(5000);
    await until(async () => (await row('dead-claim')).claimed_until?.getTime() === at(15_000).getTime(), 'a renewed its claim');
    await pollsPass([a.scheduler, ...others]);
    expect(runs).toHaveLength(1);

    // a dies mid-run: it polls no more, renews nothing, and its connections are gone.
    const aStopped = a.scheduler.stop(60_000);
    await a.pool.end();
    clock.set(at(15_000 - 1));
    await pollsPass(others);
    expect(runs).toHaveLength(1); // its claim still holds, for one more millisecond
    clock.set(at(15_000));
    await until(() => runs.length === 2, 'another scheduler ran the job');
    expect(runs[1]).toMatchObject({ at: at(15_000) });
    expect(['b', 'c']).toContain(runs[1].by);
    await until(async () => (await row('dead-claim')).claimed_by === null, 'its run was recorded');
    expect(await row('dead-claim')).toMatchObject({ next_run_at: at(MINUTE), last_finished_at: at(15_000) });
    await pollsPass(others);
    expect(runs).toHaveLength(2);

    // a's late end records nothing: the job is another's now (and a's pool is closed anyway).
    hung.release();
    await aStopped;
    expect(await row('dead-claim')).toMatchObject({ next_run_at: at(MINUTE), last_finished_at: at(15_000), claimed_by: null });
  });

  it('a job that throws records last_error (NUL bytes and all), and runs again the next period', async () => {
    const clock = new ManualClock(T0);
    const { logger, lines } = capturedLogger();
    let calls = 0;
    replica([{ name: 'throws', everyMs: MINUTE, leaseMs: 10_000, run: async () => {
      if (++calls === 1) throw new Error('the rollup\0 exploded'); // PostgreSQL refuses NUL in text
    } }], clock, logger);
    await until(async () => (await row('throws'))?.last_finished_at != null, 'the failure was recorded');
    expect(await row('throws')).toMatchObject({ last_error: 'the rollup exploded', next_run_at: at(MINUTE), claimed_by: null });
    expect(lines().find((l) => l.msg === 'periodic job throws failed')).toMatchObject({ level: 50, job: 'throws' });
    clock.advance(MINUTE);
    await until(async () => (await row('throws')).last_finished_at?.getTime() === at(MINUTE).getTime(), 'the next period\'s run');
    expect(calls).toBe(2);
    expect(await row('throws')).toMatchObject({ last_error: null, next_run_at: at(2 * MINUTE) });
  });

  it('a changed period applies at start-up: the next run is a new period after the last one started', async () => {
    const clock = new ManualClock(T0);
    let runs = 0;
    const job = (everyMs: number): ScheduledJob => ({ name: 'new-period', everyMs, leaseMs: 10_000, run: async () => void runs++ });
    const first = replica([job(3600_000)], clock);
    await until(() => runs === 1, 'the first run');
    await until(async () => (await row('new-period')).claimed_by === null, 'the first run was recorded');
    expect(await row('new-period')).toMatchObject({ every_ms: 3600_000, next_run_at: at(3600_000) });
    await first.scheduler.stop();

    clock.set(at(30_000));
    const second = replica([job(MINUTE)], clock); // a new version, every minute
    await until(async () => (await row('new-period')).every_ms === MINUTE, 'the new period was stored');
    expect(await row('new-period')).toMatchObject({ next_run_at: at(MINUTE) });
    await pollsPass([second.scheduler]);
    expect(runs).toBe(1);
    clock.set(at(MINUTE));
    await until(() => runs === 2, 'the run a minute after the last');
    await until(async () => (await row('new-period')).claimed_by === null, 'the run was recorded');
    expect(await row('new-period')).toMatchObject({ next_run_at: at(2 * MINUTE) });
    await second.scheduler.stop();

    replica([job(3600_000)], clock); // and back to hourly: an hour after the last start
    await until(async () => (await row('new-period')).every_ms === 3600_000, 'the hourly period was stored again');
    expect(await row('new-period')).toMatchObject({ next_run_at: at(MINUTE + 3600_000) });
  });

  it('a job overdue by several periods runs once, then on its grid (no catch-up storm, no drift)', async () => {
    const clock = new ManualClock(T0);
    let runs = 0;
    const { scheduler } = replica([{ name: 'overdue', everyMs: MINUTE, leaseMs: 10_000, run: async () => void runs++ }], clock);
    await until(async () => (await row('overdue'))?.last_finished_at != null, 'the first run was recorded');
    clock.set(at(5 * MINUTE + 25_000)); // every replica was down for five periods
    await until(() => runs === 2, 'the overdue run');
    await until(async () => (await row('overdue')).last_finished_at?.getTime() === at(5 * MINUTE + 25_000).getTime(), 'it was recorded');
    await pollsPass([scheduler], 5);
    expect(runs).toBe(2);
    expect(await row('overdue')).toMatchObject({ next_run_at: at(6 * MINUTE) });
  });

  it('a run longer than its lease keeps its claim (renewed) and is not run twice', async () => {
    const clock = new ManualClock(T0);
    const hung = gate();
    let runs = 0;
    const job: ScheduledJob = { name: 'long-run', everyMs: MINUTE, leaseMs: 9000, run: async () => {
      runs++;
      await hung.wait;
    } };
    const replicas = [replica([job], clock), replica([job], clock)];
    const schedulers = replicas.map((r) => r.scheduler);
    await until(() => runs === 1, 'the run started');
    for (let t = 3000; t <= 75_000; t += 3000) {
      clock.set(at(t)); // past the first lease many times over, and past the next period
      await until(async () => (await row('long-run')).claimed_until!.getTime() === at(t + 9000).getTime(), `the claim was renewed at ${t} ms`);
      await pollsPass(schedulers, 2);
      expect(runs).toBe(1);
    }
    hung.release();
    await until(async () => (await row('long-run')).claimed_by === null, 'the run was recorded');
    expect(await row('long-run')).toMatchObject({ next_run_at: at(2 * MINUTE) }); // 75 s: the next boundary is 120 s
  });

  it('hands what a run leaves in job.state to the next run, on whichever scheduler runs it', async () => {
    const clock = new ManualClock(T0);
    const seen: unknown[] = [];
    const job = (by: string): ScheduledJob => ({ name: 'stateful', everyMs: MINUTE, leaseMs: 10_000, run: async (context: JobContext) => {
      seen.push(context.state);
      context.state = { by, from: '2026-03-01T00:00:00.000Z' };
    } });
    const first = replica([job('a')], clock);
    await until(async () => (await row('stateful'))?.last_finished_at != null, 'the first run was recorded');
    await first.scheduler.stop();
    replica([job('b')], clock);
    clock.advance(MINUTE);
    await until(() => seen.length === 2, 'the second run');
    expect(seen).toEqual([null, { by: 'a', from: '2026-03-01T00:00:00.000Z' }]);
  });

  it('survives a database outage: logged once, never stops, and a run whose end was not recorded runs again when its claim lapses', async () => {
    const clock = new ManualClock(T0);
    const { logger, lines } = capturedLogger();
    const proxy = await cuttableProxy(new URL(database.url));
    cleanups.push(() => proxy.close());
    const url = new URL(database.url);
    url.host = `127.0.0.1:${proxy.port}`;
    const pool = createPool(url.toString(), 2, logger);
    let runs = 0;
    let current = gate();
    const scheduler = new JobScheduler(pool, [{ name: 'outage', everyMs: MINUTE, leaseMs: 10_000, run: async () => {
      runs++;
      await current.wait;
    } }], { clock, logger, pollMs: 20, idleMaxWaitMs: 20 });
    cleanups.push(async () => {
      current.release();
      await scheduler.stop(1000);
      await pool.end();
    });
    scheduler.start();
    await until(() => runs === 1, 'the first run');
    proxy.cut(); // the database is gone while the job runs
    current.release();
    await until(() => lines().some((l) => l.msg.startsWith('database unreachable')), 'the outage was logged');
    clock.advance(MINUTE);
    await pollsPass([scheduler], 10);
    expect(lines().filter((l) => l.level >= 40 && l.msg.startsWith('database unreachable'))).toHaveLength(1);
    expect(runs).toBe(1);

    // Its end was never recorded: the job is still due, claimed until 10 s; it runs again since that lapsed.
    expect(await row('outage')).toMatchObject({ claimed_by: scheduler.owner, claimed_until: at(10_000), last_finished_at: null });
    current = gate();
    current.release();
    proxy.restore();
    await until(() => runs === 2, 'the run after the outage');
    await until(async () => (await row('outage')).claimed_by === null, 'the run was recorded');
    expect(await row('outage')).toMatchObject({ last_finished_at: at(MINUTE), next_run_at: at(2 * MINUTE) });
  });

  it('stops within its grace when a job hangs (a stalled database does not hold the shutdown)', async () => {
    const clock = new ManualClock(T0);
    const { logger, lines } = capturedLogger();
    const hung = gate();
    let started = false;
    const { scheduler } = replica([{ name: 'hangs', everyMs: MINUTE, leaseMs: 10_000, run: async () => {
      started = true;
      await hung.wait;
    } }], clock, logger);
    await until(() => started, 'the run started');
    const t = performance.now();
    await scheduler.stop(200);
    expect(performance.now() - t).toBeLessThan(2000);
    expect(lines().find((l) => l.msg.startsWith('periodic jobs still running after 200 ms at shutdown'))).toMatchObject({ level: 40, jobs: ['hangs'] });
    expect(await row('hangs')).toMatchObject({ claimed_by: scheduler.owner, claimed_until: at(10_000) }); // left to lapse
    hung.release();
  });
});

describe('an idle job scheduler', () => {
  it('sleeps until its next job can be claimed instead of looking every poll (regression: four schedulers each looked every second at idle)', async () => {
    // Real time: a job of a 2 s period, run once at start and again 2 s later. Looking every 20 ms,
    // the old scheduler looked ~100 times in between; sleeping until the row's next_run_at, a few.
    const runs: number[] = [];
    let second!: () => void;
    const ranTwice = new Promise<void>((resolve) => (second = resolve));
    const pool = createPool(database.url, 2, createLogger('silent'));
    const scheduler = new JobScheduler(pool, [{ name: 'idle-probe', everyMs: 2000, leaseMs: 1000, run: async () => {
      runs.push(scheduler.polls);
      if (runs.length === 2) second();
    } }], { clock: systemClock, logger: createLogger('silent'), pollMs: 20 });
    cleanups.push(async () => {
      await scheduler.stop(1000);
      await pool.end().catch(() => {});
    });
    scheduler.start();
    await ranTwice;
    // Between the two runs: polls while the first ran (renewals), one that found nothing due, then the wait.
    expect(runs[1] - runs[0]).toBeLessThanOrEqual(6);
    const stored = await row('idle-probe');
    expect(stored.last_started_at).not.toBeNull();
  });

  it('after a run sleeps until the next run its finish recorded, without a look in between (issue 15: idle cost)', async () => {
    // Before, the scheduler looked once more a poll after each run (the run was under way when it set
    // its wait) only to learn when the job was next due: a second claim statement per lease sweep.
    // A poll of a minute: no look comes by time during the test, only the re-armed sleep counts.
    const clock = new ManualClock(T0);
    // Another job of the scheduler, not due for an hour: the look that claims the probe sees it.
    await admin.query(`insert into periodic_jobs (name, every_ms, next_run_at) values ('rearm-hourly', $1, $2)`, [60 * MINUTE, at(60 * MINUTE)]);
    const pool = createPool(database.url, 2, createLogger('silent'));
    const probe: ScheduledJob = { name: 'rearm-probe', everyMs: 10 * MINUTE, leaseMs: 3 * MINUTE, run: async () => {} };
    const hourly: ScheduledJob = { name: 'rearm-hourly', everyMs: 60 * MINUTE, leaseMs: 3 * MINUTE, run: async () => {} };
    const scheduler = new JobScheduler(pool, [probe, hourly], { clock, logger: createLogger('silent'), pollMs: MINUTE, idleMaxWaitMs: 2 * 60 * MINUTE });
    cleanups.push(async () => {
      await scheduler.stop(1000);
      await pool.end().catch(() => {});
    });
    scheduler.start();
    await until(async () => ((await row('rearm-probe'))?.last_finished_at ?? null) !== null, 'the probe ran');
    await until(() => scheduler.sleepingUntil === at(10 * MINUTE).getTime(), 'the scheduler sleeps until the probe is next due');
    expect(scheduler.polls).toBe(1); // the look that claimed the probe
    expect((await row('rearm-hourly')).last_started_at).toBeNull();
  });

  it('a job that finishes while another runs leaves the next look where it was: the running job’s claim is renewed in time (regression, found in review)', async () => {
    // Re-arming the sleep from "now" at each finish put the renewing look off by a poll each time:
    // with a few jobs finishing one after another the long job's claim lapsed and another replica ran it too.
    const clock = new ManualClock(T0);
    const long = gate();
    const quick = gate();
    const pool = createPool(database.url, 3, createLogger('silent'));
    const jobs: ScheduledJob[] = [
      { name: 'rearm-long', everyMs: 10 * MINUTE, leaseMs: 3 * MINUTE, run: () => long.wait },
      { name: 'rearm-quick', everyMs: 10 * MINUTE, leaseMs: 3 * MINUTE, run: () => quick.wait },
    ];
    const scheduler = new JobScheduler(pool, jobs, { clock, logger: createLogger('silent'), pollMs: MINUTE, idleMaxWaitMs: 2 * 60 * MINUTE });
    cleanups.push(async () => {
      long.release();
      quick.release();
      await scheduler.stop(1000);
      await pool.end().catch(() => {});
    });
    scheduler.start();
    // Both claimed by the first look; while they run it looks again a poll later, to renew.
    await until(() => scheduler.sleepingUntil === at(MINUTE).getTime(), 'the scheduler sleeps a poll, both jobs running');
    clock.set(at(30_000));
    quick.release();
    await until(() => scheduler.running.length === 1, 'the quick job finished here');
    expect(scheduler.running).toEqual(['rearm-long']);
    expect(scheduler.sleepingUntil).toBe(at(MINUTE).getTime());
    expect(scheduler.polls).toBe(1);
  });

  it('a job run by another replica pushes the wait on: it is not run again early', async () => {
    const clock = new ManualClock(T0);
    let ran = 0;
    const job: ScheduledJob = { name: 'shared-idle', everyMs: 10 * MINUTE, leaseMs: MINUTE, run: async () => void ran++ };
    const a = replica([job], clock);
    await until(() => ran === 1, 'the first run');
    const b = replica([job], clock);
    await pollsPass([a.scheduler, b.scheduler]);
    expect(ran).toBe(1);
    expect((await row('shared-idle')).next_run_at).toEqual(at(10 * MINUTE));
  });
});

describe('the registry of periodic jobs', () => {
  it('refuses a run function for a job the capability does not declare', () => {
    const pool = new pg.Pool({ connectionString: database.url });
    cleanups.push(() => pool.end());
    const runs = { rollups: async () => {} } as unknown as Parameters<typeof scheduleJobs<'operations'>>[2];
    expect(() => scheduleJobs(pool, 'operations', runs, { clock: new ManualClock(T0), logger: createLogger('silent') })).toThrow(
      'periodic job rollups is not a job of operations in server/job-registry.ts',
    );
  });

  it('runs every declared job in a real server, each from its row', async () => {
    const ts = await startTestServer();
    cleanups.push(() => ts.close());
    const sql = new pg.Pool({ connectionString: ts.databaseUrl, max: 1 });
    cleanups.push(() => sql.end());
    const finished = async () => (await sql.query<{ name: string }>('select name from periodic_jobs where last_finished_at is not null and last_error is null order by name')).rows.map((r) => r.name);
    await until(async () => (await finished()).length === Object.keys(periodicJobs).length, 'every job ran', 15_000);
    expect(await finished()).toEqual(Object.keys(periodicJobs).sort());
  });
});

/** A TCP proxy to PostgreSQL that can be cut (every connection dropped, new ones refused) and restored. */
async function cuttableProxy(target: URL): Promise<{ port: number; cut(): void; restore(): void; close(): Promise<void> }> {
  let cut = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (cut) return void client.destroy();
    const upstream = net.connect(Number(target.port) || 5432, target.hostname);
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      sockets.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: () => {
      cut = true;
      for (const socket of sockets) socket.destroy();
    },
    restore: () => void (cut = false),
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
