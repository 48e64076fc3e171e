/**
 * Regression (found by an attack review): a connection cut after PostgreSQL committed a batch of
 * check results, before Lookout heard the answer (a network blip, a failover), looked like a failed
 * write, and the writer wrote the batch again: each check was stored twice, and a service's one
 * failed check counted as two in a row — a `down` transition ("2 checks in a row down") and a
 * critical incident from a single failure. Now the write after a failed one first asks which of its
 * results are stored already.
 */
import { Writable } from 'node:stream';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessPubSub } from '../../server/events/pubsub.ts';
import { ResultWriter } from '../../server/monitoring/result-writer.ts';
import type { CompletedCheck } from '../../server/monitoring/results.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk } from '../support/graphql.ts';

/** A pool whose next commit (or next `record-settled` statement) is carried out, and its answer then lost. */
function lossyPool(pool: pg.Pool) {
  const lose = { commit: false, settled: false };
  const lost = (): Error => Object.assign(new Error('Connection terminated unexpectedly'), {});
  const wrapped = new Proxy(pool, {
    get(target, key, receiver) {
      if (key === 'query') {
        return async (config: unknown, values?: unknown) => {
          const result = await target.query(config as pg.QueryConfig, values as unknown[]);
          if (lose.settled && (config as { name?: string }).name === 'record-settled') {
            lose.settled = false;
            throw lost();
          }
          return result;
        };
      }
      if (key === 'connect') {
        return async () => {
          const client = await target.connect();
          return new Proxy(client, {
            get(c, k, r) {
              if (k === 'query') {
                return async (config: unknown, values?: unknown) => {
                  const result = await c.query(config as pg.QueryConfig, values as unknown[]);
                  if (lose.commit && config === 'commit') {
                    lose.commit = false;
                    throw lost();
                  }
                  return result;
                };
              }
              const value = Reflect.get(c, k, r);
              return typeof value === 'function' ? value.bind(c) : value;
            },
          });
        };
      }
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { pool: wrapped, lose };
}

describe('a write whose answer was lost', () => {
  let ts: TestServer;
  let pool: pg.Pool;
  const ids = new Map<string, number>();
  const sql = () => ts.server.app.sql;

  const result = (service: string, at: number, status: 'healthy' | 'down'): CompletedCheck => ({
    serviceId: ids.get(service)!,
    serviceName: service,
    critical: true,
    kind: 'tcp',
    checkedAt: new Date(at),
    result: { status, latencyMs: 3, error: status === 'down' ? 'refused' : null, details: {} },
  });
  const until = async (what: string, done: () => boolean | Promise<boolean>, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const stored = async (name: string) => (await sql().query<{ at: Date }>('select checked_at as at from health_checks where service_id = $1 order by checked_at', [ids.get(name)])).rows.map((r) => r.at.getTime());
  const state = async (name: string) => (await sql().query('select status, pending_status, pending_count from service_states where service_id = $1', [ids.get(name)])).rows[0];
  const windows = async (name: string) => (await sql().query<{ status: string }>('select status from uptime_records where service_id = $1 order by started_at, id', [ids.get(name)])).rows.map((r) => r.status);

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    for (const name of ['flap', 'steady']) {
      await gqlOk(ts, 'mutation($input: CreateServiceInput!) { createService(input: $input) { name } }', { input: { name, kind: 'tcp', target: '127.0.0.1:9', interval: '1h', failureThreshold: 2, recoveryThreshold: 1 } }, { token: ts.adminToken });
      ids.set(name, (await sql().query<{ id: number }>('select id from services where name = $1', [name])).rows[0].id);
    }
    pool = new pg.Pool({ connectionString: ts.databaseUrl, max: 2 });
  });
  afterAll(async () => {
    await pool?.end();
    await ts?.close();
  });

  function writer() {
    const logs: { msg: string; stored?: number }[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _e, done) => (logs.push(JSON.parse(String(chunk))), done()) }));
    const lossy = lossyPool(pool);
    const w = new ResultWriter(lossy.pool, { pubsub: createInProcessPubSub(), onRecorded: () => {} }, logger, { flushMs: 5, retryMs: 20, maxRetryMs: 50 });
    return { w, lose: lossy.lose, logs };
  }

  it('stores a failed check once when its transaction committed but the answer was lost: no second failure counted, no transition', async () => {
    const { w, lose, logs } = writer();
    const t0 = Date.parse('2026-06-05T00:00:00Z');
    w.add(result('flap', t0, 'healthy'));
    await w.flush();
    expect(await state('flap')).toMatchObject({ status: 'healthy', pending_count: 0 });

    lose.commit = true;
    w.add(result('flap', t0 + 1000, 'down'));
    await w.flush();
    await until('the held result to be written again', () => w.heldResults === 0);
    expect(lose.commit).toBe(false); // the commit really was lost once
    expect(await stored('flap')).toEqual([t0, t0 + 1000]);
    expect(await state('flap')).toMatchObject({ status: 'healthy', pending_status: 'down', pending_count: 1 });
    expect(await windows('flap')).toEqual(['healthy']);
    expect(logs.some((l) => l.stored === 1 && /stored by a write whose answer was lost/.test(l.msg))).toBe(true);

    // The next check goes on from there: one more failure is the second in a row.
    w.add(result('flap', t0 + 2000, 'down'));
    await w.flush();
    expect(await windows('flap')).toEqual(['healthy', 'down']);
    await w.close();
  });

  it('stores a steady check once when its one statement ran but the answer was lost', async () => {
    const { w, lose } = writer();
    const t0 = Date.parse('2026-06-05T01:00:00Z');
    w.add(result('steady', t0, 'healthy'));
    await w.flush();
    lose.settled = true;
    w.add(result('steady', t0 + 1000, 'healthy'));
    await w.flush();
    await until('the held result to be written again', () => w.heldResults === 0);
    expect(lose.settled).toBe(false);
    expect(await stored('steady')).toEqual([t0, t0 + 1000]);
    await w.close();
  });
});
