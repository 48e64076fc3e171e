/**
 * The URL of an incoming request, from its target and Host header, or null when either is not one:
 * every route and the WebSocket upgrade read the path from here, so a target like `//[` is a 400
 * (or a refused upgrade), never an exception outside a handler.
 */
import type { IncomingMessage } from 'node:http';

/**
 * A Host header is a host and an optional port: nothing a URL would read as a path, query or user
 * (graphql-yoga builds its request URL from `http://${host}${target}`).
 */
function isHost(host: string): boolean {
  // ASCII only (RFC 9110 §7.2: a reg-name is ASCII; an internationalised name is sent as punycode).
  return /^[\x21-\x7e]+$/.test(host) && !/[/?#@\\]/.test(host) && URL.canParse(`http://${host}`);
}

/** How many Host headers the request carried (Node keeps the first and drops the rest silently). */
function hostHeaders(req: IncomingMessage): number {
  let count = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i].length === 4 && req.rawHeaders[i].toLowerCase() === 'host') count++;
  return count;
}

export function requestUrl(req: IncomingMessage): URL | null {
  const host = req.headers.host;
  // More than one Host is a 400 (RFC 9112 §3.2): a proxy that read another than Lookout does would route it elsewhere.
  if (hostHeaders(req) > 1) return null;
  // An empty Host is allowed (RFC 9112 §3.2); graphql-yoga then uses the local address.
  if (host && !isHost(host)) return null;
  const target = req.url ?? '/';
  if (!URL.canParse(target, 'http://localhost')) return null;
  const url = new URL(target, 'http://localhost');
  // An absolute-form target (RFC 9112 §3.2.2) is an http(s) URL without user or password: a
  // `file:` target, or `http://a:b@x/…` (which no Request may be built from: REST answered 500), is not.
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) return null;
  return url;
}

/**
 * The target in origin form (`/path?query`), as graphql-yoga must get it: it builds its own URL
 * from `http://${host}${target}`, which an absolute-form target would turn into something else.
 */
export function originForm(url: URL): string {
  return `${url.pathname}${url.search}`;
}
