/**
 * Quick actions' part of the config file (server/config-file.ts): each service entry may name a
 * `restart:` action and a `logs:` source. YAML only, never the API: both run things on the host.
 * Checked here without I/O; each problem names the entry and the field
 * (`services[2] ("api"): restart.command: …`).
 */
import path from 'node:path';
import { BadInputError } from '../errors.ts';
import { quote, type ConfigSection } from '../config-file.ts';
import { parseDuration } from '../duration.ts';
import { bearerFromEnv, describe, MAX_ARG_LENGTH, MAX_ARGS } from '../runtimes/settings.ts';

/** How a service is restarted. */
export type RestartAction =
  | { kind: 'runtime'; runtime: string }
  | { kind: 'command'; argv: string[]; timeoutMs: number }
  | { kind: 'http'; url: string; method: string; timeoutMs: number; authorization: string | null };

/** Where a service's log is read from. */
export type LogSource = { kind: 'file'; path: string } | { kind: 'command'; argv: string[]; timeoutMs: number } | { kind: 'runtime'; runtime: string };

export interface ServiceActionsDefinition {
  service: string;
  restart: RestartAction | null;
  logs: LogSource | null;
}

export interface ActionsConfig {
  file: string | null;
  services: ServiceActionsDefinition[];
}

export const HTTP_METHODS = ['POST', 'PUT', 'PATCH', 'GET', 'DELETE'] as const;
const DEFAULT_RESTART_TIMEOUT = '60s';
const DEFAULT_LOGS_TIMEOUT = '10s';
const TIMEOUT_BOUNDS = { min: 100, max: 3_600_000 };

const isMapping = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Exactly one of `kinds` set in `value`, plus only `extra` keys beside it. */
function oneKind<K extends string>(field: string, value: unknown, kinds: readonly K[], extra: readonly string[], example: string): [K, Record<string, unknown>] {
  if (!isMapping(value)) throw new BadInputError(field, `${field} must be a mapping with one of ${kinds.join(', ')}, e.g. ${example}; got ${describe(value)}.`);
  const set = kinds.filter((k) => value[k] !== undefined && value[k] !== null);
  if (set.length !== 1) throw new BadInputError(field, `${field} must set exactly one of ${kinds.join(', ')}${set.length ? `, got ${set.join(' and ')}` : ''}.`);
  for (const key of Object.keys(value)) {
    if (!(kinds as readonly string[]).includes(key) && !extra.includes(key)) throw new BadInputError(`${field}.${key.slice(0, 60)}`, `${field}: unknown key ${quote(key)} (expected ${[...kinds, ...extra].join(', ')}).`);
  }
  return [set[0], value];
}

function argv(field: string, value: unknown): string[] {
  if (typeof value === 'string') throw new BadInputError(field, `${field} must be a list (the program, then its arguments; no shell), got a string.`);
  if (!Array.isArray(value)) throw new BadInputError(field, `${field} must be a list of strings, got ${describe(value)}.`);
  if (value.length === 0) throw new BadInputError(field, `${field} must name a program first, got an empty list.`);
  if (value.length > MAX_ARGS) throw new BadInputError(field, `${field} may have at most ${MAX_ARGS} items, got ${value.length}.`);
  return value.map((item, i) => {
    // Numbers are written unquoted in YAML (`-n 200`): taken as the text they are.
    if (typeof item !== 'string' && typeof item !== 'number') throw new BadInputError(`${field}[${i}]`, `${field}[${i}] must be a string, got ${describe(item)}.`);
    const text = String(item);
    if (text.length > MAX_ARG_LENGTH) throw new BadInputError(`${field}[${i}]`, `${field}[${i}] must be at most ${MAX_ARG_LENGTH} characters.`);
    if (i === 0 && text.trim() === '') throw new BadInputError(`${field}[0]`, `${field}[0] must name a program.`);
    return text;
  });
}

function runtimeName(field: string, value: unknown): string {
  if (typeof value !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,62}$/.test(value)) throw new BadInputError(field, `${field} must name a runtime of \`runtimes:\`, got ${describe(value)}.`);
  return value;
}

function timeout(field: string, value: unknown, fallback: string): number {
  const ms = parseDuration(value ?? fallback, field);
  if (ms < TIMEOUT_BOUNDS.min || ms > TIMEOUT_BOUNDS.max) throw new BadInputError(field, `${field} must be from 100 ms to 1 h, got ${ms} ms.`);
  return ms;
}

