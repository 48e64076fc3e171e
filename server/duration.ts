/** Durations as people write them in config files: `500ms`, `30s`, `5m`, `1h`, `2d`, or plain milliseconds. */
import { BadInputError } from './errors.ts';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86400_000 };

/** No duration Lookout takes is longer: beyond it, a number from outside is a mistake (or Infinity). */
export const MAX_DURATION_MS = 366 * 86400_000;

/** Parses a duration into milliseconds; throws BadInputError naming `field` when it is not one. */
export function parseDuration(value: unknown, field: string): number {
  let ms: number | undefined;
  if (typeof value === 'number' && value >= 0) ms = Math.round(value);
  if (typeof value === 'string') {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(value);
    if (match) ms = Math.round(Number(match[1]) * UNITS[match[2] ?? 'ms']);
  }
  if (ms !== undefined && ms > MAX_DURATION_MS) throw new BadInputError(field, `${field} must be at most 366d.`);
  if (ms !== undefined && Number.isFinite(ms)) return ms;
  const got = JSON.stringify(value) ?? String(value); // quoted, but not a megabyte of it
  throw new BadInputError(field, `${field} must be a duration such as "500ms", "30s", "5m" or "1h", got ${got.length > 60 ? `${got.slice(0, 57)}...` : got}.`);
}

/** The shortest exact way to write a duration (`30s`, `1500ms`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s'; // as people write it ("escalation_delay: 0s"), not "0ms"
  for (const unit of ['d', 'h', 'm', 's'] as const) if (ms >= UNITS[unit] && ms % UNITS[unit] === 0) return `${ms / UNITS[unit]}${unit}`;
  return `${ms}ms`;
}
