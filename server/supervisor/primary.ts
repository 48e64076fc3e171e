/**
 * Lookout's primary process (`lookout serve` unless LOOKOUT_SUPERVISOR=off or --no-supervisor): it
 * holds the port (cluster, round-robin), opens the embedded PostgreSQL when there is no
 * DATABASE_URL, runs one worker that does everything else, starts it again when it dies, and
 * replaces it on request without a moment when nothing listens: the old worker asks for a
 * replacement, tells it to listen, then retires and drains (server/supervisor/link.ts). On
 * SIGTERM/SIGINT it stops the workers, then the database, then exits.
 */
import cluster from 'node:cluster';
import path from 'node:path';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { isLookoutRoot, readCurrentRelease, writeCurrentRelease } from './current-release.ts';
import { EMBEDDED_DATABASE_ENV, HOLD_LISTEN_ENV, WORKER_ENV, type PrimaryMessageBody, type WorkerMessage } from './messages.ts';
import { WorkerProcess, type WorkerExit } from './worker-process.ts';
import { handleProcessFailures } from '../fatal.ts';

/** A crashed worker is started again after 1 s, doubling to 30 s; a worker that stayed up 30 s resets it. */
export const RESTART_BACKOFF = { firstMs: 1000, maxMs: 30_000, resetAfterMs: 30_000 } as const;
/** How long a worker may take to shut down gracefully before it is killed (its own drain is capped at 10 s). */
const STOP_GRACE_MS = 30_000;
/** How long a held replacement may take to listen once told to. */
const LISTEN_TIMEOUT_MS = 30_000;

/**
 * glibc's malloc, which the worker's buffers come from: once a large block allocated with mmap is
 * freed, it raises its threshold for mmap to that size (up to 32 MB), and from then on blocks that
 * large come from the main heap, which gives memory back only from its top. Request bodies and
 * socket reads then fragment it: after bench/fuzz the worker's main heap had grown 13 → 33 MB and
 * kept it. A fixed threshold (glibc's default, 128 KB, made fixed by setting it) keeps every large
 * block in a mapping of its own, returned when freed: the main heap 7 → 16–23 MB over the same run,
 * and 6 MB less at start. A value in the environment wins; other C libraries ignore the variable.
 */
export const WORKER_MMAP_THRESHOLD = String(128 * 1024);
/** glibc's largest mmap threshold on 64-bit systems. */
const MAX_MMAP_THRESHOLD = 32 * 1024 * 1024;

/**
 * The worker's MALLOC_MMAP_THRESHOLD_: the environment's when it is a number of bytes glibc takes,
 * else WORKER_MMAP_THRESHOLD. glibc reads an empty or malformed value ("", "64k") as 0, so that
 * every allocation of a few KB would be a mapping of its own: such a value is said and not passed on.
 */
export function workerMmapThreshold(fromEnv: string | undefined, logger: Pick<Logger, 'warn'>): string {
  if (fromEnv === undefined) return WORKER_MMAP_THRESHOLD;
  if (/^\d{1,9}$/.test(fromEnv) && Number(fromEnv) <= MAX_MMAP_THRESHOLD) return fromEnv;
  logger.warn({ MALLOC_MMAP_THRESHOLD_: fromEnv.slice(0, 40) }, `MALLOC_MMAP_THRESHOLD_ must be a number of bytes from 0 to ${MAX_MMAP_THRESHOLD}: the worker gets ${WORKER_MMAP_THRESHOLD} instead`);
  return WORKER_MMAP_THRESHOLD;
}

export interface PrimaryOptions {
  config: Config;
  logger: Logger;
  /** The code directory workers run from unless <dataDir>/current-release names another. */
  projectRoot: string;
}

interface Database {
  url: string;
  stop(): Promise<void>;
}

