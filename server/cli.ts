/**
 * The `lookout` command line. Commands that need the database open it the way `serve` does:
 * DATABASE_URL when set, else the embedded PostgreSQL under LOOKOUT_DATA_DIR, attaching to the one
 * a running `lookout serve` started, or starting it for the duration of the command.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseOptions } from './cli-args.ts';
import { loadConfig, projectRoot, type Config } from './config.ts';
import { createLogger } from './logger.ts';
import { systemClock } from './clock.ts';
import { LookoutError } from './errors.ts';
// The database, the ORM and the capabilities are loaded by the commands that use them: `serve`'s
// primary only supervises a worker, and held ~20 MB more for modules it never ran.
import type { Database } from './db/orm.ts';
import type { AuditSpec } from './audit/audit.ts';
import type { EntityManager } from '@mikro-orm/postgresql';
import { MAINTENANCE_USAGE, MaintenanceUsageError, maintenanceCommand } from './maintenance-cli.ts';
import { handleProcessFailures } from './fatal.ts';
import { maskCredentials } from './secret-text.ts';

const USAGE = `Usage: lookout <command> [options]

Commands:
  serve [--no-supervisor]       Serve the API, WebSocket and dashboard on PORT (default 4000); --no-supervisor
                                (or LOOKOUT_SUPERVISOR=off): one process, which cannot restart itself
  migrate [--check]             Apply pending database migrations (--check: list them, exit 1 if any)
  migrate --list-applied        Print the applied migrations, oldest first, one per line
  migrate --down-to M           Revert the migrations applied after M (0: all), in one transaction
  user add --email E --password P --role viewer|operator|admin
                                Create a user
  token create --name N (--role R | --capability C ...) [--expires-in-days D]
                                Create an API token; the token is printed as the last line
  ops-summary [--hours N] [--json]
                                Is the system healthy right now? Six lines, or stable JSON
${MAINTENANCE_USAGE}
  help                          Show this text

Environment: PORT, HOST, DATABASE_URL, LOOKOUT_DATA_DIR, LOOKOUT_BOOTSTRAP_TOKEN, LOOKOUT_URL, LOOKOUT_TOKEN, LOG_LEVEL (see README).`;

class UsageError extends Error {}

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || !value) throw new UsageError(`--${name} is required.`);
  return value;
}

/** Runs one audited change as the CLI (actor: system). */
async function asCli<T>(db: Database, work: (em: EntityManager) => Promise<T>, spec: AuditSpec<T>): Promise<T> {
  const { audited } = await import('./audit/audit.ts');
  return audited(db.orm.em.fork(), { actor: null, fallback: { type: 'system', label: 'cli' } }, systemClock, work, spec);
}

/** The longest a token made on the command line may last (ten years). */
const MAX_TOKEN_DAYS = 3650;

