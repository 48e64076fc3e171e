/**
 * The outage log: a dependency that stops answering is logged when it fails, counted while it
 * stays down, and logged once more when it is back — whatever the number of failed calls.
 */
import { describe, expect, it } from 'vitest';
import { isDatabaseUnreachable, reportDatabaseError } from '../../server/db/pool.ts';
import { DependencyLog, dependencyLog } from '../../server/system/dependency-log.ts';
import { capturedLogger, until } from '../support/signals.ts';



const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('DependencyLog', () => {
  it('logs a database outage once with its first error, then its end with the count and duration (regression: ~10 lines a second, each with a stack)', async () => {
    const { logger, lines } = capturedLogger();
    let now = Date.parse('2026-12-05T10:00:00Z');
    const log = new DependencyLog(logger, { settleMs: 20, reminderMs: 60_000 }, () => now);
    // Ten seconds of a scheduler polling every 100 ms against a stopped database.
    for (let i = 0; i < 100; i++, now += 100) log.unreachable('database', refused(), 'scheduler could not claim due checks');
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatchObject({ level: 50, dependency: 'database', msg: 'database unreachable: scheduler could not claim due checks', err: { message: 'connect ECONNREFUSED 127.0.0.1:5432' } });
    expect(log.isDown('database')).toBe(true);
    log.reachable('database');
    log.reachable('database');
    await until(() => lines().length === 2, 'the recovery is logged');
    expect(lines()[1]).toMatchObject({ level: 30, failures: 100, downMs: 10_000, msg: 'database reachable again after 10 s (100 failures since 2026-12-05T10:00:00.000Z)' });
    expect(log.isDown('database')).toBe(false);
  });

  it('reminds of a long outage once per period, with the count so far', () => {
    const { logger, lines } = capturedLogger();
    let now = 0;
    const log = new DependencyLog(logger, { settleMs: 20, reminderMs: 60_000 }, () => now);
    for (; now <= 150_000; now += 1000) log.unreachable('redis', new Error('connect ECONNREFUSED'), 'pub/sub connection error');
    expect(lines().map((l) => [l.level, l.msg])).toEqual([
      [50, 'redis unreachable: pub/sub connection error'],
      [40, 'redis unreachable for 60 s (61 failures since 1970-01-01T00:00:00.000Z)'],
      [40, 'redis unreachable for 2 min (121 failures since 1970-01-01T00:00:00.000Z)'],
    ]);
  });

  it('keeps one outage while the dependency flaps (connections killed every half second), and ends it once it has answered for the settle time', async () => {
    const { logger, lines } = capturedLogger();
    const log = new DependencyLog(logger, { settleMs: 100, reminderMs: 60_000 });
    for (let i = 0; i < 5; i++) {
      log.unreachable('database', new Error('Connection terminated unexpectedly'), 'a database connection was lost');
      log.reachable('database'); // a new connection worked…
      await new Promise((r) => setTimeout(r, 20)); // …for less than the settle time
    }
    expect(lines()).toHaveLength(1);
    await until(() => lines().length === 2, 'the recovery is logged');
    expect(lines()[1].msg).toMatch(/^database reachable again after \d+ ms \(5 failures since /);
  });

  it('is one log per logger, shared by every part of the process that reports failures', () => {
    const { logger } = capturedLogger();
    expect(dependencyLog(logger)).toBe(dependencyLog(logger));
    expect(dependencyLog(capturedLogger().logger)).not.toBe(dependencyLog(logger));
  });
});

describe('database errors', () => {
  it('tells an unreachable database from a failing statement', () => {
    const unreachable = [
      refused(),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
      Object.assign(new Error('sorry, too many clients already'), { code: '53300' }),
      Object.assign(new Error('connection failure'), { code: '08006' }),
      new Error('Connection terminated unexpectedly'),
      new Error('Connection terminated due to connection timeout'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Client has encountered a connection error and is not queryable'),
      new Error('no answer from the database within 2000 ms'),
      new Error('database "lookout" is not currently accepting connections'),
      // The ORM wraps the driver's error, keeping its code; some errors keep it in their cause.
      Object.assign(new Error('wrapped'), { name: 'ConnectionException' }),
      new Error('outer', { cause: refused() }),
    ];
    for (const error of unreachable) expect(isDatabaseUnreachable(error), error.message).toBe(true);
    const statementFaults = [
      Object.assign(new Error('duplicate key value violates unique constraint "x"'), { code: '23505' }),
      Object.assign(new Error('syntax error at or near "selec"'), { code: '42601' }),
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      'a string',
      undefined,
    ];
    for (const error of statementFaults) expect(isDatabaseUnreachable(error), String(error)).toBe(false);
  });

  it('logs an unreachable database as one outage, and any other failure in full each time', () => {
    const { logger, lines } = capturedLogger();
    for (let i = 0; i < 3; i++) reportDatabaseError(logger, refused(), 'periodic job rollups failed', { job: 'rollups' });
    const bug = Object.assign(new Error('duplicate key value violates unique constraint "uptime_records_open"'), { code: '23505' });
    for (let i = 0; i < 2; i++) reportDatabaseError(logger, bug, 'could not record check results', { size: 3 });
    expect(lines().map((l) => [l.level, l.msg])).toEqual([
      [50, 'database unreachable: periodic job rollups failed'],
      [50, 'could not record check results'],
      [50, 'could not record check results'],
    ]);
    expect(lines()[1]).toMatchObject({ size: 3, err: { message: bug.message, stack: expect.any(String) } });
  });
});
