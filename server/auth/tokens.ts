/**
 * API tokens for integrators and automation. A token is `lko_` followed by a random secret; it is
 * shown once, stored as a sha256 hash, and carries a role or an explicit set of capabilities.
 */
import { isUuid } from '../ids.ts';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Clock } from '../clock.ts';
import { BadInputError, ConflictError, NotFoundError } from '../errors.ts';
import { ROLE_CAPABILITIES, isCapability, type Capability, type Role } from './capabilities.ts';
import type { Actor } from './actor.ts';
import { ApiToken } from './entities.ts';
import { randomSecret, sha256 } from './secrets.ts';
import type { CachedToken, TokenCache } from './token-cache.ts';
import { parseRole, parseWorkspaceList } from './users.ts';

export const TOKEN_PREFIX = 'lko_';
const DISPLAY_PREFIX_LENGTH = TOKEN_PREFIX.length + 8;

export type TokenStatus = 'active' | 'expired' | 'revoked';

export function tokenStatus(token: ApiToken, now: Date): TokenStatus {
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt && token.expiresAt <= now) return 'expired';
  return 'active';
}

export function tokenCapabilities(token: Pick<ApiToken, 'role' | 'capabilities'>): Capability[] {
  return token.role ? [...ROLE_CAPABILITIES[token.role]] : token.capabilities.filter(isCapability);
}

export interface NewToken {
  name: string;
  role?: string | null;
  capabilities?: string[] | null;
  expiresAt?: Date | null;
  createdById?: string | null;
  /** Limit the token to these workspace slugs (null: every workspace). */
  workspaces?: string[] | null;
}

export interface CreatedToken {
  token: ApiToken;
  /** The whole secret: returned once, never stored. */
  secret: string;
}

function validateName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw new BadInputError('name', 'Give the token a name (what uses it).');
  if (trimmed.length > 100) throw new BadInputError('name', 'The token name must be at most 100 characters.');
  return trimmed;
}

function validateGrant(role: string | null | undefined, capabilities: string[] | null | undefined): { role: Role | null; capabilities: Capability[] } {
  if (role && capabilities?.length) throw new BadInputError('capabilities', 'Give either a role or a list of capabilities, not both.');
  if (role) return { role: parseRole(role), capabilities: [] };
  if (!capabilities?.length) throw new BadInputError('role', 'Give the token a role (viewer, operator, admin) or a list of capabilities.');
  const unknown = capabilities.filter((c) => !isCapability(c));
  if (unknown.length) throw new BadInputError('capabilities', `Unknown capabilities: ${unknown.join(', ')}.`);
  return { role: null, capabilities: [...new Set(capabilities as Capability[])] };
}

export async function createToken(em: EntityManager, input: NewToken, clock: Clock, secret?: string): Promise<CreatedToken> {
  const name = validateName(input.name);
  const grant = validateGrant(input.role, input.capabilities);
  const now = clock.now();
  if (input.expiresAt && input.expiresAt <= now) throw new BadInputError('expiresAt', 'The expiry must be in the future.');
  const value = secret ?? TOKEN_PREFIX + randomSecret(32);
  const token = em.create(ApiToken, {
    name,
    prefix: value.slice(0, DISPLAY_PREFIX_LENGTH),
    secretHash: sha256(value),
    role: grant.role,
    capabilities: grant.capabilities,
    createdBy: input.createdById ?? null,
    createdAt: now,
    expiresAt: input.expiresAt ?? null,
    workspaces: parseWorkspaceList(input.workspaces),
  });
  await em.flush();
  return { token, secret: value };
}

export function listTokens(em: EntityManager): Promise<ApiToken[]> {
  return em.find(ApiToken, {}, { orderBy: { createdAt: 'desc' }, populate: ['createdBy'] });
}

export async function revokeToken(em: EntityManager, id: string, clock: Clock): Promise<ApiToken> {
  const token = isUuid(id) ? await em.findOne(ApiToken, { id }) : null;
  if (!token) throw new NotFoundError('API token', id);
  if (token.revokedAt) throw new ConflictError(`The token "${token.name}" is already revoked.`);
  token.revokedAt = clock.now();
  await em.flush();
  return token;
}

/**
 * Resolves a bearer secret to an actor, or null when unknown, revoked, expired, or made by a user
 * now disabled. Given the
 * replica's cache (token-cache.ts), an active token read in the last few seconds is answered
 * without the database; expiry is still checked against now.
 */
