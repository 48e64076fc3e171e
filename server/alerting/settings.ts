/**
 * What alerting is configured with, checked once for both of its sources (the config file and the
 * API): channel definitions, alert settings (the default and one per service) and maintenance
 * windows. Every refusal is a BadInputError naming the field; secrets are never quoted.
 */
import rrule from 'rrule';
import type { RRule as RRuleType } from 'rrule';
import { BadInputError } from '../errors.ts';
import { parseDuration } from '../duration.ts';
import { NAME_PATTERN } from '../monitoring/services.ts';
import { getChannelKind } from './channels/registry.ts';

/** Alert settings in force for a service: its own, each field it leaves unset taken from the default. */
export interface AlertSettings {
  enabled: boolean;
  /** Channels (by name) the external notices go to; the dashboard is always told. */
  channels: string[];
  escalationDelayMs: number;
  minDurationMs: number;
  /** 0: no reminders. */
  remindEveryMs: number;
  notifyRecovery: boolean;
}

/** What one row of settings sets (a service's row leaves unset what it takes from the default). */
export type AlertSettingsInput = Partial<AlertSettings>;

export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  enabled: true,
  channels: [],
  escalationDelayMs: 300_000,
  minDurationMs: 0,
  remindEveryMs: 0,
  notifyRecovery: true,
};

/** Durations above this are mistakes (a reminder every year pages nobody). */
const MAX_ALERT_DURATION_MS = 7 * 86400_000;
/** A reminder more often than this would be a flood. */
const MIN_REMIND_MS = 60_000;

export const resolveSettings = (own: AlertSettingsInput | undefined, defaults: AlertSettingsInput | undefined): AlertSettings => ({
  ...DEFAULT_ALERT_SETTINGS,
  ...stripUndefined(defaults ?? {}),
  ...stripUndefined(own ?? {}),
});

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}

/**
 * A snake_case key as camelCase (`routing_key` → `routingKey`); any other key as given, so that a
 * refusal names the key that was written (`__proto__` had become `_Proto__`).
 */
const camel = (key: string) => (/^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$/.test(key) ? key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()) : key);

function durationField(value: unknown, field: string, { allowOff = false, min = 0 } = {}): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (allowOff && (value === 'off' || value === false || value === 0 || value === '0')) return 0;
  const ms = parseDuration(value, field);
  if (ms > MAX_ALERT_DURATION_MS) throw new BadInputError(field, `${field} must be at most 7d.`);
  if (ms < min) throw new BadInputError(field, `${field} must be at least ${min / 1000}s${allowOff ? ', or off' : ''}.`);
  return ms;
}

/** A list of channel names; each must be defined (among `known`, when given). */
export function channelNames(value: unknown, field: string, known?: ReadonlySet<string>): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new BadInputError(field, `${field} must be a list of channel names.`);
  if (value.length > 20) throw new BadInputError(field, `${field} may name at most 20 channels.`);
  const names = [...new Set((value as string[]).map((v) => v.trim()))];
  const bad = names.find((n) => !NAME_PATTERN.test(n));
  if (bad !== undefined) throw new BadInputError(field, `${field}: ${JSON.stringify(bad.slice(0, 100))} is not a channel name.`);
  if (known) {
    const missing = names.filter((n) => n !== 'dashboard' && !known.has(n));
    if (missing.length) throw new BadInputError(field, `${field} names channels that are not defined: ${missing.join(', ')} (defined: ${[...known].join(', ') || 'none'}).`);
  }
  return names.filter((n) => n !== 'dashboard');
}

const SETTINGS_KEYS = ['enabled', 'channels', 'escalationDelay', 'minDuration', 'remindEvery', 'notifyRecovery'] as const;

/**
 * Alert settings as written in YAML (`escalation_delay: 5m`) or given to the API (camelCase, with
 * durations as strings or milliseconds): the fields set, checked; unknown keys refused.
 */
