/**
 * Workspaces and tenants, and the limit a caller may have to some workspaces. Every list, count
 * and action on runs goes through `allowedWorkspaceIds` / `assertWorkspaceAccess` (the lease calls
 * put the same limit in their statements): a run outside the limit is one that does not exist.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { SqlClient } from '../db/sql.ts';
import type { Actor } from '../auth/actor.ts';
import { BadInputError, ForbiddenError } from '../errors.ts';
import { Tenant, Workspace } from './entities.ts';
import { slugProblem } from './slug-rules.ts';
import { pageClause, refuseLongList, type ListPage } from '../db/paging.ts';

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

/**
 * A caller limited to some workspaces gives a user or a token only workspaces it has itself: every
 * workspace (no limit) or another one would be a way out of its own limit, so either is refused.
 */
export function assertGrantWithinLimit(actor: Pick<Actor, 'workspaces'> | null, granted: readonly string[] | null | undefined, field: string): void {
  if (!actor || actor.workspaces === null) return;
  if (!granted) {
    throw new ForbiddenError(`You are limited to some workspaces, so you cannot give every workspace: name the workspaces (${field}), among yours.`, { field });
  }
  const beyond = granted.find((slug) => !actor.workspaces!.includes(slug));
  if (beyond !== undefined) throw new ForbiddenError(`You are not allowed to use the workspace "${beyond}", so you cannot give it (${field}).`, { field, workspace: beyond });
}

/** Ids of the workspaces the caller may see, or null for all. */
export async function allowedWorkspaceIds(em: EntityManager, actor: Pick<Actor, 'workspaces'> | null): Promise<number[] | null> {
  if (!actor) return [];
  if (actor.workspaces === null) return null;
  const rows = await em.find(Workspace, { slug: { $in: [...actor.workspaces] } }, { fields: ['id'] });
  return rows.map((w) => w.id);
}

/** A workspace or tenant as the API names it. */
export interface Named {
  id: number;
  slug: string;
  name: string;
}

export interface TenantListing extends Named {
  workspace: Named;
}

/** Tenants of one workspace or of every workspace the caller may see, by workspace then slug: one page, in one statement. */
export async function listTenants(sql: SqlClient, actor: Pick<Actor, 'workspaces'> | null, workspaceSlug?: string | null, page: ListPage = {}): Promise<TenantListing[]> {
  if (!actor) return [];
  const slug = workspaceSlug ? validateSlug(workspaceSlug, 'workspace') : null;
  const { rows } = await sql.query<{ id: number; slug: string; name: string; w_id: number; w_slug: string; w_name: string }>(
    `select t.id, t.slug, t.name, w.id as w_id, w.slug as w_slug, w.name as w_name
       from tenants t join workspaces w on w.id = t.workspace_id
      where ($1::text is null or w.slug = $1) and ($2::text[] is null or w.slug = any($2::text[]))
      order by w.slug collate "C", t.slug collate "C"${pageClause(page)}`,
    [slug, actor.workspaces],
  );
  return refuseLongList(rows, page, 'tenants').map((r) => ({ id: r.id, slug: r.slug, name: r.name, workspace: { id: r.w_id, slug: r.w_slug, name: r.w_name } }));
}

/** Workspaces the caller may see, by slug: one page. */
export async function listWorkspaces(sql: SqlClient, actor: Pick<Actor, 'workspaces'> | null, page: ListPage = {}): Promise<Named[]> {
  if (!actor) return [];
  const { rows } = await sql.query<Named>(
    `select id, slug, name from workspaces where ($1::text[] is null or slug = any($1::text[])) order by slug collate "C"${pageClause(page)}`,
    [actor.workspaces],
  );
  return refuseLongList(rows, page, 'workspaces');
}

export interface Place {
  workspace: Named;
  tenant: Named | null;
}

/**
 * Workspaces and tenants by slug, created on first use. Rows are never renamed or deleted, so what
 * this replica has seen once is kept: a busy submitter pays no query for its workspace. Give it the
 * pool, never a transaction: a row cached from a transaction that then rolled back would not exist.
 */
/** The most workspaces, and tenants, a replica keeps in memory (cleared past it, read again as they come). */
const MAX_CACHED = 10_000;

export class WorkspaceDirectory {
  readonly #workspaces = new Map<string, Named>();
  readonly #tenants = new Map<string, Named>();

  /** How many workspaces and tenants this replica holds in memory. */
  get cached(): number {
    return this.#workspaces.size + this.#tenants.size;
  }

  /**
   * The workspace and tenant of each entry (slugs already validated), creating missing ones. On a
   * miss: one statement inserts, the next reads, so it also sees rows a concurrent replica has just
   * created (invisible to the inserting statement's snapshot).
   */
  async resolve(sql: SqlClient, entries: { workspace: string; tenant: string | null }[], now: Date): Promise<Place[]> {
    // Bounded: the slugs are the submitters' to choose, and each new one would stay in memory.
    if (this.#workspaces.size > MAX_CACHED) this.#workspaces.clear();
    if (this.#tenants.size > MAX_CACHED) this.#tenants.clear();
    const missing = [...new Set(entries.map((e) => e.workspace).filter((slug) => !this.#workspaces.has(slug)))];
    if (missing.length) {
      await sql.query('insert into workspaces (slug, name, created_at) select s, s, $2 from unnest($1::text[]) s on conflict (slug) do nothing', [missing, now]);
      const { rows } = await sql.query<Named>('select id, slug, name from workspaces where slug = any($1::text[])', [missing]);
      for (const w of rows) this.#workspaces.set(w.slug, { id: w.id, slug: w.slug, name: w.name });
    }
    const tenantKey = (e: { workspace: string; tenant: string | null }) => `${this.#workspaces.get(e.workspace)!.id}:${e.tenant}`;
    const missingTenants = [...new Map(entries.filter((e) => e.tenant && !this.#tenants.has(tenantKey(e))).map((e) => [tenantKey(e), e])).values()];
    if (missingTenants.length) {
      const pairs = [missingTenants.map((e) => this.#workspaces.get(e.workspace)!.id), missingTenants.map((e) => e.tenant!)];
      await sql.query(
        'insert into tenants (workspace_id, slug, name, created_at) select w, s, s, $3 from unnest($1::int[], $2::text[]) as x(w, s) on conflict (workspace_id, slug) do nothing',
        [...pairs, now],
      );
      const { rows } = await sql.query<Named & { workspace_id: number }>(
        'select t.id, t.workspace_id, t.slug, t.name from tenants t join unnest($1::int[], $2::text[]) as x(w, s) on t.workspace_id = x.w and t.slug = x.s',
        pairs,
      );
      for (const t of rows) this.#tenants.set(`${t.workspace_id}:${t.slug}`, { id: t.id, slug: t.slug, name: t.name });
    }
    return entries.map((e) => ({ workspace: this.#workspaces.get(e.workspace)!, tenant: e.tenant ? this.#tenants.get(tenantKey(e))! : null }));
  }
}
