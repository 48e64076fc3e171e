/**
 * SOFA (the REST paths' generator) is imported and built by the first REST request
 * (server/http/rest.ts). A build that fails must not be kept: the next request builds again.
 * The real sofa-api, whose first `useSofa` call throws.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';

const builds = vi.hoisted(() => ({ count: 0, failFirst: true }));

vi.mock('sofa-api', async (importOriginal) => {
  const real = await importOriginal<typeof import('sofa-api')>();
  return {
    ...real,
    useSofa: (...args: Parameters<typeof real.useSofa>) => {
      builds.count++;
      if (builds.failFirst) {
        builds.failFirst = false;
        throw new Error('the first SOFA build fails');
      }
      return real.useSofa(...args);
    },
  };
});

describe('SOFA built on first use', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
  });
  afterAll(() => ts?.close());

  const openApi = () => fetch(`${ts.url}/api/openapi.json`, { headers: { authorization: `Bearer ${ts.adminToken}` } });

  it('is not built at start; a failed build answers 500 and is tried again by the next request, which is served (regression: a failed build was kept for good)', async () => {
    expect(builds.count).toBe(0);
    expect((await openApi()).status).toBe(500);
    expect(builds.count).toBe(1);
    const answer = await openApi();
    expect(answer.status).toBe(200);
    expect(Object.keys(((await answer.json()) as { paths: object }).paths)).toContain('/admin/health/{name}');
    expect(builds.count).toBe(2);
    // Built once it succeeded: not again.
    expect((await openApi()).status).toBe(200);
    expect(builds.count).toBe(2);
  });
});