export function parseAlertSettings(value: unknown, prefix: string, known?: ReadonlySet<string>): AlertSettingsInput {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new BadInputError(prefix, `${prefix} must be a mapping (${SETTINGS_KEYS.join(', ')}).`);
  const input: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const name = camel(key);
    if (!(SETTINGS_KEYS as readonly string[]).includes(name)) throw new BadInputError(`${prefix}.${key.slice(0, 60)}`, `${prefix}: unknown key ${JSON.stringify(key.slice(0, 60))} (expected ${SETTINGS_KEYS.join(', ')}).`);
    input[name] = v;
  }
  const bool = (v: unknown, field: string) => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw new BadInputError(field, `${field} must be true or false.`);
    return v;
  };
  return stripUndefined({
    enabled: bool(input.enabled, `${prefix}.enabled`),
    channels: input.channels === undefined || input.channels === null ? undefined : channelNames(input.channels, `${prefix}.channels`, known),
    escalationDelayMs: durationField(input.escalationDelay, `${prefix}.escalationDelay`),
    minDurationMs: durationField(input.minDuration, `${prefix}.minDuration`),
    remindEveryMs: durationField(input.remindEvery, `${prefix}.remindEvery`, { allowOff: true, min: MIN_REMIND_MS }),
    notifyRecovery: bool(input.notifyRecovery, `${prefix}.notifyRecovery`),
  });
}

export interface ChannelDefinition {
  name: string;
  kind: string;
  settings: Record<string, unknown>;
}

/** A channel definition: its name, its kind, and the kind's settings checked by the kind (`url`, `secret`…). */
export function validateChannel(input: { name?: unknown; kind?: unknown; settings?: unknown }, prefix = ''): ChannelDefinition {
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (!NAME_PATTERN.test(name)) throw new BadInputError(`${prefix}name`, `A channel name must be 1–100 characters of a–z, 0–9, ".", "_" or "-", starting with a letter or digit.`);
  if (name === 'dashboard') throw new BadInputError(`${prefix}name`, 'The name "dashboard" is the built-in channel (the Alerts page); name the channel otherwise.');
  let kind;
  try {
    kind = getChannelKind(String(input.kind ?? ''));
  } catch (error) {
    if (error instanceof BadInputError) throw new BadInputError(`${prefix}kind`, error.message);
    throw error;
  }
  if (kind.kind === 'dashboard') throw new BadInputError(`${prefix}kind`, 'The dashboard channel is built in and always on; it is not defined.');
  const raw = input.settings ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BadInputError(`${prefix}settings`, 'settings must be a mapping of the kind\'s settings.');
  const settings = Object.fromEntries(Object.entries(raw).map(([k, v]) => [camel(k), v]));
  try {
    return { name, kind: kind.kind, settings: kind.validate(settings) as Record<string, unknown> };
  } catch (error) {
    if (error instanceof BadInputError) throw new BadInputError(`${prefix}${error.field}`, error.message);
    throw error;
  }
}

/** A channel's settings as the API shows them: every secret field replaced by whether it is set. */
export function maskedSettings(kind: string, settings: Record<string, unknown>): { settings: Record<string, unknown>; secrets: string[] } {
  const secretFields = new Set(getChannelKind(kind).secretFields);
  return {
    settings: Object.fromEntries(Object.entries(settings).filter(([k]) => !secretFields.has(k))),
    secrets: Object.keys(settings).filter((k) => secretFields.has(k) && settings[k] !== undefined && settings[k] !== null && settings[k] !== ''),
  };
}

export interface MaintenanceDefinition {
  name: string;
  services: string[];
  tags: string[];
  everything: boolean;
  startsAt: Date;
  /** One-off: when it ends. Null for a recurring window (each occurrence lasts `durationMs`). */
  endsAt: Date | null;
  rrule: string | null;
  durationMs: number | null;
  reason: string | null;
  endWhenHealthy: boolean;
}

const MAINTENANCE_KEYS = ['name', 'services', 'tags', 'all', 'rrule', 'duration', 'start', 'end', 'reason', 'endWhenHealthy'] as const;

/** The instants a window may name: the years 0001–9999, as the API's DateTime takes them. */
const EARLIEST = Date.parse('0001-01-01T00:00:00Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * An instant from the file or the CLI. Bounded like the API's: JavaScript reads years to ±275,760
 * and PostgreSQL stores from 4713 BC, so a file's year -10000 passed here and failed the load in
 * the database, naming nothing.
 */
function instant(value: unknown, field: string): Date {
  const date = value instanceof Date ? value : typeof value === 'string' && value.length <= 40 ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) throw new BadInputError(field, `${field} must be an ISO instant such as "2026-12-24T03:00:00Z".`);
  if (date.getTime() < EARLIEST || date.getTime() > LATEST) throw new BadInputError(field, `${field} must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z.`);
  return date;
}

// rrule is CommonJS: Node gives its exports as the default one.
const { RRule } = rrule;

type RuleOptions = ReturnType<typeof RRule.parseString>;

