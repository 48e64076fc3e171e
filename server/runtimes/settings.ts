/**
 * Reading a runtime entry's settings the same way for every kind: typed readers that fill defaults
 * and throw BadInputError naming the field, and a final pass that refuses names no reader asked for
 * (a typo such as `restart_polcy` fails loudly instead of being ignored).
 */
import { BadInputError } from '../errors.ts';
import { parseDuration } from '../duration.ts';
import { setOwn } from '../own-keys.ts';

/** The most arguments an argv may have, and the longest one: longer is a mistake. */
export const MAX_ARGS = 100;
export const MAX_ARG_LENGTH = 4096;

/** What a value is, in a few words, without quoting a long one. */
export function describe(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * `token_env`: the name of an environment variable of Lookout's that holds a bearer token, sent as
 * `Authorization: Bearer …` (the secret stays out of the config file). Read when the file is
 * applied: an unset or empty variable, or one that could not be a header value, is refused there.
 */
export function bearerFromEnv(field: string, value: unknown, env: NodeJS.ProcessEnv = process.env): string {
  if (typeof value !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(value)) {
    throw new BadInputError(field, `${field} must name an environment variable (letters, digits and _), e.g. OTTO_TOKEN, got ${describe(value)}.`);
  }
  const token = env[value]?.trim();
  if (!token) throw new BadInputError(field, `${field}: the environment variable ${value} is not set (or empty) in Lookout's environment.`);
  if (token.length > MAX_ARG_LENGTH || /[^\x21-\x7e]/.test(token)) throw new BadInputError(field, `${field}: ${value} must hold a token of at most ${MAX_ARG_LENGTH} printable characters without spaces.`);
  return `Bearer ${token}`;
}

export class RuntimeSettingsReader {
  readonly #known: string[] = [];
  readonly #kind: string;
  readonly #settings: Record<string, unknown>;

  constructor(kind: string, settings: Record<string, unknown>) {
    this.#kind = kind;
    this.#settings = settings;
  }

  #raw(name: string): unknown {
    this.#known.push(name);
    const value = Object.hasOwn(this.#settings, name) ? this.#settings[name] : undefined;
    return value === null ? undefined : value;
  }

  /** Whether the entry sets `name` (without reading it). */
  has(name: string): boolean {
    return Object.hasOwn(this.#settings, name) && this.#settings[name] !== null && this.#settings[name] !== undefined;
  }

  string(name: string, options: { required: true; max?: number }): string;
  string(name: string, options?: { required?: false; max?: number }): string | null;
  string(name: string, options: { required?: boolean; max?: number } = {}): string | null {
    const value = this.#raw(name);
    if (value === undefined) {
      if (options.required) throw new BadInputError(name, `${name} is required for a ${this.#kind} runtime.`);
      return null;
    }
    if (typeof value !== 'string' || value.trim() === '') throw new BadInputError(name, `${name} must be a non-empty string, got ${describe(value)}.`);
    const max = options.max ?? MAX_ARG_LENGTH;
    if (value.length > max) throw new BadInputError(name, `${name} must be at most ${max} characters, got ${value.length}.`);
    return value;
  }

  /** A list of strings (arguments: never joined into a shell line). */
  list(name: string, fallback: string[]): string[] {
    const value = this.#raw(name) ?? fallback;
    if (!Array.isArray(value)) throw new BadInputError(name, `${name} must be a list of strings, got ${describe(value)}.`);
    if (value.length > MAX_ARGS) throw new BadInputError(name, `${name} may have at most ${MAX_ARGS} items, got ${value.length}.`);
    value.forEach((item, i) => {
      // Numbers are written unquoted in YAML (`-n 100`): taken as the text they are.
      if (typeof item !== 'string' && typeof item !== 'number') throw new BadInputError(`${name}[${i}]`, `${name}[${i}] must be a string, got ${describe(item)}.`);
      if (String(item).length > MAX_ARG_LENGTH) throw new BadInputError(`${name}[${i}]`, `${name}[${i}] must be at most ${MAX_ARG_LENGTH} characters.`);
    });
    return value.map(String);
  }

  /** A command as an argv: a program and its arguments, never run through a shell. */
  argv(name: string, required: boolean): string[] | null {
    if (!required && !this.has(name)) {
      this.#raw(name);
      return null;
    }
    const value = this.#raw(name);
    if (value === undefined) throw new BadInputError(name, `${name} is required: a command as a list, e.g. [systemctl, restart, my-service].`);
    if (typeof value === 'string') throw new BadInputError(name, `${name} must be a list (the program, then its arguments; no shell), e.g. [systemctl, restart, my-service], got a string.`);
    this.#known.pop();
    const argv = this.list(name, []);
    if (argv.length === 0 || argv[0].trim() === '') throw new BadInputError(name, `${name} must name a program first, got an empty list.`);
    return argv;
  }

  /** Environment variables: names as a shell would take them, string values. */
  env(name: string): Record<string, string> {
    const value = this.#raw(name) ?? {};
    if (typeof value !== 'object' || Array.isArray(value)) throw new BadInputError(name, `${name} must be a mapping of variable names to values, got ${describe(value)}.`);
    const result: Record<string, string> = {};
    for (const [key, item] of Object.entries(value)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(key)) throw new BadInputError(`${name}.${key.slice(0, 60)}`, `${name}: ${JSON.stringify(key.slice(0, 60))} is not a variable name (letters, digits and _, not starting with a digit).`);
      if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') throw new BadInputError(`${name}.${key}`, `${name}.${key} must be a string, got ${describe(item)}.`);
      if (String(item).length > MAX_ARG_LENGTH) throw new BadInputError(`${name}.${key}`, `${name}.${key} must be at most ${MAX_ARG_LENGTH} characters.`);
      setOwn(result, key, String(item));
    }
    return result;
  }

  /** A duration in milliseconds, within bounds. */
  duration(name: string, fallback: string, bounds: { min: number; max: number }): number {
    const raw = this.#raw(name);
    const ms = parseDuration(raw ?? fallback, name);
    if (ms < bounds.min) throw new BadInputError(name, `${name} must be at least ${bounds.min} ms, got ${ms} ms.`);
    if (ms > bounds.max) throw new BadInputError(name, `${name} must be at most ${bounds.max} ms, got ${ms} ms.`);
    return ms;
  }

  integer(name: string, fallback: number, bounds: { min: number; max: number }): number {
    const value = this.#raw(name) ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw new BadInputError(name, `${name} must be a whole number, got ${describe(value)}.`);
    if (value < bounds.min || value > bounds.max) throw new BadInputError(name, `${name} must be from ${bounds.min} to ${bounds.max}, got ${value}.`);
    return value;
  }

  oneOf<const V extends readonly string[]>(name: string, values: V, fallback: V[number]): V[number] {
    const value = this.#raw(name) ?? fallback;
    if (typeof value !== 'string' || !values.includes(value)) throw new BadInputError(name, `${name} must be one of ${values.join(', ')}, got ${describe(value)}.`);
    return value;
  }

  /** An http(s) URL without credentials, query or fragment: the base the kind adds its paths to. */
  baseUrl(name: string): string {
    const value = this.string(name, { required: true, max: 2048 });
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new BadInputError(name, `${name} must be a URL such as http://127.0.0.1:7070, got ${describe(value)}.`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BadInputError(name, `${name} must be an http or https URL, got ${url.protocol.replace(':', '')}.`);
    if (url.username || url.password) throw new BadInputError(name, `${name} must not carry credentials.`);
    if (url.search || url.hash) throw new BadInputError(name, `${name} must be a base URL without a query or fragment: Lookout adds /external/system/… to it.`);
    return url.toString().replace(/\/$/, '');
  }

  /** An `Authorization` value from `token_env` (see bearerFromEnv); null when not set. */
  bearer(name: string): string | null {
    const value = this.#raw(name);
    return value === undefined ? null : bearerFromEnv(name, value);
  }

  /** Refuses names no reader asked for. */
  finish(): void {
    for (const name of Object.keys(this.#settings)) {
      if (!this.#known.includes(name)) {
        const shown = /^[\w.-]{1,60}$/.test(name) ? name : JSON.stringify(name.slice(0, 60));
        throw new BadInputError(shown, `${shown} is not a setting of a ${this.#kind} runtime; use ${this.#known.join(', ')}.`);
      }
    }
  }
}
