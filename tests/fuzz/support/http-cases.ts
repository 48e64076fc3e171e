/**
 * Hostile HTTP requests: malformed request lines, targets and headers as raw bytes (for a `net`
 * socket: what no HTTP client would send), and well-formed requests carrying bad GraphQL bodies,
 * query strings, content types and credentials (for fetch).
 */
import type { Prng } from './prng.ts';
import { anyValue, randomDocument, type DocumentLimits, type FuzzDocument } from './documents.ts';

/** Bytes written as they are to a fresh TCP connection, which is then half-closed. */
export interface RawCase {
  kind: 'raw';
  label: string;
  bytes: Buffer;
}

/** A request fetch can send (it refuses Host, Content-Length, Transfer-Encoding and the like). */
export interface FetchCase {
  kind: 'fetch';
  label: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export type HttpCase = RawCase | FetchCase;

/** API tokens of each role on the server under test; `admin` only ever reads (see credentials()). */
export interface FuzzTokens {
  admin: string;
  operator: string;
  viewer: string;
}

export interface HttpCaseOptions extends DocumentLimits {
  tokens: FuzzTokens;
  /** The largest request body drawn (rare); should be over the server's body limit. */
  maxBodyBytes: number;
}

const METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT', 'PROPFIND', 'get', 'G ET', 'GETT', 'PRI', 'M-SEARCH', '', 'X'.repeat(300), 'GET\u0000', 'ПОСТ'];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/0.9', 'HTTP/2.0', 'HTTP/1.2', 'HTTP/9.9', 'http/1.1', 'HTTP/1.1 extra', '', 'HTTP/', 'HTTP/1.1\u0000'];
const ROUTES = ['/', '/graphql', '/health', '/health/ready', '/metrics', '/ping/abcdefgh12', '/ping/abcdefgh12/fail', '/setup', '/index.html', '/assets/app.js', '/overview'];
const TARGETS = [
  ...ROUTES, '//[', '//[/graphql', '/%ff', '/%', '/%00', '/%zz', '*', 'http://x/graphql', 'http://[', 'http://127.0.0.1:1/health', '//', '///graphql',
  '/../../../../etc/passwd', '/assets/../../package.json', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fpackage.json', '/assets/..%2f..%2f..%2fpackage.json',
  '/graphql/../health', '/\u00ff', '/ünïcode', '/graphql#frag', '/graphql?', '/graphql?query', '/graphql?query=&query=', '?x', '', 'graphql', '/%2fgraphql',
  '/ping/..%2f..%2fgraphql', `/ping/${'a'.repeat(64)}`, `/ping/${'a'.repeat(65)}`, '/ping/%ff%ff%ff%ff%ff%ff%ff%ff', '/graphql?query=%ff', '/graphql?variables=%ff',
  '/graphql?query={serverTime}&variables=notjson', '/graphql?query={serverTime}&extensions=notjson', '/graphql?query={serverTime}&operationName[]=x',
  '/graphql?query[]={serverTime}', '/health?%%%', '/metrics/../metrics', '/.env', '/.git/config', '/graphql\u0000x',
];

const CRLF = '\r\n';

/** One HTTP/1.1 request as bytes; `headers` are raw lines so that they can be anything at all. */
function request(method: string, target: string, version: string, headers: string[], body?: Buffer | string): Buffer {
  const head = `${method} ${target} ${version}${CRLF}${headers.map((h) => h + CRLF).join('')}${CRLF}`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body === undefined ? Buffer.alloc(0) : Buffer.from(body)]);
}

function bigTarget(rng: Prng): string {
  return rng.pick(['/graphql?query=', '/', '/assets/', '/ping/']) + 'a'.repeat(rng.pick([1000, 8192, 17_000, 70_000]));
}

