/**
 * Sign-in sessions. The cookie carries a random secret; the table keys sessions by its sha256, so
 * a copy of the database cannot be used to sign in. Sessions expire at a fixed time.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Clock } from '../clock.ts';
import { BadInputError, LookoutError } from '../errors.ts';
import { ROLE_CAPABILITIES } from './capabilities.ts';
import type { Actor } from './actor.ts';
import { Session, User } from './entities.ts';
import { decoyPasswordHash, verifyPassword } from './passwords.ts';
import { randomSecret, sha256 } from './secrets.ts';
import { ACCOUNT_POLICY, ADDRESS_POLICY, attemptSucceeded, takeAttempt, type ThrottleKey } from './throttle.ts';

export interface ClientInfo {
  clientAddress?: string | null;
  userAgent?: string | null;
}

export interface IssuedSession {
  /** The cookie value: shown to the browser once, stored only as a hash. */
  secret: string;
  csrfToken: string;
  expiresAt: Date;
  user: User;
}

/** Creates a session for a user who has just proved who they are. */
export async function issueSession(em: EntityManager, user: User, client: ClientInfo, clock: Clock, ttlMs: number): Promise<IssuedSession> {
  const secret = randomSecret();
  const csrfToken = randomSecret(24);
  const now = clock.now();
  const expiresAt = new Date(now.getTime() + ttlMs);
  em.create(Session, {
    id: sha256(secret),
    user,
    csrfToken,
    createdAt: now,
    expiresAt,
    lastSeenAt: now,
    clientAddress: client.clientAddress ?? null,
    userAgent: client.userAgent?.slice(0, 500) ?? null,
  });
  user.lastSignInAt = now;
  await em.flush();
  return { secret, csrfToken, expiresAt, user };
}

function throttleKeys(email: string, client: ClientInfo): ThrottleKey[] {
  const keys: ThrottleKey[] = [{ key: `account:${email}`, policy: ACCOUNT_POLICY, subject: 'this account' }];
  if (client.clientAddress) keys.push({ key: `address:${client.clientAddress}`, policy: ADDRESS_POLICY, subject: 'this address' });
  return keys;
}

/** A sign-in whose email and password were right: `openSession` opens its session. */
export interface CheckedSignIn {
  user: User;
  keys: ThrottleKey[];
}

/**
 * Checks email and password, slowed down after repeated failures: outside any transaction, holding
 * no pooled connection while the password is hashed (about 100 ms of CPU). A sign-in that held one
 * through it, and took a second for the throttle, let ten sign-ins at once hold every connection
 * while each waited for another, and every other request failed with SERVICE_UNAVAILABLE. The
 * attempt is counted before the password is checked (throttle.ts), so guesses sent together are
 * slowed down like guesses sent one by one. `em` must not be in a transaction.
 */
export async function checkSignIn(em: EntityManager, input: { email: string; password: string }, client: ClientInfo, clock: Clock): Promise<CheckedSignIn> {
  const email = input.email.trim().toLowerCase();
  if (!email) throw new BadInputError('email', 'Enter the email address of your account.');
  if (!input.password) throw new BadInputError('password', 'Enter your password.');
  const keys = throttleKeys(email, client);
  await takeAttempt(em, keys, clock);
  const user = await em.findOne(User, { email }, { disableIdentityMap: true });
  const valid = await verifyPassword(user?.passwordHash ?? (await decoyPasswordHash()), input.password);
  if (!user || !valid || user.disabledAt) {
    throw new LookoutError('UNAUTHENTICATED', user?.disabledAt && valid ? 'This account is disabled.' : 'The email or password is not correct.');
  }
  await attemptSucceeded(em, keys);
  return { user, keys };
}

/** Opens the session of a sign-in `checkSignIn` accepted (in the caller's transaction). */
export async function openSession(em: EntityManager, checked: CheckedSignIn, client: ClientInfo, clock: Clock, ttlMs: number): Promise<IssuedSession> {
  const user = await em.findOne(User, { id: checked.user.id });
  // Disabled (or removed) between the check and now: no session.
  if (!user || user.disabledAt) throw new LookoutError('UNAUTHENTICATED', 'The email or password is not correct.');
  return issueSession(em, user, client, clock, ttlMs);
}

export async function signOut(em: EntityManager, sessionId: string): Promise<boolean> {
  return (await em.nativeDelete(Session, { id: sessionId })) > 0;
}

/** Resolves the cookie's secret to an actor, or null when unknown, expired or disabled. */
export async function actorFromSession(em: EntityManager, secret: string, clock: Clock): Promise<Actor | null> {
  const now = clock.now();
  const session = await em.findOne(Session, { id: sha256(secret), expiresAt: { $gt: now } }, { populate: ['user'] });
  if (!session || session.user.disabledAt) return null;
  if (now.getTime() - session.lastSeenAt.getTime() > 60_000) {
    await em.nativeUpdate(Session, { id: session.id }, { lastSeenAt: now });
  }
  return sessionActor(session);
}

function sessionActor(session: Session): Actor {
  const user = session.user;
  return {
    kind: 'user',
    id: user.id,
    label: user.email,
    role: user.role,
    capabilities: new Set(ROLE_CAPABILITIES[user.role]),
    userId: user.id,
    workspaces: user.workspaces ?? null,
    session: { id: session.id, csrfToken: session.csrfToken, expiresAt: session.expiresAt },
  };
}

/**
 * The actors of the sessions (by id) that are still valid now, as `actorFromSession` would resolve
 * them: signed-out, expired and disabled users' sessions are missing from the map. One query per
 * 1,000 ids; reads only (open WebSockets are re-checked with it every few seconds).
 */
export async function currentSessionActors(em: EntityManager, ids: readonly string[], clock: Clock): Promise<Map<string, Actor>> {
  const actors = new Map<string, Actor>();
  const now = clock.now();
  for (let i = 0; i < ids.length; i += 1000) {
    const sessions = await em.find(Session, { id: { $in: ids.slice(i, i + 1000) }, expiresAt: { $gt: now } }, { populate: ['user'], disableIdentityMap: true });
    for (const session of sessions) if (!session.user.disabledAt) actors.set(session.id, sessionActor(session));
  }
  return actors;
}

/** Removes expired sessions (called from time to time; cheap thanks to the index on expires_at). */
export async function purgeExpiredSessions(em: EntityManager, clock: Clock): Promise<number> {
  return em.nativeDelete(Session, { expiresAt: { $lte: clock.now() } });
}
