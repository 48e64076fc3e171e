/**
 * The anonymous HTTP routes of status pages: `/status/<slug>` (HTML), `/status/<slug>.json`,
 * `/badge/<service>/status.svg` and `/badge/<service>/uptime/<24h|7d|30d>.svg`. Answers carry an
 * ETag (a matching If-None-Match gets 304) and may be cached by browsers and proxies for one TTL.
 * A badge of a service on no public page is a 404 like an unknown one: names cannot be probed.
 */
import type http from 'node:http';
import { BADGE_RANGES, statusBadge, uptimeBadge, type BadgeRange } from './badges.ts';
import { renderNotFound } from './render.ts';
import { etagOf, type PageBody, type StatusPages } from './status-pages.ts';

const STATUS_ROUTE = /^\/status\/([a-z0-9-]{1,64})(\.json)?\/?$/;
const BADGE_ROUTE = /^\/badge\/([a-z0-9][a-z0-9._-]{0,99})\/(?:status|uptime\/(24h|7d|30d))\.svg$/;

export type StatusRoute = { kind: 'page'; slug: string; json: boolean } | { kind: 'badge'; service: string; range: BadgeRange | null } | { kind: 'none'; badge: boolean };

/** The status route a path names, or null. */
export function matchStatusRoute(pathname: string): StatusRoute | null {
  const page = STATUS_ROUTE.exec(pathname);
  if (page) return { kind: 'page', slug: page[1], json: page[2] !== undefined };
  const badge = BADGE_ROUTE.exec(pathname);
  if (badge) return { kind: 'badge', service: badge[1], range: (badge[2] as BadgeRange | undefined) ?? null };
  // Anything else under these prefixes is ours, and not found (not the dashboard's index page).
  if (pathname.startsWith('/badge/') || pathname.startsWith('/status/')) return { kind: 'none', badge: pathname.startsWith('/badge/') };
  return null;
}

/** The label of a route for metrics: a few fixed strings, never the slug or the service. */
export function routeLabel(route: StatusRoute): string {
  if (route.kind === 'none') return route.badge ? '/badge' : '/status';
  if (route.kind === 'page') return route.json ? '/status/:slug.json' : '/status/:slug';
  return route.range ? '/badge/:service/uptime' : '/badge/:service/status';
}

const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

/**
 * Whether Accept-Encoding accepts gzip (RFC 9110 §12.5.3): named with a weight above 0, or `*` above
 * 0 when gzip is not named; `gzip;q=0` refuses it (it was sent gzipped to a reader that said no).
 */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  let named: number | null = null;
  let any: number | null = null;
  for (const part of String(header ?? '').slice(0, 1000).split(',')) {
    const [coding, ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    const value = Number.isFinite(weight) ? weight : 0;
    if (coding === 'gzip' || coding === 'x-gzip') named = Math.max(named ?? 0, value);
    else if (coding === '*') any = value;
  }
  return named !== null ? named > 0 : any !== null && any > 0;
}

/** Sends a page's body, gzipped when the reader accepts it (the same bytes for every reader: computed once). */
function sendPage(req: http.IncomingMessage, res: http.ServerResponse, type: string, body: PageBody, maxAgeSeconds: number, extra: Record<string, string>): void {
  const gzipped = acceptsGzip(req.headers['accept-encoding']);
  const vary = { vary: 'accept-encoding', ...extra };
  if (gzipped) send(req, res, 200, type, body.gzipped, body.gzippedEtag, maxAgeSeconds, { ...vary, 'content-encoding': 'gzip' });
  else send(req, res, 200, type, body.text, body.etag, maxAgeSeconds, vary);
}

function send(req: http.IncomingMessage, res: http.ServerResponse, status: number, type: string, body: string | Buffer, etag: string | null, maxAgeSeconds: number, extra: Record<string, string> = {}): void {
  const headers: Record<string, string> = {
    'content-type': type,
    'cache-control': `public, max-age=${maxAgeSeconds}`,
    ...SECURITY_HEADERS,
    ...extra,
  };
  if (etag) headers.etag = etag;
  const matches = etag !== null && (req.headers['if-none-match'] ?? '').split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
  if (status === 200 && matches) {
    res.writeHead(304, headers);
    return void res.end();
  }
  headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

const NOT_FOUND_HTML = renderNotFound();
const NO_BADGE = 'No such badge.\n';
const NOT_FOUND_JSON = JSON.stringify({ error: 'There is no status page at this address.' });
const HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'";

/** Answers a matched status route (GET or HEAD; anything else 405). */
export async function handleStatusRoute(pages: StatusPages, req: http.IncomingMessage, res: http.ServerResponse, route: StatusRoute): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' });
    return void res.end();
  }
  const maxAge = Math.max(1, Math.round(pages.ttlMs / 1000));
  if (route.kind === 'none') {
    if (route.badge) return send(req, res, 404, 'text/plain; charset=utf-8', NO_BADGE, null, maxAge, { 'access-control-allow-origin': '*' });
    return send(req, res, 404, 'text/html; charset=utf-8', NOT_FOUND_HTML, null, maxAge, { 'content-security-policy': HTML_CSP });
  }
  if (route.kind === 'page') {
    const page = await pages.page(route.slug);
    if (route.json) {
      const cors = { 'access-control-allow-origin': '*' };
      if (!page) return send(req, res, 404, 'application/json; charset=utf-8', NOT_FOUND_JSON, null, maxAge, cors);
      return sendPage(req, res, 'application/json; charset=utf-8', page.json, maxAge, cors);
    }
    const csp = { 'content-security-policy': HTML_CSP };
    if (!page) return send(req, res, 404, 'text/html; charset=utf-8', NOT_FOUND_HTML, null, maxAge, csp);
    return sendPage(req, res, 'text/html; charset=utf-8', page.html, maxAge, csp);
  }
  const service = await pages.badgeService(route.service);
  const headers = { 'content-security-policy': SVG_CSP, 'access-control-allow-origin': '*' };
  if (!service) return send(req, res, 404, 'text/plain; charset=utf-8', NO_BADGE, null, maxAge, headers);
  const svg = route.range && BADGE_RANGES.includes(route.range) ? uptimeBadge(service, route.range) : statusBadge(service);
  send(req, res, 200, 'image/svg+xml; charset=utf-8', svg, etagOf(svg), maxAge, headers);
}
