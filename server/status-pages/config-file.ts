/**
 * The `status_pages:` section of the config file (server/config-file.ts): a list of pages, each
 * checked like the API's. Services are named, not looked up: the file is read without I/O, and a
 * service not (yet) defined is simply left off the page.
 */
import { BadInputError } from '../errors.ts';
import type { ConfigSection } from '../config-file.ts';
import { MAX_PAGES, validateStatusPage, type StatusPageDefinition } from './definition.ts';

export interface StatusPagesConfig {
  file: string | null;
  pages: StatusPageDefinition[];
}

const labelOf = (index: number, entry: unknown) =>
  `status_pages[${index}]${entry && typeof entry === 'object' && typeof (entry as { slug?: unknown }).slug === 'string' ? ` (${JSON.stringify((entry as { slug: string }).slug.slice(0, 60))})` : ''}`;

export const statusPagesSection: ConfigSection<StatusPagesConfig> = {
  keys: ['status_pages'],
  parse({ file, values }, problems) {
    const list = values.status_pages ?? [];
    const config: StatusPagesConfig = { file, pages: [] };
    if (!Array.isArray(list)) {
      problems.push('status_pages: must be a list of pages ({ slug, title, description, groups: [{ name, services }] })');
      return config;
    }
    if (list.length > MAX_PAGES) {
      problems.push(`status_pages: at most ${MAX_PAGES} pages, got ${list.length}`);
      return config;
    }
    const seen = new Set<string>();
    list.forEach((entry, index) => {
      try {
        const page = validateStatusPage(entry);
        if (seen.has(page.slug)) throw new BadInputError('slug', `the slug ${JSON.stringify(page.slug)} is used twice`);
        seen.add(page.slug);
        config.pages.push(page);
      } catch (error) {
        if (!(error instanceof BadInputError)) throw error;
        problems.push(`${labelOf(index, entry)}: ${error.message.startsWith(error.field) ? error.message : `${error.field}: ${error.message}`}`);
      }
    });
    return config;
  },
};
