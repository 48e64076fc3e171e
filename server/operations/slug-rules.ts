/** What a workspace or tenant slug must look like. No imports: the dashboard checks it before sending. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/** The sentence to show (or throw) when `value` is not a slug, or null when it is. Slugs are trimmed. */
export function slugProblem(value: string, what: string): string | null {
  return SLUG_PATTERN.test(value.trim()) ? null : `${what} must be 1–100 characters of a–z, 0–9, ".", "_" or "-", starting with a letter or digit, got ${JSON.stringify(value)}.`;
}
