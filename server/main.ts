/**
 * `lookout serve`: opens the database (migrating it), makes sure the bootstrap token exists,
 * prints the setup link while there are no users, and serves HTTP + WebSocket until closed.
 */
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import net, { type AddressInfo } from 'node:net';
import { systemClock, type Clock } from './clock.ts';
import { projectRoot, type Config } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import { openDatabase, type Database } from './db/orm.ts';
import { audited } from './audit/audit.ts';
import { ensureBootstrapToken } from './auth/tokens.ts';
import { issueSetupToken } from './auth/setup.ts';
import { purgeExpiredSessions } from './auth/sessions.ts';
import { scheduleJobs } from './jobs.ts';
import type { App } from './context.ts';
import { createHttpServer } from './http.ts';
import { connectionDrain } from './http/connection-drain.ts';
import { supervisorLink, type Supervisor } from './supervisor/link.ts';
import { EMBEDDED_DATABASE_ENV } from './supervisor/messages.ts';
import { Updater } from './updates/updater.ts';
import { StatusPages } from './status-pages/status-pages.ts';
import { updateSettings } from './updates/settings.ts';
import { createPubSub } from './events/pubsub.ts';
import { ConfigFile } from './config-file.ts';
import { Monitoring } from './monitoring/monitor.ts';
import { Operations } from './operations/operations.ts';
import { Alerting } from './alerting/alerting.ts';
import { Runtimes } from './runtimes/runtimes.ts';
import { ServiceActions } from './actions/actions.ts';
import { HostMetrics } from './system/host-metrics.ts';
import { createMetrics, monitoringStats, watchResultWriter, watchAlerting, watchPubSub } from './system/metrics.ts';
import { schema } from '../schema/index.ts';

export const version: string = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')).version;

export interface StartOptions {
  clock?: Clock;
  logger?: Logger;
  /** Run the check scheduler and periodic jobs (default true; tests may drive checks by hand). */
  runScheduler?: boolean;
  /** The link to Lookout's primary (default: this process's, unavailable outside a supervised worker). */
  supervisor?: Supervisor;
  /** Called once everything is started but the listener: listening waits for it (a replacement worker waits for the primary's word). */
  holdListen?: () => Promise<void>;
}

export interface CloseOptions {
  /**
   * A handover to a new worker that already listens: stop accepting without cutting an idle
   * keep-alive connection (a request may be on its way on it), answer the rest with
   * `Connection: close`, and close WebSockets with 1012 so clients reconnect (to the new worker).
   */
  handover?: boolean;
}

export interface LookoutServer {
  app: App;
  db: Database;
  port: number;
  /** Base URL, e.g. http://localhost:4000 */
  url: string;
  /** The one-time setup link, while no user exists. */
  setupUrl: string | null;
  /** Stops accepting, lets in-flight requests finish, completes subscriptions, closes the database. */
  close(options?: CloseOptions): Promise<void>;
}

function displayHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
}

