/**
 * The monitoring capability as the server runs it: declared services (its section of the config
 * file, config-file.ts, or the built-ins), the scheduler, the result writer, the periodic jobs
 * (partitions, rollups, retention), recheck and diagnose, heartbeat pings, and the events subscribers get.
 */
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type pg from 'pg';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { PubSub } from '../events/pubsub.ts';
import type { TransactionEvents } from '../events/after-commit.ts';
import { Channels, type HealthCheckEvent, type StatusChangeEvent } from '../events/channels.ts';
import { pendingMigrations } from '../db/migrate.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { firstHeartbeatCheckAt } from './checkers/heartbeat.ts';
import type { Service } from './entities.ts';
import type { CheckerHost, CheckResult } from './checkers/checker.ts';
import type { ConfigChanges, ConfigFile } from '../config-file.ts';
import { builtinServices } from './builtins.ts';
import { DEFAULT_SETTINGS, monitoringSection, type MonitoringConfig, type MonitoringSettings } from './config-file.ts';
import { syncDeclaredServices } from './config-sync.ts';
import { createService, createServices, setPaused, updateService, type ServiceInput } from './services.ts';
import { scheduleJobs } from '../jobs.ts';
import type { JobRuns } from '../job-registry.ts';
import { ResultWriter } from './result-writer.ts';
import { recordChecks, writeChecks, type CompletedCheck } from './results.ts';
import type { SqlClient } from '../db/sql.ts';
import type { ClaimedCheck } from './claims.ts';
import { Scheduler, runClaimed, type SchedulerStats } from './scheduler.ts';
import { PaceRefused, paceAutovacuum, paceState } from './autovacuum-pace.ts';
import { deleteOldRollups, dropExpiredPartitions, ensurePartitions, rollUpRecent } from './timeseries.ts';

export interface MonitoringOptions {
  orm: MikroORM;
  sql: pg.Pool;
  pubsub: PubSub;
  clock: Clock;
  logger: Logger;
  dataDir: string;
  /** The server's config file, where monitoring registers its section; without one (a benchmark) the services stored stay as they are. */
  configFile?: ConfigFile;
  /** Run the scheduler and periodic jobs (off in tests that drive checks by hand). */
  runScheduler?: boolean;
  /** Set the database's autovacuum pace (autovacuum-pace.ts): the embedded PostgreSQL's, or one the config says serves Lookout alone. */
  paceAutovacuum?: boolean;
  stats?: SchedulerStats & { onRecorded?(checks: HealthCheckEvent[], transitions: StatusChangeEvent[]): void };
}

/** Service names a sync's log line lists, per list (the counts say how many there were). */
const LOGGED_NAMES = 20;

export class Monitoring {
  /** The config file's `uptime` and `retention` settings in force. */
  settings: MonitoringSettings = { ...DEFAULT_SETTINGS };
  /** What checkers may ask of this Lookout (its database, event bus, heartbeats, data directory). */
  readonly host: CheckerHost;
  readonly scheduler: Scheduler;
  /** This replica's results on their way to the database (held during an outage; `heldResults`, `droppedResults` for metrics). */
  readonly writer: ResultWriter;
  #stopJobs: (() => Promise<void>) | undefined;
  /** Rollups runs in a row that found the lock held (monitor.ts's rollups job). */
  #rollupsSkipped = 0;
  /** The database refused the autovacuum pace: said once, not tried again by this process. */
  #paceRefused = false;

  private readonly o: MonitoringOptions;

