/**
 * The operations capability as the server runs it: the catalog and the checklist's settings (its
 * section of the config file, config-file.ts), the stuck classifier, the start-up checklist, and
 * the periodic jobs (lease sweep, idempotency-key expiry, checklist refresh; the first two claimed
 * once per period across replicas, server/jobs.ts). Run changes are recorded by the code that makes
 * them (run-events.ts); checklist changes, this replica's own, are published here.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import type pg from 'pg';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { PubSub } from '../events/pubsub.ts';
import { afterCommit } from '../events/after-commit.ts';
import { Channels } from '../events/channels.ts';
import type { ConfigFile } from '../config-file.ts';
import { scheduleJobs } from '../jobs.ts';
import { reportDatabaseError } from '../db/pool.ts';
import { NotReadyError } from '../errors.ts';
import { OperationCatalog } from './catalog.ts';
import { operationsSection } from './config-file.ts';
import { StartupChecklist, type ChecklistReport } from './checklist.ts';
import { IDEMPOTENCY_TTL_MS } from './submit.ts';
import { leaseSweepDue, sweepExpiredLeases } from './leases.ts';
import { recordRunChanges } from './run-events.ts';
import { StuckRunClassifier } from './stuck.ts';
import { WorkspaceDirectory } from './workspaces.ts';

export interface OperationsOptions {
  orm: MikroORM;
  sql: pg.Pool;
  pubsub: PubSub;
  clock: Clock;
  logger: Logger;
  /** The server's config file: operations registers its section (`operations`, `startup`) there. */
  configFile: ConfigFile;
  runJobs?: boolean;
}

export class Operations {
  readonly checklist: StartupChecklist;
  /** Workspaces and tenants by slug, cached for submissions. */
  readonly workspaces = new WorkspaceDirectory();
  readonly #o: OperationsOptions;
  #stopJobs: (() => Promise<void>) | undefined;

  #catalog = new OperationCatalog();
  #classifier = new StuckRunClassifier(this.#catalog);

  constructor(options: OperationsOptions) {
    this.#o = options;
    this.checklist = new StartupChecklist(options.orm, options.sql);
    // Nothing to store: the new catalog and checklist settings take over once the whole file is applied.
    options.configFile.register(operationsSection, async ({ types, startup }) => () => {
      this.#catalog = new OperationCatalog(types);
      this.#classifier = new StuckRunClassifier(this.#catalog);
      this.checklist.settings = startup;
    });
  }

  /** The catalog in force: the config file's (replaced as a whole when it is reloaded). */
  get catalog(): OperationCatalog {
    return this.#catalog;
  }

  get classifier(): StuckRunClassifier {
    return this.#classifier;
  }

  async start(): Promise<void> {
    await this.refreshChecklist();
    if (this.#o.runJobs === false) return;
    const { sql, orm, clock, logger } = this.#o;
    this.#stopJobs = scheduleJobs(
      sql,
      'operations',
      {
        'lease-sweep': () => this.sweepLeases(),
        'idempotency-expiry': () => sql.query('delete from idempotency_keys where created_at < $1', [new Date(clock.now().getTime() - IDEMPOTENCY_TTL_MS)]),
      },
      { clock, logger },
    );
    // The checklist is per replica (each decides its own readiness), so it is not a claimed job.
    const timer = setInterval(() => void this.refreshChecklist().catch((err) => reportDatabaseError(logger, err, 'checklist refresh failed')), 5000);
    timer.unref();
    const stopJobs = this.#stopJobs;
    this.#stopJobs = async () => {
      clearInterval(timer);
      await stopJobs();
    };
  }

  async stop(): Promise<void> {
    await this.#stopJobs?.();
  }

  /**
   * The lease-sweep job's run: runs whose lease expired back to the queue or failed (leases.ts), in
   * one transaction with their audit rows, published after the commit. With none expired (the usual
   * case) it is one statement and no transaction.
   */
  async sweepLeases(): Promise<void> {
    const { sql, orm, clock, logger } = this.#o;
    if (!(await leaseSweepDue(sql, clock))) return;
    const { runs, ...changed } = await afterCommit(this.#o.pubsub, (events) =>
      orm.em.fork().transactional(async (em) => {
        const swept = await sweepExpiredLeases(em, this.catalog, clock);
        recordRunChanges(events, swept.runs, clock.now());
        return swept;
      }),
    );
    if (runs.length) logger.warn(changed, 'expired leases swept');
  }

  async refreshChecklist(): Promise<ChecklistReport> {
    const { report, changed } = await this.checklist.run(this.#o.clock.now());
    if (changed) {
      this.#o.logger.info({ ready: report.ready, failing: report.failing }, 'start-up checklist changed');
      // This replica's checklist, not a change it stores: published as it is found. An outage is the
      // pub/sub's to log; it must not fail the refresh (nor an override already committed).
      void this.#o.pubsub.publish(Channels.checklistUpdated, { ready: report.ready, failing: report.failing }).catch(() => {});
    }
    return report;
  }

  /** Throws NOT_READY naming the failing checks while the checklist blocks submissions. */
  assertReady(): void {
    const report = this.checklist.report();
    if (!report.ready) throw new NotReadyError(report.failing);
  }
}