export async function actorFromToken(em: EntityManager, secret: string, clock: Clock, cache?: TokenCache): Promise<Actor | null> {
  const now = clock.now();
  const hash = sha256(secret);
  let cached = cache?.get(hash);
  if (!cached) {
    const generation = cache?.generation ?? 0;
    const token = await em.findOne(ApiToken, { secretHash: hash }, { populate: ['createdBy'] });
    // Not kept while refused (its creator disabled): enabling them again must not wait for the cache.
    if (!token || tokenStatus(token, now) !== 'active' || token.createdBy?.disabledAt) return null;
    cached = cachedToken(token);
    cache?.set(hash, cached, generation);
  } else if (cached.expiresAt && cached.expiresAt <= now) return null;
  if (cached.creator?.disabled) return null;
  // Record use at most once a minute: a busy integration should not write on every request.
  if (!cached.lastUsedAt || now.getTime() - cached.lastUsedAt.getTime() > 60_000) {
    cached.lastUsedAt = now;
    await em.nativeUpdate(ApiToken, { id: cached.id }, { lastUsedAt: now });
  }
  return tokenActor(cached);
}

function cachedToken(token: ApiToken): CachedToken {
  return {
    id: token.id,
    name: token.name,
    role: token.role ?? null,
    capabilities: token.capabilities,
    createdById: token.createdBy?.id ?? null,
    creator: token.createdBy ? { role: token.createdBy.role, disabled: !!token.createdBy.disabledAt, workspaces: token.createdBy.workspaces ?? null } : null,
    workspaces: token.workspaces ?? null,
    expiresAt: token.expiresAt ?? null,
    lastUsedAt: token.lastUsedAt ?? null,
  };
}

const ROLE_RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/**
 * The actor a token is: its grant, within its creator's access as it is now — a user demoted, or
 * limited to fewer workspaces, takes their tokens down with them (a disabled user's tokens are
 * refused before this). A token made by the CLI or LOOKOUT_BOOTSTRAP_TOKEN has no creator.
 */
function tokenActor(token: ApiToken | CachedToken): Actor {
  const t = 'secretHash' in token ? cachedToken(token) : token;
  const own = tokenCapabilities({ role: t.role as Role | null, capabilities: t.capabilities as Capability[] });
  const creator = t.creator;
  if (!creator) {
    return { kind: 'token', id: t.id, label: t.name, role: (t.role as Role | null) ?? null, capabilities: new Set(own), userId: t.createdById, workspaces: t.workspaces };
  }
  const creatorRole = creator.role as Role;
  const allowed = new Set<Capability>(ROLE_CAPABILITIES[creatorRole]);
  const role = t.role ? ((ROLE_RANK[t.role as Role] <= ROLE_RANK[creatorRole] ? t.role : creatorRole) as Role) : null;
  return {
    kind: 'token',
    id: t.id,
    label: t.name,
    role,
    capabilities: new Set(own.filter((c) => allowed.has(c))),
    userId: t.createdById,
    workspaces: withinWorkspaces(t.workspaces, creator.workspaces),
  };
}

/** The workspaces both lists allow (null: every workspace). */
function withinWorkspaces(a: string[] | null, b: string[] | null): string[] | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.filter((w) => b.includes(w));
}

/**
 * The actors of the tokens (by id) that are still active now, as `actorFromToken` would resolve
 * them: revoked and expired tokens are missing from the map. One query per 1,000 ids; reads only
 * (open WebSockets are re-checked with it every few seconds).
 */
export async function currentTokenActors(em: EntityManager, ids: readonly string[], clock: Clock): Promise<Map<string, Actor>> {
  const actors = new Map<string, Actor>();
  const now = clock.now();
  for (let i = 0; i < ids.length; i += 1000) {
    const tokens = await em.find(ApiToken, { id: { $in: ids.slice(i, i + 1000) } }, { disableIdentityMap: true, populate: ['createdBy'] });
    for (const token of tokens) if (tokenStatus(token, now) === 'active' && !token.createdBy?.disabledAt) actors.set(token.id, tokenActor(token));
  }
  return actors;
}

/**
 * Makes sure an active admin token with exactly `secret` exists (LOOKOUT_BOOTSTRAP_TOKEN).
 * Returns what it did, for the audit log.
 */
export async function ensureBootstrapToken(em: EntityManager, secret: string, clock: Clock): Promise<'created' | 'restored' | 'unchanged'> {
  if (secret.length < 16) throw new BadInputError('LOOKOUT_BOOTSTRAP_TOKEN', 'LOOKOUT_BOOTSTRAP_TOKEN must be at least 16 characters long.');
  const existing = await em.findOne(ApiToken, { secretHash: sha256(secret) });
  if (!existing) {
    await createToken(em, { name: 'bootstrap (LOOKOUT_BOOTSTRAP_TOKEN)', role: 'admin' }, clock, secret);
    return 'created';
  }
  if (existing.role === 'admin' && tokenStatus(existing, clock.now()) === 'active') return 'unchanged';
  existing.role = 'admin';
  existing.capabilities = [];
  existing.revokedAt = null;
  existing.expiresAt = null;
  await em.flush();
  return 'restored';
}
