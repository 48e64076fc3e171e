/**
 * One PostgreSQL server for the whole run: DATABASE_URL when set, otherwise an embedded one in a
 * temporary directory (removed afterwards). Each test file creates its own database on it.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openEmbeddedDatabase, type EmbeddedDatabase } from '../../server/db/embedded.ts';
import { createLogger } from '../../server/logger.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A URL on the test PostgreSQL server with the right to create databases. */
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let embedded: EmbeddedDatabase | undefined;
  let url = process.env.DATABASE_URL;
  if (!url) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-test-pg-'));
    // Every test file's servers and pools at once: more than one Lookout's worth of connections.
    embedded = await openEmbeddedDatabase(dir, { logger: createLogger('warn'), ephemeral: true, maxConnections: 200, sharedBuffersMb: 128 });
    url = embedded.url;
  }
  project.provide('postgresUrl', url);
  return async () => {
    await embedded?.stop();
  };
}