/** Runs the primary until it is told to stop; resolves with the exit code it should end with. */
export async function runPrimary({ config, logger, projectRoot }: PrimaryOptions): Promise<number> {
  cluster.schedulingPolicy = cluster.SCHED_RR;
  let database: Database | undefined;
  if (!config.databaseUrl) {
    const { openEmbeddedDatabase } = await import('../db/embedded.ts');
    database = await openEmbeddedDatabase(config.dataDir, { logger, sharedBuffersMb: config.embeddedSharedBuffersMb });
  }
  const primary = new Primary({ config, logger, root: readCurrentRelease(config.dataDir, projectRoot, logger), databaseUrl: database?.url });
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // A terminal's Ctrl-C reaches this process and its wrapper; only a later second signal forces.
    if (firstSignalAt) {
      if (Date.now() - firstSignalAt > 1000) primary.kill();
      return;
    }
    firstSignalAt = Date.now();
    logger.info({ signal }, 'signal received: stopping the workers');
    primary.stop(0);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // SIGHUP reloads the config file, in the worker that reads it.
  process.on('SIGHUP', () => primary.forward('SIGHUP'));
  const fatal = (err: unknown) => {
    logger.fatal({ err }, 'the primary failed; stopping the workers');
    primary.stop(1);
  };
  handleProcessFailures(logger, fatal);

  primary.start();
  const code = await primary.stopped;
  if (database) await database.stop().catch((err: unknown) => logger.error({ err }, 'could not stop the embedded PostgreSQL'));
  logger.info('stopped');
  return code;
}

interface PrimaryState {
  config: Config;
  logger: Logger;
  root: string;
  databaseUrl: string | undefined;
}

interface ReplacementRequest {
  requester: WorkerProcess;
  worker: WorkerProcess;
}

