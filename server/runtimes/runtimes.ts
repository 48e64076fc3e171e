/**
 * The runtimes capability: the runtimes the config file declares, their states, restart on request
 * and their changes on `runtime.changed`. Each replica supervises what it spawned: a `process`
 * runtime belongs to the replica that runs it (every replica with the same file runs its own copy),
 * while `http` and `command` runtimes are read and restarted from whichever replica is asked.
 */
import { Channels, type RuntimeChangedEvent } from '../events/channels.ts';
import type { PubSub } from '../events/pubsub.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { ConfigFile } from '../config-file.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { runtimesSection, type RuntimeDefinition, type RuntimesConfig } from './config-file.ts';
import { getRuntimeKind } from './registry.ts';
import { RestartFailed, type RestartOutcome, type Runtime, type RuntimeStatus } from './runtime.ts';

export interface RuntimesOptions {
  pubsub: PubSub;
  clock: Clock;
  logger: Logger;
  /** Where the `runtimes` section is registered; without one (a test) call `apply` directly. */
  configFile?: ConfigFile;
  /** Each runtime's status read (http, command) is bounded by this. */
  statusTimeoutMs?: number;
  /** How often http and command runtimes are read in the background, so that changes are published (0: never). */
  pollMs?: number;
}

interface Entry {
  definition: RuntimeDefinition;
  /** The definition as text: a reload that changes it replaces the runtime. */
  key: string;
  runtime: Runtime;
  /** The last payload published for it, without its time. */
  published: string;
}

/** A status read this recently is fresh enough to show again. */
const FRESH_MS = 2000;
/** A restart's longest wait, whatever the kind's own limits say (they are normally shorter). */
const RESTART_LIMIT_MS = 3_600_000;

export class Runtimes {
  readonly #o: RuntimesOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #restarting = new Set<string>();
  readonly #reading = new Map<Runtime, Promise<RuntimeStatus>>();
  #started = false;
  #stopped = false;
  #poller: NodeJS.Timeout | undefined;
  /** Replacements of runtimes by reloads, one after the other (an old process stops before its successor starts). */
  #changes: Promise<void> = Promise.resolve();

  constructor(options: RuntimesOptions) {
    this.#o = options;
    // Nothing stored: the switch runs once every section of the file has committed.
    options.configFile?.register(runtimesSection, async (config) => () => this.apply(config));
  }