/** A malformed request line, or a random target, over raw bytes. */
function requestLine(rng: Prng): RawCase {
  const target = rng.chance(0.1) ? bigTarget(rng) : rng.pick(TARGETS);
  const shape = rng.weighted<() => Buffer>([
    [6, () => request(rng.pick(METHODS), target, rng.chance(0.7) ? 'HTTP/1.1' : rng.pick(VERSIONS), ['Host: 127.0.0.1', 'Connection: close'])],
    [1, () => Buffer.from(`${rng.pick(METHODS)} ${target}${CRLF}${CRLF}`, 'latin1')], // no version (HTTP/0.9 style)
    [1, () => Buffer.from(`GET ${target} HTTP/1.1\nHost: x\n\n`, 'latin1')], // bare LF
    [1, () => Buffer.from(`GET  ${target}   HTTP/1.1${CRLF}Host: x${CRLF}${CRLF}`, 'latin1')],
    [1, () => rng.bytes(rng.range(1, 2000))],
    [1, () => Buffer.from(`${'GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(rng.range(2, 50))}GET //[ HTTP/1.1\r\nHost: x\r\n\r\n`, 'latin1')], // pipelined
    [1, () => Buffer.from(`GET ${target} HTTP/1.1${CRLF}`, 'latin1')], // head never finished
  ])();
  return { kind: 'raw', label: `request line (${JSON.stringify(target.slice(0, 40))})`, bytes: shape };
}

/** A request to a real route whose headers are broken in one of the ways a parser must survive. */
function headerAbuse(rng: Prng, options: HttpCaseOptions): RawCase {
  const route = rng.pick([...ROUTES, '/graphql', '/graphql', '//[']);
  const method = route === '/graphql' ? 'POST' : rng.pick(['GET', 'POST']);
  const json = JSON.stringify({ query: '{ serverTime }' });
  const base = ['Host: 127.0.0.1', 'Connection: close', 'Content-Type: application/json'];
  const [label, headers, body] = rng.weighted<() => [string, string[], string | Buffer]>([
    [2, () => { const n = rng.pick([8192, 17_000, 70_000, 300_000]); return [`header of ${n} bytes`, [...base, `X-Big: ${'a'.repeat(n)}`], json]; }],
    [1, () => { const n = rng.pick([100, 2000, 20_000]); return [`${n} headers`, [...base, ...Array.from({ length: n }, (_, i) => `X-H${i}: ${i}`)], json]; }],
    [1, () => ['two Host headers', ['Host: a', 'Host: b', ...base.slice(1)], json]],
    [2, () => { const host = rng.pick(['[', 'a b', 'x:99999', 'x:-1', '', 'ü', 'x@y', '%ff', '[::1', 'x/y', 'x'.repeat(300), '127.0.0.1:abc']); return [`Host: ${host.slice(0, 20)}`, [`Host: ${host}`, ...base.slice(1)], json]; }],
    [1, () => ['no Host header', base.slice(1), json]],
    [1, () => ['non-ASCII header value', [...base, `X-Name: ${Buffer.from('ÿ€😀', 'utf8').toString('latin1')}`], json]],
    [1, () => ['non-ASCII header name', [...base, 'X-Nämé: 1'], json]],
    [1, () => ['NUL in a header', [...base, 'X-Nul: a\u0000b'], json]],
    [1, () => ['header without a colon', [...base, 'NoColonHere'], json]],
    [1, () => ['obs-fold', [...base, 'X-Folded: a', ' continued'], json]],
    [1, () => ['space before the colon', [...base, 'Content-Length : 5'], json]],
    [1, () => ['empty header name', [...base, ': value'], json]],
    [2, () => { const cl = rng.pick(['-1', 'abc', '1e3', '99999999999999999999', '0x10', ' 5', '5, 6', '']); return [`Content-Length: ${cl}`, [...base, `Content-Length: ${cl}`], json]; }],
    [1, () => ['two different Content-Lengths', [...base, 'Content-Length: 5', `Content-Length: ${json.length}`], json]],
    [2, () => ['Content-Length beyond the body (truncated)', [...base, `Content-Length: ${json.length + rng.range(1, 10_000_000)}`], json.slice(0, rng.int(json.length))]],
    [1, () => ['Content-Length shorter than the body', [...base, 'Content-Length: 5'], json]],
    [2, () => { const te = rng.pick(['chunked', 'gzip', 'chunked, gzip', 'gzip, chunked', 'identity', 'xchunked', 'chunked\u0000', 'CHUNKED']); return [`Transfer-Encoding: ${te}`, [...base, `Transfer-Encoding: ${te}`], `${json.length.toString(16)}\r\n${json}\r\n0\r\n\r\n`]; }],
    [1, () => ['Transfer-Encoding and Content-Length', [...base, 'Transfer-Encoding: chunked', 'Content-Length: 3'], `${json.length.toString(16)}\r\n${json}\r\n0\r\n\r\n`]],
    [2, () => { const size = rng.pick(['zz', '-1', 'ffffffffffffffffffff', '1;ext=' + 'x'.repeat(5000), '', '7fffffff']); return [`chunk size ${size.slice(0, 20)}`, [...base, 'Transfer-Encoding: chunked'], `${size}\r\n${json}\r\n0\r\n\r\n`]; }],
    [1, () => ['chunked body never terminated', [...base, 'Transfer-Encoding: chunked'], `${json.length.toString(16)}\r\n${json}\r\n`]],
    [1, () => { const enc = rng.pick(['gzip', 'deflate', 'br', 'zstd', 'x-nope']); return [`Content-Encoding: ${enc} over garbage`, [...base, `Content-Encoding: ${enc}`, 'Content-Length: 64'], rng.bytes(64)]; }],
    [1, () => ['Expect: 100-continue', [...base, 'Expect: 100-continue', `Content-Length: ${json.length}`], json]],
    [1, () => ['Expect: garbage', [...base, 'Expect: 999-nope', `Content-Length: ${json.length}`], json]],
    [2, () => { const auth = rng.pick(['Bearer', 'Bearer ', `Bearer ${'x'.repeat(10_000)}`, 'Basic Zm9vOmJhcg==', 'Bearer lko_%ff', 'Bearer lko_\u00ff', 'bearer lko_nope', 'Bearer a b c']); return [`Authorization: ${auth.slice(0, 20)}`, [...base, `Authorization: ${auth}`, `Content-Length: ${json.length}`], json]; }],
    [2, () => { const cookie = rng.pick(['lookout_session=%ff', 'lookout_session=', '=;=;=', 'lookout_session=a; lookout_session=b', `lookout_session=${'a'.repeat(10_000)}`, Array.from({ length: 1000 }, (_, i) => `c${i}=${i}`).join('; '), 'lookout_session="unterminated']); return [`Cookie: ${cookie.slice(0, 20)}`, [...base, `Cookie: ${cookie}`, 'x-lookout-csrf: x', `Content-Length: ${json.length}`], json]; }],
    [1, () => { const accept = rng.pick(['text/event-stream', 'multipart/mixed', 'text/html', '*/*;q=0', 'application/nope', '', ',,,,', 'a'.repeat(5000)]); return [`Accept: ${accept.slice(0, 20)}`, [...base, `Accept: ${accept}`, `Content-Length: ${json.length}`], json]; }],
  ])();
  const auth = rng.chance(0.3) ? [`Authorization: Bearer ${rng.pick([options.tokens.viewer, options.tokens.operator])}`] : [];
  // Where the case is not about framing the body, frame it correctly.
  const framed = headers.some((h) => /^(content-length|transfer-encoding)\s*:/i.test(h)) ? [] : [`Content-Length: ${Buffer.byteLength(body)}`];
  return { kind: 'raw', label: `${method} ${route}: ${label}`, bytes: request(method, route, 'HTTP/1.1', [...headers, ...auth, ...framed], body) };
}

