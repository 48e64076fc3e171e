/**
 * API tokens cached for a few seconds per replica (server/auth/token-cache.ts), so that a worker's
 * every call does not cost a token lookup — and revocation still takes effect at once: on the
 * replica that revoked before its caller hears back, on the others when the access-changed event
 * arrives (not when the cache's time runs out).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../server/config.ts';
import { startServer, type LookoutServer } from '../../server/main.ts';
import { createLogger } from '../../server/logger.ts';
import { createInProcessPubSub } from '../../server/events/pubsub.ts';
import { Channels } from '../../server/events/channels.ts';
import { TokenCache, tokenCacheOf, type CachedToken } from '../../server/auth/token-cache.ts';
import { sha256 } from '../../server/auth/secrets.ts';
import { redisAvailable, redisUrl } from '../events/redis.ts';
import { createTestDatabase, startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';
import { until } from '../support/signals.ts';

const token = (id: string): CachedToken => ({ id, name: id, role: 'operator', capabilities: [], createdById: null, creator: null, workspaces: null, expiresAt: null, lastUsedAt: null });
const CREATE = 'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { secret token { id } } }';
const REVOKE = 'mutation($id: ID!) { revokeApiToken(id: $id) { status } }';
const ME = '{ me { name } }';

describe('the token cache', () => {
  it('keeps a token once it listens for access changes, and forgets everything on one', async () => {
    const pubsub = createInProcessPubSub();
    const cache = new TokenCache(pubsub);
    await until(() => (cache.set('h', token('a'), cache.generation), cache.get('h') !== undefined), 'the cache keeps tokens once subscribed');
    await pubsub.publish(Channels.accessChanged, { action: 'auth.token.revoke' });
    await until(() => cache.get('h') === undefined, 'the access change empties the cache');
    await pubsub.close();
  });

  it('does not keep what a lookup read before an access change (a revoke committed during the lookup)', async () => {
    const pubsub = createInProcessPubSub();
    const cache = new TokenCache(pubsub);
    await until(() => (cache.set('h', token('a'), cache.generation), cache.get('h') !== undefined), 'the cache keeps tokens once subscribed');
    const generation = cache.generation;
    cache.forget(); // the revoke commits while the lookup reads the row
    cache.set('h2', token('b'), generation);
    expect(cache.get('h2')).toBeUndefined();
    await pubsub.close();
  });
});

describe('a cached token on one replica', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
  });
  afterAll(() => ts?.close());

  it('is refused by the very next call after its revocation', async () => {
    const { createApiToken } = await gqlOk<{ createApiToken: { secret: string; token: { id: string } } }>(ts, CREATE, { input: { name: 'cached', role: 'OPERATOR' } }, { token: ts.adminToken });
    for (let i = 0; i < 3; i++) expect((await gqlOk<{ me: { name: string } }>(ts, ME, {}, { token: createApiToken.secret })).me.name).toBe('cached');
    expect(tokenCacheOf(ts.server.app.pubsub).get(sha256(createApiToken.secret))?.name).toBe('cached');
    await gqlOk(ts, REVOKE, { id: createApiToken.token.id }, { token: ts.adminToken });
    const after = await gql(ts, '{ apiTokens { id } }', {}, { token: createApiToken.secret });
    expect(after.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('never answers for an unknown secret from memory: a token created later works at once', async () => {
    const unknown = await gql(ts, '{ apiTokens { id } }', {}, { token: 'lko_not_a_token_at_all_0123456789' });
    expect(unknown.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const { createApiToken } = await gqlOk<{ createApiToken: { secret: string } }>(ts, CREATE, { input: { name: 'fresh', role: 'VIEWER' } }, { token: ts.adminToken });
    expect((await gqlOk<{ me: { name: string } }>(ts, ME, {}, { token: createApiToken.secret })).me.name).toBe('fresh');
  });
});

describe.skipIf(!redisAvailable)('a cached token across replicas', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataDir: string;
  const replicas: LookoutServer[] = [];
  const adminToken = `lko_test_${randomBytes(16).toString('hex')}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-test-data-'));
    const config: Config = {
      ...loadConfig({}),
      host: '127.0.0.1',
      port: 0,
      databaseUrl: db.url,
      dataDir,
      bootstrapToken: adminToken,
      redisUrl,
      redisPrefix: `t-tc-${randomBytes(4).toString('hex')}`,
      logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
    };
    for (let i = 0; i < 2; i++) replicas.push(await startServer(config, { logger: createLogger(config.logLevel), runScheduler: false }));
  });
  afterAll(async () => {
    for (const replica of replicas) await replica.close();
    await db?.drop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('is dropped by the other replica when the revocation’s event arrives, not when its time runs out', async () => {
    const [one, other] = replicas.map((r) => ({ url: r.url }));
    const { createApiToken } = await gqlOk<{ createApiToken: { secret: string; token: { id: string } } }>(one, CREATE, { input: { name: 'replicated', role: 'OPERATOR' } }, { token: adminToken });
    const cache = tokenCacheOf(replicas[1].app.pubsub);
    await until(async () => (await gqlOk<{ me: { name: string } }>(other, ME, {}, { token: createApiToken.secret }), cache.get(sha256(createApiToken.secret)) !== undefined), 'the other replica caches the token');
    const generation = cache.generation;
    await gqlOk(one, REVOKE, { id: createApiToken.token.id }, { token: adminToken });
    // Only an access change moves the generation (the time limit just drops an entry).
    await until(() => cache.generation > generation, 'the access-changed event reaches the other replica');
    const after = await gql(other, '{ apiTokens { id } }', {}, { token: createApiToken.secret });
    expect(after.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});
