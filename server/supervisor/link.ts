/**
 * A worker's side of Lookout's supervisor: asks the primary (over the cluster IPC channel) to start
 * a replacement from some code directory, to let it listen or stop it, and to retire this worker.
 * Restart and update are built on it. Outside a worker it is unavailable and says so.
 */
import cluster from 'node:cluster';
import path from 'node:path';
import { projectRoot } from '../config.ts';
import { ConflictError } from '../errors.ts';
import { isSupervisorMessage, SUPERVISOR_MESSAGE, WORKER_ENV, type PrimaryMessage, type WorkerMessageBody } from './messages.ts';

export interface Replacement {
  pid: number;
  /** Tells the new worker to start listening (it takes traffic from then on); resolves once it listens. */
  listen(): Promise<void>;
  /** Stops the new worker (a failed update): SIGTERM, SIGKILL after a grace. */
  abandon(): Promise<void>;
}

export interface Supervisor {
  /** Whether this process is a worker under Lookout's primary (restart and update can replace it). */
  readonly available: boolean;
  /** The code directory this worker runs from. */
  readonly root: string;
  /**
   * Starts a new worker from `root` (default this one's); resolves once it is ready (started,
   * migrated, everything but listening), rejects with a clear Error (its exit code or signal and its
   * last output lines) if it exits or is not ready within readyTimeoutMs. `onOutput` gets its output
   * lines as they come. This worker keeps serving meanwhile.
   */
  startReplacement(options: { root?: string; readyTimeoutMs: number; onOutput?: (line: string) => void }): Promise<Replacement>;
  /**
   * Asks the primary to retire this worker once the call returns: no new connections reach it, it
   * drains and exits; if the worker that took over runs from another root, the primary records it
   * in <dataDir>/current-release (the switch).
   */
  retire(): Promise<void>;
}

/** Thrown by a supervisor link outside a supervised worker. */
export class SupervisorUnavailableError extends ConflictError {
  constructor() {
    super(
      'Lookout runs without its supervisor (LOOKOUT_SUPERVISOR=off, `serve --no-supervisor`, or it was not started by `lookout serve`), so it cannot replace its own process: restart it with your process manager.',
    );
  }
}

/** How long the primary may take to answer a request that is not bounded by its own timeout. */
const ANSWER_TIMEOUT_MS = 45_000;
/** What the primary may take beyond a replacement's ready timeout (stopping it, reporting). */
const READY_ANSWER_SLACK_MS = 45_000;

/** Whether this process is a worker forked by Lookout's primary (`serve --worker`, IPC connected). */
export function isSupervisedWorker(): boolean {
  return cluster.isWorker && typeof process.send === 'function' && process.env[WORKER_ENV] === '1';
}

interface Pending {
  resolve(pid: number | undefined): void;
  reject(error: Error): void;
  onOutput?: (line: string) => void;
  timer: NodeJS.Timeout;
}

/** The link to the primary for this process: available only in a supervised worker. */
export function supervisorLink(options: { root?: string } = {}): Supervisor {
  const root = path.resolve(options.root ?? projectRoot);
  if (!isSupervisedWorker()) {
    return {
      available: false,
      root,
      startReplacement: () => Promise.reject(new SupervisorUnavailableError()),
      retire: () => Promise.reject(new SupervisorUnavailableError()),
    };
  }

  let nextId = 1;
  const pending = new Map<number, Pending>();
  let listening = false;
  const onMessage = (message: unknown) => {
    if (!isSupervisorMessage(message)) return;
    const m = message as PrimaryMessage;
    if (m.type === 'replacement-output') {
      const call = pending.get(m.id);
      if (call?.onOutput) {
        try {
          call.onOutput(m.line);
        } catch {
          // a listener's fault must not break the request
        }
      }
    } else if (m.type === 'reply') {
      const call = pending.get(m.id);
      if (!call) return;
      pending.delete(m.id);
      clearTimeout(call.timer);
      if (m.ok) call.resolve(m.pid);
      else call.reject(new Error(m.error));
    }
  };
  const onDisconnect = () => {
    for (const [id, call] of pending) {
      pending.delete(id);
      clearTimeout(call.timer);
      call.reject(new Error('The connection to Lookout’s primary process was lost.'));
    }
  };

  /** Sends a request and waits for its reply (the pid it carries, if any). */
  const request = (body: WorkerMessageBody & { id: number }, timeoutMs: number, what: string, onOutput?: (line: string) => void) =>
    new Promise<number | undefined>((resolve, reject) => {
      if (!listening) {
        listening = true;
        process.on('message', onMessage);
        process.once('disconnect', onDisconnect);
      }
      if (!process.connected) return reject(new Error('The connection to Lookout’s primary process is closed.'));
      const timer = setTimeout(() => {
        pending.delete(body.id);
        reject(new Error(`Lookout’s primary did not answer ${what} within ${Math.round(timeoutMs / 1000)} s.`));
      }, timeoutMs);
      pending.set(body.id, { resolve, reject, onOutput, timer });
      process.send!({ kind: SUPERVISOR_MESSAGE, ...body }, undefined, {}, (error: Error | null) => {
        if (!error) return;
        pending.delete(body.id);
        clearTimeout(timer);
        reject(new Error(`Could not reach Lookout’s primary process: ${error.message}`));
      });
    });

  return {
    available: true,
    root,
    async startReplacement({ root: from = root, readyTimeoutMs, onOutput }) {
      if (!(readyTimeoutMs > 0)) throw new RangeError('readyTimeoutMs must be a positive number of milliseconds.');
      const id = nextId++;
      const pid = await request({ type: 'start-replacement', id, root: path.resolve(from), readyTimeoutMs }, readyTimeoutMs + READY_ANSWER_SLACK_MS, 'the start of a new worker', onOutput);
      if (!pid) throw new Error('Lookout’s primary started a new worker but did not say its pid.');
      return {
        pid,
        listen: async () => void (await request({ type: 'listen-replacement', id: nextId++, pid }, ANSWER_TIMEOUT_MS, `whether the new worker (pid ${pid}) listens`)),
        abandon: async () => void (await request({ type: 'abandon-replacement', id: nextId++, pid }, ANSWER_TIMEOUT_MS, `whether the new worker (pid ${pid}) stopped`)),
      };
    },
    async retire() {
      await request({ type: 'retire', id: nextId++ }, ANSWER_TIMEOUT_MS, 'the retirement of this worker');
    },
  };
}
