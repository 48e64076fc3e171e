/**
 * The CSRF token of the session: the server sets it in the readable `lookout_csrf` cookie and only
 * trusts the session cookie on HTTP requests that echo it in the `x-lookout-csrf` header.
 */
import { CSRF_COOKIE, CSRF_HEADER } from '../../../server/http/cookies.ts';

/** The current value of the CSRF cookie, or null when signed out. Read at request time. */
export function readCsrfToken(): string | null {
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== CSRF_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(value) || null;
    } catch {
      return value || null;
    }
  }
  return null;
}

/** Headers for a same-origin request that relies on the session cookie. */
export function csrfHeaders(): Record<string, string> {
  const token = readCsrfToken();
  return token ? { [CSRF_HEADER]: token } : {};
}
