/**
 * The one interface every runtime kind implements (one file per kind in this folder, registered in
 * registry.ts). A runtime is a long-running process of the platform that executes its work; a kind
 * knows how to read its state and restart it: `process` (spawned and supervised here), `http` (a
 * runtime that owns its API, ticket 005's `/external/system/*`), `command` (restart, status and
 * logs as argv arrays). Kinds come from the config file only: a runtime runs commands on the host.
 */

/** What a runtime is doing, as the system status shows it. */
export const RUNTIME_STATES = ['running', 'starting', 'restarting', 'stopped', 'crashed', 'unknown'] as const;
export type RuntimeState = (typeof RUNTIME_STATES)[number];

/** How a runtime's last process ended. */
export interface RuntimeExit {
  code: number | null;
  signal: string | null;
  at: Date;
}

/** One runtime's state as this replica knows it. */
export interface RuntimeStatus {
  name: string;
  kind: string;
  state: RuntimeState;
  pid: number | null;
  version: string | null;
  commit: string | null;
  startedAt: Date | null;
  /** Restarts since Lookout started supervising it (process), or as the runtime reports them (http). */
  restarts: number;
  lastExit: RuntimeExit | null;
  /** Why it is not running, or why the last restart or status read failed. */
  lastError: string | null;
  /** When a crashed `process` runtime will be started again (its backoff); null otherwise. */
  nextRestartAt: Date | null;
  /** When this state was last read or changed. */
  checkedAt: Date;
}

/** What a restart came to: running again, or failed with the reason. */
export interface RestartOutcome {
  ok: boolean;
  /** The reason, when it failed. */
  error: string | null;
  durationMs: number;
  runtime: RuntimeStatus;
}

/** A restart that did not bring the runtime back: thrown by `Runtime.restart`, its message the reason. */
export class RestartFailed extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'RestartFailed';
  }
}

/** What a kind's runtime is given by the capability. */
export interface RuntimeContext {
  now(): Date;
  /** Called on every change of state (or of what the status shows): the capability publishes it. */
  changed(): void;
  logger: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

/** One configured runtime, made by its kind. */
export interface Runtime {
  readonly name: string;
  readonly kind: string;
  /** The state last known, without I/O. */
  status(): RuntimeStatus;
  /** Reads the state afresh where the kind can (http, command), within `signal`; never throws. */
  refresh(signal: AbortSignal): Promise<RuntimeStatus>;
  /**
   * Restarts it and resolves once it is running again; throws RestartFailed with the reason
   * otherwise. The state is `restarting` meanwhile.
   */
  restart(signal: AbortSignal): Promise<void>;
  /** The last `lines` lines of its output, where the kind has them (null: this runtime has no log source). */
  logs(lines: number, signal: AbortSignal): Promise<string[] | null>;
  /** Begins supervision (process: spawns it). */
  start(): void;
  /** Ends supervision (process: stops it, SIGTERM then SIGKILL after its grace). */
  stop(): Promise<void>;
}

export interface RuntimeKind<Settings = Record<string, unknown>> {
  /** The kind name used in the config file, e.g. `process`. */
  kind: string;
  /** One line for docs. */
  description: string;
  /**
   * Checks and normalises an entry's settings (camelCase keys; the file's snake_case ones are
   * converted before); throws BadInputError naming the field. Unknown keys are refused.
   */
  validate(settings: Record<string, unknown>): Settings;
  /** Makes the runtime for `name` (no I/O until `start`, `refresh` or `restart`). */
  create(name: string, settings: Settings, context: RuntimeContext): Runtime;
}

/** A fresh status: nothing known yet. */
export function initialStatus(name: string, kind: string, now: Date, state: RuntimeState = 'unknown'): RuntimeStatus {
  return { name, kind, state, pid: null, version: null, commit: null, startedAt: null, restarts: 0, lastExit: null, lastError: null, nextRestartAt: null, checkedAt: now };
}

/** Waits `ms`, or less if `signal` aborts first (then rejects with its reason). */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}
