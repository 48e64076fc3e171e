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
