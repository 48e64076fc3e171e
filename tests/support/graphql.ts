/** GraphQL clients for tests: real HTTP requests and real graphql-ws connections. */
import { print, type DocumentNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestServer } from './server.ts';

export interface GqlError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; field?: string; [key: string]: unknown };
}

export interface GqlResult<T> {
  data?: T | null;
  errors?: GqlError[];
  status: number;
  headers: Headers;
}

export interface Credentials {
  token?: string;
  /** A Cookie header value. */
  cookie?: string;
  /** The x-lookout-csrf header. */
  csrf?: string;
  origin?: string;
}

export async function gql<T = Record<string, unknown>, V = Record<string, unknown>>(
  ts: Pick<TestServer, 'url'>,
  document: string | DocumentNode | TypedDocumentNode<T, V>,
  variables?: V,
  credentials: Credentials = {},
): Promise<GqlResult<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
  if (credentials.token) headers.authorization = `Bearer ${credentials.token}`;
  if (credentials.cookie) headers.cookie = credentials.cookie;
  if (credentials.csrf) headers['x-lookout-csrf'] = credentials.csrf;
  if (credentials.origin) headers.origin = credentials.origin;
  const query = typeof document === 'string' ? document : print(document as DocumentNode);
  const response = await fetch(`${ts.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: T; errors?: GqlError[] };
  return { ...body, status: response.status, headers: response.headers };
}

/** Like gql, but fails the test on any error. */
export async function gqlOk<T = Record<string, unknown>, V = Record<string, unknown>>(
  ts: Pick<TestServer, 'url'>,
  document: string | DocumentNode | TypedDocumentNode<T, V>,
  variables?: V,
  credentials: Credentials = {},
): Promise<T> {
  const result = await gql(ts, document, variables, credentials);
  if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
  return result.data as T;
}

/** Signs in and returns the Cookie header and CSRF token of the new session. */
export async function signInSession(ts: Pick<TestServer, 'url'>, email: string, password: string): Promise<{ cookie: string; csrf: string }> {
  const result = await gql(ts, 'mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { expiresAt } }', { e: email, p: password });
  if (result.errors?.length) throw new Error(`sign-in failed: ${JSON.stringify(result.errors)}`);
  return sessionFrom(result.headers);
}

/** Asks `service(name) { status }` every 100 ms until it is `status` or `timeoutMs` have passed; the last status seen. */
export async function serviceStatusBecomes(ts: Pick<TestServer, 'url' | 'adminToken'>, name: string, status: string, timeoutMs = 10_000): Promise<string | null> {
  const statusOf = async () => (await gqlOk<{ service: { status: string | null } }>(ts, 'query($n: String!) { service(name: $n) { status } }', { n: name }, { token: ts.adminToken })).service.status;
  const deadline = Date.now() + timeoutMs;
  let seen = await statusOf();
  while (seen !== status && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    seen = await statusOf();
  }
  return seen;
}

export function sessionFrom(headers: Headers): { cookie: string; csrf: string } {
  const cookies = headers.getSetCookie().map((c) => c.split(';')[0]);
  const csrf = cookies.find((c) => c.startsWith('lookout_csrf='))?.split('=')[1] ?? '';
  return { cookie: cookies.join('; '), csrf: decodeURIComponent(csrf) };
}

export interface WsOptions {
  token?: string;
  cookie?: string;
  origin?: string;
}

/** A graphql-ws client over a real socket; `close()` when done. */
export function wsClient(ts: Pick<TestServer, 'wsUrl'>, options: WsOptions = {}): Client {
  const headers: Record<string, string> = {};
  if (options.cookie) headers.cookie = options.cookie;
  if (options.origin) headers.origin = options.origin;
  class HeaderedWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  return createClient({
    url: ts.wsUrl,
    webSocketImpl: HeaderedWebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: options.token ? { authorization: `Bearer ${options.token}` } : undefined,
  });
}

/** Collects the first `count` events of a subscription (or its error). */
export function takeEvents<T>(client: Client, query: string, count: number, variables?: Record<string, unknown>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const events: T[] = [];
    // Settled once: events that arrive before the unsubscribe takes effect must not grow the array the
    // caller already has (regression: a batch's claim event showed up as a fourth of three events).
    let settled = false;
    const dispose = client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          if (settled) return;
          if (value.errors?.length) {
            settled = true;
            dispose();
            reject(Object.assign(new Error(value.errors[0].message), { errors: value.errors }));
            return;
          }
          events.push(value.data as T);
          if (events.length >= count) {
            settled = true;
            dispose();
            resolve(events.slice());
          }
        },
        error: (err) => reject(err instanceof Error ? err : Object.assign(new Error('socket error'), { event: err })),
        complete: () => resolve(events),
      },
    );
  });
}

/** Creates the first admin with the server's printed setup link, as a new user would. */
export async function completeSetupAs(ts: Pick<TestServer, 'url' | 'setupUrl'>, person: { email: string; password: string }): Promise<void> {
  const token = new URLSearchParams(new URL(ts.setupUrl!).hash.slice(1)).get('token');
  await gqlOk(ts, 'mutation($t: String!, $e: String!, $p: String!) { completeSetup(token: $t, email: $e, password: $p) { expiresAt } }', { t: token, e: person.email, p: person.password });
}