/** A parse error of the options as a usage error (exit 2, with the usage). */
function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function withDatabase<T>(config: Config, work: (db: Database) => Promise<T>): Promise<T> {
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', 2);
  const { openDatabase } = await import('./db/orm.ts');
  const db = await openDatabase(config, { logger }).catch((error: unknown) => {
    // Name the database and where its address came from, without its password.
    const where = config.databaseUrl ? `the database of DATABASE_URL (${maskCredentials(config.databaseUrl)})` : 'the embedded database';
    throw new Error(`Cannot open ${where}: ${maskCredentials(error instanceof Error ? error.message : String(error))}`);
  });
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

async function serve(args: string[]): Promise<void> {
  const { values } = usage(() => parseOptions(args, { 'build-client-if-missing': { type: 'boolean' }, worker: { type: 'boolean' }, 'no-supervisor': { type: 'boolean' } }));
  const config = loadConfig();
  // A worker forked by Lookout's primary (server/supervisor/): it serves until the primary retires it.
  if (values.worker) return (await import('./supervisor/worker.ts')).serveAsWorker(config);
  if (values['build-client-if-missing'] && !existsSync(path.join(config.clientDir, 'index.html'))) {
    console.log('Building the dashboard (first start)…');
    const { build } = await import('vite');
    await build({ configFile: path.join(projectRoot, 'client', 'vite.config.ts'), logLevel: 'warn' });
  }
  // The primary holds the port and runs the server in a worker it can replace (restart, update).
  if (!values['no-supervisor'] && process.env.LOOKOUT_SUPERVISOR !== 'off') {
    const { runPrimary } = await import('./supervisor/primary.ts');
    process.exit(await runPrimary({ config, logger: createLogger(config.logLevel), projectRoot }));
  }
  const { startServer } = await import('./main.ts');
  const server = await startServer(config);
  let firstSignalAt = 0;
  const shutdown = (signal: string) => {
    // A terminal's Ctrl-C reaches both the Node 20 wrapper (which forwards it) and this process:
    // only a second signal that comes later forces the exit.
    if (firstSignalAt) {
      if (Date.now() - firstSignalAt > 1000) process.exit(1);
      return;
    }
    firstSignalAt = Date.now();
    server.app.logger.info({ signal }, 'signal received');
    server.close().then(
      () => process.exit(0),
      (err) => {
        server.app.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGHUP', () => void server.app.configFile.reload('SIGHUP'));
  // A bug must not leave the database running: close what can be closed, then exit non-zero.
  const fatal = (err: unknown) => {
    server.app.logger.fatal({ err }, 'fatal error; shutting down');
    const forced = setTimeout(() => process.exit(1), 15_000);
    forced.unref();
    server.close().finally(() => process.exit(1));
  };
  handleProcessFailures(server.app.logger, fatal);
}

async function migrate(args: string[]): Promise<void> {
  const { values } = usage(() => parseOptions(args, { check: { type: 'boolean' }, 'down-to': { type: 'string' }, 'list-applied': { type: 'boolean' } }));
  const config = loadConfig();
  const logger = createLogger(process.env.LOG_LEVEL ?? 'info', 2);
  const { openDatabase } = await import('./db/orm.ts');
  const { appliedMigrations, pendingMigrations, revertMigrationsTo } = await import('./db/migrate.ts');
  const downTo = values['down-to'];
  if (downTo !== undefined || values['list-applied']) {
    if (downTo !== undefined && values['list-applied']) throw new UsageError('Use either --down-to or --list-applied.');
    if (downTo === '') throw new UsageError('--down-to needs a migration name (or 0 to revert them all).');
    // Neither applies pending migrations first: a rollback runs from the version that applied them.
    const db = await openDatabase(config, { logger, migrate: false });
    try {
      if (downTo === undefined) {
        for (const name of await appliedMigrations(db.orm)) console.log(name);
        return;
      }
      const reverted = await revertMigrationsTo(db.orm, db.url, downTo, logger);
      console.log(reverted.length ? `Reverted:\n${reverted.map((r) => `  ${r}`).join('\n')}` : `Nothing to revert: ${downTo} is the last applied migration.`);
    } finally {
      await db.close();
    }
    return;
  }
  const db = await openDatabase(config, { logger, migrate: !values.check });
  try {
    const pending = await pendingMigrations(db.orm);
    if (values.check) {
      console.log(pending.length ? `Pending migrations:\n${pending.map((p) => `  ${p}`).join('\n')}` : 'The database is up to date.');
      process.exitCode = pending.length ? 1 : 0;
    } else {
      console.log('The database is up to date.');
    }
  } finally {
    await db.close();
  }
}

async function user(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'add') throw new UsageError('Use: lookout user add --email E --password P --role R');
  const { values } = usage(() => parseOptions(rest, { email: { type: 'string' }, password: { type: 'string' }, role: { type: 'string' } }));
  const input = { email: required(values, 'email'), password: required(values, 'password'), role: required(values, 'role') };
  const created = await withDatabase(loadConfig(), (db) =>
    asCli(db, async (em) => (await import('./auth/users.ts')).createUser(em, input, systemClock), { action: 'auth.user.create', input, targetOf: (u) => ({ type: 'user', id: u.id }) }),
  );
  console.log(`Created ${created.role} ${created.email} (${created.id})`);
}

async function token(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'create') throw new UsageError('Use: lookout token create --name N --role R');
  const { values } = usage(() => parseOptions(rest, { name: { type: 'string' }, role: { type: 'string' }, capability: { type: 'string', multiple: true }, 'expires-in-days': { type: 'string' } }));
  const days = values['expires-in-days'];
  if (days !== undefined && !(Number(days) > 0 && Number(days) <= MAX_TOKEN_DAYS)) throw new UsageError(`--expires-in-days must be a number of days from 0 (not included) to ${MAX_TOKEN_DAYS}, got "${days.slice(0, 40)}".`);
  const input = {
    name: required(values, 'name'),
    role: values.role ?? null,
    capabilities: values.capability ?? null,
    expiresAt: days ? new Date(Date.now() + Number(days) * 86400_000) : null,
  };
  const created = await withDatabase(loadConfig(), (db) =>
    asCli(db, async (em) => (await import('./auth/tokens.ts')).createToken(em, input, systemClock), { action: 'auth.token.create', input, targetOf: (c) => ({ type: 'api_token', id: c.token.id }) }),
  );
  console.log(`Created API token "${created.token.name}" (${created.token.role ?? created.token.capabilities.join(', ')}). It is shown only once:`);
  console.log(created.secret);
}

async function opsSummaryCommand(args: string[]): Promise<void> {
  const { values } = usage(() => parseOptions(args, { hours: { type: 'string', default: '24' }, json: { type: 'boolean' } }));
  const hours = Number(values.hours);
  if (!(hours > 0 && hours <= 24 * 90)) throw new UsageError('--hours must be a number of hours from 1 to 2160.');
  const config = loadConfig();
  const summary = await withDatabase(config, async (db) => {
    const { OperationCatalog } = await import('./operations/catalog.ts');
    const { opsSummary } = await import('./operations/summary.ts');
    const { StartupChecklist } = await import('./operations/checklist.ts');
    // Operations' section alone (its catalog and the checklist's settings, as the server reads them):
    // the summary does not need the other sections to be valid.
    const { composeSections, readConfigDocument } = await import('./config-file.ts');
    const { operationsSection } = await import('./operations/config-file.ts');
    const document = config.configFile ? await readConfigDocument(config.configFile) : {};
    const [{ types, startup }] = composeSections(document, config.configFile ?? null, [operationsSection], 'ignore');
    const checklist = new StartupChecklist(db.orm, db.sql, startup);
    const { report } = await checklist.run(new Date());
    return opsSummary(db.sql, null, hours, new Date(), new OperationCatalog(types), !report.ready);
  });
  if (values.json) console.log(JSON.stringify(summary, null, 2));
  else for (const line of (await import('./operations/summary.ts')).summaryLines(summary)) console.log(line);
  process.exitCode = summary.status === 'healthy' ? 0 : 1; // scripts can alert on a non-zero exit
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serve(args);
      case 'migrate':
        return await migrate(args);
      case 'user':
        return await user(args);
      case 'token':
        return await token(args);
      case 'ops-summary':
        return await opsSummaryCommand(args);
      case 'maintenance':
        return await maintenanceCommand(args);
      case undefined:
        throw new UsageError('Name a command.');
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return;
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof MaintenanceUsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else if (error instanceof LookoutError) {
      const field = (error.extensions as { field?: string }).field;
      console.error(`Error${field ? ` (${field})` : ''}: ${error.message}`);
      process.exitCode = 1;
    } else {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    }
  }
}

await main(process.argv.slice(2));
