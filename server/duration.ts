/** Durations as people write them in config files: `500ms`, `30s`, `5m`, `1h`, `2d`, or plain milliseconds. */
import { BadInputError } from '../errors.ts';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86400_000 };

/** Parses a duration into milliseconds; throws BadInputError naming `field` when it is not one. */
export function parseDuration(value: unknown, field: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.round(value);
  if (typeof value === 'string') {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(value);
    if (match) return Math.round(Number(match[1]) * UNITS[match[2] ?? 'ms']);
  }
  throw new BadInputError(field, `${field} must be a duration such as "500ms", "30s", "5m" or "1h", got ${JSON.stringify(value)}.`);
}

/** The shortest exact way to write a duration (`30s`, `1500ms`). */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) if (ms >= UNITS[unit] && ms % UNITS[unit] === 0) return `${ms / UNITS[unit]}${unit}`;
  return `${ms}ms`;
}
