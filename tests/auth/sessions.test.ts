import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk, sessionFrom, signInSession } from '../support/graphql.ts';
import { graphql } from '../graphql/index.ts';

const CreateUser = graphql(`
  mutation CreateUser($input: CreateUserInput!) {
    createUser(input: $input) { id email role }
  }
`);
const SignIn = graphql(`
  mutation SignIn($email: String!, $password: String!) {
    signIn(email: $email, password: $password) { expiresAt viewer { name role capabilities } }
  }
`);
const Me = graphql(`query Me { me { name kind role sessionExpiresAt } }`);
const SignOut = graphql(`mutation SignOut { signOut }`);

describe('sign-in sessions', () => {
  const clock = new ManualClock(new Date('2026-06-01T12:00:00Z'));
  let ts: TestServer;

  beforeAll(async () => {
    ts = await startTestServer({ clock, config: { sessionTtlMs: 2 * 3600_000 } });
    for (const [email, role] of [['ops@example.com', 'OPERATOR'], ['slow@example.com', 'VIEWER'], ['other@example.com', 'VIEWER']] as const) {
      await gqlOk(ts, CreateUser, { input: { email, password: 'correct horse battery', role } }, { token: ts.adminToken });
    }
  });
  afterAll(() => ts?.close());

  it('signs in with the right password and sets an httpOnly, SameSite session cookie', async () => {
    const result = await gql(ts, SignIn, { email: 'Ops@Example.com', password: 'correct horse battery' });
    expect(result.errors).toBeUndefined();
    expect(result.data?.signIn.viewer).toMatchObject({ name: 'ops@example.com', role: 'OPERATOR' });
    expect(result.data?.signIn.viewer.capabilities).toContain('platform.operations.manage');
    const setCookies = result.headers.getSetCookie();
    const session = setCookies.find((c) => c.startsWith('lookout_session='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).toMatch(/Max-Age=7200/);
    expect(setCookies.find((c) => c.startsWith('lookout_csrf='))).not.toMatch(/HttpOnly/);
  });

  it('refuses a wrong password without saying whether the account exists', async () => {
    const wrong = await gql(ts, SignIn, { email: 'ops@example.com', password: 'not the password' });
    const unknown = await gql(ts, SignIn, { email: 'nobody@example.com', password: 'not the password' });
    expect(wrong.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(wrong.errors?.[0].message).toBe(unknown.errors?.[0].message);
    expect(wrong.headers.getSetCookie()).toEqual([]);
  });

  it('names the empty field', async () => {
    const result = await gql(ts, SignIn, { email: ' ', password: 'x' });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
  });

  it('knows the signed-in user from the cookie, and forgets them after sign-out', async () => {
    const session = await signInSession(ts, 'ops@example.com', 'correct horse battery');
    const me = await gqlOk(ts, Me, {}, session);
    expect(me.me).toMatchObject({ name: 'ops@example.com', kind: 'user', role: 'OPERATOR' });

    const out = await gql(ts, SignOut, {}, session);
    expect(out.data?.signOut).toBe(true);
    expect(out.headers.getSetCookie().some((c) => c.startsWith('lookout_session=;') && c.includes('Max-Age=0'))).toBe(true);
    expect((await gqlOk(ts, Me, {}, session)).me).toBeNull();
  });

  it('expires a session at its end time', async () => {
    const session = await signInSession(ts, 'ops@example.com', 'correct horse battery');
    clock.advance(2 * 3600_000 - 1000);
    expect((await gqlOk(ts, Me, {}, session)).me?.name).toBe('ops@example.com');
    clock.advance(2000);
    expect((await gqlOk(ts, Me, {}, session)).me).toBeNull();
  });

  it('slows down repeated failures on one account, and lets the right password in after the delay', async () => {
    const attempt = (password: string) => gql(ts, SignIn, { email: 'slow@example.com', password });
    for (let i = 0; i < 5; i++) expect((await attempt('wrong password')).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const blocked = await attempt('correct horse battery');
    expect(blocked.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(blocked.errors?.[0].message).toMatch(/Too many failed sign-ins for this account; try again in \d+ s/);
    // another account from the same address is not blocked yet
    expect((await gql(ts, SignIn, { email: 'other@example.com', password: 'correct horse battery' })).errors).toBeUndefined();
    clock.advance(1500);
    expect((await attempt('correct horse battery')).errors).toBeUndefined();
  });

  it('doubles the delay with each further failure', async () => {
    const attempt = (password: string) => gql(ts, SignIn, { email: 'slow@example.com', password });
    for (let i = 0; i < 5; i++) await attempt('wrong password');
    clock.advance(1100); // first delay (1 s) over
    await attempt('wrong password'); // 6th failure: 2 s
    clock.advance(1100);
    expect((await attempt('correct horse battery')).errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    clock.advance(1000);
    expect((await attempt('correct horse battery')).errors).toBeUndefined();
  });

  it('slows down one address that tries many accounts', async () => {
    for (let i = 0; i < 20; i++) await gql(ts, SignIn, { email: `guess${i}@example.com`, password: 'wrong password' });
    const blocked = await gql(ts, SignIn, { email: 'other@example.com', password: 'correct horse battery' });
    expect(blocked.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    expect(blocked.errors?.[0].message).toMatch(/for this address/);
    clock.advance(16 * 60_000);
    const result = await gql(ts, SignIn, { email: 'other@example.com', password: 'correct horse battery' });
    expect(result.errors).toBeUndefined();
    expect(sessionFrom(result.headers).csrf).not.toBe('');
  });

  it('signs out every session of a disabled user', async () => {
    const session = await signInSession(ts, 'other@example.com', 'correct horse battery');
    const users = await gqlOk(ts, 'query { users { id email } }', {}, { token: ts.adminToken });
    const id = (users as { users: { id: string; email: string }[] }).users.find((u) => u.email === 'other@example.com')!.id;
    await gqlOk(ts, 'mutation($id: ID!) { setUserDisabled(id: $id, disabled: true) { disabled } }', { id }, { token: ts.adminToken });
    expect((await gqlOk(ts, Me, {}, session)).me).toBeNull();
    const again = await gql(ts, SignIn, { email: 'other@example.com', password: 'correct horse battery' });
    expect(again.errors?.[0].message).toBe('This account is disabled.');
  });
});

/**
 * Regression: a sign-in held a pooled connection through its password hash (in the audit
 * transaction) and took a second one for the throttle, so about ten at once held all ten
 * connections while each waited for another: every other request waited 10 s for SERVICE_UNAVAILABLE.
 * And the throttle was checked before any failure was written, so guesses sent together all got
 * their password checked (9 for an account that allows 5).
 */
describe('sign-ins sent together', () => {
  let ts: TestServer;
  const ADMIN_QUERY = '{ users { email } }';

  beforeAll(async () => {
    ts = await startTestServer();
    await gqlOk(ts, CreateUser, { input: { email: 'target@example.com', password: 'correct horse battery', role: 'VIEWER' } }, { token: ts.adminToken });
  });
  afterAll(() => ts?.close());
  const clearThrottle = () => ts.server.app.sql.query('delete from auth_throttle');

  it('do not starve other requests of database connections', async () => {
    await clearThrottle();
    const burst = Array.from({ length: 24 }, (_, i) => gql(ts, SignIn, { email: `guess${i}@example.com`, password: 'wrong password' }));
    const other = gql(ts, ADMIN_QUERY, {}, { token: ts.adminToken });
    const [answer, ...refused] = await Promise.all([other, ...burst]);
    expect(answer.errors).toBeUndefined();
    expect((answer.data as { users: unknown[] }).users.length).toBeGreaterThan(0);
    for (const r of refused) expect(['UNAUTHENTICATED', 'RATE_LIMITED']).toContain(r.errors?.[0].extensions?.code);
    expect(refused.filter((r) => r.errors?.[0].extensions?.code === 'SERVICE_UNAVAILABLE')).toEqual([]);
  }, 60_000);

  it('are counted as they start: no more passwords are checked than the account allows', async () => {
    await clearThrottle();
    const results = await Promise.all(Array.from({ length: 12 }, () => gql(ts, SignIn, { email: 'target@example.com', password: 'wrong password' })));
    const codes = results.map((r) => r.errors?.[0].extensions?.code);
    // Five free attempts, the fifth blocking the account as it starts: the rest are refused unchecked.
    expect(codes.filter((c) => c === 'UNAUTHENTICATED')).toHaveLength(5);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(7);
    const { rows } = await ts.server.app.sql.query<{ failures: number }>(`select failures from auth_throttle where key = 'account:target@example.com'`);
    expect(rows[0].failures).toBe(5);
  }, 60_000);

  it('a right password counts nothing against the address it came from', async () => {
    await clearThrottle();
    await gqlOk(ts, SignIn, { email: 'target@example.com', password: 'correct horse battery' });
    const { rows } = await ts.server.app.sql.query<{ key: string; failures: number }>('select key, failures from auth_throttle');
    expect(rows.filter((r) => r.failures > 0)).toEqual([]);
  });
});
