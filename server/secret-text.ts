/**
 * Secrets in what Lookout shows and keeps: the one place that knows which parts of a URL, a header
 * or an option are credentials, and takes them out of text from outside (an answer that echoes the
 * `Authorization` it got, a server that quotes its URL) and of definitions shown to those who may
 * not edit them. Used by the alert channels, the runtimes and restart actions, the checkers'
 * errors, the service fields viewers read, and the audit log.
 */

/** What a secret becomes in a message or a masked definition. */
export const REDACTED = '[redacted]';

/** Names of options, headers and query parameters whose values are credentials. */
const SECRET_NAME = /pass(word|wd)?$|^pwd$|secret|token|api[-_]?key|access[-_]?key|^key$|auth|cookie|signature|^sig$|credential|private/i;

/** Whether a field, header or query parameter named `name` holds a credential. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Replaces every secret (4 characters or more) in `text` with REDACTED. */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (secret.length >= 4) result = result.split(secret).join(REDACTED);
  return result;
}

const decode = (text: string) => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/** `target` as a URL, or null when it is not one. */
const asUrl = (target: string | URL): URL | null => (typeof target === 'string' ? (URL.canParse(target) ? new URL(target) : null) : target);

/**
 * The parts of a URL that may each be a token on their own: its password, its path segments and
 * query values of 8 characters or more, as sent and decoded. A server that echoes only the token
 * ("invalid token …") must not put it in a message either.
 */
export function urlSecrets(target: string | URL): string[] {
  const url = asUrl(target);
  if (!url) return [];
  const password = url.password ? [url.password, decode(url.password)] : [];
  const parts = [...url.pathname.split('/'), ...url.search.slice(1).split('&').map((pair) => pair.slice(pair.indexOf('=') + 1))];
  const tokens = parts.flatMap((part) => [part, decode(part), decode(part.replace(/\+/g, ' '))]).filter((part) => part.length >= 8);
  return [...new Set([...password, ...tokens])];
}

/**
 * The credentials a URL carries by name: its password, and the values of query parameters named like
 * credentials (`?token=…`), as written and decoded. Not its path: a service's path is not a secret
 * (a webhook's may be: `urlSecrets`).
 */
export function urlCredentials(target: string | URL): string[] {
  const url = asUrl(target);
  if (!url) return [];
  const found = url.password ? [url.password, decode(url.password)] : [];
  // As written, too: a target stored as typed (postgres, redis) keeps `^` or `{` that the URL encodes.
  for (const raw of rawPasswords(String(target))) found.push(raw, decode(raw));
  for (const [name, value] of url.searchParams) if (value && isSecretName(name)) found.push(value, encodeURIComponent(value));
  return [...new Set(found)];
}

/** The passwords of the URLs written in `text`, as written (USERINFO_PASSWORD). */
function rawPasswords(text: string): string[] {
  if (!text.includes('@')) return [];
  return [...text.matchAll(USERINFO_PASSWORD)].map((m) => m[2]).filter(Boolean);
}

/** An `Authorization` value and its credential alone (what follows `Bearer ` or `Basic `). */
export function authorizationSecrets(authorization: string | null | undefined): string[] {
  if (!authorization) return [];
  const credential = authorization.replace(/^\s*\S+\s+/, '').trim();
  return [...new Set([authorization, credential])];
}

/** The credentials in a definition's options: every string under a secret name, at any depth. */
export function optionSecrets(options: unknown): string[] {
  const found: string[] = [];
  const walk = (value: unknown, secret: boolean, depth: number) => {
    if (depth > 8) return;
    if (typeof value === 'string') {
      if (secret) found.push(value, ...authorizationSecrets(value));
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, secret, depth + 1);
    } else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) walk(inner, secret || isSecretName(key), depth + 1);
    }
  };
  walk(options, false, 0);
  return [...new Set(found)];
}

/** The credentials of a service's target and options, to take out of its check's errors. */
export function targetSecrets(target: string, options: unknown): string[] {
  const written: string[] = [];
  const walk = (value: unknown, depth: number) => {
    if (depth > 8) return;
    if (typeof value === 'string') written.push(...rawPasswords(value).flatMap((p) => [p, decode(p)]));
    else if (Array.isArray(value)) for (const item of value) walk(item, depth + 1);
    else if (value && typeof value === 'object') for (const inner of Object.values(value)) walk(inner, depth + 1);
  };
  walk(options, 0);
  return [...new Set([...urlCredentials(target), ...rawPasswords(target).flatMap((p) => [p, decode(p)]), ...written, ...optionSecrets(options)])];
}

/**
 * A URL with credentials in text (`scheme://user:password@host`): the password is what comes before
 * the first `@` that a host follows (up to `/`, `?`, `#`, a space, a quote or the end), so that a
 * password written with `@`, `/` or `^` in it (as a postgres or redis target keeps it) is all of it.
 * A scheme starts only where a word does, and each part is bounded (a scheme of 31 characters, a
 * user of 256, a password of 512, a host of 256): tried from every letter of a long run before
 * `://`, or to the end of the text from each of many `://`, the search was quadratic in hostile text
 * (a check's error, a config entry).
 */
const USERINFO_PASSWORD = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,30}:\/\/[^\s:@/?#"'`]{0,256}:)(\S{0,512}?)(@)(?=[^\s@/?#"'`<>,;)]{0,256}(?:[/?#\s"'`<>,;)]|$))/gi;

/** A query parameter in text: its separator, name and value. */
const QUERY_PARAMETER = /([?&])([^=&#\s"'`]+)=([^&#\s"'`]*)/g;

/**
 * `text` with the password of every URL written in it masked (`postgres://monitor:[redacted]@db`):
 * for what quotes a URL it did not make, an error message or an audit row's input.
 */
export function maskUrlPasswords(text: string): string {
  return text.includes('@') ? text.replace(USERINFO_PASSWORD, `$1${REDACTED}$3`) : text;
}

/**
 * `text` with the credentials of every URL written in it masked: passwords, and the values of query
 * parameters named like credentials (`?access_token=[redacted]`).
 */
export function maskCredentials(text: string): string {
  const masked = maskUrlPasswords(text);
  if (!masked.includes('://') || !/[?&]/.test(masked)) return masked;
  return masked.replace(QUERY_PARAMETER, (all, separator: string, name: string, value: string) => (value && isSecretName(decode(name)) ? `${separator}${name}=${REDACTED}` : all));
}

/**
 * A service's target as one who may not edit it reads it: the password, and the values of query
 * parameters named like credentials, of every URL written in it (a command line's too) masked.
 */
export function maskTarget(target: string): string {
  if (!target.includes('@') && !target.includes('?')) return target;
  return maskCredentials(target);
}

/** Options as one who may not edit them reads them: every value under a secret name masked, and URLs' credentials in any string (a command's `args`), at any depth. */
export function maskOptions<T>(options: T): T {
  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return maskCredentials(value);
    if (depth > 8 || !value || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((item) => walk(item, depth + 1));
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, isSecretName(key) && inner !== null && inner !== '' ? REDACTED : walk(inner, depth + 1)]));
  };
  return walk(options, 0) as T;
}
