/**
 * Workspaces and tenants, and the limit a caller may have to some workspaces. Every list, count
 * and action on runs goes through `allowedWorkspaceIds` / `assertWorkspaceAccess`.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { SqlClient } from '../audit/audit.ts';
import type { Actor } from '../auth/actor.ts';
import type { Clock } from '../clock.ts';
import { BadInputError, ForbiddenError } from '../errors.ts';
import { Tenant, Workspace } from './entities.ts';
import { slugProblem } from './slug-rules.ts';

export function validateSlug(value: string, field: string): string {
  const problem = slugProblem(value, field.replace(/^.*\./, ''));
  if (problem) throw new BadInputError(field, problem);
  return value.trim();
}

export function canUseWorkspace(actor: Pick<Actor, 'workspaces'> | null, slug: string): boolean {
  return !!actor && (actor.workspaces === null || actor.workspaces.includes(slug));
}

export function assertWorkspaceAccess(actor: Pick<Actor, 'workspaces'> | null, slug: string): void {
  if (!canUseWorkspace(actor, slug)) throw new ForbiddenError(`You are not allowed to use the workspace "${slug}".`, { workspace: slug });
}

/** Ids of the workspaces the caller may see, or null for all. */
export async function allowedWorkspaceIds(em: EntityManager, actor: Pick<Actor, 'workspaces'> | null): Promise<number[] | null> {
  if (!actor) return [];
  if (actor.workspaces === null) return null;
  const rows = await em.find(Workspace, { slug: { $in: [...actor.workspaces] } }, { fields: ['id'] });
  return rows.map((w) => w.id);
}

/** Finds a workspace and (optionally) a tenant by slug, creating them on first use. */
export async function resolveWorkspace(
  em: EntityManager,
  workspaceSlug: string,
  tenantSlug: string | null | undefined,
  clock: Clock,
): Promise<{ workspace: Workspace; tenant: Tenant | null }> {
  const slug = validateSlug(workspaceSlug, 'workspace');
  const now = clock.now();
  await em.getConnection().execute(
    'insert into workspaces (slug, name, created_at) values (?, ?, ?) on conflict (slug) do nothing',
    [slug, slug, now], 'run', em.getTransactionContext(),
  );
  const workspace = await em.findOneOrFail(Workspace, { slug });
  if (!tenantSlug) return { workspace, tenant: null };
  const tslug = validateSlug(tenantSlug, 'tenant');
  await em.getConnection().execute(
    'insert into tenants (workspace_id, slug, name, created_at) values (?, ?, ?, ?) on conflict (workspace_id, slug) do nothing',
    [workspace.id, tslug, tslug, now], 'run', em.getTransactionContext(),
  );
  return { workspace, tenant: await em.findOneOrFail(Tenant, { workspaceId: workspace.id, slug: tslug }) };
}

export interface TenantListing {
  id: number;
  slug: string;
  name: string;
  workspace: { id: number; slug: string; name: string };
}

/** Tenants the caller may see (of one workspace, or of every allowed one), by workspace then slug. */
export async function listTenants(em: EntityManager, actor: Pick<Actor, 'workspaces'> | null, workspaceSlug?: string | null): Promise<TenantListing[]> {
  const workspaces = await em.find(Workspace, workspaceSlug ? { slug: validateSlug(workspaceSlug, 'workspace') } : {}, { orderBy: { slug: 'asc' } });
  const allowed = new Map(workspaces.filter((w) => canUseWorkspace(actor, w.slug)).map((w) => [w.id, w]));
  if (!allowed.size) return [];
  const tenants = await em.find(Tenant, { workspaceId: { $in: [...allowed.keys()] } }, { orderBy: { slug: 'asc' } });
  return tenants
    .map((t) => ({ id: t.id, slug: t.slug, name: t.name, workspace: allowed.get(t.workspaceId)! }))
    .sort((a, b) => a.workspace.slug.localeCompare(b.workspace.slug) || a.slug.localeCompare(b.slug));
}

