import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';

const CREATE = 'mutation($input: CreateUserInput!) { createUser(input: $input) { id email role disabled } }';

describe('users and roles', () => {
  let ts: TestServer;
  const admin = () => ({ token: ts.adminToken });
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(() => ts?.close());

  it('creates users with a role, storing the email lower-cased and the password as an argon2id hash', async () => {
    const { createUser } = await gqlOk<{ createUser: { id: string; email: string; role: string } }>(
      ts, CREATE, { input: { email: 'Ana@Example.com', password: 'a long password', role: 'OPERATOR' } }, admin(),
    );
    expect(createUser).toMatchObject({ email: 'ana@example.com', role: 'OPERATOR' });
    const [row] = await ts.server.app.orm.em.getConnection().execute<{ password_hash: string }[]>('select password_hash from users where id = ?', [createUser.id]);
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
  });

  it.each([
    [{ email: 'nope', password: 'a long password', role: 'VIEWER' }, 'BAD_USER_INPUT', 'email'],
    [{ email: 'b@example.com', password: 'short', role: 'VIEWER' }, 'BAD_USER_INPUT', 'password'],
    [{ email: 'ana@example.com', password: 'a long password', role: 'VIEWER' }, 'CONFLICT', 'email'],
  ])('refuses %j (%s, field %s) and creates nobody', async (input, code, field) => {
    const before = await gqlOk<{ users: unknown[] }>(ts, '{ users { id } }', {}, admin());
    const result = await gql(ts, CREATE, { input }, admin());
    expect(result.errors?.[0].extensions).toMatchObject({ code, field });
    expect((await gqlOk<{ users: unknown[] }>(ts, '{ users { id } }', {}, admin())).users).toHaveLength(before.users.length);
  });

  it('refuses an unknown role at the schema boundary, naming it', async () => {
    const result = await gql(ts, CREATE, { input: { email: 'c@example.com', password: 'a long password', role: 'ROOT' } }, admin());
    expect(result.errors?.[0].message).toMatch(/role/);
  });

  it('changes a role and refuses to demote or disable the last active admin', async () => {
    const { createUser } = await gqlOk<{ createUser: { id: string } }>(ts, CREATE, { input: { email: 'root@example.com', password: 'a long password', role: 'ADMIN' } }, admin());
    const demote = await gql(ts, 'mutation($id: ID!) { setUserRole(id: $id, role: VIEWER) { role } }', { id: createUser.id }, admin());
    expect(demote.errors?.[0]).toMatchObject({ message: expect.stringMatching(/last active admin/), extensions: { code: 'CONFLICT' } });
    const disable = await gql(ts, 'mutation($id: ID!) { setUserDisabled(id: $id, disabled: true) { disabled } }', { id: createUser.id }, admin());
    expect(disable.errors?.[0].extensions?.code).toBe('CONFLICT');

    await gqlOk(ts, CREATE, { input: { email: 'second@example.com', password: 'a long password', role: 'ADMIN' } }, admin());
    const ok = await gqlOk<{ setUserRole: { role: string } }>(ts, 'mutation($id: ID!) { setUserRole(id: $id, role: VIEWER) { role } }', { id: createUser.id }, admin());
    expect(ok.setUserRole.role).toBe('VIEWER');
  });

  it('answers NOT_FOUND for an unknown user', async () => {
    const result = await gql(ts, 'mutation { setUserRole(id: "00000000-0000-0000-0000-000000000000", role: VIEWER) { role } }', {}, admin());
    expect(result.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('lists roles with the capabilities each grants', async () => {
    const { roles } = await gqlOk<{ roles: { role: string; capabilities: string[] }[] }>(ts, '{ roles { role capabilities } }', {}, admin());
    expect(roles).toEqual([
      { role: 'VIEWER', capabilities: ['platform.access_system_panel', 'platform.operations.view'] },
      { role: 'OPERATOR', capabilities: ['platform.access_system_panel', 'platform.operations.view', 'platform.operations.manage'] },
      { role: 'ADMIN', capabilities: ['platform.access_system_panel', 'platform.operations.view', 'platform.operations.manage', 'platform.system.admin'] },
    ]);
  });
});
