/** What a triage or override reason must meet. No imports: the dashboard checks it before sending. */
export const REASON_MIN = 5;
export const REASON_MAX = 500;

/** The sentence to show (or throw) when a reason does not fit, or null when it does. Reasons are trimmed. */
export function reasonProblem(reason: string): string | null {
  const length = reason.trim().length;
  if (length >= REASON_MIN && length <= REASON_MAX) return null;
  return `The reason must be ${REASON_MIN}–${REASON_MAX} characters (it has ${length}).`;
}
