/**
 * The corpus: requests and conversations that once stopped, failed or flooded Lookout (issue 9 and
 * what the fuzz found since), sent every run before the random ones. A new finding belongs here.
 */
import { frame, type WsCase, type WsCaseOptions } from './ws-cases.ts';
import type { FetchCase, HttpCase, HttpCaseOptions, RawCase } from './http-cases.ts';

const raw = (label: string, text: string): RawCase => ({ kind: 'raw', label, bytes: Buffer.from(text, 'latin1') });
const post = (label: string, body: string | Buffer, headers: Record<string, string> = {}): FetchCase => ({
  kind: 'fetch', label, method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers }, body,
});
const get = (label: string, query: string, headers: Record<string, string> = {}): FetchCase => ({ kind: 'fetch', label, method: 'GET', path: `/graphql?${query}`, headers: { accept: 'application/graphql-response+json', ...headers } });
const upgrade = (target: string) => `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;
const deep = (n: number) => `{ ${'a { '.repeat(n)}b${' }'.repeat(n)} }`;

export function httpCorpus(options: HttpCaseOptions): HttpCase[] {
  const auth = { authorization: `Bearer ${options.tokens.viewer}` };
  const query = (q: string, variables?: unknown) => JSON.stringify({ query: q, variables });
  return [
    raw('issue 9 #1: a target that is not a URL', 'GET //[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    raw('issue 9 #1: the same target as a WebSocket upgrade', upgrade('//[')),
    raw('an absolute target that is not a URL, upgrading', upgrade('http://[')),
    raw('issue 9 #10: GET /%ff', 'GET /%ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    raw('a bad escape under /ping', 'HEAD /ping/%b/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    raw('a Host that is not a host (yoga built its URL from it: 500 with a stack)', 'GET /graphql HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n'),
    raw('a Host with a port out of range', 'GET /graphql HTTP/1.1\r\nHost: x:99999\r\nConnection: close\r\n\r\n'),
    raw('HTTP/1.0, absolute target, no Host', 'GET http://x/graphql HTTP/1.0\r\n\r\n'),
    raw('no version, absolute target', 'DELETE http://x/graphql\r\n\r\n'),
    raw('a body announced but never sent', `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 9999999\r\n\r\n{"query":`),
    get('issue 9 #10: variables that are not JSON', 'query=%7BserverTime%7D&variables=notjson', auth),
    get('extensions that are not JSON', 'query=%7BserverTime%7D&extensions=notjson', auth),
    get('a target of 70,000 bytes', `query=${'a'.repeat(70_000)}`),
    post('issue 9 #4: a body of [[[[ over the limit', Buffer.alloc(Math.min(options.maxBodyBytes, 12 * 1024 * 1024), '[')),
    post('issue 9 #4: invalid JSON of 300 KB (was echoed back)', `{"query":"${'a'.repeat(300_000)}`),
    post('issue 9 #10: a query 10,000 levels deep', query(deep(10_000)), auth),
    post('issue 9 #12: 50,000 directives', query(`{ serverTime ${'@skip(if: false) '.repeat(50_000)}}`), auth),
    post('a query of one 1 MB name', query('a'.repeat(1_000_000))),
    post('introspection: 30 aliases of __schema (each the whole schema, free in the cost)', query(`{ ${Array.from({ length: 30 }, (_, i) => `s${i}: __schema { types { name fields { name args { name } } } }`).join(' ')} }`)),
    post('introspection: 30 aliased lists inside one __schema (900 bytes asked, 4.8 MB answered)', query(`{ __schema { ${Array.from({ length: 30 }, (_, i) => `t${i}: types { ...T }`).join(' ')} } } fragment T on __Type { name fields { name description args { name } type { name ofType { name ofType { name } } } } }`)),
    post('a fragment cycle', query('{ ...A } fragment A on Query { serverTime ...B } fragment B on Query { ...A }'), auth),
    post('a batch of 1,000 operations', JSON.stringify(Array(1000).fill({ query: '{ serverTime }' })), auth),
    post('a long value of the wrong type in a query variable (graphql-jit errors are read-only)', query('query ($n: Int!) { opsSummary(hours: $n) { __typename } }', { n: 'x'.repeat(100) }), auth),
    post('a long value of the wrong type in a mutation variable', query('mutation ($o: CompletionOutcome!) { completeRun(id: "1", leaseToken: "x", outcome: $o) { id } }', { o: 'x'.repeat(100) }), auth),
    post('NUL in an argument (PostgreSQL cannot store it)', query('query ($n: String!) { service(name: $n) { name } }', { n: 'a\u0000b' }), auth),
    post('NUL in an anonymous sign-in', query('mutation ($e: String!) { signIn(email: $e, password: "x") { expiresAt } }', { e: 'a\u0000b' })),
    post('an unknown service name longer than the audit column', query('mutation ($n: String!) { pauseService(name: $n) { name } }', { n: 's'.repeat(300) }), { authorization: `Bearer ${options.tokens.operator}` }),
    post('a sign-in with an email longer than the throttle column', query('mutation ($e: String!) { signIn(email: $e, password: "x") { expiresAt } }', { e: `${'e'.repeat(1000)}@example.com` })),
    post('a DateTime before the range of PostgreSQL (the earliest JavaScript date)', query('query ($t: DateTime) { service(name: "lookout") { latencySeries(to: $t) { at } } }', { t: '-271821-04-20T00:00:00Z' }), { authorization: `Bearer ${options.tokens.admin}` }),
    post('a lone surrogate in an audited mutation', query('mutation ($n: String!) { registerWorker(name: $n, types: ["a.b"]) { name } }', { n: 'a\ud800b' }), { authorization: `Bearer ${options.tokens.operator}` }),
    post('a worker type named "null" (an array literal made it SQL NULL, and the type list failed every read)', query('mutation { registerWorker(name: "fuzz-null-type", types: ["null"]) { name types } }'), { authorization: `Bearer ${options.tokens.operator}` }),
    post('a subscription over HTTP (a stream that outlived its credential)', query('subscription { serverTime }'), { ...auth, accept: 'text/event-stream' }),
  ];
}