  constructor(options: MonitoringOptions) {
    const o = (this.o = options);
    this.host = {
      dataDir: o.dataDir,
      now: () => o.clock.now(),
      database: {
        ping: async () => void (await o.sql.query('select 1')),
        pendingMigrations: () => pendingMigrations(o.orm),
        poolUse: () => ({ used: o.sql.totalCount - o.sql.idleCount, max: o.sql.options.max ?? 10, waiting: o.sql.waitingCount }),
      },
      eventBusProbe: (timeoutMs, signal) => this.#probe(timeoutMs, signal),
      lastHeartbeat: async (name) => {
        const { rows } = await o.sql.query<{ last_ping_at: Date | null; last_ping_failed: boolean }>(
          'select st.last_ping_at, st.last_ping_failed from service_states st join services s on s.id = st.service_id where s.name = $1',
          [name],
        );
        return rows[0]?.last_ping_at ? { at: rows[0].last_ping_at, failed: rows[0].last_ping_failed } : null;
      },
    };
    // The writer's batches record their events in their transactions (results.ts); published once committed.
    this.writer = new ResultWriter(o.sql, { pubsub: o.pubsub, onRecorded: (checks, transitions) => this.#observe(checks, transitions) }, o.logger);
    this.scheduler = new Scheduler(o.sql, this.writer, this.host, o.clock, o.logger, undefined, o.stats);
    o.configFile?.register(monitoringSection, (config, tx, changes) => this.#applyConfig(config, tx, changes));
  }

  async start(): Promise<void> {
    await ensurePartitions(this.o.sql, this.o.clock.now());
    if (this.o.runScheduler === false) return;
    this.scheduler.start();
    this.#stopJobs = scheduleJobs(this.o.sql, 'monitoring', this.#jobs(), { clock: this.o.clock, logger: this.o.logger });
  }

  async stop(): Promise<void> {
    await this.#stopJobs?.();
    await this.scheduler.stop();
  }

  /**
   * Monitoring's section of a valid config file (the loader checked every section first): the
   * declared services (the built-ins without a file) synced in the loader's transaction, the
   * settings switched once it committed.
   */
  async #applyConfig(config: MonitoringConfig, tx: EntityManager, changes: ConfigChanges): Promise<() => void> {
    const fromFile = config.services.map((definition) => ({ definition, source: 'config' as const, sourcePath: config.file }));
    const named = new Set(config.services.map((d) => d.name));
    const builtins = config.file === null || config.builtins ? builtinServices().filter((d) => !named.has(d.name)) : [];
    const declared = [...fromFile, ...builtins.map((definition) => ({ definition, source: 'builtin' as const, sourcePath: null }))];
    const result = await syncDeclaredServices(tx, declared, this.o.clock);
    changes.note('services', result);
    return () => {
      this.settings = config.settings;
      this.#logSync(result, config.file ?? 'built-in');
      this.scheduler.poke();
    };
  }

  /**
   * The API's changes to service definitions, in the caller's transaction. Once it committed, the
   * scheduler looks for due checks at once (a new, changed or resumed service is checked now, not
   * at the next poll): a wake-up recorded on the transaction's `events`, never run after a rollback.
   */
  async createService(em: EntityManager, events: TransactionEvents, input: ServiceInput): Promise<Service> {
    const service = await createService(em, input, this.o.clock);
    events.afterCommit(() => this.scheduler.poke());
    return service;
  }

  /** Creates API services in one go, all or nothing (services.ts `createServices`); returns their names. */
  async createServices(em: EntityManager, events: TransactionEvents, inputs: ServiceInput[]): Promise<string[]> {
    const names = await createServices(em, inputs, this.o.clock);
    events.afterCommit(() => this.scheduler.poke());
    return names;
  }

  /** Replaces an API service's definition; `changed` false when it was the same (nothing written). */
  async updateService(em: EntityManager, events: TransactionEvents, name: string, input: Omit<ServiceInput, 'name'>): Promise<{ service: Service; changed: boolean }> {
    const result = await updateService(em, name, input, this.o.clock);
    if (result.changed) events.afterCommit(() => this.scheduler.poke());
    return result;
  }

  /** Pauses or resumes a service; a resumed one is checked once the change committed. */
  async setPaused(em: EntityManager, events: TransactionEvents, name: string, paused: boolean): Promise<Service> {
    const service = await setPaused(em, name, paused, this.o.clock);
    if (!paused) events.afterCommit(() => this.scheduler.poke());
    return service;
  }

  /** Runs a service's check now, outside the schedule, records it and returns the result. */
  async recheck(name: string, diagnose = false): Promise<CheckResult & { checkedAt: Date }> {
    const completed = await this.#runNow(name, diagnose);
    if (!diagnose) {
      const { checks, transitions } = await recordChecks(this.o.sql, [completed], this.o.pubsub);
      this.#observe(checks, transitions);
    }
    return { ...completed.result, checkedAt: completed.checkedAt };
  }

  /**
   * Runs a service's check now (for `recordIn`), holding no connection while it runs: NOT_FOUND, or
   * a CONFLICT for a heartbeat not yet due, before anything is checked.
   */
  runNow(name: string): Promise<CompletedCheck> {
    return this.#runNow(name, false);
  }

  /**
   * Writes a check `runNow` made on `sql`, a connection in the caller's transaction (an operator's
   * recheck is stored with its audit row); its events go out once that transaction committed.
   */
  async recordIn(sql: SqlClient, events: TransactionEvents, completed: CompletedCheck): Promise<CheckResult & { checkedAt: Date }> {
    const { checks, transitions } = await writeChecks(sql, [completed], events);
    events.afterCommit(() => this.#observe(checks, transitions));
    return { ...completed.result, checkedAt: completed.checkedAt };
  }

  async #runNow(name: string, diagnose: boolean) {
    return runClaimed(await this.#claimByName(name), this.host, this.o.clock, diagnose);
  }

  /** A heartbeat ping (`/ping/<token>`, `/fail`): records it and checks the service at once. */
  async ping(token: string, failed: boolean): Promise<{ service: string; status: string }> {
    const { rows } = await this.o.sql.query<{ name: string }>(
      `update service_states st set last_ping_at = $2, last_ping_failed = $3
         from services s where s.id = st.service_id and s.ping_token = $1 and s.kind = 'heartbeat'
       returning s.name`,
      [token, this.o.clock.now(), failed],
    );
    if (!rows.length) throw new NotFoundError('Heartbeat', `${token.slice(0, 4)}…`);
    const result = await this.recheck(rows[0].name);
    return { service: rows[0].name, status: result.status };
  }

  /** Counts and logs checks and transitions this replica stored, once they committed (their events are published by then). */
  /**
   * Called once transitions this replica stored have committed (alerting's wake-up, in process:
   * it does not depend on the pub/sub, which may be down or reconnecting).
   */
  onTransitionsStored: (() => void) | undefined;

  #observe(checks: HealthCheckEvent[], transitions: StatusChangeEvent[]): void {
    if (transitions.length) this.onTransitionsStored?.();
    this.o.stats?.onRecorded?.(checks, transitions);
    for (const change of transitions) this.o.logger.info(change, 'service status changed');
  }

  async #claimByName(name: string): Promise<ClaimedCheck> {
    const { rows } = await this.o.sql.query(
      `select s.id, s.name, s.kind, s.target, s.options, s.interval_ms, s.timeout_ms, s.degraded_latency_ms, s.critical, s.created_at,
              st.status, st.last_ping_at
         from services s join service_states st on st.service_id = s.id where s.name = $1`,
      [name],
    );
    const r = rows[0];
    if (!r) throw new NotFoundError('Service', name);
    // A heartbeat service never pinged is pending until period + grace after its creation: checking
    // it on request before then would record a DOWN for a job that cannot have missed a ping yet.
    if (r.kind === 'heartbeat' && r.last_ping_at === null && r.status === null) {
      const firstCheckAt = firstHeartbeatCheckAt(r.options, r.created_at);
      if (firstCheckAt > this.o.clock.now()) {
        throw new ConflictError(
          `The heartbeat service "${name}" is waiting for its first ping (expected by ${firstCheckAt.toISOString()}); nothing was checked. Ping it, or check again after that time.`,
          { firstCheckAt: firstCheckAt.toISOString() },
        );
      }
    }
    return {
      serviceId: r.id, name: r.name, kind: r.kind, target: r.target, options: r.options, intervalMs: r.interval_ms, timeoutMs: r.timeout_ms,
      degradedLatencyMs: r.degraded_latency_ms, critical: r.critical, dueAt: this.o.clock.now(),
    };
  }

  async #probe(timeoutMs: number, signal: AbortSignal): Promise<{ transport: string }> {
    const id = `${process.pid}-${Math.random().toString(36).slice(2)}`;
    const controller = new AbortController();
    signal.addEventListener('abort', () => controller.abort(), { once: true });
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const events = this.o.pubsub.subscribe(Channels.probe, controller.signal);
    const received = (async () => {
      for await (const event of events) if (event.id === id) return true;
      return false;
    })();
    try {
      await events.ready;
      await this.o.pubsub.publish(Channels.probe, { id });
      if (!(await received)) throw new Error(`the probe did not come back through the ${this.o.pubsub.transport} event bus within ${timeoutMs} ms`);
      return { transport: this.o.pubsub.transport };
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  }

  #logSync(result: { added: string[]; updated: string[]; removed: string[] }, from: string): void {
    if (!result.added.length && !result.updated.length && !result.removed.length) return;
    // The first names of each list and the counts: 20,000 services made a 169 KB log line.
    const some = (names: string[]) => (names.length > LOGGED_NAMES ? [...names.slice(0, LOGGED_NAMES), `… ${names.length - LOGGED_NAMES} more`] : names);
    this.o.logger.info(
      { from, added: some(result.added), updated: some(result.updated), removed: some(result.removed), counts: { added: result.added.length, updated: result.updated.length, removed: result.removed.length } },
      'declared services synced',
    );
  }

