/**
 * Ids and cursors as callers type them, checked before they reach PostgreSQL: a string the
 * database's type cannot read (a 36-character non-UUID, a cursor past the ids there are) must be the caller's
 * clear error, never the database's cast failure as an internal error.
 */

/** Whether `id` is a UUID as PostgreSQL's `uuid` type reads it: 8-4-4-4-12 hex digits. */
export function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}

/**
 * Whether `text` is a cursor holding a row's id: decimal digits, 0 to 2^53 − 1 (ids are `bigint`
 * columns, read as JavaScript numbers: a larger one would not come back as written).
 */
export function isIdCursor(text: string): boolean {
  return /^\d{1,16}$/.test(text) && Number(text) <= Number.MAX_SAFE_INTEGER;
}
