/**
 * The `process` kind: Lookout spawns the runtime (never through a shell), watches it, restarts it
 * by its policy with exponential backoff, and keeps the last lines of its output. The process
 * belongs to the replica that spawned it: another replica neither sees nor restarts it. Stopping
 * Lookout stops it (SIGTERM to its process group, SIGKILL after the grace).
 */
import { maskCredentials, redact, targetSecrets } from '../secret-text.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { LineBuffer } from './line-buffer.ts';
import { childEnvironment, describeSpawnError } from './run-command.ts';
import { delay, initialStatus, RestartFailed, type Runtime, type RuntimeContext, type RuntimeKind, type RuntimeStatus } from './runtime.ts';
import { RuntimeSettingsReader } from './settings.ts';

export const RESTART_POLICIES = ['always', 'on-failure', 'never'] as const;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];

export interface ProcessSettings {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string | null;
  restart: RestartPolicy;
  /** The first automatic restart waits this long; each quick exit after doubles it, up to `backoffMaxMs`. */
  backoffMs: number;
  backoffMaxMs: number;
  /** A process that stayed up this long starts its backoff afresh when it exits. */
  resetAfterMs: number;
  /** Between SIGTERM and SIGKILL when Lookout stops or restarts it. */
  stopGraceMs: number;
  /** A restart succeeds once the new process has stayed up this long. */
  startPeriodMs: number;
  /** Lines of output kept, and the longest line. */
  logLines: number;
  maxLineLength: number;
}

/** How one spawn went: whether it started, and how it ended. */
interface Spawned {
  child: ChildProcess | null;
  /** Null once running; the reason when it could not start. */
  started: Promise<string | null>;
  ended: Promise<void>;
}

class ProcessRuntime implements Runtime {
  readonly name: string;
  readonly kind = 'process';
  readonly #s: ProcessSettings;
  readonly #context: RuntimeContext;
  readonly #output: LineBuffer;
  #status: RuntimeStatus;
  #current: Spawned | null = null;
  /** What Lookout wants: `run` (supervise by the policy), `hold` (an operator restart or a stop is in charge). */
  #intent: 'run' | 'hold' = 'hold';
  /** Automatic restarts in a row without the process staying up `resetAfterMs`. */
  #quickExits = 0;
  #backoffTimer: NodeJS.Timeout | undefined;

  constructor(name: string, settings: ProcessSettings, context: RuntimeContext) {
    this.name = name;
    this.#s = settings;
    this.#context = context;
    this.#output = new LineBuffer(settings.logLines, settings.maxLineLength);
    this.#status = initialStatus(name, 'process', context.now(), 'stopped');
    this.#secrets = targetSecrets('', settings.env);
  }

  /**
   * The credentials its `env` gives it (a value named like one, a URL's password): a last line of
   * output quoted in `lastError`, which viewers read, must not show them.
   */
  readonly #secrets: string[];

