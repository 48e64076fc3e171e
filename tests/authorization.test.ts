/**
 * Walks every root field of the schema: each declares its scope, anonymous callers are refused
 * unless the field is public, and a token without the field's capability is refused. Fields added
 * later are covered without editing this file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../schema/index.ts';
import { CAPABILITIES } from '../server/auth/capabilities.ts';
import { rootFields } from './support/operations.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gql, gqlOk, wsClient, type GqlError } from './support/graphql.ts';

const fields = rootFields(schema);
const isPublic = (f: (typeof fields)[number]) => f.authScopes?.public === true;
/** The capabilities a field needs (any of them grants access). */
const needed = (f: (typeof fields)[number]) => Object.keys(f.authScopes ?? {}).filter((k) => (CAPABILITIES as readonly string[]).includes(k));

async function run(ts: TestServer, f: (typeof fields)[number], token?: string): Promise<GqlError[] | undefined> {
  if (f.kind !== 'subscription') return (await gql(ts, f.operation, {}, { token })).errors;
  const client = wsClient(ts, { token });
  try {
    return await new Promise<GqlError[] | undefined>((resolve) => {
      const dispose = client.subscribe(
        { query: f.operation },
        {
          next: (value) => {
            dispose();
            resolve(value.errors as GqlError[] | undefined);
          },
          error: (err) => resolve(Array.isArray(err) ? (err as GqlError[]) : [{ message: String(err) }]),
          complete: () => resolve(undefined),
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

describe('authorization of every root field', () => {
  let ts: TestServer;
  /** One token per capability, holding every capability but that one. */
  const lacking = new Map<string, string>();

  beforeAll(async () => {
    ts = await startTestServer();
    for (const capability of CAPABILITIES) {
      const others = CAPABILITIES.filter((c) => c !== capability);
      const created = await gqlOk<{ createApiToken: { secret: string } }>(
        ts,
        'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { secret } }',
        { input: { name: `without ${capability}`, capabilities: others } },
        { token: ts.adminToken },
      );
      lacking.set(capability, created.createApiToken.secret);
    }
  });
  afterAll(() => ts?.close());

  it('finds the root fields to check', () => {
    expect(fields.length).toBeGreaterThan(10);
    expect(fields.some((f) => f.kind === 'subscription')).toBe(true);
  });

  it.each(fields.map((f) => [`${f.kind} ${f.name}`, f] as const))('%s declares its scope', (_name, f) => {
    expect(f.authScopes, `${f.kind}.${f.name} must declare authScopes`).toBeDefined();
    expect(isPublic(f) || needed(f).length > 0 || f.authScopes?.authenticated === true).toBe(true);
  });

  it.each(fields.filter((f) => !isPublic(f)).map((f) => [`${f.kind} ${f.name}`, f] as const))('%s refuses an anonymous caller', async (_name, f) => {
    const errors = await run(ts, f);
    expect(errors?.[0]?.extensions?.code, JSON.stringify(errors)).toBe('UNAUTHENTICATED');
  });

  it.each(fields.filter((f) => needed(f).length === 1).map((f) => [`${f.kind} ${f.name}`, f] as const))(
    '%s refuses a token without its capability',
    async (_name, f) => {
      const errors = await run(ts, f, lacking.get(needed(f)[0]));
      expect(errors?.[0]?.extensions?.code, JSON.stringify(errors)).toBe('FORBIDDEN');
    },
  );

  it('refuses an unknown token as UNAUTHENTICATED and says why', async () => {
    const result = await gql(ts, '{ serverTime }', {}, { token: 'lko_not-a-real-token' });
    expect(result.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(result.errors?.[0].message).toMatch(/unknown, expired or revoked/);
  });

  it('lets a token with the capability through', async () => {
    const data = await gqlOk<{ serverTime: string }>(ts, '{ serverTime }', {}, { token: lacking.get('platform.system.admin') });
    expect(new Date(data.serverTime).getTime()).toBeGreaterThan(0);
  });
});
