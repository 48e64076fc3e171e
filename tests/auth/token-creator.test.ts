/**
 * Regression (found by an attack review): an admin minted an admin token, was then made a viewer
 * and disabled; their sessions ended, but the token kept acting as admin and created admin users.
 * A token now acts with at most its creator's access as it is now: their role, their workspaces,
 * and nothing at all once they are disabled. Tokens made by the CLI or LOOKOUT_BOOTSTRAP_TOKEN
 * have no creator and keep their grant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk, signInSession } from '../support/graphql.ts';

const BOSS = { email: 'boss@example.com', password: 'a long admin passphrase' };
const ME = '{ me { role capabilities } }';
const CREATE_USER = 'mutation($e: String!) { createUser(input: { email: $e, password: "another long password", role: ADMIN }) { id } }';

describe('a token made by a user', () => {
  let ts: TestServer;
  let bossId: string;
  let token: { token: string };
  const admin = () => ({ token: ts.adminToken });
  const setRole = (role: string) => gqlOk(ts, `mutation($id: ID!) { setUserRole(id: $id, role: ${role}) { id } }`, { id: bossId }, admin());
  const setDisabled = (disabled: boolean) => gqlOk(ts, 'mutation($id: ID!, $d: Boolean!) { setUserDisabled(id: $id, disabled: $d) { id } }', { id: bossId, d: disabled }, admin());

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    bossId = (await gqlOk<{ createUser: { id: string } }>(ts, 'mutation($e: String!, $p: String!) { createUser(input: { email: $e, password: $p, role: ADMIN }) { id } }', { e: BOSS.email, p: BOSS.password }, admin())).createUser.id;
    const session = await signInSession(ts, BOSS.email, BOSS.password);
    const made = await gqlOk<{ createApiToken: { secret: string } }>(ts, 'mutation { createApiToken(input: { name: "boss-automation", role: ADMIN }) { secret } }', {}, session);
    token = { token: made.createApiToken.secret };
  });
  afterAll(() => ts?.close());

  it('acts with its own grant while its creator has it', async () => {
    expect((await gqlOk<{ me: { role: string } }>(ts, ME, {}, token)).me.role).toBe('ADMIN');
    expect((await gql(ts, CREATE_USER, { e: 'first@example.com' }, token)).errors).toBeUndefined();
  });

  it('acts with no more than its creator once they are made a viewer', async () => {
    await setRole('VIEWER');
    const me = await gqlOk<{ me: { role: string; capabilities: string[] } }>(ts, ME, {}, token);
    expect(me.me.role).toBe('VIEWER');
    expect(me.me.capabilities).not.toContain('platform.system.admin');
    expect((await gql(ts, CREATE_USER, { e: 'second@example.com' }, token)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    await setRole('ADMIN');
    expect((await gqlOk<{ me: { role: string } }>(ts, ME, {}, token)).me.role).toBe('ADMIN');
  });

  it('is refused once its creator is disabled, and works again when they are enabled', async () => {
    await setDisabled(true);
    const refused = await gql(ts, CREATE_USER, { e: 'third@example.com' }, token);
    expect(refused.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    await setDisabled(false);
    expect((await gqlOk<{ me: { role: string } }>(ts, ME, {}, token)).me.role).toBe('ADMIN');
  });

  it('leaves a token with no creator (LOOKOUT_BOOTSTRAP_TOKEN) as it is', async () => {
    expect((await gqlOk<{ me: { role: string } }>(ts, ME, {}, admin())).me.role).toBe('ADMIN');
  });
});
