/**
 * Slows down repeated failed sign-ins, per account and per client address. Counters live in
 * PostgreSQL so every replica sees them. Each attempt is counted (as a failure) before its password
 * is checked, and taken back when it succeeds, all on the pool outside any transaction.
 */
import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Clock } from '../clock.ts';
import { RateLimitedError } from '../errors.ts';

export interface ThrottlePolicy {
  /** Failures allowed before delays start. */
  freeAttempts: number;
  /** Failures older than this are forgotten. */
  windowMs: number;
  /** The longest delay. */
  maxDelayMs: number;
}

export const ACCOUNT_POLICY: ThrottlePolicy = { freeAttempts: 5, windowMs: 15 * 60_000, maxDelayMs: 15 * 60_000 };
export const ADDRESS_POLICY: ThrottlePolicy = { freeAttempts: 20, windowMs: 15 * 60_000, maxDelayMs: 15 * 60_000 };

export interface ThrottleKey {
  key: string;
  policy: ThrottlePolicy;
  /** Words for the error, e.g. "this account". */
  subject: string;
}

/**
 * The key as stored: auth_throttle.key holds 400 characters, and a key carries what the client
 * typed (`account:<email>`, any length); a longer one is kept as a prefix and a digest of the whole.
 */
function storedKey(key: string): string {
  return key.length <= 400 ? key : `${key.slice(0, 330)}…${createHash('sha256').update(key).digest('hex')}`;
}

/**
 * One attempt's new count: its row's failures plus this attempt, or 1 when the window has passed
 * since the first counted (`t` is the stored row).
 */
const NEXT_COUNT = `(case when t.first_failure_at < :windowStart then 1 else t.failures + 1 end)`;
/**
 * When a row whose count is `count` is blocked until: none within the free attempts, then from now
 * for one second, doubling with each failure more, up to the longest delay.
 */
const blockedUntil = (count: string) =>
  `(case when ${count} >= :free then :now::timestamptz + make_interval(secs => least(:maxSeconds::float8, power(2, ${count} - :free::int))) end)`;

/**
 * Counts this attempt for `key`, as a failure, before the password is checked — so that guesses
 * sent together are counted as they start, not once each has failed (concurrent guesses all got past
 * a check made before any failure was written) — and blocks the key from now on when the count is
 * past the free attempts, in the same statement. Nothing is counted while the key is blocked: no row.
 */
const TAKE_ATTEMPT = `insert into auth_throttle as t (key, failures, first_failure_at, blocked_until)
  values (:key, 1, :now, ${blockedUntil('1')})
  on conflict (key) do update set
    failures = ${NEXT_COUNT},
    first_failure_at = case when t.first_failure_at < :windowStart then :now else t.first_failure_at end,
    blocked_until = ${blockedUntil(NEXT_COUNT)}
  where t.blocked_until is null or t.blocked_until <= :now
  returning failures`;

/** `sql` with each `:name` made a `?` placeholder, and the values in their order. */
function bind(sql: string, values: Record<string, unknown>): [string, unknown[]] {
  const params: unknown[] = [];
  const text = sql.replace(/(?<!:):([a-zA-Z]+)/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`no value for :${name}`);
    params.push(values[name]);
    return '?';
  });
  return [text, params];
}

/**
 * Counts one sign-in attempt against every key, before the password is checked: refuses with
 * RATE_LIMITED (counting nothing) while any key is blocked. The attempt stays counted as a failure
 * unless `attemptSucceeded` is called. Each statement runs on its own on the pool, outside any
 * transaction, so that a failure is remembered whatever happens next, and no sign-in holds a
 * connection while its password is checked.
 */
export async function takeAttempt(em: EntityManager, keys: ThrottleKey[], clock: Clock): Promise<void> {
  const now = clock.now();
  const taken: ThrottleKey[] = [];
  for (const k of keys) {
    const key = storedKey(k.key);
    const windowStart = new Date(now.getTime() - k.policy.windowMs);
    const [sql, params] = bind(TAKE_ATTEMPT, { key, now, windowStart, free: k.policy.freeAttempts, maxSeconds: k.policy.maxDelayMs / 1000 });
    const rows = await em.getConnection().execute<{ failures: number }[]>(sql, params);
    if (rows.length) {
      taken.push(k);
      continue;
    }
    await Promise.all(taken.map((t) => forgetAttempt(em, t)));
    const [row] = await em.getConnection().execute<{ blocked_until: Date | null }[]>('select blocked_until from auth_throttle where key = ?', [key]);
    const waitMs = row?.blocked_until ? new Date(row.blocked_until).getTime() - now.getTime() : 1000;
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    throw new RateLimitedError(`Too many failed sign-ins for ${k.subject}; try again in ${seconds} s.`, seconds);
  }
}

/** Takes back one attempt counted by `takeAttempt` (its block went by before it was taken). */
async function forgetAttempt(em: EntityManager, key: ThrottleKey): Promise<void> {
  await em.getConnection().execute('update auth_throttle set failures = greatest(failures - 1, 0), blocked_until = null where key = ?', [storedKey(key.key)]);
}

/**
 * The attempt counted by `takeAttempt` succeeded: the account's failures are forgotten, and the
 * attempt is taken back from the other keys (a right password from an address does not clear the
 * failures of others tried from it).
 */
export async function attemptSucceeded(em: EntityManager, [account, ...others]: ThrottleKey[]): Promise<void> {
  await em.getConnection().execute('delete from auth_throttle where key = ?', [storedKey(account.key)]);
  await Promise.all(others.map((k) => forgetAttempt(em, k)));
}
