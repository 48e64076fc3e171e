/**
 * The YAML file named by LOOKOUT_CONFIG: services (and monitoring settings). Every entry goes
 * through the same validator as the API. An invalid file is refused whole, with the path, the entry
 * and the reason; the caller keeps the last good configuration in force.
 */
import { readFile } from 'node:fs/promises';
import { parse, YAMLParseError } from 'yaml';
import { BadInputError } from '../errors.ts';
import { checkDependencies, validateService, type ServiceDefinition, type ServiceInput } from './services.ts';
import { parseCatalog, type OperationPolicy } from '../operations/catalog.ts';

export interface MonitoringSettings {
  /** Weight of degraded time in uptime (0–1). */
  degradedWeight: number;
  /** Days of raw checks kept. */
  rawRetentionDays: number;
  /** Days of rollups kept. */
  rollupRetentionDays: number;
}

export const DEFAULT_SETTINGS: MonitoringSettings = { degradedWeight: 0.5, rawRetentionDays: 14, rollupRetentionDays: 400 };

export interface MonitoringConfig {
  path: string;
  services: ServiceDefinition[];
  settings: MonitoringSettings;
  /** `operations.types`: the operation catalog. */
  operationTypes: OperationPolicy[];
  /** `startup`: files the start-up checklist requires, and checks that are only informative. */
  startup: { requiredFiles: string[]; optional: string[] };
}

/** A config file that cannot be used, with every reason found. */
export class ConfigFileError extends Error {
  readonly path: string;
  readonly problems: string[];
  constructor(path: string, problems: string[]) {
    super(`Invalid config file ${path}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigFileError';
    this.path = path;
    this.problems = problems;
  }
}

const SERVICE_FIELDS = new Set([
  'name', 'displayName', 'kind', 'target', 'options', 'interval', 'timeout', 'degradedLatency',
  'failureThreshold', 'recoveryThreshold', 'critical', 'tags', 'dependsOn', 'paused',
]);
const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Service fields by their (camel- or snake_case) names; any other key is an option of the kind. */
function toServiceInput(entry: Record<string, unknown>): ServiceInput {
  const input: Record<string, unknown> = {};
  const options: Record<string, unknown> = { ...((entry.options as Record<string, unknown>) ?? {}) };
  for (const [key, value] of Object.entries(entry)) {
    const field = camel(key);
    if (field === 'options') continue;
    if (SERVICE_FIELDS.has(field)) input[field] = value;
    else options[key] = value;
  }
  return { ...(input as unknown as ServiceInput), options };
}

function number(value: unknown, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
    throw new BadInputError(field, `${field} must be a number from ${min} to ${max}.`);
  }
  return value;
}

/** Parses and validates the text of a config file. */
export function parseConfig(text: string, path: string): MonitoringConfig {
  let document: unknown;
  try {
    document = parse(text) ?? {};
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` (line ${error.linePos[0].line})` : '';
    throw new ConfigFileError(path, [`not valid YAML${where}: ${(error as Error).message.split('\n')[0]}`]);
  }
  if (typeof document !== 'object' || Array.isArray(document)) throw new ConfigFileError(path, ['the file must be a mapping with a `services:` list']);
  const root = document as Record<string, unknown>;
  const problems: string[] = [];
  const unknownKeys = Object.keys(root).filter((k) => !['services', 'uptime', 'retention', 'operations', 'startup'].includes(k));
  if (unknownKeys.length) problems.push(`unknown top-level keys: ${unknownKeys.join(', ')} (expected services, uptime, retention, operations, startup)`);

  const entries = root.services ?? [];
  if (!Array.isArray(entries)) throw new ConfigFileError(path, ['`services` must be a list']);
  const services: ServiceDefinition[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const label = `services[${index}]${entry && typeof entry === 'object' && 'name' in entry ? ` (${JSON.stringify((entry as { name: unknown }).name)})` : ''}`;
    try {
      if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new BadInputError('entry', 'each service must be a mapping with name, kind and target');
      const rawName = String((entry as { name?: unknown }).name ?? '');
      if (seen.has(rawName)) throw new BadInputError('name', `the name "${rawName}" is used twice`);
      seen.add(rawName);
      services.push(validateService(toServiceInput(entry as Record<string, unknown>), 'config'));
    } catch (error) {
      if (error instanceof BadInputError) problems.push(`${label}: ${error.field}: ${error.message}`);
      else throw error;
    }
  });
  const valid = new Set(services.map((d) => d.name));
  services.forEach((definition) => {
    try {
      checkDependencies(definition, valid);
    } catch (error) {
      if (error instanceof BadInputError) problems.push(`services (${JSON.stringify(definition.name)}): dependsOn: ${error.message}`);
    }
  });

  const settings = { ...DEFAULT_SETTINGS };
  try {
    const uptime = (root.uptime ?? {}) as Record<string, unknown>;
    const retention = (root.retention ?? {}) as Record<string, unknown>;
    settings.degradedWeight = number(uptime.degradedWeight ?? uptime.degraded_weight, 'uptime.degradedWeight', 0, 1, DEFAULT_SETTINGS.degradedWeight);
    settings.rawRetentionDays = number(retention.rawDays ?? retention.raw_days, 'retention.rawDays', 1, 3650, DEFAULT_SETTINGS.rawRetentionDays);
    settings.rollupRetentionDays = number(retention.rollupDays ?? retention.rollup_days, 'retention.rollupDays', 1, 36500, DEFAULT_SETTINGS.rollupRetentionDays);
  } catch (error) {
    if (error instanceof BadInputError) problems.push(error.message);
    else throw error;
  }
  let operationTypes: OperationPolicy[] = [];
  const startup = { requiredFiles: [] as string[], optional: [] as string[] };
  try {
    operationTypes = parseCatalog((root.operations as Record<string, unknown> | undefined)?.types);
    const s = (root.startup ?? {}) as Record<string, unknown>;
    const list = (v: unknown, field: string) => {
      if (v === undefined || v === null) return [];
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new BadInputError(field, `${field} must be a list of strings.`);
      return v as string[];
    };
    startup.requiredFiles = list(s.requiredFiles ?? s.required_files, 'startup.requiredFiles');
    startup.optional = list(s.optional, 'startup.optional');
  } catch (error) {
    if (error instanceof BadInputError) problems.push(`${error.field}: ${error.message}`);
    else throw error;
  }
  if (problems.length) throw new ConfigFileError(path, problems);
  return { path, services, settings, operationTypes, startup };
}

export async function loadConfigFile(path: string): Promise<MonitoringConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigFileError(path, [`cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`]);
  }
  return parseConfig(text, path);
}
