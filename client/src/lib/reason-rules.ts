/**
 * What a triage or override reason must meet, checked before anything is sent. Mirrors
 * REASON_MIN / REASON_MAX of server/operations/triage.ts (and the override's rule in
 * schema/operations.ts), which the browser cannot import: they pull in the ORM.
 */
export const REASON_MIN = 5;
export const REASON_MAX = 500;

/** The sentence to show under the field, or null when the reason may be sent. The server trims too. */
export function reasonProblem(reason: string): string | null {
  const length = reason.trim().length;
  if (length >= REASON_MIN && length <= REASON_MAX) return null;
  return `The reason must be ${REASON_MIN}–${REASON_MAX} characters (it has ${length}).`;
}
