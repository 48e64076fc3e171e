import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';
import { graphql } from '../graphql/index.ts';

const CreateToken = graphql(`
  mutation CreateToken($input: CreateApiTokenInput!) {
    createApiToken(input: $input) { secret token { id name prefix role capabilities status expiresAt createdBy } }
  }
`);
const RevokeToken = graphql(`mutation RevokeToken($id: ID!) { revokeApiToken(id: $id) { id status revokedAt } }`);
const Tokens = graphql(`query Tokens { apiTokens { id name status lastUsedAt prefix } }`);
const WhoAmI = graphql(`query WhoAmI { me { kind name role capabilities } }`);

describe('API tokens', () => {
  const clock = new ManualClock(new Date('2026-03-01T08:00:00Z'));
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ clock });
  });
  afterAll(() => ts?.close());

  it('creates a token whose secret is shown once, has a recognisable prefix and is stored only as a hash', async () => {
    const { createApiToken } = await gqlOk(ts, CreateToken, { input: { name: 'ci', role: 'OPERATOR' } }, { token: ts.adminToken });
    expect(createApiToken.secret).toMatch(/^lko_[A-Za-z0-9_-]{40,}$/);
    expect(createApiToken.token).toMatchObject({ name: 'ci', role: 'OPERATOR', status: 'ACTIVE' });
    expect(createApiToken.secret.startsWith(createApiToken.token.prefix)).toBe(true);
    expect(createApiToken.token.capabilities).toContain('platform.operations.manage');

    const rows = await ts.server.app.orm.em.getConnection().execute<{ secret_hash: string }[]>('select secret_hash from api_tokens where id = ?', [
      createApiToken.token.id,
    ]);
    expect(rows[0].secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].secret_hash).not.toContain(createApiToken.secret);
    const list = await gqlOk(ts, Tokens, {}, { token: ts.adminToken });
    expect(JSON.stringify(list)).not.toContain(createApiToken.secret);
  });

  it('authenticates with the token and records when it was last used', async () => {
    const { createApiToken } = await gqlOk(ts, CreateToken, { input: { name: 'reader', role: 'VIEWER' } }, { token: ts.adminToken });
    const me = await gqlOk(ts, WhoAmI, {}, { token: createApiToken.secret });
    expect(me.me).toMatchObject({ kind: 'token', name: 'reader', role: 'VIEWER' });
    const list = await gqlOk(ts, Tokens, {}, { token: ts.adminToken });
    expect(list.apiTokens.find((t) => t.id === createApiToken.token.id)?.lastUsedAt).toBe(clock.now().toISOString());
  });

  it('grants an explicit capability set instead of a role', async () => {
    const { createApiToken } = await gqlOk(ts, CreateToken, { input: { name: 'ops-bot', capabilities: ['platform.operations.view'] } }, { token: ts.adminToken });
    expect(createApiToken.token.role).toBeNull();
    const me = await gqlOk(ts, WhoAmI, {}, { token: createApiToken.secret });
    expect(me.me?.capabilities).toEqual(['platform.operations.view']);
    const refused = await gql(ts, '{ serverTime }', {}, { token: createApiToken.secret });
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('stops working once revoked', async () => {
    const { createApiToken } = await gqlOk(ts, CreateToken, { input: { name: 'temp', role: 'ADMIN' } }, { token: ts.adminToken });
    expect((await gqlOk(ts, WhoAmI, {}, { token: createApiToken.secret })).me?.name).toBe('temp');
    const revoked = await gqlOk(ts, RevokeToken, { id: createApiToken.token.id }, { token: ts.adminToken });
    expect(revoked.revokeApiToken.status).toBe('REVOKED');
    const after = await gql(ts, WhoAmI, {}, { token: createApiToken.secret });
    expect(after.data?.me).toBeNull();
    expect((await gql(ts, Tokens, {}, { token: createApiToken.secret })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const again = await gql(ts, RevokeToken, { id: createApiToken.token.id }, { token: ts.adminToken });
    expect(again.errors?.[0].extensions?.code).toBe('CONFLICT');
  });

  it('stops working when it expires', async () => {
    const expiresAt = new Date(clock.now().getTime() + 3600_000).toISOString();
    const { createApiToken } = await gqlOk(ts, CreateToken, { input: { name: 'hour', role: 'VIEWER', expiresAt } }, { token: ts.adminToken });
    expect(createApiToken.token.expiresAt).toBe(expiresAt);
    expect((await gqlOk(ts, WhoAmI, {}, { token: createApiToken.secret })).me?.name).toBe('hour');
    clock.advance(3600_000);
    expect((await gqlOk(ts, WhoAmI, {}, { token: createApiToken.secret })).me).toBeNull();
    const list = await gqlOk(ts, Tokens, {}, { token: ts.adminToken });
    expect(list.apiTokens.find((t) => t.id === createApiToken.token.id)?.status).toBe('EXPIRED');
  });

  it.each([
    [{ name: '', role: 'VIEWER' }, 'name'],
    [{ name: 'x'.repeat(101), role: 'VIEWER' }, 'name'],
    [{ name: 'both', role: 'VIEWER', capabilities: ['platform.operations.view'] }, 'capabilities'],
    [{ name: 'neither' }, 'role'],
    [{ name: 'unknown cap', capabilities: ['platform.everything'] }, 'capabilities'],
    [{ name: 'past', role: 'VIEWER', expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt'],
  ] as const)('refuses bad input %j, naming the field', async (input, field) => {
    const before = await gqlOk(ts, Tokens, {}, { token: ts.adminToken });
    const result = await gql(ts, CreateToken, { input: input as never }, { token: ts.adminToken });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect((await gqlOk(ts, Tokens, {}, { token: ts.adminToken })).apiTokens).toHaveLength(before.apiTokens.length);
  });

  it('refuses to revoke a token that does not exist', async () => {
    const result = await gql(ts, RevokeToken, { id: 'nope' }, { token: ts.adminToken });
    expect(result.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });
});

describe('LOOKOUT_BOOTSTRAP_TOKEN', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(() => ts?.close());

  it('exists as an admin token after start-up', async () => {
    const me = await gqlOk(ts, WhoAmI, {}, { token: ts.adminToken });
    expect(me.me).toMatchObject({ kind: 'token', role: 'ADMIN' });
  });

  it('is restored by the next start when it was revoked, and never duplicated', async () => {
    const list = await gqlOk(ts, Tokens, {}, { token: ts.adminToken });
    const bootstrap = list.apiTokens.find((t) => t.name.startsWith('bootstrap'))!;
    await gqlOk(ts, RevokeToken, { id: bootstrap.id }, { token: ts.adminToken });
    expect((await gql(ts, WhoAmI, {}, { token: ts.adminToken })).data?.me).toBeNull();
    await ts.restart();
    expect((await gqlOk(ts, WhoAmI, {}, { token: ts.adminToken })).me?.role).toBe('ADMIN');
    await ts.restart();
    const after = await gqlOk(ts, Tokens, {}, { token: ts.adminToken });
    expect(after.apiTokens.filter((t) => t.name.startsWith('bootstrap'))).toHaveLength(1);
  });
});