  /** Starts supervising (spawns `process` runtimes) and the background reads. */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    for (const { runtime } of this.#entries.values()) runtime.start();
    const pollMs = this.#o.pollMs ?? 30_000;
    if (pollMs > 0) {
      const poll = () => {
        void this.statuses({ refresh: true }).finally(() => {
          if (!this.#stopped) this.#poller = setTimeout(poll, pollMs).unref();
        });
      };
      this.#poller = setTimeout(poll, 0).unref();
    }
  }

  /** Stops every supervised process (SIGTERM, then SIGKILL after its grace) and the background reads. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#poller);
    await this.#changes;
    await Promise.all([...this.#entries.values()].map(({ runtime }) => runtime.stop().catch((err: unknown) => this.#o.logger.error({ err, runtime: runtime.name }, 'could not stop a runtime'))));
  }

  /** The config file's `runtimes`: new ones are added, removed ones stopped, changed ones replaced. */
  apply(config: RuntimesConfig): void {
    if (this.#stopped) return;
    const wanted = new Map(config.runtimes.map((d) => [d.name, d]));
    const retired: Runtime[] = [];
    const added: Runtime[] = [];
    for (const [name, entry] of this.#entries) {
      const next = wanted.get(name);
      if (!next || JSON.stringify(next) !== entry.key) {
        retired.push(entry.runtime);
        this.#entries.delete(name);
      }
    }
    for (const definition of config.runtimes) {
      if (this.#entries.has(definition.name)) continue;
      const runtime = getRuntimeKind(definition.kind).create(definition.name, definition.settings, {
        now: () => this.#o.clock.now(),
        changed: () => this.#changed(definition.name, runtime),
        logger: this.#o.logger,
      });
      this.#entries.set(definition.name, { definition, key: JSON.stringify(definition), runtime, published: '' });
      added.push(runtime);
    }
    // Keep the file's order.
    const ordered = config.runtimes.map((d) => [d.name, this.#entries.get(d.name)!] as const);
    this.#entries.clear();
    for (const [name, entry] of ordered) this.#entries.set(name, entry);
    if (retired.length || added.length) this.#o.logger.info({ added: added.map((r) => r.name), removed: retired.map((r) => r.name) }, 'runtimes applied');
    this.#changes = this.#changes.then(async () => {
      await Promise.all(retired.map((r) => r.stop().catch((err: unknown) => this.#o.logger.error({ err, runtime: r.name }, 'could not stop a runtime'))));
      if (this.#started && !this.#stopped) for (const runtime of added) if (this.#entries.get(runtime.name)?.runtime === runtime) runtime.start();
    });
  }

  /** The runtimes' names, in the file's order. */
  names(): string[] {
    return [...this.#entries.keys()];
  }

  /** Every runtime's state; with `refresh`, http and command runtimes are read afresh first (bounded in time). */
  async statuses(options: { refresh?: boolean } = {}): Promise<RuntimeStatus[]> {
    const runtimes = [...this.#entries.values()].map((e) => e.runtime);
    if (!options.refresh) return runtimes.map((r) => r.status());
    const signal = AbortSignal.timeout(this.#o.statusTimeoutMs ?? 10_000);
    return Promise.all(runtimes.map((r) => this.#refresh(r, signal)));
  }

  /**
   * Reads one runtime afresh, unless it was read within FRESH_MS or a read is under way (joined):
   * a dashboard asking every second must not run a status command every second per viewer.
   */
  #refresh(runtime: Runtime, signal: AbortSignal): Promise<RuntimeStatus> {
    if (this.#o.clock.now().getTime() - runtime.status().checkedAt.getTime() < FRESH_MS && runtime.status().state !== 'unknown') return Promise.resolve(runtime.status());
    let reading = this.#reading.get(runtime);
    if (!reading) {
      reading = runtime.refresh(signal).catch(() => runtime.status()).finally(() => this.#reading.delete(runtime));
      this.#reading.set(runtime, reading);
    }
    return reading;
  }

  /** One runtime's state; throws NotFoundError when the file declares no such runtime. */
  status(name: string): RuntimeStatus {
    return this.#get(name).status();
  }

  /**
   * Restarts `name` and resolves with the outcome once it is running again or has failed (with
   * the reason); the runtime shows `restarting` meanwhile. Throws NotFoundError for an unknown
   * name and ConflictError while a restart of it is already under way.
   */
  async restart(name: string): Promise<RestartOutcome> {
    const runtime = this.#get(name);
    if (this.#restarting.has(name)) throw new ConflictError(`The runtime "${name}" is already restarting; wait for that restart to finish.`);
    this.#restarting.add(name);
    const started = performance.now();
    try {
      await runtime.restart(AbortSignal.timeout(RESTART_LIMIT_MS));
      return { ok: true, error: null, durationMs: Math.round(performance.now() - started), runtime: runtime.status() };
    } catch (error) {
      const reason = error instanceof RestartFailed ? error.message : `the restart failed unexpectedly: ${(error as Error).message}`;
      if (!(error instanceof RestartFailed)) this.#o.logger.error({ err: error, runtime: name }, 'runtime restart failed unexpectedly');
      return { ok: false, error: reason, durationMs: Math.round(performance.now() - started), runtime: runtime.status() };
    } finally {
      this.#restarting.delete(name);
    }
  }

  /** The last `lines` lines of a runtime's output (null: it has no log source). */
  async logs(name: string, lines: number, signal: AbortSignal): Promise<string[] | null> {
    return this.#get(name).logs(lines, signal);
  }

  #get(name: string): Runtime {
    const entry = this.#entries.get(name);
    if (!entry) throw new NotFoundError('Runtime', name);
    return entry.runtime;
  }

  /**
   * Publishes a runtime's change. Not a stored change (nothing is written), so straight to the
   * pub/sub rather than after a commit; the same state twice is published once.
   */
  #changed(name: string, runtime: Runtime): void {
    const entry = this.#entries.get(name);
    if (entry && entry.runtime !== runtime) return; // a retired runtime stopping
    const payload = toEvent(runtime.status());
    const { at: _at, ...compared } = payload;
    const text = JSON.stringify(compared);
    if (entry) {
      if (entry.published === text) return;
      entry.published = text;
    }
    void this.#o.pubsub.publish(Channels.runtimeChanged, payload).catch(() => {});
  }
}

/** A status as the channel carries it: plain JSON, instants as ISO text. */
export function toEvent(status: RuntimeStatus): RuntimeChangedEvent {
  return {
    name: status.name,
    kind: status.kind,
    state: status.state,
    pid: status.pid,
    version: status.version,
    commit: status.commit,
    startedAt: status.startedAt?.toISOString() ?? null,
    restarts: status.restarts,
    lastExit: status.lastExit ? { code: status.lastExit.code, signal: status.lastExit.signal, at: status.lastExit.at.toISOString() } : null,
    lastError: status.lastError,
    nextRestartAt: status.nextRestartAt?.toISOString() ?? null,
    at: status.checkedAt.toISOString(),
  };
}

/** A status from the channel (another replica's, perhaps), as the API shows it. */
export function fromEvent(event: RuntimeChangedEvent): RuntimeStatus {
  return {
    name: event.name,
    kind: event.kind,
    state: event.state,
    pid: event.pid,
    version: event.version,
    commit: event.commit,
    startedAt: event.startedAt ? new Date(event.startedAt) : null,
    restarts: event.restarts,
    lastExit: event.lastExit ? { code: event.lastExit.code, signal: event.lastExit.signal, at: new Date(event.lastExit.at) } : null,
    lastError: event.lastError,
    nextRestartAt: event.nextRestartAt ? new Date(event.nextRestartAt) : null,
    checkedAt: new Date(event.at),
  };
}
