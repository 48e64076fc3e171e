/**
 * The `command` kind: anything with a restart command (systemctl, pm2, docker), and optionally a
 * status and a log command, each an argv run without a shell, with a time limit and bounded output.
 * The status command's exit code says running (0) or not; its first word, when it is one of
 * systemd's (`active`, `activating`, `failed`, …), says more.
 */
import { describeFailure, runCommand, type CommandLimits } from './run-command.ts';
import { delay, initialStatus, RestartFailed, type Runtime, type RuntimeContext, type RuntimeKind, type RuntimeState, type RuntimeStatus } from './runtime.ts';
import { RuntimeSettingsReader } from './settings.ts';

export interface CommandSettings {
  restart: string[];
  status: string[] | null;
  logs: string[] | null;
  /** Each command's time limit. */
  timeoutMs: number;
  /** How long after the restart command the status may take to say running. */
  restartTimeoutMs: number;
  /** Lines kept of a command's output (the last ones), and the longest line. */
  maxLines: number;
  maxLineLength: number;
}

/** How often the status command runs while waiting for a restarted runtime. */
const RESTART_POLL_MS = 250;

/** systemd's words for a unit's state (`systemctl is-active`), as runtime states. */
const SYSTEMD_STATES: Record<string, RuntimeState> = {
  active: 'running',
  reloading: 'running',
  activating: 'starting',
  deactivating: 'stopped',
  inactive: 'stopped',
  failed: 'crashed',
};

class CommandRuntime implements Runtime {
  readonly name: string;
  readonly kind = 'command';
  readonly #s: CommandSettings;
  readonly #context: RuntimeContext;
  readonly #limits: CommandLimits;
  #status: RuntimeStatus;
  #restarting = false;

  constructor(name: string, settings: CommandSettings, context: RuntimeContext) {
    this.name = name;
    this.#s = settings;
    this.#context = context;
    this.#limits = { timeoutMs: settings.timeoutMs, maxLines: settings.maxLines, maxLineLength: settings.maxLineLength };
    this.#status = initialStatus(name, 'command', context.now());
  }

  status(): RuntimeStatus {
    return { ...this.#status };
  }

  start(): void {}
  async stop(): Promise<void> {}

  async refresh(signal: AbortSignal): Promise<RuntimeStatus> {
    if (!this.#s.status || this.#restarting) return this.status();
    const { state, error } = await this.#read(signal);
    this.#set({ state, lastError: error });
    return this.status();
  }

  async restart(signal: AbortSignal): Promise<void> {
    this.#restarting = true;
    const before = this.#status.state;
    this.#set({ state: 'restarting', lastError: null });
    try {
      const result = await runCommand(this.#s.restart, this.#limits, signal);
      if (result.spawnError || result.timedOut || result.code !== 0) {
        const reason = describeFailure(result, this.#s.timeoutMs);
        this.#set({ state: before === 'restarting' ? 'unknown' : before, lastError: reason });
        throw new RestartFailed(reason);
      }
      this.#status.restarts++;
      // Without a status command, a restart command that succeeded is all there is to know.
      if (!this.#s.status) return this.#set({ state: 'running', startedAt: this.#context.now(), lastError: null });
      const deadline = Date.now() + this.#s.restartTimeoutMs;
      for (;;) {
        const { state, error } = await this.#read(signal);
        if (state === 'running') return this.#set({ state, startedAt: this.#context.now(), lastError: null });
        if (Date.now() + RESTART_POLL_MS > deadline || signal.aborted) {
          const reason = `the restart command succeeded, but the status says ${state}${error ? ` (${error})` : ''} after ${this.#s.restartTimeoutMs} ms`;
          this.#set({ state, lastError: reason });
          throw new RestartFailed(reason);
        }
        await delay(RESTART_POLL_MS, signal).catch(() => {});
      }
    } finally {
      this.#restarting = false;
    }
  }

  async logs(lines: number, signal: AbortSignal): Promise<string[] | null> {
    if (!this.#s.logs) return null;
    const result = await runCommand(this.#s.logs, this.#limits, signal);
    if (result.spawnError || result.timedOut) throw new Error(describeFailure(result, this.#s.timeoutMs));
    return result.lines.slice(-lines);
  }

  /** Runs the status command: its exit code, and its first word when systemd's. */
  async #read(signal: AbortSignal): Promise<{ state: RuntimeState; error: string | null }> {
    const result = await runCommand(this.#s.status!, this.#limits, signal);
    if (result.spawnError || result.timedOut) return { state: 'unknown', error: describeFailure(result, this.#s.timeoutMs) };
    const word = result.lines.find((l) => l.trim())?.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
    const named = Object.hasOwn(SYSTEMD_STATES, word) ? SYSTEMD_STATES[word] : undefined;
    const state: RuntimeState = named ?? (result.code === 0 ? 'running' : 'stopped');
    return { state, error: state === 'running' ? null : describeFailure(result, this.#s.timeoutMs) };
  }

  #set(change: Partial<RuntimeStatus>): void {
    this.#status = { ...this.#status, ...change, checkedAt: this.#context.now() };
    this.#context.changed();
  }
}

export const commandRuntime: RuntimeKind<CommandSettings> = {
  kind: 'command',
  description: 'Restart, status and logs as commands (argv lists, no shell), e.g. systemctl, pm2, docker, journalctl.',

  validate(settings) {
    const read = new RuntimeSettingsReader('command', settings);
    const validated: CommandSettings = {
      restart: read.argv('restart', true)!,
      status: read.argv('status', false),
      logs: read.argv('logs', false),
      timeoutMs: read.duration('timeout', '30s', { min: 1, max: 600_000 }),
      restartTimeoutMs: read.duration('restart_timeout', '30s', { min: 0, max: 3_600_000 }),
      maxLines: read.integer('max_lines', 1000, { min: 1, max: 10_000 }),
      maxLineLength: read.integer('max_line_length', 4096, { min: 80, max: 65_536 }),
    };
    read.finish();
    return validated;
  },

  create: (name, settings, context) => new CommandRuntime(name, settings, context),
};
