/** Sign-in, sign-out, first-admin setup, and who the caller is. */
import type { Actor } from '../server/auth/actor.ts';
import { ROLES, ROLE_CAPABILITIES, type Role } from '../server/auth/capabilities.ts';
import { checkSignIn, openSession, signOut, issueSession, type IssuedSession } from '../server/auth/sessions.ts';
import { completeSetup, setupRequired } from '../server/auth/setup.ts';
import { clearedSessionCookies, sessionCookies } from '../server/http/cookies.ts';
import type { RequestContext } from '../server/context.ts';
import { builder } from './builder.ts';

export const RoleEnum = builder.enumType('Role', {
  description: 'A named bundle of capabilities.',
  values: Object.fromEntries(ROLES.map((r) => [r.toUpperCase(), { value: r }])) as Record<Uppercase<Role>, { value: Role }>,
});

export const ViewerRef = builder.objectRef<Actor>('Viewer').implement({
  description: 'The caller: a signed-in user or an API token.',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.string({ description: '`user` or `token`.', resolve: (a) => a.kind }),
    name: t.string({ description: 'The user’s email or the token’s name.', resolve: (a) => a.label }),
    email: t.string({ nullable: true, resolve: (a) => (a.kind === 'user' ? a.label : null) }),
    role: t.field({ type: RoleEnum, nullable: true, resolve: (a) => a.role }),
    capabilities: t.stringList({ resolve: (a) => [...a.capabilities].sort() }),
    sessionExpiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (a) => a.session?.expiresAt ?? null }),
  }),
});

const SignInPayload = builder.objectRef<{ viewer: Actor; expiresAt: Date }>('SignInPayload').implement({
  fields: (t) => ({
    viewer: t.field({ type: ViewerRef, resolve: (p) => p.viewer }),
    expiresAt: t.field({ type: 'DateTime', resolve: (p) => p.expiresAt }),
  }),
});

const RoleInfo = builder.objectRef<Role>('RoleInfo').implement({
  fields: (t) => ({
    role: t.field({ type: RoleEnum, resolve: (r) => r }),
    capabilities: t.stringList({ resolve: (r) => [...ROLE_CAPABILITIES[r]] }),
  }),
});

const SetupStatus = builder.objectRef<{ required: boolean }>('SetupStatus').implement({
  fields: (t) => ({ required: t.exposeBoolean('required', { description: 'True until the first admin has been created.' }) }),
});

/** Sets the cookies of a new session and returns the payload. */
function signedIn(ctx: RequestContext, issued: IssuedSession) {
  const { app } = ctx;
  for (const cookie of sessionCookies(issued.secret, issued.csrfToken, issued.expiresAt, app.clock.now(), app.config.secureCookies)) ctx.setCookie(cookie);
  const viewer: Actor = {
    kind: 'user',
    id: issued.user.id,
    label: issued.user.email,
    role: issued.user.role,
    capabilities: new Set(ROLE_CAPABILITIES[issued.user.role]),
    userId: issued.user.id,
    workspaces: issued.user.workspaces ?? null,
    session: { id: '', csrfToken: issued.csrfToken, expiresAt: issued.expiresAt },
  };
  return { viewer, expiresAt: issued.expiresAt };
}

const sessionActor = (issued: IssuedSession) => ({ type: 'user' as const, id: issued.user.id, label: issued.user.email });

builder.queryFields((t) => ({
  me: t.field({
    type: ViewerRef,
    nullable: true,
    description: 'The caller, or null when not signed in.',
    authScopes: { public: true },
    resolve: (_root, _args, ctx) => ctx.actor,
  }),
  setupStatus: t.field({
    type: SetupStatus,
    description: 'Whether the first admin still has to be created (with the link printed at start-up).',
    authScopes: { public: true },
    resolve: async (_root, _args, ctx) => ({ required: await setupRequired(ctx.em) }),
  }),
  roles: t.field({
    type: [RoleInfo],
    description: 'The roles and the capabilities each grants.',
    authScopes: { 'platform.access_system_panel': true },
    resolve: () => [...ROLES],
  }),
}));

builder.mutationFields((t) => ({
  signIn: t.field({
    type: SignInPayload,
    description: 'Signs in with email and password; sets the session cookie. Repeated failures are slowed down.',
    authScopes: { public: true },
    args: { email: t.arg.string(), password: t.arg.string() },
    resolve: async (_root, args, ctx) => {
      const spec = { action: 'auth.session.create', input: { email: args.email } };
      // The password is checked before the transaction (sessions.ts: no connection held while it is hashed).
      const checked = await ctx.auditedCheck(() => checkSignIn(ctx.em, args, ctx, ctx.app.clock), spec);
      const issued = await ctx.audited((em) => openSession(em, checked, ctx, ctx.app.clock, ctx.app.config.sessionTtlMs), {
        ...spec,
        actorOf: sessionActor,
        targetOf: (s) => ({ type: 'user', id: s.user.id }),
      });
      return signedIn(ctx, issued);
    },
  }),
  signOut: t.boolean({
    description: 'Ends the current session and clears its cookies. True when a session was ended.',
    authScopes: { public: true },
    resolve: async (_root, _args, ctx) => {
      for (const cookie of clearedSessionCookies(ctx.app.config.secureCookies)) ctx.setCookie(cookie);
      const session = ctx.actor?.session;
      if (!session) return false;
      return ctx.audited((em) => signOut(em, session.id), { action: 'auth.session.delete', target: { type: 'user', id: ctx.actor!.id } });
    },
  }),
  completeSetup: t.field({
    type: SignInPayload,
    description: 'Creates the first admin with the one-time setup token printed at start-up, and signs them in.',
    authScopes: { public: true },
    args: { token: t.arg.string(), email: t.arg.string(), password: t.arg.string() },
    resolve: async (_root, args, ctx) => {
      const issued = await ctx.audited(
        async (em) => issueSession(em, await completeSetup(em, args, ctx.app.clock), ctx, ctx.app.clock, ctx.app.config.sessionTtlMs),
        { action: 'auth.setup.complete', input: args, actorOf: sessionActor, targetOf: (s) => ({ type: 'user', id: s.user.id }) },
      );
      return signedIn(ctx, issued);
    },
  }),
}));
