/**
 * Public status pages: the `status_pages:` section of the config file, and the cached public views
 * the anonymous routes serve. Whatever the number of readers, each page is computed at most once
 * per `ttlMs` on each replica (single flight), and the list of pages (which slugs exist, which
 * services a badge may show) once per `ttlMs` too: an unknown slug or service costs no query.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type pg from 'pg';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Clock } from '../clock.ts';
import type { ConfigFile } from '../config-file.ts';
import { ConflictError } from '../errors.ts';
import { SnapshotCache } from './cache.ts';
import { statusPagesSection, type StatusPagesConfig } from './config-file.ts';
import { renderStatusPage } from './render.ts';
import { computeStatusPage, type ComputedPage, type PublicService } from './snapshot.ts';
import { listStatusPages, type StoredStatusPage } from './store.ts';

/** How long a computed page is served before it is computed again. */
export const DEFAULT_TTL_MS = 10_000;

export interface StatusPagesOptions {
  sql: pg.Pool;
  clock: Clock;
  configFile?: ConfigFile;
  /** Monitoring's weight of degraded time in uptime (read at each computation: the config may change it). */
  degradedWeight: () => number;
  ttlMs?: number;
}

/** A page ready to serve: its public view, the HTML and JSON bodies and their ETags. */
export interface RenderedPage {
  computed: ComputedPage;
  html: PageBody;
  json: PageBody;
}

/** A body as served: plain and gzipped (a page of 100 services is ~10 times smaller so), each with its ETag. */
export interface PageBody {
  text: string;
  etag: string;
  gzipped: Buffer;
  gzippedEtag: string;
}

const gzipAsync = promisify(gzip);

async function pageBody(text: string): Promise<PageBody> {
  const etag = etagOf(text);
  return { text, etag, gzipped: await gzipAsync(text), gzippedEtag: `${etag.slice(0, -1)}-gz"` };
}

/** A strong ETag of a body: the same body, the same tag on every replica. */
export const etagOf = (body: string): string => `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;

export class StatusPages {
  readonly ttlMs: number;
  readonly #o: StatusPagesOptions;
  readonly #list: SnapshotCache<Map<string, StoredStatusPage>>;
  readonly #pages: SnapshotCache<RenderedPage>;

  constructor(options: StatusPagesOptions) {
    this.#o = options;
    this.ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    this.#list = new SnapshotCache({ ttlMs: this.ttlMs, clock: options.clock });
    this.#pages = new SnapshotCache({ ttlMs: this.ttlMs, clock: options.clock });
    options.configFile?.register(statusPagesSection, (config, tx) => this.#apply(config, tx));
  }

  /** Pages computed since start (each reader beyond the first within a TTL adds none). */
  get computations(): number {
    return this.#pages.computations;
  }

  /** A page by slug, from the cache; null when no page has that slug. */
  async page(slug: string): Promise<RenderedPage | null> {
    const stored = (await this.#allPages()).get(slug);
    if (!stored) return null;
    return this.#pages.get(slug, () => this.#render(stored));
  }

  /** A service's public view for its badges, when it is on at least one page (the first by slug); else null. */
  async badgeService(name: string): Promise<PublicService | null> {
    for (const page of (await this.#allPages()).values()) {
      if (!page.groups.some((g) => g.services.includes(name))) continue;
      const rendered = await this.#pages.get(page.slug, () => this.#render(page));
      return rendered.computed.byServiceName.get(name) ?? null;
    }
    return null;
  }

  /** Forgets what was computed, after a page changed (other replicas see the change within one TTL). */
  invalidate(): void {
    this.#list.clear();
    this.#pages.clear();
  }

  #allPages(): Promise<Map<string, StoredStatusPage>> {
    return this.#list.get('all', async () => new Map((await listStatusPages(this.#o.sql)).map((p) => [p.slug, p])));
  }

  async #render(page: StoredStatusPage): Promise<RenderedPage> {
    const computed = await computeStatusPage(this.#o.sql, page, this.#o.clock.now(), this.#o.degradedWeight());
    const [html, json] = await Promise.all([pageBody(renderStatusPage(computed.snapshot, Math.round(this.ttlMs / 1000))), pageBody(JSON.stringify(computed.snapshot))]);
    return { computed, html, json };
  }

  /** The file's pages replace the file's rows in the loader's transaction; a page the API made keeps its slug. */
  async #apply(config: StatusPagesConfig, tx: EntityManager): Promise<() => void> {
    const run = (query: string, params: unknown[] = []) => tx.getConnection().execute(query, params, 'all', tx.getTransactionContext()) as Promise<Record<string, any>[]>;
    const slugs = JSON.stringify(config.pages.map((p) => p.slug));
    const held = await run(`select slug from status_pages where source = 'api' and slug in (select jsonb_array_elements_text(?::jsonb))`, [slugs]);
    if (held.length) throw new ConflictError(`The config file declares the status page "${held[0].slug}", but one created through the API already has that slug; rename one of them.`);
    const now = this.#o.clock.now();
    for (const p of config.pages) {
      await run(
        `insert into status_pages (slug, title, description, groups, source, created_by, created_at, updated_at)
         values (?, ?, ?, ?::jsonb, 'config', 'config file', ?, ?)
         on conflict (slug) do update set title = excluded.title, description = excluded.description, groups = excluded.groups,
           updated_at = case when (status_pages.title, status_pages.description, status_pages.groups) is distinct from (excluded.title, excluded.description, excluded.groups)
                             then excluded.updated_at else status_pages.updated_at end`,
        [p.slug, p.title, p.description, JSON.stringify(p.groups), now, now],
      );
    }
    await run(`delete from status_pages where source = 'config' and slug not in (select jsonb_array_elements_text(?::jsonb))`, [slugs]);
    return () => this.invalidate();
  }
}
