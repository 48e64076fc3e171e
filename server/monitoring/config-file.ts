/**
 * Monitoring's section of the config file (server/config-file.ts): `services`, `uptime` and
 * `retention`. Every service entry goes through the same validator as the API; each problem names
 * the entry and the reason.
 */
import { BadInputError } from '../errors.ts';
import { quote, type ConfigSection } from '../config-file.ts';
import { checkDependencies, validateService, type ServiceDefinition, type ServiceInput } from './services.ts';
import { BUILTIN_NAMES } from './builtins.ts';
import { hasOwnKey, setOwn } from '../own-keys.ts';

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
  /** The file declaring the services; null without one (Lookout then monitors itself: builtins.ts). */
  file: string | null;
  services: ServiceDefinition[];
  /** Keep the built-in self-monitoring beside the file's services (`builtin_services`, default true). */
  builtins: boolean;
  settings: MonitoringSettings;
}

const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** The type each service field has in the API (GraphQL checks it there; here it is checked by hand). */
const SERVICE_FIELDS: Record<string, 'string' | 'duration' | 'integer' | 'boolean' | 'names' | 'mapping'> = {
  name: 'string', displayName: 'string', kind: 'string', target: 'string', options: 'mapping',
  interval: 'duration', timeout: 'duration', degradedLatency: 'duration',
  failureThreshold: 'integer', recoveryThreshold: 'integer', critical: 'boolean', paused: 'boolean', tags: 'names', dependsOn: 'names',
};

function checkType(field: string, value: unknown): void {
  if (value === null || value === undefined) return;
  const type = SERVICE_FIELDS[field];
  const ok =
    type === 'string' ? typeof value === 'string' || typeof value === 'number'
    : type === 'duration' ? typeof value === 'string' || typeof value === 'number'
    : type === 'integer' ? typeof value === 'number'
    : type === 'boolean' ? typeof value === 'boolean'
    : type === 'names' ? Array.isArray(value) && value.every((v) => typeof v === 'string')
    : typeof value === 'object' && !Array.isArray(value);
  const expected = { string: 'a string', duration: 'a duration such as "30s"', integer: 'a whole number', boolean: 'true or false', names: 'a list of names', mapping: 'a mapping' }[type];
  if (!ok) throw new BadInputError(field, `${field} must be ${expected}, got ${quote(value)}.`);
}

/** Service fields by their (camel- or snake_case) names; any other key is an option of the kind. */
function toServiceInput(entry: Record<string, unknown>): ServiceInput {
  const input: Record<string, unknown> = {};
  checkType('options', entry.options);
  const options: Record<string, unknown> = { ...((entry.options as Record<string, unknown>) ?? {}) };
  for (const [key, value] of Object.entries(entry)) {
    const field = camel(key);
    if (field === 'options') continue;
    if (hasOwnKey(SERVICE_FIELDS, field)) {
      checkType(field, value);
      input[field] = typeof value === 'number' && SERVICE_FIELDS[field] === 'string' ? String(value) : value;
    } else setOwn(options, key, value);
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

/** A settings mapping (`uptime:`, `retention:`) with only the keys it knows, by camel- or snake_case name. */
function settingsOf(value: unknown, section: string, known: string[], problems: string[]): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${section}: must be a mapping (${known.join(', ')})`);
    return {};
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (known.includes(camel(key))) out[camel(key)] = v;
    else problems.push(`${section}: unknown key ${quote(key)} (expected ${known.join(', ')})`);
  }
  return out;
}

function parseServices(entries: unknown, problems: string[], builtins: boolean): ServiceDefinition[] {
  if (entries === undefined || entries === null) return [];
  if (!Array.isArray(entries)) {
    problems.push('services: must be a list of services');
    return [];
  }
  const services: ServiceDefinition[] = [];
  const seen = new Set<string>();
  const problemsBefore = problems.length;
  entries.forEach((entry, index) => {
    const named = entry && typeof entry === 'object' && 'name' in entry;
    const label = `services[${index}]${named ? ` (${quote((entry as { name: unknown }).name)})` : ''}`;
    try {
      if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new BadInputError('entry', 'each service must be a mapping with name, kind and target');
      const rawName = String((entry as { name?: unknown }).name ?? '');
      if (seen.has(rawName)) throw new BadInputError('name', `the name ${quote(rawName)} is used twice`);
      seen.add(rawName);
      services.push(validateService(toServiceInput(entry as Record<string, unknown>), 'config'));
    } catch (error) {
      if (!(error instanceof BadInputError)) throw error;
      problems.push(`${label}: ${error.field}: ${error.message}`);
    }
  });
  // Dependencies only among entries that are valid themselves, once each entry's own problems are told.
  // A file's service may depend on a built-in one it keeps.
  const valid = new Set([...services.map((d) => d.name), ...(builtins ? BUILTIN_NAMES : [])]);
  for (const definition of services) {
    try {
      checkDependencies(definition, valid);
    } catch (error) {
      if (error instanceof BadInputError) problems.push(`services (${quote(definition.name)}): dependsOn: ${error.message}`);
    }
  }
  return problems.length > problemsBefore ? [] : services;
}

export const monitoringSection: ConfigSection<MonitoringConfig> = {
  keys: ['services', 'builtin_services', 'uptime', 'retention'],
  parse({ file, values }, problems) {
    const builtins = values.builtin_services ?? true;
    if (typeof builtins !== 'boolean') problems.push(`builtin_services: must be true or false (keep Lookout's own self-monitoring beside the file's services), got ${quote(builtins)}`);
    const services = parseServices(values.services, problems, builtins !== false);
    const uptime = settingsOf(values.uptime, 'uptime', ['degradedWeight'], problems);
    const retention = settingsOf(values.retention, 'retention', ['rawDays', 'rollupDays'], problems);
    const settings = { ...DEFAULT_SETTINGS };
    const setting = (read: () => number) => {
      try {
        return read();
      } catch (error) {
        if (!(error instanceof BadInputError)) throw error;
        problems.push(error.message);
        return NaN;
      }
    };
    settings.degradedWeight = setting(() => number(uptime.degradedWeight, 'uptime.degradedWeight', 0, 1, DEFAULT_SETTINGS.degradedWeight));
    settings.rawRetentionDays = setting(() => number(retention.rawDays, 'retention.rawDays', 1, 3650, DEFAULT_SETTINGS.rawRetentionDays));
    settings.rollupRetentionDays = setting(() => number(retention.rollupDays, 'retention.rollupDays', 1, 36500, DEFAULT_SETTINGS.rollupRetentionDays));
    return { file, services, builtins: builtins !== false, settings };
  },
};