  /** Monitoring's periodic jobs (periods and leases: server/job-registry.ts). */
  #jobs(): JobRuns<'monitoring'> {
    const { sql, clock } = this.o;
    return {
      partitions: () => ensurePartitions(sql, clock.now()),
      retention: async () => {
        await dropExpiredPartitions(sql, clock.now(), this.settings.rawRetentionDays);
        await deleteOldRollups(sql, clock.now(), this.settings.rollupRetentionDays);
      },
      rollups: async (job) => {
        // From where the rollups stop (in the database: any replica's last run), or 15 minutes back.
        const rollUpAgainFrom = typeof job.state === 'string' ? new Date(job.state) : undefined;
        const rolled = await rollUpRecent(sql, clock.now(), { rawRetentionDays: this.settings.rawRetentionDays, from: rollUpAgainFrom });
        if (rolled.skipped) {
          // Another replica's run holds the lock (what to look at again is kept). Runs take seconds:
          // one held for ten minutes on end is a stuck holder (a session PostgreSQL has not yet
          // found dead), and the charts' rollups wait for it: said then, and every hour after.
          const skipped = ++this.#rollupsSkipped;
          if (skipped === 10 || (skipped > 10 && skipped % 60 === 10)) {
            this.o.logger.warn({ skippedRuns: skipped }, `the rollups job found its lock held by another session ${skipped} runs in a row: five-minute and hour rollups wait for it (pg_locks shows the holder)`);
          }
          return;
        }
        this.#rollupsSkipped = 0;
        // A gap caught up (after a database outage) is looked at once more by the next run, on
        // whichever replica: batches the writers retry once the database is back may land just after it.
        job.state = rolled.caughtUp ? rolled.from.toISOString() : null;
      },
      'autovacuum-pace': async (job) => {
        if (!this.o.paceAutovacuum || this.#paceRefused) return;
        try {
          const pace = await paceAutovacuum(sql, paceState(job.state), clock.now());
          job.state = pace.state;
          const round = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100);
          if (pace.changed) this.o.logger.info({ checksPerSecond: round(pace.checksPerSecond), rowsPerSecond: round(pace.rowsPerSecond), naptimeS: pace.naptimeS }, 'autovacuum_naptime set for the checks and writes seen');
        } catch (err) {
          if (!(err instanceof PaceRefused)) throw err;
          // Said once; this process tries no more (a restart tries again).
          this.#paceRefused = true;
          this.o.logger.warn({ err }, `${err.message}; autovacuum keeps the server's own pace (LOOKOUT_PACE_AUTOVACUUM=false says so without this warning)`);
        }
      },
    };
  }
}
