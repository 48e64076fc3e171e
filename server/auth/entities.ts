/** Tables of accounts and access: users, sessions, API tokens, sign-in throttling, setup links. */
import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { ROLES } from './capabilities.ts';

export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    email: p.string().length(320).unique(),
    passwordHash: p.text(),
    role: p.enum(ROLES),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    lastSignInAt: p.datetime().nullable(),
    disabledAt: p.datetime().nullable(),
    /** Workspace slugs the user is limited to; null = every workspace. */
    workspaces: p.array().nullable(),
  },
});
export type User = InferEntity<typeof User>;

export const Session = defineEntity({
  name: 'Session',
  tableName: 'sessions',
  properties: {
    /** sha256 of the cookie's secret: the secret itself is never stored. */
    id: p.string().length(64).primary(),
    user: () => p.manyToOne(User).deleteRule('cascade').index(),
    csrfToken: p.string().length(64),
    createdAt: p.datetime(),
    expiresAt: p.datetime().index(),
    lastSeenAt: p.datetime(),
    clientAddress: p.string().length(64).nullable(),
    userAgent: p.text().nullable(),
  },
});
export type Session = InferEntity<typeof Session>;

export const ApiToken = defineEntity({
  name: 'ApiToken',
  tableName: 'api_tokens',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    name: p.string().length(100),
    /** The first characters of the secret, shown in lists so a token can be recognised. */
    prefix: p.string().length(32),
    /** sha256 of the whole secret. */
    secretHash: p.string().length(64).unique(),
    role: p.enum(ROLES).nullable(),
    capabilities: p.array(),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    createdAt: p.datetime(),
    expiresAt: p.datetime().nullable(),
    lastUsedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    /** Workspace slugs the token is limited to; null = every workspace. */
    workspaces: p.array().nullable(),
  },
});
export type ApiToken = InferEntity<typeof ApiToken>;

export const AuthThrottle = defineEntity({
  name: 'AuthThrottle',
  tableName: 'auth_throttle',
  properties: {
    /** `account:<email>` or `address:<ip>`. */
    key: p.string().length(400).primary(),
    failures: p.integer(),
    firstFailureAt: p.datetime(),
    blockedUntil: p.datetime().nullable(),
  },
});
export type AuthThrottle = InferEntity<typeof AuthThrottle>;

export const SetupToken = defineEntity({
  name: 'SetupToken',
  tableName: 'setup_tokens',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    tokenHash: p.string().length(64).unique(),
    createdAt: p.datetime(),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
  },
});
export type SetupToken = InferEntity<typeof SetupToken>;
