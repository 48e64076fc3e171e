import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk, sessionFrom } from '../support/graphql.ts';
import { graphql } from '../graphql/index.ts';

const CompleteSetup = graphql(`
  mutation CompleteSetup($token: String!, $email: String!, $password: String!) {
    completeSetup(token: $token, email: $email, password: $password) { viewer { name role } }
  }
`);
const SetupStatus = graphql(`query SetupStatus { setupStatus { required } }`);

describe('first-admin setup link', () => {
  let ts: TestServer;
  let token: string;
  beforeAll(async () => {
    ts = await startTestServer();
    token = new URL(ts.setupUrl!).hash.replace('#token=', '');
  });
  afterAll(() => ts?.close());

  it('is printed while there are no users', async () => {
    expect(ts.setupUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/setup#token=[\w-]{20,}$/);
    expect((await gqlOk(ts, SetupStatus)).setupStatus.required).toBe(true);
  });

  it('refuses a made-up token and a weak password, creating nobody', async () => {
    const fake = await gql(ts, CompleteSetup, { token: 'made-up', email: 'a@example.com', password: 'long enough pass' });
    expect(fake.errors?.[0]).toMatchObject({ message: expect.stringMatching(/not valid/), extensions: { code: 'FORBIDDEN' } });
    const weak = await gql(ts, CompleteSetup, { token, email: 'a@example.com', password: 'short' });
    expect(weak.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'password' });
    const badEmail = await gql(ts, CompleteSetup, { token, email: 'not-an-email', password: 'long enough pass' });
    expect(badEmail.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
    expect((await gqlOk(ts, SetupStatus)).setupStatus.required).toBe(true);
  });

  it('creates the first admin and signs them in', async () => {
    const result = await gql(ts, CompleteSetup, { token, email: 'Founder@Example.com', password: 'a very good password' });
    expect(result.errors).toBeUndefined();
    expect(result.data?.completeSetup.viewer).toEqual({ name: 'founder@example.com', role: 'ADMIN' });
    const session = sessionFrom(result.headers);
    expect((await gqlOk(ts, 'query { me { name } }', {}, session)) as unknown).toEqual({ me: { name: 'founder@example.com' } });
    expect((await gqlOk(ts, SetupStatus)).setupStatus.required).toBe(false);
  });

  it('stops working after it has been used', async () => {
    const again = await gql(ts, CompleteSetup, { token, email: 'intruder@example.com', password: 'a very good password' });
    expect(again.errors?.[0].extensions?.code).toBe('CONFLICT');
    expect(again.errors?.[0].message).toMatch(/already complete/);
    const users = await gqlOk<{ users: { email: string }[] }>(ts, '{ users { email } }', {}, { token: ts.adminToken });
    expect(users.users.map((u) => u.email)).toEqual(['founder@example.com']);
  });

  it('is not printed again once a user exists', async () => {
    await ts.restart();
    expect(ts.server.setupUrl).toBeNull();
  });
});
