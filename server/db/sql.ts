/** Plain SQL on the pg pool, for capability code whose hot paths are written in SQL (time series, overview, dispatch). */
import type pg from 'pg';
import { afterCommit, noEvents, type TransactionEvents } from '../events/after-commit.ts';
import type { PubSub } from '../events/pubsub.ts';
import { withConnection } from './pool.ts';

/** The pool, or one of its connections (inside a transaction): what such code runs its statements on. */
export type SqlClient = Pick<pg.PoolClient, 'query'>;

/**
 * Runs `work` in a transaction on one pooled connection: committed when it returns, rolled back when
 * it throws. A connection lost meanwhile rejects the call and never returns to the pool. Given the
 * pub/sub, the work gets the transaction's `events`, published once it committed (after-commit.ts);
 * work that records events does not compile without it.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (sql: SqlClient) => Promise<T>): Promise<T>;
export async function inTransaction<T>(pool: pg.Pool, work: (sql: SqlClient, events: TransactionEvents) => Promise<T>, pubsub: PubSub): Promise<T>;
export async function inTransaction<T>(pool: pg.Pool, work: (sql: SqlClient, events: TransactionEvents) => Promise<T>, pubsub?: PubSub): Promise<T> {
  if (!pubsub) return transaction(pool, (sql) => work(sql, noEvents));
  return afterCommit(pubsub, (events) => transaction(pool, (sql) => work(sql, events)));
}

async function transaction<T>(pool: pg.Pool, work: (sql: SqlClient) => Promise<T>): Promise<T> {
  return withConnection(pool, (client, discard) => transactionOn(client, discard, work));
}

/**
 * `work` in a transaction on a connection the caller holds (from `withConnection`, whose `discard`
 * it is): for work that needs the connection around its transaction, such as a session lock taken
 * before the transaction's snapshot.
 */
export async function transactionOn<T>(client: pg.PoolClient, discard: (reason: Error) => void, work: (sql: SqlClient) => Promise<T>): Promise<T> {
  await client.query('begin');
  try {
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    // A connection that cannot even roll back is broken: the pool must not hand it out again.
    await client.query('rollback').catch(() => discard(error as Error));
    throw error;
  }
}

/** A statement prepared once per connection: `runPrepared(pool, STATEMENT, values)`. */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

const preparedTexts = new Map<string, string>();

/**
 * A named statement for the paths that run several times a second whatever the load (the result
 * writer's batch, the claims, the alerting look): node-postgres prepares it once per connection, and
 * PostgreSQL then skips parsing, analysing and, once it settles on a generic plan, planning each
 * time. The result writer's statement cost its backend 1.5 ms a batch of nine results unprepared, 0.7
 * prepared (BENCHMARKS.md). Only fixed texts: one name, one text, for the life of the process (a
 * second text under a name throws at once, as node-postgres would on the first connection to see
 * both). Run them with `runPrepared`, on the pool.
 */
export function prepared(name: string, text: string): PreparedStatement {
  const known = preparedTexts.get(name);
  if (known !== undefined && known !== text) throw new Error(`Two texts for the prepared statement "${name}".`);
  preparedTexts.set(name, text);
  return { name, text };
}

/** PostgreSQL's answer to a prepared statement whose tables changed the shape of its result since (a migration elsewhere). */
const isStalePlan = (err: unknown): boolean => {
  const { code, routine, message } = (err ?? {}) as { code?: unknown; routine?: unknown; message?: unknown };
  // By the function that raised it (whatever the server's language), or its English text.
  return code === '0A000' && (routine === 'RevalidateCachedQuery' || /cached plan must not change result type/.test(String(message)));
};

/**
 * Runs a prepared statement on the pool. One made stale by a migration of another replica fails on
 * each connection that prepared it before, once, before anything ran: the pool drops that
 * connection, and the statement is tried again on the next, up to once per connection the pool
 * holds; a fresh one prepares it anew. (Not in a transaction: there the connection would go back
 * to the pool, stale.)
 */
export async function runPrepared<R extends pg.QueryResultRow = pg.QueryResultRow>(pool: pg.Pool, statement: PreparedStatement, values: unknown[]): Promise<pg.QueryResult<R>> {
  for (let tried = 1; ; tried++) {
    try {
      return await pool.query<R>({ ...statement, values: values.map(arrayParameter) });
    } catch (err) {
      if (!isStalePlan(err) || tried > (pool.options.max ?? 10)) throw err;
    }
  }
}

/** Characters that make an array element need quoting in PostgreSQL's array literal (or mean nothing unquoted). */
const NEEDS_QUOTES = /["\\{},\s]|^$|^null$/i;

/**
 * A flat array parameter as PostgreSQL's array literal, written here for the kinds the hot
 * statements pass (numbers, strings, instants, booleans, nulls): node-postgres writes each element
 * through its general path (an instant as local time with its offset, padded field by field; every
 * element quoted and put through two regular expressions), which was a tenth of what the check
 * path allocated at 1,000 services (BENCHMARKS.md). An instant is written as its ISO form in UTC:
 * for `timestamptz[]` only (every array of instants Lookout passes; a `timestamp[]` would read UTC
 * wall-clock time, a `date[]` the UTC day). Anything else (a nested array, bytes, an object, an
 * invalid date or one outside the years 1–9999, which toISOString writes in forms PostgreSQL does
 * not read) is left to node-postgres, as is every value that is not an array.
 */
export function arrayParameter(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  let text = '{';
  for (let i = 0; i < value.length; i++) {
    if (i > 0) text += ',';
    const item: unknown = value[i];
    if (item === null || item === undefined) text += 'NULL';
    else if (typeof item === 'number') text += Number.isFinite(item) ? String(item) : item > 0 ? 'Infinity' : item < 0 ? '-Infinity' : 'NaN';
    else if (typeof item === 'string') text += NEEDS_QUOTES.test(item) ? `"${item.replace(/[\\"]/g, '\\$&')}"` : item;
    else if (typeof item === 'boolean' || typeof item === 'bigint') text += String(item);
    else if (item instanceof Date && item.getUTCFullYear() >= 1 && item.getUTCFullYear() <= 9999) text += item.toISOString();
    else return value;
  }
  return text + '}';
}

/** Every prepared statement declared so far, name → text (for the test that reads their generic plans). */
export const preparedStatements = (): ReadonlyMap<string, string> => preparedTexts;

/** An instant as `Date.prototype.toISOString` writes it (the API's form), computed by PostgreSQL. */
export const isoInstant = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * `work`'s answer, or a rejection once `ms` have passed, for reads that must answer quickly whatever
 * the database does (/health, /metrics). The query itself is not cancelled.
 */
export async function answerWithin<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the database within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