export interface Place {
  workspace: { id: number; slug: string; name: string };
  tenant: { id: number; slug: string; name: string } | null;
}

/**
 * Workspaces and tenants by slug, created on first use. Rows are never renamed or deleted, so what
 * this replica has seen once is kept: a busy submitter pays no query for its workspace. Give it the
 * pool, never a transaction: a row cached from a transaction that then rolled back would not exist.
 */
export class WorkspaceDirectory {
  readonly #workspaces = new Map<string, Place['workspace']>();
  readonly #tenants = new Map<string, NonNullable<Place['tenant']>>();

  /** The workspace and tenant of each entry (slugs already validated), creating missing ones. */
  async resolve(sql: SqlClient, entries: { workspace: string; tenant: string | null }[], now: Date): Promise<Place[]> {
    const missing = [...new Set(entries.map((e) => e.workspace).filter((slug) => !this.#workspaces.has(slug)))];
    if (missing.length) {
      const { rows } = await sql.query<{ id: number; slug: string; name: string }>(
        `with new as (insert into workspaces (slug, name, created_at) select s, s, $2 from unnest($1::text[]) s on conflict (slug) do nothing returning id, slug, name)
         select id, slug, name from new union all select id, slug, name from workspaces where slug = any($1::text[])`,
        [missing, now],
      );
      for (const w of rows) this.#workspaces.set(w.slug, { id: w.id, slug: w.slug, name: w.name });
      // One created by a concurrent transaction is invisible to that statement's snapshot: read it again.
      const late = missing.filter((slug) => !this.#workspaces.has(slug));
      if (late.length) {
        for (const w of (await sql.query('select id, slug, name from workspaces where slug = any($1::text[])', [late])).rows) this.#workspaces.set(w.slug, { id: w.id, slug: w.slug, name: w.name });
      }
    }
    const tenantKey = (e: { workspace: string; tenant: string | null }) => `${this.#workspaces.get(e.workspace)!.id}:${e.tenant}`;
    const missingTenants = [...new Map(entries.filter((e) => e.tenant && !this.#tenants.has(tenantKey(e))).map((e) => [tenantKey(e), e])).values()];
    if (missingTenants.length) {
      const ids = missingTenants.map((e) => this.#workspaces.get(e.workspace)!.id);
      const slugs = missingTenants.map((e) => e.tenant!);
      const { rows } = await sql.query<{ id: number; workspace_id: number; slug: string; name: string }>(
        `with x as (select * from unnest($1::int[], $2::text[]) as x(w, s)),
              new as (insert into tenants (workspace_id, slug, name, created_at) select w, s, s, $3 from x on conflict (workspace_id, slug) do nothing
                      returning id, workspace_id, slug, name)
         select * from new union all select t.id, t.workspace_id, t.slug, t.name from tenants t join x on t.workspace_id = x.w and t.slug = x.s`,
        [ids, slugs, now],
      );
      for (const t of rows) this.#tenants.set(`${t.workspace_id}:${t.slug}`, { id: t.id, slug: t.slug, name: t.name });
      const late = missingTenants.filter((e) => !this.#tenants.has(tenantKey(e)));
      if (late.length) {
        const { rows: again } = await sql.query('select t.* from tenants t join unnest($1::int[], $2::text[]) as x(w, s) on t.workspace_id = x.w and t.slug = x.s', [
          late.map((e) => this.#workspaces.get(e.workspace)!.id), late.map((e) => e.tenant),
        ]);
        for (const t of again) this.#tenants.set(`${t.workspace_id}:${t.slug}`, { id: t.id, slug: t.slug, name: t.name });
      }
    }
    return entries.map((e) => ({ workspace: this.#workspaces.get(e.workspace)!, tenant: e.tenant ? this.#tenants.get(tenantKey(e))! : null }));
  }
}
