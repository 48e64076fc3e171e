/**
 * What a status page is, and the one check of it used by the config file and the API alike: a slug
 * for its address, a title, a description, and groups of services chosen by name.
 */
import { BadInputError } from '../errors.ts';
import { NAME_PATTERN } from '../monitoring/services.ts';

export interface StatusPageGroup {
  name: string;
  services: string[];
}

export interface StatusPageDefinition {
  slug: string;
  title: string;
  description: string;
  groups: StatusPageGroup[];
}

/** Lowercase letters, digits and dashes: it is a path segment of a public address. */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
export const MAX_GROUPS = 50;
export const MAX_SERVICES_PER_PAGE = 500;
/** Pages a config file may declare: each is written at every load. */
export const MAX_PAGES = 200;

const text = (value: unknown, field: string, max: number, required: boolean): string => {
  if (value === undefined || value === null) {
    if (required) throw new BadInputError(field, `${field} is required.`);
    return '';
  }
  if (typeof value !== 'string') throw new BadInputError(field, `${field} must be text.`);
  const trimmed = value.trim();
  if (required && !trimmed) throw new BadInputError(field, `${field} must not be empty.`);
  if (trimmed.length > max) throw new BadInputError(field, `${field} must be at most ${max} characters.`);
  return trimmed;
};

/** Checks a page as given (from YAML or the API); throws BadInputError naming the field. */
export function validateStatusPage(input: unknown): StatusPageDefinition {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new BadInputError('page', 'a status page must be a mapping with slug, title, description and groups.');
  const { slug, title, description, groups, ...rest } = input as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) throw new BadInputError(unknown[0].slice(0, 60), `unknown key ${JSON.stringify(unknown[0].slice(0, 60))} (expected slug, title, description, groups).`);
  if (typeof slug !== 'string' || !SLUG_PATTERN.test(slug)) throw new BadInputError('slug', 'slug must be 1–64 lowercase letters, digits or dashes (not starting or ending with a dash).');
  const page: StatusPageDefinition = { slug, title: text(title, 'title', 200, true), description: text(description, 'description', 2000, false), groups: [] };
  const list = groups ?? [];
  if (!Array.isArray(list)) throw new BadInputError('groups', 'groups must be a list of { name, services }.');
  if (list.length > MAX_GROUPS) throw new BadInputError('groups', `at most ${MAX_GROUPS} groups, got ${list.length}.`);
  const seen = new Set<string>();
  let total = 0;
  list.forEach((group, index) => {
    const field = `groups[${index}]`;
    if (!group || typeof group !== 'object' || Array.isArray(group)) throw new BadInputError(field, `${field} must be a mapping with name and services.`);
    const { name, services, ...other } = group as Record<string, unknown>;
    if (Object.keys(other).length) throw new BadInputError(field, `${field}: unknown key ${JSON.stringify(Object.keys(other)[0].slice(0, 60))} (expected name, services).`);
    if (!Array.isArray(services)) throw new BadInputError(`${field}.services`, `${field}.services must be a list of service names.`);
    const names: string[] = [];
    for (const service of services) {
      if (typeof service !== 'string' || !NAME_PATTERN.test(service)) throw new BadInputError(`${field}.services`, `${field}.services: ${JSON.stringify(String(service).slice(0, 60))} is not a service name.`);
      if (seen.has(service)) throw new BadInputError(`${field}.services`, `${field}.services: "${service}" is on the page twice.`);
      seen.add(service);
      names.push(service);
    }
    total += names.length;
    if (total > MAX_SERVICES_PER_PAGE) throw new BadInputError('groups', `a page shows at most ${MAX_SERVICES_PER_PAGE} services.`);
    page.groups.push({ name: text(name, `${field}.name`, 200, false) || 'Services', services: names });
  });
  return page;
}

/** Every service a page names, in page order. */
export const servicesOf = (page: Pick<StatusPageDefinition, 'groups'>): string[] => page.groups.flatMap((g) => g.services);