async function ensureBootstrap(app: App, secret: string): Promise<void> {
  const run = () =>
    audited(
      app.orm.em.fork(),
      { actor: null, fallback: { type: 'system', label: 'LOOKOUT_BOOTSTRAP_TOKEN' } },
      app.clock,
      (em) => ensureBootstrapToken(em, secret, app.clock),
      { action: 'auth.token.bootstrap', when: (r) => r !== 'unchanged' },
    );
  // Two replicas starting together may race to insert it: the loser finds it on the second try.
  await run().catch(run);
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<LookoutServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const db = await openDatabase(config, { logger });
  const pubsub = await createPubSub(config.redisUrl, logger, { prefix: config.redisPrefix }).catch(async (error) => {
    await db.close();
    throw error;
  });
  const metrics = createMetrics({ sql: db.sql, logger });
  // The embedded PostgreSQL: opened here, or by Lookout's primary, which hands its worker the URL (supervisor/primary.ts).
  const embeddedDatabase = db.embedded !== undefined || process.env[EMBEDDED_DATABASE_ENV] === '1';
  // The capabilities register their sections of the config file as they are built; it is loaded once they all have.
  const configFile = new ConfigFile({ path: config.configFile, orm: db.orm, logger, clock });
  const monitoring = new Monitoring({
    orm: db.orm,
    sql: db.sql,
    pubsub,
    clock,
    logger,
    dataDir: config.dataDir,
    paceAutovacuum: config.paceAutovacuum ?? embeddedDatabase,
    configFile,
    runScheduler: options.runScheduler ?? true,
    stats: monitoringStats(metrics),
  });
  watchResultWriter(metrics, monitoring.writer);
  watchAlerting(metrics, db.sql, logger);
  watchPubSub(metrics, pubsub);
  const operations = new Operations({ orm: db.orm, sql: db.sql, pubsub, clock, logger, configFile, runJobs: options.runScheduler ?? true });
  // After monitoring: its section of the config file is applied after the services it names are synced.
  const alerting = new Alerting({ orm: db.orm, sql: db.sql, pubsub, clock, logger, configFile, run: options.runScheduler ?? true, publicUrl: () => app.publicUrl });
  // Transitions stored here wake the pass directly too (the pub/sub wakes every replica's, when it is up).
  monitoring.onTransitionsStored = () => alerting.wake();
  const hostMetrics = new HostMetrics({ sql: db.sql, clock, logger, dataDir: config.dataDir, runJobs: options.runScheduler ?? true });
  // Registers the `runtimes` section; its `process` runtimes are spawned by start(), after monitoring's.
  const runtimes = new Runtimes({ pubsub, clock, logger, configFile });
  // After runtimes: its switch runs after theirs, so the runtimes its services name are known by then.
  const actions = new ServiceActions({ runtimes, logger, configFile });
  // Registers the `status_pages` section; its pages name services by name, read when a page is computed.
  const statusPages = new StatusPages({ sql: db.sql, clock, configFile, degradedWeight: () => monitoring.settings.degradedWeight });
  const supervisor = options.supervisor ?? supervisorLink();
  // Updates from git: the running code's directory is the supervisor's root (a release worktree after an update).
  const updater = new Updater({ sql: db.sql, pubsub, clock, logger, supervisor, root: supervisor.root, settings: updateSettings(config.dataDir), databaseUrl: () => config.databaseUrl ?? db.url });
  const app: App = { orm: db.orm, sql: db.sql, pubsub, configFile, monitoring, operations, alerting, runtimes, actions, hostMetrics, config, clock, logger, startedAt: clock.now(), embeddedDatabase, version, publicUrl: '', supervisor, updater, statusPages };
  try {
    // A start that cannot serve changes nothing: the port is tried before the config file is applied
    // (a second `lookout serve` on a port in use had removed the running one's services from the
    // shared database, then failed to listen). A replacement worker listens where its primary does.
    if (!options.holdListen && config.port !== 0) await tryPort(config.port, config.host);
    // Only the embedded database made the data directory: with DATABASE_URL a fresh install's own
    // "Data directory" service was down (and paged) from its first check.
    await fs.mkdir(config.dataDir, { recursive: true }).catch((err: unknown) => logger.warn({ dir: config.dataDir, err: String(err) }, 'could not create the data directory'));
    // An invalid file stops the start here, naming the path, the entry and the reason.
    await configFile.load();
    await monitoring.start();
    await operations.start();
    alerting.start();
    runtimes.start();
    hostMetrics.start();
    configFile.watch();
    if (config.bootstrapToken) await ensureBootstrap(app, config.bootstrapToken);
    const setupToken = await issueSetupToken(app.orm.em.fork(), clock);

    const origins = config.publicUrl ? [config.publicUrl, ...config.allowedOrigins] : config.allowedOrigins;
    const { server, ws, lingering } = createHttpServer(app, schema, origins, metrics);
    server.keepAliveTimeout = 5000;
    const drain = connectionDrain(server);
    if (options.holdListen) await options.holdListen();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const url = config.publicUrl?.replace(/\/$/, '') ?? `http://${displayHost(config.host)}:${port}`;
    app.publicUrl = url;
    logger.info({ url, database: embeddedDatabase ? 'embedded' : 'DATABASE_URL', version }, 'Lookout is serving');

    const setupUrl = setupToken ? `${url}/setup#token=${setupToken}` : null;
    if (setupUrl) {
      logger.info('no users yet: open the setup link to create the first admin');
      if (logger.level !== 'silent') process.stdout.write(`\n  Create the first admin: ${setupUrl}\n\n`);
    }

    const stopAuthJobs = (options.runScheduler ?? true) ? scheduleJobs(db.sql, 'auth', { 'session-purge': () => purgeExpiredSessions(app.orm.em.fork(), clock) }, { clock, logger }) : async () => {};

    let closing: Promise<void> | undefined;
    const close = ({ handover = false }: CloseOptions = {}) =>
      (closing ??= (async () => {
        await stopAuthJobs();
        logger.info(handover ? 'handing over: finishing in-flight requests, letting keep-alive connections go' : 'shutting down: finishing in-flight requests');
        // Stops listening; resolves once every connection is gone (each as soon as it is answered).
        // A handover stops listening only (http's close would also cut the idle connections).
        const stopped = new Promise<void>((resolve) => (handover ? net.Server.prototype.close : server.close).call(server, () => resolve()));
        if (handover) drain.handover();
        else drain.start();
        lingering.letGo();
        const force = setTimeout(() => server.closeAllConnections(), 10_000);
        // Each step runs whatever the one before did: a failure must not leave the embedded
        // PostgreSQL running after the process has gone.
        const steps: [string, () => Promise<void>][] = [
          // Subscriptions complete, WebSocket operations in progress finish, sockets close (1001).
          ['the WebSocket endpoint', () => ws.close(handover ? { restart: true } : undefined)],
          ['the HTTP server', () => stopped.finally(() => clearTimeout(force))],
          ['the config file watch', () => configFile.close()],
          // An update still under way here stops where it is and rolls back (a finished one has handed over already).
          ['updates', () => updater.stop()],
          ['operations', () => operations.stop()],
          ['monitoring', () => monitoring.stop()],
          ['alerting', () => alerting.stop()],
          ['host metrics', () => hostMetrics.stop()],
          // Its supervised processes stop with Lookout (SIGTERM, then SIGKILL after their grace).
          ['runtimes', () => runtimes.stop()],
          ['pub/sub', () => pubsub.close()],
          ['the database', () => db.close()],
        ];
        // At a handover the periodic work stops first: the new worker does it from now on, and a
        // status change this one found later would reach only its own subscribers, who are leaving.
        const work = new Set(['operations', 'monitoring', 'alerting', 'host metrics']);
        const order = handover ? [...steps.filter(([what]) => work.has(what)), ...steps.filter(([what]) => !work.has(what))] : steps;
        for (const [what, step] of order) await step().catch((err: unknown) => logger.error({ err }, `could not stop ${what}`));
        logger.info('stopped');
      })());

    return { app, db, port, url, setupUrl, close };
  } catch (error) {
    await configFile.close().catch(() => {});
    await operations.stop().catch(() => {});
    await monitoring.stop().catch(() => {});
    await alerting.stop().catch(() => {});
    await hostMetrics.stop().catch(() => {});
    await runtimes.stop().catch(() => {});
    await pubsub.close().catch(() => {});
    await db.close();
    throw error;
  }
}

/**
 * Listens on `port` for a moment, alone (`exclusive`: not through a cluster primary's shared
 * handle), or throws saying why it cannot: the first thing a start does, before it changes anything.
 */
async function tryPort(port: number, host: string): Promise<void> {
  const probe = net.createServer((socket) => socket.destroy());
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen({ port, host, exclusive: true }, () => resolve());
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EADDRINUSE' ? 'it is in use: another Lookout, or another program, listens there'
      : code === 'EACCES' ? 'this user may not listen there (ports below 1024 need privileges)'
      : code === 'EADDRNOTAVAIL' ? `${host} is not an address of this machine`
      : (error as Error).message;
    throw new Error(`Cannot listen on port ${port} of ${host}: ${why}. Set PORT (and HOST) to where Lookout may listen; nothing was changed.`);
  }
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}
