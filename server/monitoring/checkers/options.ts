/**
 * Reading a checker's options the same way for every kind: typed readers that fill defaults and
 * throw BadInputError naming `options.<name>`, and a final pass that refuses names no reader asked
 * for, so a typo (`expectStatus`) fails loudly instead of silently checking nothing.
 */
import { maskCredentials } from '../../secret-text.ts';
import { BadInputError } from '../../errors.ts';
import { formatDuration, parseDuration } from '../../duration.ts';
import type { Status } from '../status.ts';
import { setOwn } from '../../own-keys.ts';

interface NumberRange {
  min?: number;
  max?: number;
  integer?: boolean;
}

/**
 * Reads one definition's options. Call a reader per known option, then `finish()`: it returns the
 * normalised options and rejects every name that was not read.
 */
export class OptionReader {
  private readonly known: string[] = [];
  private readonly normalised: Record<string, unknown> = {};
  private readonly kind: string;
  private readonly options: Record<string, unknown>;

  constructor(kind: string, options: Record<string, unknown>) {
    this.kind = kind;
    this.options = options;
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new BadInputError('options', `options must be an object of ${kind} settings.`);
    }
  }

  /** The raw value of an option (undefined and null both mean "not given"). */
  private raw(name: string): unknown {
    this.known.push(name);
    const value = this.options[name];
    return value === null ? undefined : value;
  }

  private keep<T>(name: string, value: T): T {
    if (value !== undefined) this.normalised[name] = value;
    return value;
  }

  number(name: string, fallback: number, range: NumberRange = {}): number {
    const value = this.raw(name) ?? fallback;
    const field = `options.${name}`;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new BadInputError(field, `${field} must be a number, got ${describe(value)}.`);
    if (range.integer && !Number.isInteger(value)) throw new BadInputError(field, `${field} must be a whole number, got ${value}.`);
    if (range.min !== undefined && value < range.min) throw new BadInputError(field, `${field} must be at least ${range.min}, got ${value}.`);
    if (range.max !== undefined && value > range.max) throw new BadInputError(field, `${field} must be at most ${range.max}, got ${value}.`);
    return this.keep(name, value);
  }

  /** A percentage between 0 and 100. */
  percent(name: string, fallback: number): number {
    return this.number(name, fallback, { min: 0, max: 100 });
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name) ?? fallback;
    if (typeof value !== 'boolean') throw new BadInputError(`options.${name}`, `options.${name} must be true or false, got ${describe(value)}.`);
    return this.keep(name, value);
  }

  string(name: string, fallback: string, rule?: { pattern: RegExp; expected: string }): string;
  string(name: string, fallback?: undefined, rule?: { pattern: RegExp; expected: string }): string | undefined;
  string(name: string, fallback?: string, rule?: { pattern: RegExp; expected: string }): string | undefined {
    const value = this.raw(name) ?? fallback;
    if (value === undefined) return undefined;
    const field = `options.${name}`;
    if (typeof value !== 'string') throw new BadInputError(field, `${field} must be a string, got ${describe(value)}.`);
    if (rule && !rule.pattern.test(value)) throw new BadInputError(field, `${field} must be ${rule.expected}, got ${JSON.stringify(value)}.`);
    return this.keep(name, value);
  }

  /** A duration (`"30s"`, `"5m"`, or milliseconds), kept in its shortest written form. */
  duration(name: string, fallback: string): string {
    const ms = parseDuration(this.raw(name) ?? fallback, `options.${name}`);
    if (ms <= 0) throw new BadInputError(`options.${name}`, `options.${name} must be longer than zero.`);
    return this.keep(name, formatDuration(ms));
  }

  stringList(name: string, fallback: string[]): string[] {
    const value = this.raw(name) ?? fallback;
    const field = `options.${name}`;
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
      throw new BadInputError(field, `${field} must be a list of strings, got ${describe(value)}.`);
    }
    return this.keep(name, [...value]);
  }

  /** An object whose values are all strings (e.g. HTTP headers). */
  stringMap(name: string, check?: (key: string, value: string) => string | null): Record<string, string> {
    const value = this.raw(name) ?? {};
    const field = `options.${name}`;
    if (typeof value !== 'object' || Array.isArray(value)) throw new BadInputError(field, `${field} must be an object of strings, got ${describe(value)}.`);
    const result: Record<string, string> = {};
    for (const [key, item] of Object.entries(value)) {
      if (typeof item !== 'string') throw new BadInputError(field, `${field}.${key} must be a string, got ${describe(item)}.`);
      const problem = check?.(key, item);
      if (problem) throw new BadInputError(field, `${field}.${key}: ${problem}`);
      setOwn(result, key, item);
    }
    if (Object.keys(result).length) this.normalised[name] = result;
    return result;
  }

  /** Any value; the caller validates it and returns what to keep. */
  custom<T>(name: string, read: (value: unknown, field: string) => T): T {
    return this.keep(name, read(this.raw(name), `options.${name}`));
  }

  /** Refuses unknown option names and returns the normalised options. */
  finish<Options>(): Options {
    for (const name of Object.keys(this.options)) {
      if (!this.known.includes(name)) {
        const known = this.known.length ? `use ${this.known.join(', ')}` : 'this kind takes no options';
        throw new BadInputError(`options.${name}`, `Unknown option "${name}" for a ${this.kind} check; ${known}.`);
      }
    }
    return this.normalised as Options;
  }
}

/** Checks that a "degraded at" threshold comes before its "down at" partner. */
export function requireOrdered(degraded: { name: string; value: number }, down: { name: string; value: number }, direction: 'rising' | 'falling'): void {
  const ordered = direction === 'rising' ? degraded.value <= down.value : degraded.value >= down.value;
  if (!ordered) {
    const relation = direction === 'rising' ? 'at most' : 'at least';
    throw new BadInputError(`options.${degraded.name}`, `options.${degraded.name} (${degraded.value}) must be ${relation} options.${down.name} (${down.value}).`);
  }
}

/**
 * The status of a measurement against a rising pair of thresholds (higher is worse). Strictly
 * above, so a threshold of 100% can never be crossed and a pair at 100 switches the metric off.
 */
export function statusAbove(value: number, degradedAbove: number, downAbove: number): Status {
  if (value > downAbove) return 'down';
  if (value > degradedAbove) return 'degraded';
  return 'healthy';
}

/** A short JSON-ish rendering of a value for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'an object';
  // A value quoted back is quoted without the credentials of a URL in it (the message reaches the audit log, the config error viewers read, the log).
  const text = JSON.stringify(typeof value === 'string' ? maskCredentials(value) : value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Rounds to two decimals for details (numbers people read, not compute with). */
export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Throws the AbortSignal's reason when it has fired (between steps of a multi-step check). */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
}
