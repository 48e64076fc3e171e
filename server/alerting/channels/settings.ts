/**
 * Reading a channel's settings the same way for every kind: typed readers that fill defaults and
 * throw BadInputError naming the field, and a final pass that refuses names no reader asked for.
 * Messages describe a wrong value by its type only (never quote it): settings hold secrets, and a
 * URL or password pasted into the wrong field must not come back in an error or a log line.
 */
import { BadInputError } from '../../errors.ts';

/** The longest URL a channel takes: longer is a mistake (or an attack on our logs). */
export const MAX_URL_LENGTH = 2048;

/** What a value is, in words, without quoting it. */
export function typeOf(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'boolean') return 'true/false';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'string') return 'a string';
  return `an ${typeof value === 'object' ? 'object' : typeof value}`;
}

/** A key name from outside, quoted and bounded for a message. */
function quoteName(name: string): string {
  const text = JSON.stringify(name);
  return text.length > 60 ? `${text.slice(0, 57)}..."` : text;
}

interface StringRule {
  /** Longest accepted length in characters. */
  max: number;
  min?: number;
  pattern?: RegExp;
  /** What the value must look like, for the message (`1-128 letters, digits, _ or -`). */
  expected?: string;
}

export class SettingsReader {
  private readonly known: string[] = [];
  private readonly normalised: Record<string, unknown> = {};
  private readonly kind: string;
  private readonly settings: Record<string, unknown>;

  constructor(kind: string, settings: Record<string, unknown>) {
    if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) {
      throw new BadInputError('settings', `settings must be an object of ${kind} settings, got ${typeOf(settings)}.`);
    }
    this.kind = kind;
    this.settings = settings;
  }

  /** The raw value (undefined and null both mean "not given"). */
  private raw(name: string): unknown {
    this.known.push(name);
    const value = Object.hasOwn(this.settings, name) ? this.settings[name] : undefined;
    return value === null ? undefined : value;
  }

  private keep<T>(name: string, value: T): T {
    if (value !== undefined) this.normalised[name] = value;
    return value;
  }

  string(name: string, required: true, rule: StringRule): string;
  string(name: string, required: false, rule: StringRule): string | undefined;
  string(name: string, required: boolean, rule: StringRule): string | undefined {
    const value = this.raw(name);
    if (value === undefined) {
      if (required) throw new BadInputError(name, `${name} is required.`);
      return undefined;
    }
    return this.keep(name, checkString(value, name, rule));
  }

  /** An http(s) URL without credentials; `secret` when it carries a token (only its scheme is ever named). */
  url(name: string, required: true, fallback?: string): string;
  url(name: string, required: false, fallback?: string): string | undefined;
  url(name: string, required: boolean, fallback?: string): string | undefined {
    const value = this.raw(name) ?? fallback;
    if (value === undefined) {
      if (required) throw new BadInputError(name, `${name} is required.`);
      return undefined;
    }
    return this.keep(name, checkUrl(value, name));
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name) ?? fallback;
    if (typeof value !== 'boolean') throw new BadInputError(name, `${name} must be true or false, got ${typeOf(value)}.`);
    return this.keep(name, value);
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name) ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw new BadInputError(name, `${name} must be a whole number, got ${typeOf(value)}.`);
    if (value < min || value > max) throw new BadInputError(name, `${name} must be between ${min} and ${max}, got ${value}.`);
    return this.keep(name, value);
  }

  /** A list of strings, each checked by `item` (which names its own field, e.g. `to[1]`). */
  list(name: string, min: number, max: number, item: (value: unknown, field: string) => string): string[] {
    const value = this.raw(name);
    if (value === undefined && min > 0) throw new BadInputError(name, `${name} is required.`);
    if (!Array.isArray(value)) throw new BadInputError(name, `${name} must be a list, got ${typeOf(value)}.`);
    if (value.length < min || value.length > max) throw new BadInputError(name, `${name} must have ${min} to ${max} entries, got ${value.length}.`);
    return this.keep(name, value.map((entry, index) => item(entry, `${name}[${index}]`)));
  }

  /** Refuses unknown setting names and returns the normalised settings. */
  finish<Settings>(): Settings {
    for (const name of Object.keys(this.settings)) {
      if (!this.known.includes(name)) {
        const known = this.known.length ? `use ${this.known.join(', ')}` : 'this kind takes no settings';
        throw new BadInputError(name, `Unknown setting ${quoteName(name)} for a ${this.kind} channel; ${known}.`);
      }
    }
    return this.normalised as Settings;
  }
}

export function checkString(value: unknown, field: string, rule: StringRule): string {
  if (typeof value !== 'string') throw new BadInputError(field, `${field} must be a string, got ${typeOf(value)}.`);
  const expected = rule.expected ? ` (${rule.expected})` : '';
  if (value.length < (rule.min ?? 1)) throw new BadInputError(field, `${field} must not be empty${expected}.`);
  if (value.length > rule.max) throw new BadInputError(field, `${field} must be at most ${rule.max} characters, got ${value.length}.`);
  // A line break in an SMTP user or a header-bound value is an injection attempt, never a setting.
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new BadInputError(field, `${field} must not contain control characters (line breaks, tabs, NUL…).`);
  if (rule.pattern && !rule.pattern.test(value)) throw new BadInputError(field, `${field} is not valid${expected}.`);
  return value;
}

/** An http(s) URL, at most MAX_URL_LENGTH characters, with no user or password in it. */
export function checkUrl(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new BadInputError(field, `${field} must be an http:// or https:// URL, got ${typeOf(value)}.`);
  if (value.length > MAX_URL_LENGTH) throw new BadInputError(field, `${field} must be at most ${MAX_URL_LENGTH} characters, got ${value.length}.`);
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new BadInputError(field, `${field} must be an http:// or https:// URL; it does not parse as a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    // The scheme alone is safe to name; the rest may carry a token.
    const scheme = /^[a-z][a-z0-9+.-]{0,20}:$/.test(url.protocol) ? `a ${url.protocol} URL` : 'another scheme';
    throw new BadInputError(field, `${field} must be an http:// or https:// URL, got ${scheme}.`);
  }
  if (url.username || url.password) throw new BadInputError(field, `${field} must not carry a user name or password; put credentials in the channel's own settings.`);
  const normalised = url.toString();
  if (normalised.length > MAX_URL_LENGTH) throw new BadInputError(field, `${field} must be at most ${MAX_URL_LENGTH} characters once encoded, got ${normalised.length}.`);
  return normalised;
}
