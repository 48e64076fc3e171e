/**
 * The small JSON path the http checker's `json` option understands: `status`, `checks.db.ok`,
 * `items[0].name`. Keys are separated by dots, array indexes are written `[n]`; nothing else
 * (no wildcards, no filters) — a health endpoint's field is addressed, not queried.
 */

/** One step into a JSON value: an object key or an array index. */
export type JsonPathSegment = string | number;

/** Parses a path; returns null when it is not one (so the caller can name its own field). */
export function parseJsonPath(path: string): JsonPathSegment[] | null {
  const segments: JsonPathSegment[] = [];
  const pattern = /([^.[\]]+)|\[(\d+)\]|(\.)/gy;
  let expectKey = true;
  let match: RegExpExecArray | null;
  while (pattern.lastIndex < path.length && (match = pattern.exec(path))) {
    if (match[1] !== undefined) {
      if (!expectKey) return null;
      segments.push(match[1]);
      expectKey = false;
    } else if (match[2] !== undefined) {
      if (expectKey && segments.length > 0) return null;
      segments.push(Number(match[2]));
      expectKey = false;
    } else {
      if (expectKey) return null;
      expectKey = true;
    }
  }
  if (pattern.lastIndex !== path.length || expectKey || segments.length === 0) return null;
  return segments;
}

/** The value at `segments` in `value`, or undefined when any step is missing. */
export function readJsonPath(value: unknown, segments: JsonPathSegment[]): unknown {
  let current = value;
  for (const segment of segments) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[segment];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
      if (!Object.hasOwn(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return current;
}
