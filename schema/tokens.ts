/** API tokens: list, create (secret shown once), revoke. Admins only. */
import type { ApiToken } from '../server/auth/entities.ts';
import { createToken, listTokens, revokeToken, tokenCapabilities, tokenStatus } from '../server/auth/tokens.ts';
import { assertGrantWithinLimit } from '../server/operations/workspaces.ts';
import { builder } from './builder.ts';
import { RoleEnum } from './auth.ts';

const TokenStatusEnum = builder.enumType('ApiTokenStatus', { values: { ACTIVE: { value: 'active' }, EXPIRED: { value: 'expired' }, REVOKED: { value: 'revoked' } } as const });

export const ApiTokenRef = builder.objectRef<ApiToken>('ApiToken').implement({
  description: 'An API token. Its secret is shown only once, when it is created.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix', { description: 'The first characters of the secret, to recognise it.' }),
    role: t.field({ type: RoleEnum, nullable: true, resolve: (tk) => tk.role ?? null }),
    capabilities: t.stringList({ resolve: (tk) => tokenCapabilities(tk) }),
    status: t.field({ type: TokenStatusEnum, resolve: (tk, _a, ctx) => tokenStatus(tk, ctx.app.clock.now()) }),
    createdBy: t.string({ nullable: true, description: 'Email of the admin who created it.', resolve: (tk) => (tk.createdBy as { email?: string } | null | undefined)?.email ?? null }),
    createdAt: t.field({ type: 'DateTime', resolve: (tk) => tk.createdAt }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (tk) => tk.expiresAt ?? null }),
    lastUsedAt: t.field({ type: 'DateTime', nullable: true, resolve: (tk) => tk.lastUsedAt ?? null }),
    revokedAt: t.field({ type: 'DateTime', nullable: true, resolve: (tk) => tk.revokedAt ?? null }),
    workspaces: t.stringList({ nullable: true, description: 'The workspaces it is limited to; null for every workspace.', resolve: (tk) => tk.workspaces ?? null }),
  }),
});

const CreatedApiToken = builder.objectRef<{ token: ApiToken; secret: string }>('CreatedApiToken').implement({
  fields: (t) => ({
    token: t.field({ type: ApiTokenRef, resolve: (c) => c.token }),
    secret: t.exposeString('secret', { description: 'The token itself. Shown once: store it now.' }),
  }),
});

const CreateApiTokenInput = builder.inputType('CreateApiTokenInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    role: t.field({ type: RoleEnum, required: false, description: 'Give a role, or capabilities.' }),
    capabilities: t.stringList({ required: false }),
    expiresAt: t.field({ type: 'DateTime', required: false, description: 'Omit for a token that does not expire.' }),
    workspaces: t.stringList({ required: false, description: 'Limit the token to these workspaces (slugs); omit for every workspace.' }),
  }),
});

builder.queryFields((t) => ({
  apiTokens: t.field({
    type: [ApiTokenRef],
    authScopes: { 'platform.system.admin': true },
    resolve: (_root, _args, ctx) => listTokens(ctx.em),
  }),
}));

builder.mutationFields((t) => ({
  createApiToken: t.field({
    type: CreatedApiToken,
    description: 'Creates an API token and returns its secret, once.',
    authScopes: { 'platform.system.admin': true },
    args: { input: t.arg({ type: CreateApiTokenInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      ctx.audited(async (em) => {
        assertGrantWithinLimit(ctx.actor, input.workspaces, 'input.workspaces'); // a limited admin cannot mint a way out of its limit
        return createToken(em, { ...input, createdById: ctx.actor?.userId }, ctx.app.clock);
      }, {
        action: 'auth.token.create',
        input,
        targetOf: (c) => ({ type: 'api_token', id: c.token.id }),
      }),
  }),
  revokeApiToken: t.field({
    type: ApiTokenRef,
    authScopes: { 'platform.system.admin': true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) =>
      ctx.audited((em) => revokeToken(em, String(id), ctx.app.clock), { action: 'auth.token.revoke', input: { id }, target: { type: 'api_token', id: String(id) } }),
  }),
}));
