/** Users and their roles. Admins only. */
import type { User } from '../server/auth/entities.ts';
import { createUser, preparePassword, listUsers, setUserDisabled, setUserRole, setUserWorkspaces } from '../server/auth/users.ts';
import { assertGrantWithinLimit } from '../server/operations/workspaces.ts';
import { builder } from './builder.ts';
import { RoleEnum } from './auth.ts';

const UserRef = builder.objectRef<User>('User').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    role: t.field({ type: RoleEnum, resolve: (u) => u.role }),
    disabled: t.boolean({ resolve: (u) => !!u.disabledAt }),
    createdAt: t.field({ type: 'DateTime', resolve: (u) => u.createdAt }),
    lastSignInAt: t.field({ type: 'DateTime', nullable: true, resolve: (u) => u.lastSignInAt ?? null }),
    workspaces: t.stringList({ nullable: true, description: 'The workspaces the user is limited to; null for every workspace.', resolve: (u) => u.workspaces ?? null }),
  }),
});

const CreateUserInput = builder.inputType('CreateUserInput', {
  fields: (t) => ({
    email: t.string({ required: true }),
    password: t.string({ required: true }),
    role: t.field({ type: RoleEnum, required: true }),
    workspaces: t.stringList({ required: false, description: 'Limit the user to these workspaces (slugs); omit for every workspace.' }),
  }),
});

builder.queryFields((t) => ({
  users: t.field({ type: [UserRef], authScopes: { 'platform.system.admin': true }, resolve: (_r, _a, ctx) => listUsers(ctx.em) }),
}));

builder.mutationFields((t) => ({
  createUser: t.field({
    type: UserRef,
    authScopes: { 'platform.system.admin': true },
    args: { input: t.arg({ type: CreateUserInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const spec = { action: 'auth.user.create', input };
      // The password is hashed before the transaction (users.ts preparePassword).
      const hash = await ctx.auditedCheck(() => preparePassword(input.password), spec);
      return ctx.audited(async (em) => {
        assertGrantWithinLimit(ctx.actor, input.workspaces, 'input.workspaces');
        return createUser(em, input, ctx.app.clock, hash);
      }, { ...spec, targetOf: (u) => ({ type: 'user', id: u.id }) });
    },
  }),
  setUserRole: t.field({
    type: UserRef,
    authScopes: { 'platform.system.admin': true },
    args: { id: t.arg.id({ required: true }), role: t.arg({ type: RoleEnum, required: true }) },
    resolve: (_r, { id, role }, ctx) =>
      ctx.audited((em) => setUserRole(em, String(id), role, ctx.app.clock), {
        action: 'auth.user.set_role',
        input: { id, role },
        target: { type: 'user', id: String(id) },
        when: (r) => r.changed,
      }).then((r) => r.user),
  }),
  setUserWorkspaces: t.field({
    type: UserRef,
    description: 'Limits a user to some workspaces (slugs), or lifts the limit (null).',
    authScopes: { 'platform.system.admin': true },
    args: { id: t.arg.id({ required: true }), workspaces: t.arg.stringList({ required: false }) },
    resolve: (_r, { id, workspaces }, ctx) =>
      ctx.audited(async (em) => {
        assertGrantWithinLimit(ctx.actor, workspaces, 'workspaces');
        return setUserWorkspaces(em, String(id), workspaces ?? null, ctx.app.clock);
      }, {
        action: 'auth.user.set_workspaces',
        input: { id, workspaces },
        target: { type: 'user', id: String(id) },
        when: (r) => r.changed,
      }).then((r) => r.user),
  }),
  setUserDisabled: t.field({
    type: UserRef,
    description: 'Disables (signing the user out everywhere) or re-enables an account.',
    authScopes: { 'platform.system.admin': true },
    args: { id: t.arg.id({ required: true }), disabled: t.arg.boolean({ required: true }) },
    resolve: (_r, { id, disabled }, ctx) =>
      ctx.audited((em) => setUserDisabled(em, String(id), disabled, ctx.app.clock), {
        action: disabled ? 'auth.user.disable' : 'auth.user.enable',
        input: { id },
        target: { type: 'user', id: String(id) },
        when: (r) => r.changed,
      }).then((r) => r.user),
  }),
}));
