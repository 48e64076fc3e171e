import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk, signInSession } from '../support/graphql.ts';

describe('CSRF protection of cookie-authenticated requests', () => {
  let ts: TestServer;
  let session: { cookie: string; csrf: string };
  beforeAll(async () => {
    ts = await startTestServer();
    await gqlOk(ts, 'mutation { createUser(input: { email: "boss@example.com", password: "admin password", role: ADMIN }) { id } }', {}, { token: ts.adminToken });
    session = await signInSession(ts, 'boss@example.com', 'admin password');
  });
  afterAll(() => ts?.close());

  const CREATE = 'mutation { createApiToken(input: { name: "forged", role: ADMIN }) { secret } }';

  it('refuses a mutation that carries the cookie but not the CSRF header', async () => {
    const result = await gql(ts, CREATE, {}, { cookie: session.cookie });
    expect(result.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(result.errors?.[0].message).toMatch(/x-lookout-csrf/);
    const tokens = await gqlOk<{ apiTokens: { name: string }[] }>(ts, '{ apiTokens { name } }', {}, { token: ts.adminToken });
    expect(tokens.apiTokens.map((t) => t.name)).not.toContain('forged');
  });

  it('refuses a CSRF header that does not match the session', async () => {
    const result = await gql(ts, CREATE, {}, { cookie: session.cookie, csrf: 'guessed' });
    expect(result.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('accepts the cookie with the matching header', async () => {
    const result = await gql(ts, CREATE, {}, session);
    expect(result.errors).toBeUndefined();
  });

  it('refuses a cross-site form post, which cannot set the header', async () => {
    const response = await fetch(`${ts.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session.cookie, origin: 'https://evil.example' },
      body: `query=${encodeURIComponent(CREATE.replace('forged', 'form-forged'))}`,
    });
    const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const tokens = await gqlOk<{ apiTokens: { name: string }[] }>(ts, '{ apiTokens { name } }', {}, { token: ts.adminToken });
    expect(tokens.apiTokens.map((t) => t.name)).not.toContain('form-forged');
  });

  it('does not need the header for bearer tokens', async () => {
    expect((await gql(ts, '{ me { name } }', {}, { token: ts.adminToken })).errors).toBeUndefined();
  });
});

/**
 * Regression: yoga answered every Origin with CORS headers and credentials, and a page on another
 * port of the same host (its cookies are Lookout's: a cookie ignores the port) read the CSRF cookie,
 * sent it and read the answer: it minted an admin token as the signed-in admin. A form from another
 * site could also sign the visitor in as the attacker (login CSRF).
 */
describe('requests to the API from a page of another origin', () => {
  let ts: TestServer;
  let session: { cookie: string; csrf: string };
  let sameHostOtherPort: string;
  const ALLOWED = 'https://console.example';
  beforeAll(async () => {
    ts = await startTestServer({ config: { allowedOrigins: [ALLOWED] } });
    await gqlOk(ts, 'mutation { createUser(input: { email: "chief@example.com", password: "admin password", role: ADMIN }) { id } }', {}, { token: ts.adminToken });
    session = await signInSession(ts, 'chief@example.com', 'admin password');
    const url = new URL(ts.url);
    sameHostOtherPort = `${url.protocol}//${url.hostname}:${Number(url.port) + 1}`;
  });
  afterAll(() => ts?.close());

  const tokenNames = async () => (await gqlOk<{ apiTokens: { name: string }[] }>(ts, '{ apiTokens { name } }', {}, { token: ts.adminToken })).apiTokens.map((t) => t.name);
  const post = (origin: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${ts.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', origin, ...headers }, body: JSON.stringify(body) });

  it('gives a page on another port of the same host no CORS answer, and refuses its cookie with the CSRF header', async () => {
    const preflight = await fetch(`${ts.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: sameHostOtherPort, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-lookout-csrf' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    const response = await post(sameHostOtherPort, { query: 'mutation { createApiToken(input: { name: "cross-origin", role: ADMIN }) { secret } }' }, { cookie: session.cookie, 'x-lookout-csrf': session.csrf });
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(body.errors[0].message).toContain(sameHostOtherPort);
    expect(body.errors[0].message).toContain('LOOKOUT_ALLOWED_ORIGINS');
    expect(await tokenNames()).not.toContain('cross-origin');
  });

  it('refuses a sign-in from another site, which would set its cookies (login CSRF)', async () => {
    const response = await fetch(`${ts.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: `query=${encodeURIComponent('mutation { signIn(email: "chief@example.com", password: "admin password") { expiresAt } }')}`,
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it('refuses a sign-in from another site that carries Basic or Negotiate credentials a browser adds by itself (regression: any Authorization header let it through)', async () => {
    for (const authorization of ['Basic dXNlcjpwYXNz', 'Negotiate YIIBhwYGKwYBBQUCoIIBezCCAXeg', 'Bearer']) {
      const response = await fetch(`${ts.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example', authorization },
        body: `query=${encodeURIComponent('mutation { signIn(email: "chief@example.com", password: "admin password") { expiresAt } }')}`,
      });
      expect(response.status, authorization).toBe(403);
      expect(response.headers.get('set-cookie')).toBeNull();
    }
  });

  it('refuses the REST paths from another origin with cookies too', async () => {
    const response = await fetch(`${ts.url}/admin/health`, { headers: { origin: sameHostOtherPort, cookie: session.cookie, 'x-lookout-csrf': session.csrf } });
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it("answers Lookout's own origin, with CORS for it", async () => {
    const own = new URL(ts.url).origin;
    const response = await post(own, { query: '{ me { name } }' }, { cookie: session.cookie, 'x-lookout-csrf': session.csrf });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: { me: { name: string } } }).data.me.name).toBe('chief@example.com');
  });

  it('takes an API token from another origin, without letting that page read the answer', async () => {
    const response = await post(sameHostOtherPort, { query: '{ me { name } }' }, { authorization: `Bearer ${ts.adminToken}` });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets an origin of LOOKOUT_ALLOWED_ORIGINS call with cookies and read the answer', async () => {
    const preflight = await fetch(`${ts.url}/graphql`, { method: 'OPTIONS', headers: { origin: ALLOWED, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-lookout-csrf' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('x-lookout-csrf');
    const response = await post(ALLOWED, { query: '{ me { name } }' }, { cookie: session.cookie, 'x-lookout-csrf': session.csrf });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
  });
});
