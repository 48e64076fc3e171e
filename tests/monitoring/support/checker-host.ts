/**
 * A CheckerHost for checker tests, built from real parts: a pg pool on the test database for
 * `self`, an in-process event bus whose probe really travels publish → subscriber → reply, and a
 * heartbeat store the test writes pings into.
 */
import { EventEmitter, once } from 'node:events';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { CheckerHost } from '../../../server/monitoring/checkers/checker.ts';

/** The host plus the handles a test uses to steer it. */
export interface TestHost {
  host: CheckerHost;
  /** Records a ping for a heartbeat service. */
  ping(serviceName: string, at: Date, failed?: boolean): void;
  /** Migrations the `self` database reports as pending. */
  pendingMigrations: string[];
  /** Delay the event bus subscriber adds before echoing a probe. */
  busDelayMs: number;
  close(): Promise<void>;
}

/** Pool size of the `self` database. */
export const SELF_POOL_MAX = 4;

export function createTestHost(options: { dataDir: string; databaseUrl: string }): TestHost {
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: SELF_POOL_MAX });
  const heartbeats = new Map<string, { at: Date; failed: boolean }>();
  const bus = new EventEmitter();
  const state: TestHost = {
    pendingMigrations: [],
    busDelayMs: 0,
    ping: (name, at, failed = false) => heartbeats.set(name, { at, failed }),
    close: () => pool.end(),
    host: {
      dataDir: options.dataDir,
      now: () => new Date(),
      database: {
        ping: async () => void (await pool.query('SELECT 1')),
        pendingMigrations: async () => [...state.pendingMigrations],
        poolUse: () => ({ used: pool.totalCount - pool.idleCount, max: SELF_POOL_MAX }),
      },
      eventBusProbe: async (_timeoutMs, signal) => {
        const id = randomUUID();
        const reply = once(bus, `reply:${id}`, { signal });
        bus.emit('probe', id);
        await reply;
        return { transport: 'in-process' };
      },
      lastHeartbeat: async (name) => heartbeats.get(name) ?? null,
    },
  };
  bus.on('probe', (id: string) => {
    if (state.busDelayMs) setTimeout(() => bus.emit(`reply:${id}`), state.busDelayMs);
    else setImmediate(() => bus.emit(`reply:${id}`));
  });
  return state;
}