const json = (value: unknown) => JSON.stringify(value);
const subscribe = (id: string, q: string, variables?: unknown) => json({ id, type: 'subscribe', payload: { query: q, variables } });

/** `limitBytes`: the server's bound on a message (one just over it is in the corpus). */
export function wsCorpus(options: WsCaseOptions, limitBytes: number): WsCase[] {
  const init = json({ type: 'connection_init', payload: { authorization: `Bearer ${options.tokens.viewer}` } });
  const conversation = (label: string, messages: (string | Buffer)[], waitForAck = true): WsCase => ({
    kind: 'ws', label, path: '/graphql', protocols: ['graphql-transport-ws'], headers: {}, messages, waitForAck, probe: true,
  });
  const ping = Buffer.from(json({ type: 'ping' }));
  return [
    conversation('issue 9 #11: a syntax error in one subscribe', [init, subscribe('a', 'subscription { serverTime }'), subscribe('b', '{ a { ')]),
    conversation('issue 9 #11: a subscribe 10,000 levels deep', [init, subscribe('a', deep(10_000))]),
    conversation('issue 9 #11: client-sent next', [init, json({ id: 'x', type: 'next', payload: { data: {} } })]),
    conversation('issue 9 #11: client-sent error', [init, json({ id: 'x', type: 'error', payload: [] })]),
    conversation('issue 9 #11: client-sent connection_ack', [init, json({ type: 'connection_ack' })]),
    conversation('a limit exceeded in a subscribe (depth, aliases)', [init, subscribe('a', `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: __typename`).join(' ')} }`)]),
    conversation('subscribe before init', [subscribe('a', '{ __typename }')], false),
    conversation('init twice', [init, init]),
    conversation('the same id twice', [init, subscribe('a', 'subscription { serverTime }'), subscribe('a', 'subscription { serverTime }')]),
    conversation('an id of 10,000 characters (sent back with every message of its operation)', [init, subscribe('i'.repeat(10_000), '{ __typename }')]),
    conversation('a ping of 1 MB (a pong may not echo it)', [init, json({ type: 'ping', payload: { data: 'x'.repeat(1024 * 1024) } })]),
    conversation('a message over the size limit', [init, 'x'.repeat(limitBytes + 1)]),
    conversation('NUL in a variable', [init, subscribe('a', 'query ($n: String!) { service(name: $n) { name } }', { n: 'a\u0000b' })]),
    conversation('a long value of the wrong type in a variable', [init, subscribe('a', 'query ($n: Int!) { opsSummary(hours: $n) { __typename } }', { n: 'x'.repeat(100) })]),
    conversation('a token with NUL', [json({ type: 'connection_init', payload: { authorization: 'Bearer lko_\u0000' } })], false),
    { kind: 'ws-frames', label: 'a frame declaring 2^63-1 bytes', frames: frame(0x1, ping, { declaredLength: 0x7fffffffffffffffn }) },
    { kind: 'ws-frames', label: 'invalid UTF-8 in a text frame', frames: frame(0x1, Buffer.from([0xff, 0xfe])) },
    { kind: 'ws-frames', label: 'an unmasked frame', frames: frame(0x1, ping, { unmasked: true }) },
  ];
}
