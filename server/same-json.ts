/**
 * Whether two values say the same as JSON: what a `jsonb` column or a definition holds, compared
 * regardless of key order (PostgreSQL's jsonb orders keys its own way) and of undefined fields.
 * Used to tell a call that changes nothing, which is not audited.
 */
import { isDeepStrictEqual } from 'node:util';

export function sameJson(a: unknown, b: unknown): boolean {
  const plain = (value: unknown) => (value === undefined ? null : JSON.parse(JSON.stringify(value)));
  return isDeepStrictEqual(plain(a), plain(b));
}
