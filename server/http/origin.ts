/**
 * Same-origin policy for WebSocket upgrades. Browsers send `Origin` (scripts usually do not), and a
 * socket authenticates with the session cookie, so an upgrade from another origin is refused: the
 * comparison is of whole origins (scheme, host and port), never of the host alone.
 */

export interface OriginPolicy {
  /** LOOKOUT_PUBLIC_URL: the origin browsers use when it is set. */
  publicUrl?: string | null;
  /** LOOKOUT_ALLOWED_ORIGINS (and the public URL again, harmlessly). */
  allowedOrigins: readonly string[];
}

/** `scheme://host[:port]` of an http(s) URL (default ports dropped, host lower-cased), or null. */
function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : null;
  } catch {
    return null;
  }
}

/** An Origin header's value, when it is an http(s) origin (no path, query or user): `null` and the like are not. */
function requestOrigin(header: string): string | null {
  return /^https?:\/\/[^/?#@\\\s]+$/i.test(header) ? originOf(header) : null;
}

/** A Host header: a name or address and an optional port, nothing that a URL would read as more. */
const HOST_HEADER = /^(?:[a-z0-9._-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * Whether an upgrade whose `Origin` is `origin`, sent to the `Host` `host`, comes from Lookout's own
 * pages: the public URL's origin, one of the allowed origins, or `http://<Host>` (the server
 * speaks plain HTTP, so that is its origin when reached directly) unless that Host names the public
 * URL's host, whose scheme and port then decide (an `http://` page cannot open a socket for an `https://`
 * public URL). Behind a TLS proxy, set the public URL.
 */
export function isAllowedOrigin(origin: string | undefined, host: string | undefined, policy: OriginPolicy): boolean {
  if (origin === undefined) return true;
  const from = requestOrigin(origin);
  if (from === null) return false;
  const allowed = [policy.publicUrl, ...policy.allowedOrigins].flatMap((o) => (o ? [originOf(o)] : []));
  if (allowed.includes(from)) return true;
  if (!host || !HOST_HEADER.test(host)) return false;
  const direct = originOf(`http://${host}`);
  if (direct === null || direct !== from) return false;
  const publicOrigin = policy.publicUrl ? originOf(policy.publicUrl) : null;
  return publicOrigin === null || new URL(publicOrigin).hostname !== new URL(direct).hostname;
}
