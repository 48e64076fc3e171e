/**
 * Workspaces and tenants, and the limit a caller may have to some workspaces. Every list, count
 * and action on runs goes through `allowedWorkspaceIds` / `assertWorkspaceAccess`.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../auth/actor.ts';
import type { Clock } from '../clock.ts';
import { BadInputError, ForbiddenError } from '../errors.ts';
import { Tenant, Workspace } from './entities.ts';

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9._-]{0,99}$/;

export function validateSlug(value: string, field: string): string {
  const slug = value.trim();
  if (!SLUG_PATTERN.test(slug)) throw new BadInputError(field, `${field} must be 1–100 characters of a–z, 0–9, ".", "_" or "-", got ${JSON.stringify(value)}.`);
  return slug;
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
