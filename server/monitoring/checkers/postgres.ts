/**
 * The `postgres` checker: a PostgreSQL server answers a query and has connections to spare. The
 * target `self` checks Lookout's own database through the checker host (its pool and its migrations).
 */
import pg from 'pg';
import { BadInputError } from '../../errors.ts';
import type { Checker, CheckerHost, CheckResult } from './checker.ts';
import { describeNetworkError, StepClock } from './network.ts';
import { describe, OptionReader, round2 } from './options.ts';

/** Normalised options of a `postgres` check. */
export type PostgresOptions = {
  /** Share of connections in use (0-1) at which the check is degraded. */
  maxConnectionUse: number;
};

/** The target naming Lookout's own database. */
export const SELF_TARGET = 'self';
/** How the check shows up in `pg_stat_activity`, so a DBA knows who is connecting. */
const APPLICATION_NAME = 'lookout health check';
/** Client backends only: background workers do not count against max_connections. */
const STATS_QUERY = `SELECT 1 AS ok,
  (SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend') AS connections,
  current_setting('max_connections')::int AS max_connections`;

type Outcome = Omit<CheckResult, 'latencyMs'>;

/** Checks a PostgreSQL URL (query, connection use) or `self` (Lookout's database, pool, migrations). */
export const postgresChecker: Checker<PostgresOptions> = {
  kind: 'postgres',
  description: 'Connects to PostgreSQL, runs a query and checks connection use; "self" checks Lookout\'s own database and migrations.',

  validate(target, options) {
    const value = String(target ?? '').trim();
    if (value !== SELF_TARGET) {
      let url: URL | undefined;
      try {
        url = new URL(value);
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')) {
        throw new BadInputError('target', `target must be a postgres:// URL or "${SELF_TARGET}" (Lookout's own database), got ${describe(url ? `${url.protocol} URL` : value)}.`);
      }
    }
    const read = new OptionReader('postgres', options);
    read.number('maxConnectionUse', 0.9, { min: 0.001, max: 1 });
    return { target: value, options: read.finish<PostgresOptions>() };
  },

  async check(service, { signal, host }) {
    if (service.target === SELF_TARGET) return checkSelf(host, service.options);
    const clock = new StepClock();
    const client = new pg.Client({
      connectionString: service.target,
      connectionTimeoutMillis: service.timeoutMs,
      query_timeout: service.timeoutMs,
      application_name: APPLICATION_NAME,
    });
    // A hung server must not keep the socket open after the check has given up on it.
    const abort = () => void client.end().catch(() => {});
    signal.addEventListener('abort', abort, { once: true });
    client.on('error', () => {});
    boundReplies(client);
    let step = 'connect';
    try {
      await client.connect();
      clock.mark('connect');
      step = 'query';
      const { rows } = await client.query<{ connections: number; max_connections: number }>(STATS_QUERY);
      clock.mark('query');
      const { connections, max_connections: maxConnections } = rows[0];
      return connectionUse(connections, maxConnections, service.options, { steps: clock.steps });
    } catch (error) {
      const message = describeNetworkError(error, hostOf(service.target));
      clock.fail(step, message);
      return { status: 'down', error: message, details: {}, steps: clock.steps };
    } finally {
      signal.removeEventListener('abort', abort);
      client.end().catch(() => {});
    }
  },
};

/**
 * The most a check reads from a server: its replies to the start-up and to one small query are a
 * few kilobytes. node-postgres holds a message whole until the length its header declares arrived,
 * so a target declaring a huge one and streaming it was held for as long as the check lasted.
 */
const MAX_REPLY_BYTES = 1024 * 1024;

/** Ends the check's connection once the server sent more than MAX_REPLY_BYTES (counted over TLS too, once it is set up). */
function boundReplies(client: pg.Client): void {
  let read = 0;
  const count = (chunk: Buffer | string) => {
    read += chunk.length;
    if (read > MAX_REPLY_BYTES) client.connection.stream.destroy(new Error(`the server sent more than ${MAX_REPLY_BYTES / 1024 / 1024} MiB in reply: is it PostgreSQL?`));
  };
  client.connection.stream.on('data', count);
  client.connection.once('sslconnect', () => client.connection.stream.on('data', count));
}

async function checkSelf(host: CheckerHost, options: PostgresOptions): Promise<Outcome> {
  const database = host.database;
  if (!database) return { status: 'down', error: "Lookout's own database is not available to checkers in this process", details: {} };
  const clock = new StepClock();
  await database.ping();
  clock.mark('ping');
  const pending = await database.pendingMigrations();
  clock.mark('migrations', true, pending.length ? pending.join(', ') : 'none pending');
  // Pool use is reported, not judged: one sample of a busy pool (a batch being written, start-up)
  // says nothing about health. A slow ping is caught by the service's degraded-latency threshold.
  const pool = database.poolUse?.();
  const details: Record<string, unknown> = pool ? { connections: pool.used, maxConnections: pool.max, waiting: pool.waiting ?? 0 } : {};
  const outcome: Outcome = { status: 'healthy', error: null, details, steps: clock.steps };
  if (pending.length) {
    outcome.details.pendingMigrations = pending;
    if (outcome.status === 'healthy') {
      return { ...outcome, status: 'degraded', error: `${pending.length} pending migration${pending.length === 1 ? '' : 's'}: ${pending.join(', ')}` };
    }
  }
  return outcome;
}

function connectionUse(used: number, max: number, options: PostgresOptions, extra: { steps: Outcome['steps']; pool?: boolean }): Outcome {
  const use = max > 0 ? used / max : 0;
  const details = { connections: used, maxConnections: max, connectionUse: Math.round(use * 1000) / 1000 };
  const what = extra.pool ? "Lookout's connection pool" : 'connections';
  if (use >= options.maxConnectionUse) {
    return { status: 'degraded', error: `${what} ${used} of ${max} in use (degraded at ${round2(options.maxConnectionUse * 100)}%)`, details, steps: extra.steps };
  }
  return { status: 'healthy', error: null, details, steps: extra.steps };
}

/** The host part of a postgres URL, for error messages (never the password). */
function hostOf(target: string): string {
  try {
    return new URL(target).host || 'the local socket';
  } catch {
    return 'the server';
  }
}
