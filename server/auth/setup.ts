/**
 * First-run setup: while no user exists, Lookout prints a one-time link; opening it lets one person
 * create the first admin. The link stops working once used, or once any user exists.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Clock } from '../clock.ts';
import { ConflictError, LookoutError } from '../errors.ts';
import { SetupToken, User } from './entities.ts';
import { randomSecret, sha256 } from './secrets.ts';
import { createUser } from './users.ts';

const SETUP_TTL_MS = 24 * 3600_000;
/** Serialises concurrent setups (two browsers, two replicas). */
const SETUP_LOCK_KEY = 0x4c6b5375;

/** Issues a new setup token when no user exists yet; returns it, or null when setup is done. */
export async function issueSetupToken(em: EntityManager, clock: Clock): Promise<string | null> {
  if (await em.count(User, {})) return null;
  const token = randomSecret(24);
  const now = clock.now();
  em.create(SetupToken, { tokenHash: sha256(token), createdAt: now, expiresAt: new Date(now.getTime() + SETUP_TTL_MS) });
  await em.flush();
  return token;
}

export async function setupRequired(em: EntityManager): Promise<boolean> {
  return (await em.count(User, {})) === 0;
}

/** Creates the first admin with a valid, unused setup token. Must run inside a transaction. */
export async function completeSetup(
  em: EntityManager,
  input: { token: string; email: string; password: string },
  clock: Clock,
): Promise<User> {
  await em.getConnection().execute('select pg_advisory_xact_lock(?)', [SETUP_LOCK_KEY], 'run', em.getTransactionContext());
  if (await em.count(User, {})) throw new ConflictError('Setup is already complete: sign in instead.');
  const now = clock.now();
  const setup = await em.findOne(SetupToken, { tokenHash: sha256(input.token) });
  if (!setup) throw new LookoutError('FORBIDDEN', 'This setup link is not valid. Use the link Lookout printed at start-up.');
  if (setup.usedAt) throw new LookoutError('FORBIDDEN', 'This setup link has already been used.');
  if (setup.expiresAt <= now) throw new LookoutError('FORBIDDEN', 'This setup link has expired; restart Lookout for a new one.');
  const user = await createUser(em, { email: input.email, password: input.password, role: 'admin' }, clock);
  setup.usedAt = now;
  await em.flush();
  return user;
}
