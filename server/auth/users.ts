/** User accounts: create, list, change role, disable. Emails are stored lower-cased. */
import { isUuid } from '../ids.ts';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Clock } from '../clock.ts';
import { BadInputError, ConflictError, NotFoundError } from '../errors.ts';
import { isRole, type Role } from './capabilities.ts';
import { Session, User } from './entities.ts';
import { hashPassword, validatePassword } from './passwords.ts';

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+$/;

export function normalizeEmail(email: string, field = 'email'): string {
  const normalized = email.trim().toLowerCase();
  if (!EMAIL_PATTERN.test(normalized) || normalized.length > 320) {
    throw new BadInputError(field, `"${email}" is not a valid email address.`);
  }
  return normalized;
}

export function parseRole(role: string, field = 'role'): Role {
  const normalized = role.trim().toLowerCase();
  if (!isRole(normalized)) throw new BadInputError(field, `Unknown role "${role}"; use viewer, operator or admin.`);
  return normalized;
}

export interface NewUser {
  email: string;
  password: string;
  role: string;
  /** Limit the user to these workspace slugs (null: every workspace). */
  workspaces?: string[] | null;
}

/** A list of workspace slugs, or null for every workspace. */
export function parseWorkspaceList(workspaces: string[] | null | undefined, field = 'workspaces'): string[] | null {
  if (!workspaces) return null;
  const bad = workspaces.find((w) => !/^[a-z0-9][a-z0-9._-]{0,99}$/.test(w));
  if (bad !== undefined) throw new BadInputError(field, `${JSON.stringify(bad)} is not a workspace slug.`);
  return [...new Set(workspaces)];
}

/**
 * The hash a new user's password is stored as, checked and hashed before the transaction that
 * creates them: hashing takes ~100 ms of CPU, and no pooled connection should be held meanwhile.
 */
export async function preparePassword(password: string): Promise<string> {
  validatePassword(password);
  return hashPassword(password);
}

export async function createUser(em: EntityManager, input: NewUser, clock: Clock, passwordHash?: string): Promise<User> {
  const email = normalizeEmail(input.email);
  validatePassword(input.password);
  const role = parseRole(input.role);
  if (await em.count(User, { email })) throw new ConflictError(`A user with email ${email} already exists.`, { field: 'email' });
  const now = clock.now();
  const workspaces = parseWorkspaceList(input.workspaces);
  const user = em.create(User, { email, passwordHash: passwordHash ?? (await hashPassword(input.password)), role, workspaces, createdAt: now, updatedAt: now });
  await em.flush();
  return user;
}

export function listUsers(em: EntityManager): Promise<User[]> {
  return em.find(User, {}, { orderBy: { createdAt: 'asc' } });
}

export async function countUsers(em: EntityManager): Promise<number> {
  return em.count(User, {});
}

async function getUser(em: EntityManager, id: string): Promise<User> {
  const user = isUuid(id) ? await em.findOne(User, { id }) : null;
  if (!user) throw new NotFoundError('User', id);
  return user;
}

/** Refuses a change that would leave no active admin. */
async function ensureAnotherAdmin(em: EntityManager, user: User): Promise<void> {
  if (user.role !== 'admin' || user.disabledAt) return;
  const admins = await em.count(User, { role: 'admin', disabledAt: null, id: { $ne: user.id } });
  if (!admins) throw new ConflictError('This is the last active admin: make another admin first.');
}

/** A user after a change, and whether anything changed (a call that changes nothing is not audited). */
export interface UserChange {
  user: User;
  changed: boolean;
}

export async function setUserRole(em: EntityManager, id: string, role: string, clock: Clock): Promise<UserChange> {
  const user = await getUser(em, id);
  const next = parseRole(role);
  if (user.role === next) return { user, changed: false };
  if (next !== 'admin') await ensureAnotherAdmin(em, user);
  user.role = next;
  user.updatedAt = clock.now();
  await em.flush();
  return { user, changed: true };
}

export async function setUserWorkspaces(em: EntityManager, id: string, workspaces: string[] | null, clock: Clock): Promise<UserChange> {
  const user = await getUser(em, id);
  const next = parseWorkspaceList(workspaces);
  const same = (a: string[] | null, b: string[] | null) => (a === null || b === null ? a === b : a.length === b.length && a.every((w) => b.includes(w)));
  if (same(user.workspaces ?? null, next)) return { user, changed: false };
  user.workspaces = next;
  user.updatedAt = clock.now();
  await em.flush();
  return { user, changed: true };
}

/** Disabling signs the user out everywhere (their sessions are removed). */
export async function setUserDisabled(em: EntityManager, id: string, disabled: boolean, clock: Clock): Promise<UserChange> {
  const user = await getUser(em, id);
  if (disabled === !!user.disabledAt) return { user, changed: false };
  if (disabled) {
    await ensureAnotherAdmin(em, user);
    user.disabledAt = clock.now();
    await em.nativeDelete(Session, { user: user.id });
  } else {
    user.disabledAt = null;
  }
  user.updatedAt = clock.now();
  await em.flush();
  return { user, changed: true };
}
