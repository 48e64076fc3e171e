/**
 * Slows down repeated failed sign-ins, per account and per client address. Counters live in
 * PostgreSQL so every replica sees them, and are written outside the sign-in transaction so a
 * failed attempt is remembered even though its transaction rolls back.
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

/** The delay after `failures` failures: 0 within the free attempts, then doubling from one second. */
export function delayAfter(failures: number, policy: ThrottlePolicy): number {
  if (failures < policy.freeAttempts) return 0;
  return Math.min(policy.maxDelayMs, 1000 * 2 ** (failures - policy.freeAttempts));
}

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

/** Throws RATE_LIMITED when any key is still blocked. */
export async function assertNotThrottled(em: EntityManager, keys: ThrottleKey[], clock: Clock): Promise<void> {
  const rows = await em.getConnection().execute<{ key: string; blocked_until: Date | null }[]>(
    'select key, blocked_until from auth_throttle where key in (?) and blocked_until > ?',
    [keys.map((k) => storedKey(k.key)), clock.now()],
  );
  for (const row of rows) {
    const waitMs = new Date(row.blocked_until!).getTime() - clock.now().getTime();
    const subject = keys.find((k) => storedKey(k.key) === row.key)?.subject ?? 'this account';
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    throw new RateLimitedError(`Too many failed sign-ins for ${subject}; try again in ${seconds} s.`, seconds);
  }
}

export async function recordFailure(em: EntityManager, keys: ThrottleKey[], clock: Clock): Promise<void> {
  const now = clock.now();
  for (const { key: given, policy } of keys) {
    const key = storedKey(given);
    const windowStart = new Date(now.getTime() - policy.windowMs);
    const [row] = await em.getConnection().execute<{ failures: number }[]>(
      `insert into auth_throttle (key, failures, first_failure_at, blocked_until) values (?, 1, ?, null)
       on conflict (key) do update set
         failures = case when auth_throttle.first_failure_at < ? then 1 else auth_throttle.failures + 1 end,
         first_failure_at = case when auth_throttle.first_failure_at < ? then excluded.first_failure_at else auth_throttle.first_failure_at end
       returning failures`,
      [key, now, windowStart, windowStart],
    );
    const delay = delayAfter(row.failures, policy);
    if (delay > 0) {
      await em.getConnection().execute('update auth_throttle set blocked_until = ? where key = ?', [new Date(now.getTime() + delay), key]);
    }
  }
}

export async function clearThrottle(em: EntityManager, key: string): Promise<void> {
  await em.getConnection().execute('delete from auth_throttle where key = ?', [storedKey(key)]);
}