/** `restart:` of a service entry; throws BadInputError naming the field. */
export function parseRestartAction(value: unknown): RestartAction {
  const [kind, entry] = oneKind('restart', value, ['runtime', 'command', 'http'], ['timeout'], '{ runtime: worker }, { command: [systemctl, restart, api] } or { http: { url, method: POST } }');
  if (kind === 'runtime') {
    if (entry.timeout !== undefined) throw new BadInputError('restart.timeout', 'restart.timeout does not apply to a runtime: its own settings bound its restart.');
    return { kind, runtime: runtimeName('restart.runtime', entry.runtime) };
  }
  const timeoutMs = timeout('restart.timeout', entry.timeout, DEFAULT_RESTART_TIMEOUT);
  if (kind === 'command') return { kind, argv: argv('restart.command', entry.command), timeoutMs };
  const http = entry.http;
  if (!isMapping(http)) throw new BadInputError('restart.http', `restart.http must be a mapping { url, method, token_env }, got ${describe(http)}.`);
  for (const key of Object.keys(http)) if (!['url', 'method', 'token_env'].includes(key)) throw new BadInputError(`restart.http.${key.slice(0, 60)}`, `restart.http: unknown key ${quote(key)} (expected url, method, token_env).`);
  let url: URL;
  try {
    url = new URL(String(http.url ?? ''));
  } catch {
    throw new BadInputError('restart.http.url', `restart.http.url must be a URL such as http://127.0.0.1:8080/restart, got ${describe(http.url)}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BadInputError('restart.http.url', `restart.http.url must be an http or https URL, got ${url.protocol.replace(':', '')}.`);
  if (url.username || url.password) throw new BadInputError('restart.http.url', 'restart.http.url must not carry credentials.');
  const method = http.method ?? 'POST';
  if (typeof method !== 'string' || !(HTTP_METHODS as readonly string[]).includes(method.toUpperCase())) throw new BadInputError('restart.http.method', `restart.http.method must be one of ${HTTP_METHODS.join(', ')}, got ${describe(method)}.`);
  const authorization = http.token_env === undefined || http.token_env === null ? null : bearerFromEnv('restart.http.token_env', http.token_env);
  return { kind, url: url.toString(), method: method.toUpperCase(), timeoutMs, authorization };
}

/** `logs:` of a service entry; throws BadInputError naming the field. */
export function parseLogSource(value: unknown): LogSource {
  const [kind, entry] = oneKind('logs', value, ['file', 'command', 'runtime'], ['timeout'], '{ file: /var/log/api.log }, { command: [journalctl, -u, api, -n, "200", --no-pager] } or { runtime: worker }');
  if (kind !== 'command' && entry.timeout !== undefined) throw new BadInputError('logs.timeout', `logs.timeout applies to a command only.`);
  if (kind === 'runtime') return { kind, runtime: runtimeName('logs.runtime', entry.runtime) };
  if (kind === 'command') return { kind, argv: argv('logs.command', entry.command), timeoutMs: timeout('logs.timeout', entry.timeout, DEFAULT_LOGS_TIMEOUT) };
  const file = entry.file;
  if (typeof file !== 'string' || file.length > MAX_ARG_LENGTH || !path.isAbsolute(file) || file.includes('\0')) {
    throw new BadInputError('logs.file', `logs.file must be an absolute path such as /var/log/api.log, got ${describe(file)}.`);
  }
  return { kind, path: path.normalize(file) };
}

export const actionsSection: ConfigSection<ActionsConfig> = {
  keys: [],
  // `runtimes: []` takes no key from the runtimes' entries: it hands over their names, so that a
  // runtime named here is checked against the same file without I/O.
  entryKeys: { services: ['restart', 'logs'], runtimes: [] },
  parse({ file, entries }, problems) {
    const config: ActionsConfig = { file, services: [] };
    const declared = new Set((entries.runtimes ?? []).map((r) => r.name).filter((name) => typeof name === 'string'));
    for (const { index, name, values } of entries.services ?? []) {
      if (values.restart === undefined && values.logs === undefined) continue;
      const label = `services[${index}]${typeof name === 'string' ? ` (${quote(name)})` : ''}`;
      const definition: ServiceActionsDefinition = { service: typeof name === 'string' ? name : '', restart: null, logs: null };
      let valid = true;
      for (const [key, parse] of [['restart', parseRestartAction], ['logs', parseLogSource]] as const) {
        if (values[key] === undefined || values[key] === null) continue;
        try {
          if (typeof name !== 'string') throw new BadInputError(key, 'the service needs a name');
          const value = parse(values[key]);
          if (value.kind === 'runtime' && !declared.has(value.runtime)) throw new BadInputError(`${key}.runtime`, `${key}.runtime: no runtime ${quote(value.runtime)} in runtimes:${declared.size ? ` (declared: ${[...declared].slice(0, 10).join(', ')})` : ' (it declares none)'}.`);
          (definition as unknown as Record<string, unknown>)[key] = value;
        } catch (error) {
          if (!(error instanceof BadInputError)) throw error;
          valid = false;
          problems.push(`${label}: ${error.message.startsWith(error.field) ? error.message : `${error.field}: ${error.message}`}`);
        }
      }
      if (valid) config.services.push(definition);
    }
    return config;
  },
};

/** The runtimes a definition names, with the field that names each (for the check against `runtimes:`). */
export function namedRuntimes(definition: ServiceActionsDefinition): { field: string; runtime: string }[] {
  const named: { field: string; runtime: string }[] = [];
  if (definition.restart?.kind === 'runtime') named.push({ field: 'restart.runtime', runtime: definition.restart.runtime });
  if (definition.logs?.kind === 'runtime') named.push({ field: 'logs.runtime', runtime: definition.logs.runtime });
  return named;
}
