/**
 * A real Lookout server for a test file: its own fresh database on the run's PostgreSQL, listening
 * on 127.0.0.1 on an ephemeral port, with a bootstrap admin token.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../server/config.ts';
import { startServer, type LookoutServer } from '../../server/main.ts';
import { createLogger } from '../../server/logger.ts';
import type { Clock } from '../../server/clock.ts';
import { scratchDatabase, type ScratchDatabase } from './scratch-database.ts';

export interface TestServer {
  /** http://127.0.0.1:<port> */
  url: string;
  /** ws://127.0.0.1:<port>/graphql */
  wsUrl: string;
  port: number;
  /** The one-time setup link printed at start (null once a user exists). */
  setupUrl: string | null;
  /** A bootstrap admin API token. */
  adminToken: string;
  databaseUrl: string;
  server: LookoutServer;
  config: Config;
  /** Stops the server and starts it again on the same port and database. */
  restart(): Promise<void>;
  /** Stops the server only (the database stays). */
  stop(): Promise<void>;
  /** Starts a stopped server again. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  clock?: Clock;
  config?: Partial<Config>;
  /** Run the check scheduler (default true). */
  runScheduler?: boolean;
}

/** Creates an empty database on the run's PostgreSQL and returns its URL. */
export function createTestDatabase(): Promise<ScratchDatabase> {
  return scratchDatabase(inject('postgresUrl'), 'lookout_t');
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = await createTestDatabase();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-test-data-'));
  const adminToken = `lko_test_${randomBytes(16).toString('hex')}`;
  const config: Config = {
    ...loadConfig({}),
    host: '127.0.0.1',
    port: 0,
    databaseUrl: database.url,
    dataDir,
    bootstrapToken: adminToken,
    logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...options.config,
  };
  const logger = createLogger(config.logLevel);
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(config, { clock: options.clock, logger, runScheduler: options.runScheduler });
  } catch (error) {
    // A server refused at start-up (a test of that) leaves no database behind.
    await database.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const port = server.port;
  let running = true;

  const handle: TestServer = {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    port,
    setupUrl: server.setupUrl,
    adminToken,
    databaseUrl: database.url,
    get server() {
      return server;
    },
    config,
    async stop() {
      if (!running) return;
      running = false;
      await server.close();
    },
    async start() {
      if (running) return;
      server = await startServer({ ...config, port }, { clock: options.clock, logger, runScheduler: options.runScheduler });
      running = true;
    },
    async restart() {
      await handle.stop();
      await handle.start();
    },
    async close() {
      await handle.stop();
      await database.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}
