/**
 * Connections to Lookout's database that a lost server cannot turn into a crash: every client a
 * pool creates gets an error listener for its whole life, a checked-out client is released as
 * broken once it has failed, and failures are told apart — an unreachable database goes to the
 * outage log (once per outage), any other error is the statement's own.
 */
import pg from 'pg';
import type { Logger } from '../logger.ts';
import { dependencyLog } from '../system/dependency-log.ts';

/**
 * How long getting a connection may take (a connect, or a wait for a free one) before the call
 * fails: a database whose host stopped answering must not hold requests and checks forever.
 */
export const CONNECT_TIMEOUT_MS = 10_000;

/**
 * How long an idle connection is kept (pg's default is 10 s). An idle Lookout uses the database
 * every few seconds; with 10 s, connections were closed and opened again all the time, and each new
 * one costs PostgreSQL a backend process and its catalog caches. A minute keeps the ones in use;
 * longer would outlive the idle timeouts of some network middleboxes, which drop connections
 * silently (TCP keepalive, below, is on as well).
 */
export const IDLE_CONNECTION_MS = 60_000;

/** TCP keepalive on every connection: a connection a middlebox dropped is found dead, not waited on. */
export const KEEPALIVE = { keepAlive: true, keepAliveInitialDelayMillis: 30_000 } as const;

/** SQLSTATEs meaning "the server cannot be used right now", not "this statement is wrong". */
const UNREACHABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown: pg_ctl stop -m fast/smart, pg_terminate_backend
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up, shutting down, in recovery
  '53300', // too_many_connections
  '3D000', // invalid_catalog_name: the database is gone
  '28P01', // invalid_password
  '28000', // invalid_authorization_specification
]);
const UNREACHABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);
const UNREACHABLE_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|Connection is closed|no answer from the database within|.*is not currently accepting connections|the database system is (starting up|shutting down|in recovery))/;

/** Whether `error` (a pg error, a MikroORM wrapper of one, or its causes) says the database could not be reached or used at all. */
export function isDatabaseUnreachable(error: unknown): boolean {
  for (let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (UNREACHABLE_ERRNOS.has(code) || UNREACHABLE_SQLSTATES.has(code) || code.startsWith('08')) return true;
    if (typeof e.message === 'string' && UNREACHABLE_MESSAGES.test(e.message)) return true;
    if ((e as Error).name === 'ConnectionException') return true;
  }
  return false;
}

/**
 * Logs a failed database call: an unreachable database is one outage (logged when it starts, then
 * counted), anything else is logged in full each time, since it is a fault of the call itself.
 */
export function reportDatabaseError(logger: Logger, err: unknown, what: string, fields: Record<string, unknown> = {}): void {
  if (isDatabaseUnreachable(err)) dependencyLog(logger).unreachable('database', err, what);
  else logger.error({ err, ...fields }, what);
}

/**
 * How long a holder has to release a connection that failed while checked out before the pool
 * takes it back itself. A failed connection is of no use to anyone; Kysely (under the ORM) never
 * releases one whose ROLLBACK or COMMIT failed, which leaked a pool slot per lost connection until
 * the ORM could not get one at all.
 */
const RECLAIM_FAILED_MS = 1000;

/**
 * Makes `pool` safe against lost connections, whoever checks its clients out (our SQL, the ORM):
 * - each client it creates keeps an error listener for its whole life (pg-pool takes its own off
 *   while a client is checked out, and an `error` event without a listener is an uncaught exception);
 * - a client that failed while checked out is released as broken (never handed out again), by its
 *   holder or, failing that, by the pool itself shortly after; a second release is a no-op;
 * - each release tells the outage log whether the database answered.
 */
export function guardPool(pool: pg.Pool, logger: Logger): pg.Pool {
  const outages = dependencyLog(logger);
  const failed = new WeakMap<pg.PoolClient, Error>();
  pool.on('connect', (client) => {
    client.on('error', (err) => {
      failed.set(client, err);
      outages.unreachable('database', err, 'a database connection was lost');
    });
  });
  // Already reported by the client's own listener above.
  pool.on('error', () => {});
  pool.on('release', (err: Error | undefined, client: pg.PoolClient) => {
    if (!failed.has(client) && (!err || !isDatabaseUnreachable(err))) outages.reachable('database');
  });

  /** Wraps this checkout's `release` (pg-pool sets a new one at each checkout). */
  const guardCheckout = (client: pg.PoolClient): pg.PoolClient => {
    const release = client.release;
    let released = false;
    let reclaim: NodeJS.Timeout | undefined;
    const onError = () => {
      reclaim ??= setTimeout(() => client.release(), RECLAIM_FAILED_MS);
      reclaim.unref();
    };
    client.on('error', onError);
    client.release = (err?: Error | boolean) => {
      if (released) return;
      released = true;
      clearTimeout(reclaim);
      client.removeListener('error', onError);
      release(err || failed.get(client));
    };
    return client;
  };
  // The pool's own `query` checks out through `connect` with a callback, the ORM with a promise.
  const connect = pool.connect.bind(pool) as (callback?: (err: Error | undefined, client?: pg.PoolClient, done?: (release?: unknown) => void) => void) => Promise<pg.PoolClient> | void;
  pool.connect = ((callback?: (err: Error | undefined, client?: pg.PoolClient, done?: (release?: unknown) => void) => void) => {
    if (!callback) return (connect() as Promise<pg.PoolClient>).then(guardCheckout);
    return connect((err, client, done) => {
      if (err || !client) return callback(err, client, done);
      guardCheckout(client);
      callback(undefined, client, client.release as (release?: unknown) => void);
    });
  }) as typeof pool.connect;
  return pool;
}

/** A pool on `url` guarded by `guardPool`, with a bounded connect time. */
export function createPool(url: string, max: number, logger: Logger): pg.Pool {
  return guardPool(new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, idleTimeoutMillis: IDLE_CONNECTION_MS, ...KEEPALIVE }), logger);
}

/**
 * Runs `work` on one connection checked out of `pool`, listening for its errors meanwhile: a
 * connection that failed while held (even with no statement in flight) is released as broken, so
 * the pool never hands it out again. `work` may also call `discard` for a connection it knows is
 * unusable (a rollback that failed).
 */
export async function withConnection<T>(pool: pg.Pool, work: (client: pg.PoolClient, discard: (reason: Error) => void) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error) => (broken ??= err);
  // A FATAL message from the server (terminated, shutting down) that answers a statement rejects
  // only that statement: the client hears its socket close a moment later, when it may already be
  // back in the pool (regression: a terminated connection was released as healthy).
  const onMessage = (message: Error & { severity?: string }) => {
    if (message.severity === 'FATAL' || message.severity === 'PANIC') broken ??= message;
  };
  const connection = (client as pg.PoolClient & { connection?: NodeJS.EventEmitter }).connection;
  client.on('error', onError);
  connection?.on('errorMessage', onMessage);
  try {
    return await work(client, (reason) => (broken ??= reason));
  } finally {
    client.removeListener('error', onError);
    connection?.removeListener('errorMessage', onMessage);
    client.release(broken);
  }
}

/** Listens for errors on a standalone client (`new pg.Client`), which would otherwise end the process when its server goes away. */
export function guardClient(client: pg.Client, onError: (err: Error) => void = () => {}): pg.Client {
  client.on('error', onError);
  return client;
}
