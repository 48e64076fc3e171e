/**
 * Regression (found by a review): a second `lookout serve` on the port of a running one, on the
 * same database and without its config file, applied its (empty) config first — removing the
 * running one's services, alert channels and status pages — and then failed to listen
 * (`bind EADDRINUSE`). A start that cannot serve now changes nothing, and says why.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../server/main.ts';
import { createLogger } from '../server/logger.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gqlOk } from './support/graphql.ts';

describe('a second server on a port in use', () => {
  let ts: TestServer;
  let dir: string;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-port-'));
    const file = path.join(dir, 'lookout.yaml');
    await fs.writeFile(file, 'services:\n  - { name: api, kind: tcp, target: "127.0.0.1:9", paused: true }\nstatus_pages:\n  - { slug: acme, title: Acme, groups: [{ name: All, services: [api] }] }\n');
    ts = await startTestServer({ runScheduler: false, config: { configFile: file } });
  });
  afterAll(async () => {
    await ts?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('refuses to start, naming the port, and leaves the running one\'s services and pages as they were', async () => {
    const counts = async () => (await ts.server.app.sql.query<{ services: number; pages: number }>(`select (select count(*)::int from services where source = 'config') as services, (select count(*)::int from status_pages) as pages`)).rows[0];
    const before = await counts();
    expect(before).toEqual({ services: 1, pages: 1 });
    const second = startServer({ ...ts.config, port: ts.port, configFile: undefined, bootstrapToken: undefined }, { logger: createLogger('silent'), runScheduler: false });
    await expect(second).rejects.toThrow(new RegExp(`^Cannot listen on port ${ts.port} of 127\\.0\\.0\\.1: it is in use: another Lookout, or another program, listens there\\. Set PORT \\(and HOST\\) to where Lookout may listen; nothing was changed\\.$`));
    expect(await counts()).toEqual(before);
    expect((await fetch(`${ts.url}/status/acme`)).status).toBe(200);
  });

  it('makes its data directory with DATABASE_URL too, so that its own "Data directory" service is healthy from the first check (regression: only the embedded database made it, and a fresh install paged for it)', async () => {
    const dataDir = path.join(dir, 'not-yet', 'data');
    const other = await startTestServer({ runScheduler: false, config: { dataDir } });
    try {
      const result = await gqlOk<{ recheckService: { status: string; error: string | null } }>(other, 'mutation { recheckService(name: "filesystem") { status error } }', {}, { token: other.adminToken });
      expect(result.recheckService).toEqual({ status: 'HEALTHY', error: null });
      expect((await fs.stat(dataDir)).isDirectory()).toBe(true);
    } finally {
      await other.close();
    }
  });
});