class Primary {
  readonly #s: PrimaryState;
  /** The worker kept running: started again when it dies; the last one that took over. */
  #current: WorkerProcess | undefined;
  readonly #workers = new Set<WorkerProcess>();
  /** Replacements by pid, until they listen or are gone. */
  readonly #replacements = new Map<number, ReplacementRequest>();
  #root: string;
  #everListened = false;
  #nextDelayMs: number = RESTART_BACKOFF.firstMs;
  #restartTimer: NodeJS.Timeout | undefined;
  #stopping = false;
  #resolveStopped!: (code: number) => void;
  readonly stopped = new Promise<number>((resolve) => (this.#resolveStopped = resolve));

  constructor(state: PrimaryState) {
    this.#s = state;
    this.#root = state.root;
  }

  start(): void {
    this.#current = this.#fork(this.#root, false);
    this.#s.logger.info({ pid: this.#current.pid, root: this.#root }, 'started a worker');
  }

  /** Stops every worker (gracefully), then resolves `stopped` with `code`. */
  stop(code: number): void {
    if (this.#stopping) return;
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    void Promise.all([...this.#workers].map((w) => w.stop(STOP_GRACE_MS))).then(() => this.#resolveStopped(code));
  }

  /** Forced stop: every worker is killed at once. */
  kill(): void {
    for (const worker of this.#workers) worker.kill('SIGKILL');
    this.stop(1);
  }

  forward(signal: NodeJS.Signals): void {
    for (const worker of this.#workers) if (worker.state === 'listening') worker.kill(signal);
  }

  #fork(root: string, hold: boolean): WorkerProcess {
    const { config, databaseUrl, logger } = this.#s;
    const env: Record<string, string> = { [WORKER_ENV]: '1', LOOKOUT_DATA_DIR: config.dataDir };
    // The worker's working directory is its root: paths from the environment must not depend on it.
    if (config.configFile) env.LOOKOUT_CONFIG = path.resolve(config.configFile);
    if (databaseUrl) {
      env.DATABASE_URL = databaseUrl;
      // The URL is the embedded database's, opened here: the worker still says "embedded" in its metadata.
      env[EMBEDDED_DATABASE_ENV] = '1';
    }
    if (hold) env[HOLD_LISTEN_ENV] = '1';
    env.MALLOC_MMAP_THRESHOLD_ = workerMmapThreshold(process.env.MALLOC_MMAP_THRESHOLD_, logger);
    const worker = new WorkerProcess({
      root,
      env,
      logger,
      onMessage: (w, message) => void this.#onMessage(w, message).catch((err: unknown) => logger.error({ err, pid: w.pid }, 'could not answer a worker')),
      onExit: (w, exit) => this.#onExit(w, exit),
    });
    this.#workers.add(worker);
    return worker;
  }

  #reply(to: WorkerProcess, body: PrimaryMessageBody): void {
    if (!to.send(body)) this.#s.logger.warn({ pid: to.pid, type: body.type }, 'could not answer a worker that has gone');
  }

  async #onMessage(from: WorkerProcess, message: WorkerMessage): Promise<void> {
    const { logger } = this.#s;
    switch (message.type) {
      case 'listening':
        this.#everListened = true;
        if (from === this.#current || this.#replacements.has(from.pid)) logger.info({ pid: from.pid, root: from.root }, 'the worker listens');
        return;
      case 'ready':
        return;
      case 'start-replacement': {
        const { id, root, readyTimeoutMs } = message;
        if (this.#stopping) return this.#reply(from, { type: 'reply', id, ok: false, error: 'Lookout is shutting down.' });
        if (!isLookoutRoot(root)) return this.#reply(from, { type: 'reply', id, ok: false, error: `${root} is not a Lookout code directory (it has no server/cli.ts).` });
        // One replacement at a time, asked for by the worker kept running: two restarts (or a restart
        // and an update) at once would each make one listen, and the first would serve on for good.
        const starting = [...this.#replacements.values()][0];
        if (starting) return this.#reply(from, { type: 'reply', id, ok: false, error: `A new worker is already starting (pid ${starting.worker.pid}, from ${starting.worker.root}, for a restart or an update): one at a time. Try again once it has taken over or failed.` });
        if (from !== this.#current) return this.#reply(from, { type: 'reply', id, ok: false, error: 'This worker has already been replaced by a new one (it is retiring): ask the one that serves now.' });
        const worker = this.#fork(root, true);
        this.#replacements.set(worker.pid, { requester: from, worker });
        const forward = (line: string) => from.send({ type: 'replacement-output', id, line });
        worker.lineListeners.add(forward);
        logger.info({ pid: worker.pid, root, requestedBy: from.pid }, 'starting a replacement worker');
        const ready = await worker.reached('ready', readyTimeoutMs);
        worker.lineListeners.delete(forward);
        if (ready) return this.#reply(from, { type: 'reply', id, ok: true, pid: worker.pid });
        const exit = worker.alive ? null : await worker.exited;
        if (worker.alive) await worker.stop(STOP_GRACE_MS);
        this.#replacements.delete(worker.pid);
        return this.#reply(from, { type: 'reply', id, ok: false, error: worker.describe(exit, `was not ready within ${Math.round(readyTimeoutMs / 1000)} s and was stopped`) });
      }
      case 'listen-replacement': {
        const request = this.#replacements.get(message.pid);
        if (!request || request.requester !== from) return this.#reply(from, { type: 'reply', id: message.id, ok: false, error: `No replacement worker with pid ${message.pid} is waiting to listen.` });
        request.worker.send({ type: 'listen' });
        const listening = await request.worker.reached('listening', LISTEN_TIMEOUT_MS);
        if (!listening) {
          const exit = request.worker.alive ? null : await request.worker.exited;
          if (request.worker.alive) await request.worker.stop(STOP_GRACE_MS);
          this.#replacements.delete(message.pid);
          return this.#reply(from, { type: 'reply', id: message.id, ok: false, error: request.worker.describe(exit, `did not listen within ${LISTEN_TIMEOUT_MS / 1000} s and was stopped`) });
        }
        // From now on it is the worker kept running, and its root the one a crash restarts from.
        this.#replacements.delete(message.pid);
        const switched = request.worker.root !== this.#root;
        // Recorded before the switch counts: should the old worker die before it retires, a restart of
        // the primary must run the new root. When it cannot be recorded, there is no switch: the new
        // worker goes and the running one keeps serving alone (kept, both served round-robin for good,
        // and the old one could not retire).
        if (switched) {
          try {
            await writeCurrentRelease(this.#s.config.dataDir, request.worker.root);
            logger.info({ root: request.worker.root }, 'recorded the current release');
          } catch (err) {
            logger.error({ err, root: request.worker.root }, 'could not record the current release: the new worker is stopped, the running one keeps serving');
            await request.worker.stop(STOP_GRACE_MS);
            return this.#reply(from, {
              type: 'reply',
              id: message.id,
              ok: false,
              error: `Could not record the current release in ${this.#s.config.dataDir} (${(err as Error).message}): the new version was stopped, and the running one keeps serving.`,
            });
          }
        }
        this.#current = request.worker;
        this.#root = request.worker.root;
        return this.#reply(from, { type: 'reply', id: message.id, ok: true, pid: request.worker.pid });
      }
      case 'abandon-replacement': {
        const request = this.#replacements.get(message.pid);
        if (request && request.requester === from) {
          logger.info({ pid: message.pid }, 'stopping an abandoned replacement worker');
          await request.worker.stop(STOP_GRACE_MS);
          this.#replacements.delete(message.pid);
        }
        return this.#reply(from, { type: 'reply', id: message.id, ok: true });
      }
      case 'retire': {
        const successor = this.#current;
        if (!successor || successor === from || successor.state !== 'listening') {
          return this.#reply(from, { type: 'reply', id: message.id, ok: false, error: 'No other worker listens yet: start a replacement and let it listen before retiring this one.' });
        }
        if (successor.root !== from.root) {
          try {
            await writeCurrentRelease(this.#s.config.dataDir, successor.root);
          } catch (error) {
            return this.#reply(from, { type: 'reply', id: message.id, ok: false, error: `Could not record the current release in ${this.#s.config.dataDir}: ${(error as Error).message}` });
          }
          logger.info({ root: successor.root }, 'recorded the current release');
        }
        from.state = 'retiring';
        logger.info({ pid: from.pid, successor: successor.pid }, 'retiring a worker: it drains and exits');
        this.#reply(from, { type: 'reply', id: message.id, ok: true });
        // After the reply: the worker's call returns first, then it hands over.
        setImmediate(() => from.send({ type: 'retire' }));
        return;
      }
    }
  }

  #onExit(worker: WorkerProcess, exit: WorkerExit): void {
    const { logger } = this.#s;
    this.#workers.delete(worker);
    const uptimeMs = Date.now() - worker.startedAt;
    // Its replacements that have not taken over yet go with it: nothing would ever let them listen.
    for (const [pid, request] of this.#replacements) {
      if (request.requester === worker) {
        logger.warn({ pid, requester: worker.pid }, 'the worker that asked for a replacement has gone: stopping the replacement');
        void request.worker.stop(STOP_GRACE_MS);
        this.#replacements.delete(pid);
      }
    }
    if (this.#stopping || worker !== this.#current) {
      logger.info({ pid: worker.pid, code: exit.code, signal: exit.signal }, 'a worker exited');
      return;
    }
    if (!this.#everListened) {
      // The first start failed (its reason is in the output above): nothing was serving to keep up.
      logger.error({ pid: worker.pid, code: exit.code, signal: exit.signal }, 'the worker exited before it listened; stopping');
      this.stop(1);
      return;
    }
    if (uptimeMs >= RESTART_BACKOFF.resetAfterMs) this.#nextDelayMs = RESTART_BACKOFF.firstMs;
    const delayMs = this.#nextDelayMs;
    this.#nextDelayMs = Math.min(delayMs * 2, RESTART_BACKOFF.maxMs);
    logger.error({ pid: worker.pid, code: exit.code, signal: exit.signal, restartInMs: delayMs }, 'the worker exited unexpectedly; starting another');
    this.#current = undefined;
    this.#restartTimer = setTimeout(() => {
      if (this.#stopping) return;
      this.#current = this.#fork(this.#root, false);
      logger.info({ pid: this.#current.pid, root: this.#root }, 'started a worker');
    }, delayMs);
  }
}
