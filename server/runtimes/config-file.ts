/**
 * The runtimes' section of the config file (server/config-file.ts): `runtimes`, a list of
 * `{ name, kind, …settings }`. Only the file declares runtimes (never the API): a runtime runs
 * commands on the host. Each problem names the entry and the field.
 */
import { BadInputError } from '../errors.ts';
import type { ConfigSection } from '../config-file.ts';
import { getRuntimeKind } from './registry.ts';

export interface RuntimeDefinition {
  name: string;
  kind: string;
  /** The kind's normalised settings. */
  settings: Record<string, unknown>;
}

export interface RuntimesConfig {
  file: string | null;
  runtimes: RuntimeDefinition[];
}

/** Runtimes a file may declare: more is a mistake. */
export const MAX_RUNTIMES = 100;
const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

const labelOf = (index: number, entry: unknown) =>
  `runtimes[${index}]${entry && typeof entry === 'object' && typeof (entry as { name?: unknown }).name === 'string' ? ` (${JSON.stringify((entry as { name: string }).name.slice(0, 60))})` : ''}`;

/** Checks one entry; throws BadInputError naming the field. */
export function parseRuntimeEntry(entry: unknown): RuntimeDefinition {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new BadInputError('entry', 'each runtime must be a mapping with name, kind and its settings');
  const { name, kind, ...settings } = entry as Record<string, unknown>;
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new BadInputError('name', `name must be 1-63 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit, got ${typeof name === 'string' ? JSON.stringify(name.slice(0, 60)) : 'nothing'}.`);
  }
  const runtimeKind = getRuntimeKind(kind);
  return { name, kind: runtimeKind.kind, settings: runtimeKind.validate(settings) as Record<string, unknown> };
}

export const runtimesSection: ConfigSection<RuntimesConfig> = {
  keys: ['runtimes'],
  parse({ file, values }, problems) {
    const list = values.runtimes ?? [];
    const config: RuntimesConfig = { file, runtimes: [] };
    if (!Array.isArray(list)) {
      problems.push('runtimes: must be a list of runtimes ({ name, kind, … })');
      return config;
    }
    if (list.length > MAX_RUNTIMES) {
      problems.push(`runtimes: at most ${MAX_RUNTIMES} runtimes, got ${list.length}`);
      return config;
    }
    const seen = new Set<string>();
    list.forEach((entry, index) => {
      const label = labelOf(index, entry);
      try {
        const definition = parseRuntimeEntry(entry);
        if (seen.has(definition.name)) throw new BadInputError('name', `the name ${JSON.stringify(definition.name)} is used twice`);
        seen.add(definition.name);
        config.runtimes.push(definition);
      } catch (error) {
        if (!(error instanceof BadInputError)) throw error;
        problems.push(`${label}: ${error.message.startsWith(error.field) ? error.message : `${error.field}: ${error.message}`}`);
      }
    });
    return config;
  },
};
