/** Cookie names, parsing and the Set-Cookie headers of the session (httpOnly) and CSRF (readable) cookies. */
import { hasOwnKey, setOwn } from '../own-keys.ts';
export const SESSION_COOKIE = 'lookout_session';
export const CSRF_COOKIE = 'lookout_csrf';
export const CSRF_HEADER = 'x-lookout-csrf';

export function parseCookies(header: string | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name && !hasOwnKey(out, name)) {
      let value = part.slice(eq + 1).trim();
      try {
        value = decodeURIComponent(value);
      } catch {
        // kept as sent
      }
      setOwn(out, name, value);
    }
  }
  return out;
}

interface CookieOptions {
  httpOnly: boolean;
  secure: boolean;
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
}

export function serializeCookie(name: string, value: string, { httpOnly, secure, maxAge }: CookieOptions): string {
  return [
    `${name}=${encodeURIComponent(value)}`,
    'Path=/',
    `Max-Age=${Math.max(0, Math.floor(maxAge))}`,
    'SameSite=Lax',
    httpOnly && 'HttpOnly',
    secure && 'Secure',
  ]
    .filter(Boolean)
    .join('; ');
}

/** The two cookies of a session: the secret (httpOnly) and the CSRF token the dashboard echoes in a header. */
export function sessionCookies(secret: string, csrfToken: string, expiresAt: Date, now: Date, secure: boolean): string[] {
  const maxAge = (expiresAt.getTime() - now.getTime()) / 1000;
  return [
    serializeCookie(SESSION_COOKIE, secret, { httpOnly: true, secure, maxAge }),
    serializeCookie(CSRF_COOKIE, csrfToken, { httpOnly: false, secure, maxAge }),
  ];
}

export function clearedSessionCookies(secure: boolean): string[] {
  return [
    serializeCookie(SESSION_COOKIE, '', { httpOnly: true, secure, maxAge: 0 }),
    serializeCookie(CSRF_COOKIE, '', { httpOnly: false, secure, maxAge: 0 }),
  ];
}