/** Each frequency's period in milliseconds (the fixed ones); months and years are counted in months. */
const FIXED_PERIOD_MS: Record<number, number> = { [RRule.HOURLY]: 3600_000, [RRule.DAILY]: 86400_000, [RRule.WEEKLY]: 7 * 86400_000 };
const YEAR_MS = 366 * 86400_000;
const periodMs = (options: RuleOptions) => (FIXED_PERIOD_MS[options.freq!] ?? (options.freq === RRule.MONTHLY ? 31 * 86400_000 : YEAR_MS)) * (options.interval ?? 1);

/**
 * The rule's options with what rrule derives from DTSTART written out (the day of a monthly rule,
 * the weekday of a weekly one, the hour of a daily one), so the rule can be started again at
 * another instant of its lattice and give the same occurrences.
 */
function materialize(options: RuleOptions, start: Date): RuleOptions {
  const o: RuleOptions = { byminute: 0, bysecond: 0, ...options };
  const given = (v: unknown) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
  if (!given(o.byweekno) && !given(o.byyearday) && !given(o.bymonthday) && !given(o.byweekday)) {
    if (o.freq === RRule.YEARLY) {
      if (!given(o.bymonth)) o.bymonth = start.getUTCMonth() + 1;
      o.bymonthday = start.getUTCDate();
    } else if (o.freq === RRule.MONTHLY) o.bymonthday = start.getUTCDate();
    else if (o.freq === RRule.WEEKLY) o.byweekday = [(start.getUTCDay() + 6) % 7];
  }
  if (!given(o.byhour) && o.freq! < RRule.HOURLY) o.byhour = start.getUTCHours();
  return o;
}

/**
 * The latest instant on or before `target` from which the rule, started there, gives exactly the
 * occurrences it gives from `start` (whole intervals of its frequency later; months and years
 * from the first of a month). rrule expands every occurrence from DTSTART on: an hourly rule that
 * began years ago would otherwise cost seconds of the event loop at each look.
 */
function anchorBefore(options: RuleOptions, start: Date, target: Date): Date {
  if (target <= start) return start;
  const interval = options.interval ?? 1;
  const fixed = FIXED_PERIOD_MS[options.freq!];
  if (fixed) {
    const step = fixed * interval;
    return new Date(start.getTime() + Math.floor((target.getTime() - start.getTime()) / step) * step);
  }
  const months = (options.freq === RRule.YEARLY ? 12 : 1) * interval;
  const apart = (target.getUTCFullYear() - start.getUTCFullYear()) * 12 + target.getUTCMonth() - start.getUTCMonth();
  const k = Math.floor(apart / months);
  if (k <= 0) return start;
  return firstOfMonth(start.getUTCFullYear(), start.getUTCMonth() + k * months);
}

/**
 * Midnight UTC on the first of a month (months past 11 roll into later years). Not Date.UTC: it
 * reads the years 0–99 as 1900–1999, which put a window started in the year 50 in the year 3926.
 */
function firstOfMonth(year: number, month: number): Date {
  const date = new Date(0);
  date.setUTCFullYear(year, month, 1);
  return date;
}

/**
 * The range of each numeric BYxxx part (RFC 5545 3.3.10; `nonZero` for those counted from the end
 * with a minus sign). rrule takes any value, even none (`BYHOUR=`, which then fails inside it), and
 * rolls one out of range into another (BYHOUR=25 became 01:00).
 */
const PART_RANGES: [keyof RuleOptions, string, number, number, boolean][] = [
  ['bysecond', 'BYSECOND', 0, 59, false],
  ['byminute', 'BYMINUTE', 0, 59, false],
  ['byhour', 'BYHOUR', 0, 23, false],
  ['bymonth', 'BYMONTH', 1, 12, false],
  ['bymonthday', 'BYMONTHDAY', -31, 31, true],
  ['byyearday', 'BYYEARDAY', -366, 366, true],
  ['byweekno', 'BYWEEKNO', -53, 53, true],
  ['bysetpos', 'BYSETPOS', -366, 366, true],
];
const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

