/**
 * Public status pages through the API: the list (anyone who may see the system panel) and the
 * admins' create, update and delete, each audited. The pages themselves are served anonymously
 * by server/status-pages/routes.ts; a change here is seen there at once on this replica.
 */
import { createStatusPage, deleteStatusPage, listStatusPages, updateStatusPage, type StoredStatusPage } from '../server/status-pages/store.ts';
import type { StatusPageGroup } from '../server/status-pages/definition.ts';
import { builder } from './builder.ts';

const VIEW = { 'platform.access_system_panel': true } as const;
const ADMIN = { 'platform.system.admin': true } as const;

const GroupRef = builder.objectRef<StatusPageGroup>('StatusPageGroup').implement({
  description: 'A heading on a status page and the services under it, by name.',
  fields: (t) => ({
    name: t.exposeString('name'),
    services: t.stringList({ resolve: (g) => g.services }),
  }),
});

const StatusPageRef = builder.objectRef<StoredStatusPage>('StatusPage').implement({
  description: 'A public status page at /status/<slug> (and /status/<slug>.json): no sign-in, nothing internal shown.',
  fields: (t) => ({
    slug: t.exposeString('slug'),
    title: t.exposeString('title'),
    description: t.exposeString('description'),
    groups: t.field({ type: [GroupRef], resolve: (p) => p.groups }),
    url: t.string({ description: 'Its public address.', resolve: (p, _a, ctx) => `${ctx.app.publicUrl}/status/${p.slug}` }),
    source: t.string({ description: '`config` (the config file; change it there) or `api`.', resolve: (p) => p.source }),
    createdBy: t.string({ nullable: true, resolve: (p) => p.createdBy }),
    createdAt: t.field({ type: 'DateTime', resolve: (p) => p.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (p) => p.updatedAt }),
  }),
});

const GroupInput = builder.inputType('StatusPageGroupInput', {
  fields: (t) => ({
    name: t.string(),
    services: t.stringList({ description: 'Service names, shown in this order.' }),
  }),
});

const StatusPageInput = builder.inputType('StatusPageInput', {
  fields: (t) => ({
    title: t.string(),
    description: t.string({ required: false }),
    groups: t.field({ type: [GroupInput] }),
  }),
});

const inputOf = (input: { title: string; description?: string | null; groups: { name: string; services: string[] }[] }) => ({
  title: input.title,
  description: input.description ?? '',
  groups: input.groups.map((g) => ({ name: g.name, services: g.services })),
});

builder.queryFields((t) => ({
  statusPages: t.field({
    type: [StatusPageRef],
    description: 'Every public status page, by slug.',
    authScopes: VIEW,
    resolve: (_r, _a, ctx) => listStatusPages(ctx.app.sql),
  }),
}));

builder.mutationFields((t) => ({
  createStatusPage: t.field({
    type: StatusPageRef,
    authScopes: ADMIN,
    args: { slug: t.arg.string(), input: t.arg({ type: StatusPageInput }) },
    resolve: (_r, { slug, input }, ctx) =>
      ctx.auditedSql(
        async (sql, events) => {
          const page = await createStatusPage(sql, { slug, ...inputOf(input) }, ctx.actor?.label ?? 'unknown', ctx.app.clock.now());
          events.afterCommit(() => ctx.app.statusPages.invalidate());
          return page;
        },
        { action: 'status_pages.create', input: { slug, ...input }, targetOf: (p) => ({ type: 'status_page', id: p.slug }) },
      ),
  }),
  updateStatusPage: t.field({
    type: StatusPageRef,
    description: 'Replaces its title, description and groups (the slug stays).',
    authScopes: ADMIN,
    args: { slug: t.arg.string(), input: t.arg({ type: StatusPageInput }) },
    resolve: async (_r, { slug, input }, ctx) =>
      (
        await ctx.auditedSql(
          async (sql, events) => {
            const updated = await updateStatusPage(sql, slug, inputOf(input), ctx.app.clock.now());
            if (updated.changed) events.afterCommit(() => ctx.app.statusPages.invalidate());
            return updated;
          },
          { action: 'status_pages.update', input: { slug, ...input }, target: { type: 'status_page', id: slug }, when: (r) => r.changed },
        )
      ).page,
  }),
  deleteStatusPage: t.boolean({
    authScopes: ADMIN,
    args: { slug: t.arg.string() },
    resolve: async (_r, { slug }, ctx) => {
      await ctx.auditedSql(
        async (sql, events) => {
          const page = await deleteStatusPage(sql, slug);
          events.afterCommit(() => ctx.app.statusPages.invalidate());
          return page;
        },
        { action: 'status_pages.delete', input: { slug }, target: { type: 'status_page', id: slug } },
      );
      return true;
    },
  }),
}));
