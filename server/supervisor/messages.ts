/**
 * What Lookout's primary and its workers say to each other over the cluster IPC channel, declared
 * once. Every message carries `kind: SUPERVISOR_MESSAGE` so that nothing else sent over the channel
 * is mistaken for one, and the environment variables the primary sets for its workers.
 */

export const SUPERVISOR_MESSAGE = 'lookout-supervisor';

/** Set by the primary for a replacement worker: start everything but wait for `listen` before listening. */
export const HOLD_LISTEN_ENV = 'LOOKOUT_WORKER_HOLD_LISTEN';
/** Set by the primary on every worker it forks (with `serve --worker`): this process is supervised. */
export const WORKER_ENV = 'LOOKOUT_SUPERVISED_WORKER';

/** A worker to the primary. `id` numbers a request; the answer is a `reply` with the same id. */
export type WorkerMessage =
  /** A replacement started everything but its listener (it waits for `listen`). */
  | { kind: typeof SUPERVISOR_MESSAGE; type: 'ready' }
  /** The worker listens: it takes connections from now on. */
  | { kind: typeof SUPERVISOR_MESSAGE; type: 'listening' }
  | { kind: typeof SUPERVISOR_MESSAGE; type: 'start-replacement'; id: number; root: string; readyTimeoutMs: number }
  | { kind: typeof SUPERVISOR_MESSAGE; type: 'listen-replacement'; id: number; pid: number }
  | { kind: typeof SUPERVISOR_MESSAGE; type: 'abandon-replacement'; id: number; pid: number }
  | { kind: typeof SUPERVISOR_MESSAGE; type: 'retire'; id: number };

/** The primary to a worker. */
export type PrimaryMessage =
  /** To a replacement holding its listener: listen now. */
  | { kind: typeof SUPERVISOR_MESSAGE; type: 'listen' }
  /** To a worker that asked to retire: hand over (stop accepting, drain) and exit. */
  | { kind: typeof SUPERVISOR_MESSAGE; type: 'retire' }
  /** A line of a replacement's output, for the worker that started it. */
  | { kind: typeof SUPERVISOR_MESSAGE; type: 'replacement-output'; id: number; line: string }
  | { kind: typeof SUPERVISOR_MESSAGE; type: 'reply'; id: number; ok: true; pid?: number }
  | { kind: typeof SUPERVISOR_MESSAGE; type: 'reply'; id: number; ok: false; error: string };

/** Distributes Omit over a union (TypeScript's own Omit would merge the members). */
type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type WorkerMessageBody = Without<WorkerMessage, 'kind'>;
export type PrimaryMessageBody = Without<PrimaryMessage, 'kind'>;

export function isSupervisorMessage(message: unknown): message is { kind: typeof SUPERVISOR_MESSAGE; type: string } {
  return typeof message === 'object' && message !== null && (message as { kind?: unknown }).kind === SUPERVISOR_MESSAGE && typeof (message as { type?: unknown }).type === 'string';
}

/** Set (to 1) in a worker's environment when its DATABASE_URL is the embedded database the primary opened. */
export const EMBEDDED_DATABASE_ENV = 'LOOKOUT_DATABASE_EMBEDDED';
