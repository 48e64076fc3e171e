/**
 * Regression (found by an attack review): behind the TLS proxy the README recommends, every user
 * has the proxy's address, so twenty failed sign-ins with made-up emails locked every user out of
 * sign-in. With LOOKOUT_TRUSTED_PROXIES naming the proxy, a request from it is taken to be from the
 * address its X-Forwarded-For names (the nearest not itself trusted); without it, the header is
 * ignored (a client could name any address).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk } from '../support/graphql.ts';

const SIGN_IN = 'mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { expiresAt } }';
const USER = { email: 'real.user@example.com', password: 'the right long password' };

async function signIn(ts: TestServer, email: string, password: string, forwardedFor: string) {
  const response = await fetch(`${ts.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ query: SIGN_IN, variables: { e: email, p: password } }),
  });
  const body = (await response.json()) as { errors?: { extensions: { code: string } }[] };
  return body.errors?.[0].extensions.code ?? 'OK';
}

describe.each([
  ['behind a trusted proxy', ['loopback'], true],
  ['with no proxy trusted', [], false],
] as const)('sign-in throttling %s', (_label, trustedProxies, trusted) => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false, config: { trustedProxies: [...trustedProxies] } });
    await gqlOk(ts, 'mutation($e: String!, $p: String!) { createUser(input: { email: $e, password: $p, role: VIEWER }) { id } }', { e: USER.email, p: USER.password }, { token: ts.adminToken });
  });
  afterAll(() => ts?.close());

  it(trusted ? "blocks the attacker's address, not the real user's" : 'ignores X-Forwarded-For: one address for all', async () => {
    for (let i = 0; i < 20; i++) expect(await signIn(ts, `made-up-${i}@example.com`, 'wrong password', '203.0.113.5')).toBe('UNAUTHENTICATED');
    expect(await signIn(ts, 'another@example.com', 'wrong password', '203.0.113.5')).toBe('RATE_LIMITED');
    expect(await signIn(ts, USER.email, USER.password, '198.51.100.7')).toBe(trusted ? 'OK' : 'RATE_LIMITED');
    const { rows } = await ts.server.app.sql.query<{ client_address: string }>(`select client_address from audit_log where action = 'auth.session.create' order by id desc limit 1`);
    expect(rows[0].client_address).toBe(trusted ? '198.51.100.7' : '127.0.0.1');
  });
});

describe('LOOKOUT_TRUSTED_PROXIES', () => {
  it('refuses an entry that is not an address, a range or a keyword, naming it', () => {
    expect(() => loadConfig({ LOOKOUT_TRUSTED_PROXIES: '10.0.0.0/8, proxy.example' })).toThrow('LOOKOUT_TRUSTED_PROXIES: "proxy.example" is not an address');
    expect(loadConfig({ LOOKOUT_TRUSTED_PROXIES: '10.0.0.0/8, loopback, ::1' }).trustedProxies).toEqual(['10.0.0.0/8', 'loopback', '::1']);
  });
});