/** An upgrade request that the upgrade path (not the request handler) has to survive. */
function upgradeAbuse(rng: Prng): RawCase {
  const target = rng.pick(['/graphql', '/graphql', '//[', '/%ff', '/', '/health', '*', 'http://[', '/graphql?x=%ff', bigTarget(rng)]);
  const headers = ['Host: 127.0.0.1', 'Connection: Upgrade', `Upgrade: ${rng.pick(['websocket', 'websocket', 'h2c', 'WebSocket', 'nope', ''])}`];
  if (rng.chance(0.8)) headers.push(`Sec-WebSocket-Key: ${rng.pick(['dGhlIHNhbXBsZSBub25jZQ==', 'short', '', 'x'.repeat(1000)])}`);
  if (rng.chance(0.8)) headers.push(`Sec-WebSocket-Version: ${rng.pick(['13', '8', '99', 'x'])}`);
  if (rng.chance(0.7)) headers.push(`Sec-WebSocket-Protocol: ${rng.pick(['graphql-transport-ws', 'graphql-ws', 'a, b, c', '', 'x'.repeat(2000)])}`);
  if (rng.chance(0.3)) headers.push(`Origin: ${rng.pick(['https://evil.example', 'null', 'http://[', 'http://127.0.0.1', '%ff'])}`);
  if (rng.chance(0.2)) headers.push('Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=99');
  const trailing = rng.chance(0.3) ? rng.bytes(rng.range(1, 200)) : Buffer.alloc(0);
  return { kind: 'raw', label: `upgrade ${JSON.stringify(target.slice(0, 30))}`, bytes: Buffer.concat([request('GET', target, 'HTTP/1.1', headers), trailing]) };
}

