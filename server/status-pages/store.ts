/**
 * Status pages in the database: read all (the public routes' cached list), and the admins' create,
 * update and delete. Pages the config file declares are its own: the API refuses to change them.
 */
import type { SqlClient } from '../db/sql.ts';
import { BadInputError, ConflictError, NotFoundError } from '../errors.ts';
import { servicesOf, validateStatusPage, type StatusPageDefinition, type StatusPageGroup } from './definition.ts';

export interface StoredStatusPage extends StatusPageDefinition {
  id: number;
  source: 'config' | 'api';
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = 'id, slug, title, description, groups, source, created_by, created_at, updated_at';

const pageFromRow = (r: Record<string, any>): StoredStatusPage => ({
  id: r.id,
  slug: r.slug,
  title: r.title,
  description: r.description,
  groups: r.groups as StatusPageGroup[],
  source: r.source,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Every page, by slug. */
export async function listStatusPages(sql: SqlClient): Promise<StoredStatusPage[]> {
  const { rows } = await sql.query(`select ${COLUMNS} from status_pages order by slug`);
  return rows.map(pageFromRow);
}

async function pageForChange(sql: SqlClient, slug: string): Promise<StoredStatusPage> {
  const { rows } = await sql.query(`select ${COLUMNS} from status_pages where slug = $1 for update`, [slug]);
  if (!rows[0]) throw new NotFoundError('Status page', slug);
  const page = pageFromRow(rows[0]);
  if (page.source === 'config') throw new ConflictError(`The status page "${slug}" is declared in the config file; change it there (the API cannot change what the file declares).`);
  return page;
}

/** A page may name only services that exist when it is made through the API (the file's pages are read without I/O). */
async function checkServices(sql: SqlClient, page: StatusPageDefinition): Promise<void> {
  const names = servicesOf(page);
  if (!names.length) return;
  const { rows } = await sql.query<{ name: string }>('select name from services where name = any($1::text[])', [names]);
  const known = new Set(rows.map((r) => r.name));
  const missing = names.filter((n) => !known.has(n));
  if (missing.length) throw new BadInputError('groups', `Unknown services: ${missing.slice(0, 10).join(', ')}.`);
}

export async function createStatusPage(sql: SqlClient, input: unknown, createdBy: string, now: Date): Promise<StoredStatusPage> {
  const page = validateStatusPage(input);
  await checkServices(sql, page);
  const { rows } = await sql.query(
    `insert into status_pages (slug, title, description, groups, source, created_by, created_at, updated_at)
     values ($1, $2, $3, $4::jsonb, 'api', $5, $6, $6) on conflict (slug) do nothing returning ${COLUMNS}`,
    [page.slug, page.title, page.description, JSON.stringify(page.groups), createdBy.slice(0, 200), now],
  );
  if (!rows[0]) throw new ConflictError(`A status page with the slug "${page.slug}" exists already.`, { field: 'slug' });
  return pageFromRow(rows[0]);
}

/** Replaces a page's title, description and groups (its slug stays); `changed` is false when nothing differed. */
export async function updateStatusPage(sql: SqlClient, slug: string, input: unknown, now: Date): Promise<{ page: StoredStatusPage; changed: boolean }> {
  const current = await pageForChange(sql, slug);
  const page = validateStatusPage({ ...(input as object), slug });
  await checkServices(sql, page);
  const { rows } = await sql.query(
    `update status_pages set title = $2, description = $3, groups = $4::jsonb, updated_at = $5
      where slug = $1 and (title, description, groups) is distinct from ($2, $3, $4::jsonb) returning ${COLUMNS}`,
    [slug, page.title, page.description, JSON.stringify(page.groups), now],
  );
  return rows[0] ? { page: pageFromRow(rows[0]), changed: true } : { page: current, changed: false };
}

export async function deleteStatusPage(sql: SqlClient, slug: string): Promise<StoredStatusPage> {
  const page = await pageForChange(sql, slug);
  await sql.query('delete from status_pages where id = $1', [page.id]);
  return page;
}