/** Refuses a rule part that is empty, not a whole number, or out of its range, naming the part. */
function checkParts(options: RuleOptions, text: string, field: string): void {
  for (const [key, part, min, max, nonZero] of PART_RANGES) {
    const value = options[key] as unknown;
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      const n = typeof item === 'number' ? item : typeof item === 'string' && /^[+-]?\d+$/.test(item) ? Number(item) : NaN;
      if (!Number.isInteger(n) || n < min || n > max || (nonZero && n === 0)) {
        throw new BadInputError(field, `${field}: ${part} takes whole numbers from ${min} to ${max}${nonZero ? ' other than 0' : ''}.`);
      }
    }
  }
  for (const day of (options.byweekday as unknown as { n?: number }[] | null | undefined) ?? []) {
    if (day && typeof day === 'object' && day.n !== undefined && (day.n === 0 || Math.abs(day.n) > 53)) throw new BadInputError(field, `${field}: a BYDAY position is from -53 to 53 other than 0 (e.g. "-1SU", the last Sunday).`);
  }
  // rrule drops a WKST it does not know instead of refusing it.
  const wkst = /(?:^|[;\n])WKST=([^;\n]*)/i.exec(text);
  if (wkst && !WEEKDAYS.includes(wkst[1].toUpperCase())) throw new BadInputError(field, `${field}: WKST must be one of ${WEEKDAYS.join(', ')}.`);
}

/** Parts of RFC 5545 a maintenance window does not take, and why (each makes the rule costly or ambiguous to expand). */
const REFUSED_PARTS: [keyof RuleOptions, string][] = [
  ['count', 'COUNT is not supported; end a recurring window with UNTIL, or end it through the API'],
  ['tzid', 'TZID is not supported; recurrence rules are in UTC'],
  ['byeaster', 'BYEASTER is not supported'],
];

/**
 * A maintenance window's rule, checked (throws BadInputError naming `field`): HOURLY or slower, an
 * interval of at most a year, and at least one occurrence in any three years (a rule that never
 * happens, like February 30th, would otherwise be expanded up to the year 9999 at each look).
 * With `near`, the rule is started again shortly before that instant (see anchorBefore): ask it
 * only about instants from `near` on.
 */
export function parseRule(text: string, field: string, start: Date, near?: Date): RRuleType {
  if (text.length > 500) throw new BadInputError(field, `${field} must be at most 500 characters.`);
  let options: RuleOptions;
  try {
    options = RRule.parseString(text.replace(/^RRULE:/i, ''));
  } catch (error) {
    throw new BadInputError(field, `${field} is not an RFC 5545 recurrence rule (${(error as Error).message.slice(0, 100)}); e.g. "FREQ=WEEKLY;BYDAY=SU;BYHOUR=3".`);
  }
  if (options.freq === undefined || options.freq === null) throw new BadInputError(field, `${field} needs a FREQ (e.g. "FREQ=WEEKLY;BYDAY=SU;BYHOUR=3").`);
  // rrule numbers frequencies from YEARLY (0) to SECONDLY (6): faster is a larger number.
  if (options.freq > RRule.HOURLY) {
    // SECONDLY and MINUTELY rules would make a window of nearly every moment, and cost a lot to expand.
    throw new BadInputError(field, `${field}: FREQ must be HOURLY or slower.`);
  }
  for (const [part, why] of REFUSED_PARTS) if (options[part] !== undefined && options[part] !== null) throw new BadInputError(field, `${field}: ${why}.`);
  checkParts(options, text, field);
  const interval = options.interval ?? 1;
  if (!Number.isInteger(interval) || interval < 1 || periodMs(options) > YEAR_MS) throw new BadInputError(field, `${field}: INTERVAL must be a whole number that repeats the rule at least once a year.`);
  const dtstart = options.dtstart ?? start;
  if (Number.isNaN(dtstart.getTime())) throw new BadInputError(field, `${field}: DTSTART is not a valid instant.`);
  const full = materialize(options, dtstart);
  const build = (from: Date, until = full.until) => {
    try {
      return new RRule({ ...full, until, dtstart: from });
    } catch (error) {
      throw new BadInputError(field, `${field} is not a valid recurrence rule (${(error as Error).message.slice(0, 100)}).`);
    }
  };
  // Whether it happens at all: asked near the end of rrule's calendar, where a rule that never
  // happens gives up after a few years instead of thousands.
  const late = anchorBefore(full, dtstart, new Date(Date.UTC(9996, 0, 1)));
  if (!build(late, null).after(late, true)) throw new BadInputError(field, `${field} has no occurrence in three years (e.g. it names February 30th): it would never hold a window.`);
  const target = near ? new Date(near.getTime() - periodMs(full)) : dtstart;
  return build(anchorBefore(full, dtstart, target));
}

/**
 * A maintenance window as written in YAML or given to the API: one-off (`start` and `end`, or
 * `start` and `duration`) or recurring (`rrule` and `duration`), for services, tags or `all`.
 */