/** Who sends a document: never the admin for a mutation (it could revoke the fuzz's own tokens). */
function credentials(rng: Prng, document: FuzzDocument | null, tokens: FuzzTokens): Record<string, string> {
  const readOnly = document !== null && (document.operation === 'query' || document.operation === 'subscription');
  const token = rng.weighted<string | null>([[3, null], [2, tokens.viewer], [2, tokens.operator], [readOnly ? 3 : 0, tokens.admin], [1, 'lko_not_a_token']]);
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** The JSON body of a POST /graphql: the document as it should be sent, or in some wrong shape. */
function graphqlBody(rng: Prng, d: FuzzDocument, options: HttpCaseOptions): [string, string | Buffer] {
  const params = { query: d.query, variables: d.variables, operationName: d.operationName };
  const huge = () => rng.range(100_000, options.maxBodyBytes);
  return rng.weighted<() => [string, string | Buffer]>([
    [12, () => [d.label, JSON.stringify(params)]],
    [1, () => { const query = rng.pick<unknown>([123, null, ['{ serverTime }'], {}, true, '']); return [`query is ${JSON.stringify(query)}`, JSON.stringify({ query })]; }],
    [1, () => ['no query', JSON.stringify({ variables: {} })]],
    [2, () => { const variables = anyValue(rng, options); return ['variables of another type', JSON.stringify({ ...params, variables: typeof variables === 'object' && variables !== null && !Array.isArray(variables) ? 'notjson' : variables })]; }],
    [1, () => { const operationName = rng.pick<unknown>([{}, [], 1, true, 'x'.repeat(5000)]); return ['operationName of another type', JSON.stringify({ ...params, operationName })]; }],
    [1, () => { const extensions = rng.pick<unknown>(['x', 1, [], { persistedQuery: { version: 1, sha256Hash: 'abc' } }, { persistedQuery: 'x' }]); return ['bad extensions', JSON.stringify({ ...params, extensions })]; }],
    [2, () => {
      // Bounded by the body limit's order of magnitude: a thousand copies of a large document would
      // not fit in a JavaScript string (regression: the bench's generator died of "Invalid string length").
      const one = JSON.stringify(params);
      const n = Math.min(rng.pick([0, 1, 2, 50, 1000]), Math.max(1, Math.floor((2 * options.maxBodyBytes) / Math.max(1, one.length))));
      return [`batch of ${n}`, `[${Array(n).fill(one).join(',')}]`];
    }],
    [2, () => { const text = JSON.stringify(params); return ['truncated JSON', text.slice(0, rng.int(text.length))]; }],
    [1, () => { const n = rng.pick([100, 10_000, Math.floor(options.maxBodyBytes / 2)]); return [`${n} nested arrays`, '['.repeat(n)]; }],
    [1, () => { const n = rng.pick([100, 10_000, 200_000]); return [`${n} nested objects`, `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`]; }],
    [1, () => { const n = huge(); return [`variable of ${n} bytes`, JSON.stringify({ query: 'query ($s: String) { serverTime }', variables: { s: 'x'.repeat(n) } })]; }],
    [1, () => { const n = huge(); return [`body of ${n} bytes`, `{"query":"${'a'.repeat(n)}`]; }],
    [1, () => { const text = rng.pick(['notjson', '', 'null', 'true', '1', '"{ serverTime }"', '[]', '{}', '\ufeff{"query":"{ serverTime }"}', '{"query":"\\ud800"}', '{"__proto__":{"query":"{ serverTime }"}}']); return [`body ${JSON.stringify(text)}`, text]; }],
    [1, () => ['random bytes', rng.bytes(rng.range(1, 5000))]],
    [1, () => ['UTF-16 JSON', Buffer.from(JSON.stringify(params), 'utf16le')]],
  ])();
}

const CONTENT_TYPES = [
  'application/json', 'application/json', 'application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'application/graphql+json',
  'application/graphql', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=xyz', 'multipart/form-data', '', 'text/html',
  'application/xml', 'application/json; boundary=x; charset=nope', `application/${'x'.repeat(3000)}`,
];
const ACCEPTS = ['application/graphql-response+json', 'application/json', '*/*', 'application/graphql-response+json, application/json', 'text/html', 'multipart/mixed', 'garbage', ''];

/** POST /graphql with a hostile document or body, through fetch. */
function graphqlPost(rng: Prng, options: HttpCaseOptions): FetchCase {
  const document = randomDocument(rng, options);
  const [label, body] = graphqlBody(rng, document, options);
  // Mostly the right headers, so that most documents reach the schema; the rest exercise the checks before it.
  const contentType = rng.chance(0.7) ? 'application/json' : rng.pick(CONTENT_TYPES);
  const accept = rng.chance(0.7) ? 'application/graphql-response+json' : rng.chance(0.05) ? 'text/event-stream' : rng.pick(ACCEPTS);
  const headers: Record<string, string> = { ...credentials(rng, document, options.tokens), accept };
  if (contentType) headers['content-type'] = contentType;
  const sent = contentType === 'application/graphql' && typeof body === 'string' && body.startsWith('{"') ? document.query : body;
  return { kind: 'fetch', label: `POST /graphql (${contentType || 'no content type'}): ${label}`, method: 'POST', path: '/graphql', headers, body: sent };
}

/** GET /graphql with query-string parameters, well or badly encoded. */
function graphqlGet(rng: Prng, options: HttpCaseOptions): FetchCase {
  const document = randomDocument(rng, { maxBytes: Math.min(options.maxBytes, 60_000) });
  const params = new URLSearchParams();
  if (rng.chance(0.9)) params.set('query', document.query);
  if (rng.chance(0.4)) params.set('variables', rng.chance(0.5) ? JSON.stringify(document.variables ?? anyValue(rng, options)) : rng.pick(['notjson', '{', '[]', '1', 'null', '%ff']));
  if (rng.chance(0.2)) params.set('operationName', rng.pick(['A', '', '{}', 'x'.repeat(1000)]));
  if (rng.chance(0.2)) params.set('extensions', rng.pick(['notjson', '{}', '{"persistedQuery":{"version":1,"sha256Hash":"abc"}}', '[]']));
  let query = params.toString();
  if (rng.chance(0.15)) query += rng.pick(['&query=%ff', '&variables=%', '&&&', '&query', '&query[]=1']);
  return {
    kind: 'fetch', label: `GET /graphql: ${document.label}`, method: rng.chance(0.9) ? 'GET' : 'HEAD', path: `/graphql?${query}`,
    headers: { ...credentials(rng, document, options.tokens), accept: rng.chance(0.7) ? 'application/graphql-response+json' : rng.pick(ACCEPTS) },
  };
}

/** The other routes, with any method and body. */
function otherRoute(rng: Prng, options: HttpCaseOptions): FetchCase {
  const path = rng.pick([...ROUTES, '/ping/abcdefgh12', `/ping/${rng.string(rng.range(1, 80), 'abc-_%/.')}`, '/assets/../../package.json', '/%ff', '/a%2f..%2f..%2fpackage.json']);
  const method = rng.pick(['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);
  const body = method === 'GET' || method === 'HEAD' ? undefined : rng.chance(0.5) ? rng.bytes(rng.range(0, 10_000)) : 'x'.repeat(rng.range(0, Math.min(options.maxBodyBytes, 2_000_000)));
  return { kind: 'fetch', label: `${method} ${path.slice(0, 40)}`, method, path, headers: credentials(rng, null, options.tokens), body };
}

/** The kinds of hostile request, each a generator, with how often randomHttpCase draws it. */
export const HTTP_CASE_KINDS = {
  'malformed request lines and targets': { weight: 3, generate: (rng: Prng, _options: HttpCaseOptions): HttpCase => requestLine(rng) },
  'broken headers and body framing': { weight: 4, generate: headerAbuse },
  'upgrade requests': { weight: 1, generate: (rng: Prng, _options: HttpCaseOptions): HttpCase => upgradeAbuse(rng) },
  'POST /graphql bodies and documents': { weight: 8, generate: graphqlPost },
  'GET /graphql query strings': { weight: 2, generate: graphqlGet },
  'other routes with any method': { weight: 1, generate: otherRoute },
} satisfies Record<string, { weight: number; generate: (rng: Prng, options: HttpCaseOptions) => HttpCase }>;

/** One hostile HTTP request of any kind. */
export function randomHttpCase(rng: Prng, options: HttpCaseOptions): HttpCase {
  const kinds = Object.values(HTTP_CASE_KINDS);
  return rng.weighted(kinds.map((k) => [k.weight, k.generate] as const))(rng, options);
}