  /** A reason, which may quote its output, without those credentials. */
  #clean(text: string): string {
    return maskCredentials(redact(text, this.#secrets));
  }

  status(): RuntimeStatus {
    return { ...this.#status };
  }

  async refresh(): Promise<RuntimeStatus> {
    return this.status();
  }

  async logs(lines: number): Promise<string[]> {
    return this.#output.tail(lines);
  }

  start(): void {
    this.#intent = 'run';
    if (!this.#current) this.#spawn('running');
  }

  async stop(): Promise<void> {
    this.#intent = 'hold';
    clearTimeout(this.#backoffTimer);
    await this.#terminate();
    this.#set({ state: 'stopped', pid: null, nextRestartAt: null });
  }

  async restart(signal: AbortSignal): Promise<void> {
    this.#intent = 'hold';
    clearTimeout(this.#backoffTimer);
    this.#set({ state: 'restarting', nextRestartAt: null, lastError: null });
    await this.#terminate();
    this.#quickExits = 0;
    this.#status.restarts++;
    const spawned = this.#spawn('restarting');
    const failure = await spawned.started;
    let reason = failure;
    if (!reason) {
      // Running is not enough: a program that dies at once (bad config, port taken) did not restart.
      const ended = spawned.ended.then(() => 'ended' as const);
      const outcome = await Promise.race([ended, delay(this.#s.startPeriodMs, signal).then(() => 'up' as const, () => 'aborted' as const)]);
      if (outcome === 'ended') reason = `${this.#exitText()} within ${this.#s.startPeriodMs} ms of starting${this.#lastLine()}`;
      else if (outcome === 'aborted') reason = 'the restart was abandoned before the process had stayed up';
    }
    this.#intent = 'run';
    if (!reason) {
      this.#set({ state: 'running', lastError: null });
      return;
    }
    // Failed: the policy takes over again, as after any crash.
    if (!this.#current) this.#afterExit(reason, true);
    throw new RestartFailed(this.#clean(reason));
  }

  /** Spawns the process; its state goes to `running` once it runs (or stays `restarting` while an operator restart waits). */
  #spawn(whenUp: 'running' | 'restarting'): Spawned {
    if (whenUp === 'running') this.#set({ state: 'starting', pid: null, nextRestartAt: null });
    let child: ChildProcess | undefined;
    let startError: string | null = null;
    if (this.#s.cwd && !existsSync(this.#s.cwd)) startError = `could not start ${this.#s.command}: cwd ${this.#s.cwd} does not exist`;
    else try {
      child = spawn(this.#s.command, this.#s.args, {
        cwd: this.#s.cwd ?? undefined,
        env: childEnvironment(this.#s.env),
        // Its own process group: stopping it stops what it started too.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      startError = describeSpawnError(this.#s.command, error as NodeJS.ErrnoException);
    }
    if (startError || !child) {
      const reason = startError ?? `could not start ${this.#s.command}`;
      this.#recordExit(null, null);
      if (whenUp === 'running') this.#afterExit(reason, true);
      return { child: null, started: Promise.resolve(reason), ended: Promise.resolve() };
    }
    let resolveStarted!: (reason: string | null) => void;
    let resolveEnded!: () => void;
    const spawned: Spawned = { child, started: new Promise((r) => (resolveStarted = r)), ended: new Promise((r) => (resolveEnded = r)) };
    this.#current = spawned;
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream]!.setEncoding('utf8');
      child[stream]!.on('data', (chunk: string) => this.#output.write(chunk, stream));
      child[stream]!.on('end', () => this.#output.end(stream));
    }
    child.once('spawn', () => {
      this.#set({ ...(whenUp === 'running' && { state: 'running' }), pid: child.pid ?? null, startedAt: this.#context.now(), lastError: null });
      resolveStarted(null);
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      // Only a failure to start matters here: a failed kill of a running process is not an exit.
      if (child.pid !== undefined) return;
      const reason = describeSpawnError(this.#s.command, error);
      this.#ended(spawned, null, null, reason);
      resolveStarted(reason);
      resolveEnded();
    });
    child.once('exit', (code, signal) => {
      this.#ended(spawned, code, signal, null);
      resolveEnded();
    });
    return spawned;
  }

  #ended(spawned: Spawned, code: number | null, signal: NodeJS.Signals | null, startError: string | null): void {
    if (this.#current !== spawned) return;
    this.#current = null;
    const upFor = this.#status.startedAt && !startError ? this.#context.now().getTime() - this.#status.startedAt.getTime() : 0;
    this.#recordExit(code, signal);
    if (this.#intent !== 'run') return; // a stop or an operator restart is in charge
    if (upFor >= this.#s.resetAfterMs) this.#quickExits = 0;
    const failed = startError !== null || code !== 0;
    this.#afterExit(startError ?? this.#exitText(), failed);
  }

  /** Records the exit without publishing it: the state that follows (crashed, stopped, restarting…) carries it. */
  #recordExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.#status = { ...this.#status, pid: null, lastExit: { code, signal, at: this.#context.now() } };
  }

  /** An unexpected end (or a failed start): restart after the backoff if the policy says so. */
  #afterExit(reason: string, failed: boolean): void {
    const again = this.#s.restart === 'always' || (this.#s.restart === 'on-failure' && failed);
    if (!again || this.#intent !== 'run') {
      this.#set({ state: failed ? 'crashed' : 'stopped', pid: null, lastError: failed ? reason : null, nextRestartAt: null });
      return;
    }
    const wait = Math.min(this.#s.backoffMs * 2 ** Math.min(this.#quickExits, 30), this.#s.backoffMaxMs);
    this.#quickExits++;
    const at = new Date(this.#context.now().getTime() + wait);
    this.#set({ state: 'crashed', pid: null, lastError: `${reason}; restarting in ${wait} ms`, nextRestartAt: at });
    clearTimeout(this.#backoffTimer);
    this.#backoffTimer = setTimeout(() => {
      if (this.#intent !== 'run' || this.#current) return;
      this.#status.restarts++;
      this.#spawn('running');
    }, wait);
  }

  /** SIGTERM to the process group, SIGKILL after the grace; resolves once the process is gone. */
  async #terminate(): Promise<void> {
    const current = this.#current;
    if (!current) return;
    const kill = (how: NodeJS.Signals) => {
      try {
        process.kill(-current.child!.pid!, how);
      } catch {
        current.child!.kill(how);
      }
    };
    kill('SIGTERM');
    const gone = await Promise.race([current.ended.then(() => true), delay(this.#s.stopGraceMs).then(() => false)]);
    if (!gone) {
      kill('SIGKILL');
      await current.ended;
    }
  }

  #exitText(): string {
    const exit = this.#status.lastExit;
    if (!exit) return 'ended';
    return exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
  }

  #lastLine(): string {
    const line = this.#output.tail(1)[0]?.trim();
    return line ? `: ${line.length > 300 ? `${line.slice(0, 299)}…` : line}` : '';
  }

  #set(change: Partial<RuntimeStatus>): void {
    if (change.lastError) change = { ...change, lastError: this.#clean(change.lastError) };
    this.#status = { ...this.#status, ...change, checkedAt: this.#context.now() };
    this.#context.changed();
  }
}

const SECOND = 1000;

export const processRuntime: RuntimeKind<ProcessSettings> = {
  kind: 'process',
  description: 'Spawned and supervised by Lookout (restart policy with backoff, output captured); belongs to the replica that runs it.',

  validate(settings) {
    const read = new RuntimeSettingsReader('process', settings);
    const validated: ProcessSettings = {
      command: read.string('command', { required: true }),
      args: read.list('args', []),
      env: read.env('env'),
      cwd: read.string('cwd'),
      restart: read.oneOf('restart', RESTART_POLICIES, 'on-failure'),
      backoffMs: read.duration('backoff', '1s', { min: 1, max: 3600 * SECOND }),
      backoffMaxMs: read.duration('backoff_max', '30s', { min: 1, max: 3600 * SECOND }),
      resetAfterMs: read.duration('reset_after', '30s', { min: 0, max: 86400 * SECOND }),
      stopGraceMs: read.duration('stop_grace', '5s', { min: 0, max: 300 * SECOND }),
      startPeriodMs: read.duration('start_period', '1s', { min: 0, max: 300 * SECOND }),
      logLines: read.integer('log_lines', 1000, { min: 1, max: 100_000 }),
      maxLineLength: read.integer('max_line_length', 4096, { min: 80, max: 65_536 }),
    };
    read.finish();
    if (validated.backoffMaxMs < validated.backoffMs) validated.backoffMaxMs = validated.backoffMs;
    return validated;
  },

  create: (name, settings, context) => new ProcessRuntime(name, settings, context),
};