export function validateMaintenance(value: unknown, prefix: string, now: Date): MaintenanceDefinition {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new BadInputError(prefix || 'window', 'A maintenance window must be a mapping (name, services/tags/all, start/end or rrule/duration).');
  const input: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const name = camel(key);
    const alias = name === 'startsAt' ? 'start' : name === 'endsAt' ? 'end' : name === 'everything' ? 'all' : name;
    if (!(MAINTENANCE_KEYS as readonly string[]).includes(alias)) throw new BadInputError(`${prefix}${key.slice(0, 60)}`, `unknown key ${JSON.stringify(key.slice(0, 60))} (expected ${MAINTENANCE_KEYS.join(', ')}).`);
    input[alias] = v;
  }
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (!NAME_PATTERN.test(name)) throw new BadInputError(`${prefix}name`, 'A maintenance window needs a name of 1–100 characters of a–z, 0–9, ".", "_" or "-".');
  const list = (v: unknown, field: string, pattern: RegExp) => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || !pattern.test(x))) throw new BadInputError(`${prefix}${field}`, `${field} must be a list of names.`);
    if (v.length > 500) throw new BadInputError(`${prefix}${field}`, `${field} may name at most 500.`);
    return [...new Set(v as string[])];
  };
  const services = list(input.services, 'services', NAME_PATTERN);
  const tags = list(input.tags, 'tags', /^[\w.:/-]{1,50}$/);
  if (input.all !== undefined && typeof input.all !== 'boolean') throw new BadInputError(`${prefix}all`, 'all must be true or false.');
  const everything = input.all === true;
  if (!everything && !services.length && !tags.length) throw new BadInputError(`${prefix}services`, 'A maintenance window covers services, tags or all: name at least one (or all: true).');
  if (input.endWhenHealthy !== undefined && typeof input.endWhenHealthy !== 'boolean') throw new BadInputError(`${prefix}endWhenHealthy`, 'endWhenHealthy must be true or false.');
  const reason = input.reason === undefined || input.reason === null ? null : String(input.reason).slice(0, 500);
  const durationMs = input.duration === undefined || input.duration === null ? null : parseDuration(input.duration, `${prefix}duration`);
  if (durationMs !== null && (durationMs < 60_000 || durationMs > 31 * 86400_000)) throw new BadInputError(`${prefix}duration`, 'duration must be from 1m to 31d.');
  const startsAt = input.start === undefined || input.start === null ? now : instant(input.start, `${prefix}start`);
  let endsAt: Date | null = null;
  let rrule: string | null = null;
  if (input.rrule !== undefined && input.rrule !== null) {
    if (typeof input.rrule !== 'string') throw new BadInputError(`${prefix}rrule`, 'rrule must be a string such as "FREQ=WEEKLY;BYDAY=SU;BYHOUR=3".');
    if (durationMs === null) throw new BadInputError(`${prefix}duration`, 'A recurring window (rrule) needs a duration, e.g. "1h".');
    if (input.end !== undefined) throw new BadInputError(`${prefix}end`, 'A recurring window has a duration, not an end.');
    parseRule(input.rrule, `${prefix}rrule`, startsAt);
    // A rule that ends before the start it is given never holds a window. (Only a start given: a
    // file's rule started "now" at each load may have run out since, which must not refuse the file.)
    const { until, dtstart } = RRule.parseString(input.rrule.replace(/^RRULE:/i, ''));
    const given = dtstart ?? (input.start === undefined || input.start === null ? null : startsAt);
    if (until && given && until < given) throw new BadInputError(`${prefix}rrule`, `${prefix}rrule: UNTIL is before the window's start (${given.toISOString()}): it would never hold a window.`);
    rrule = input.rrule.replace(/^RRULE:/i, '');
    // Its duration is stored in an int column, and an occurrence longer than a week outlasts the period of a weekly rule.
    if (durationMs > 7 * 86400_000) throw new BadInputError(`${prefix}duration`, 'Each occurrence of a recurring window lasts at most 7d.');
  } else if (input.end !== undefined && input.end !== null) {
    endsAt = instant(input.end, `${prefix}end`);
  } else if (durationMs !== null) {
    endsAt = new Date(startsAt.getTime() + durationMs);
  } else {
    throw new BadInputError(`${prefix}end`, 'A one-off window needs an end or a duration; a recurring one an rrule and a duration.');
  }
  if (endsAt && endsAt <= startsAt) throw new BadInputError(`${prefix}end`, 'end must be after start.');
  return { name, services, tags, everything, startsAt, endsAt, rrule, durationMs: rrule ? durationMs : null, reason, endWhenHealthy: input.endWhenHealthy === true };
}
