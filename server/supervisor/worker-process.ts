/**
 * One worker as the primary sees it: a `serve --worker` process forked through `cluster` from a
 * code directory, its output passed through to the primary's own and its last lines kept, the
 * milestones it reports (ready, listening), and a stop that cannot hang (SIGTERM, SIGKILL after a
 * grace).
 */
import cluster, { type Worker } from 'node:cluster';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LineBuffer } from '../runtimes/line-buffer.ts';
import type { Logger } from '../logger.ts';
import { isSupervisorMessage, SUPERVISOR_MESSAGE, type PrimaryMessageBody, type WorkerMessage } from './messages.ts';

/** Output lines kept per worker (the last ones), and the longest line kept whole. */
const KEPT_LINES = 50;
const MAX_LINE_CHARS = 4000;
/** Lines of output an error message quotes. */
const QUOTED_LINES = 12;

export type WorkerState = 'starting' | 'ready' | 'listening' | 'retiring' | 'stopping' | 'exited';

export interface WorkerExit {
  code: number | null;
  signal: string | null;
}

export interface ForkWorker {
  /** The code directory: its server/cli.ts runs, with it as the working directory. */
  root: string;
  /** Added to the primary's environment. */
  env: Record<string, string>;
  logger: Logger;
  /** A message from the worker (other than the milestones, which set its state). */
  onMessage(worker: WorkerProcess, message: WorkerMessage): void;
  onExit(worker: WorkerProcess, exit: WorkerExit): void;
}

export class WorkerProcess {
  readonly root: string;
  readonly startedAt = Date.now();
  state: WorkerState = 'starting';
  readonly output: LineBuffer;
  /** Told of every line of output (a replacement's requester follows it). */
  readonly lineListeners = new Set<(line: string) => void>();
  readonly exited: Promise<WorkerExit>;
  readonly #worker: Worker;
  readonly #milestones = new Map<'ready' | 'listening', Set<() => void>>();

  constructor(options: ForkWorker) {
    this.root = options.root;
    this.output = new LineBuffer(KEPT_LINES, MAX_LINE_CHARS);
    cluster.setupPrimary({ exec: path.join(options.root, 'server', 'cli.ts'), args: ['serve', '--worker'], cwd: options.root, silent: true, execArgv: workerExecArgv(options.root) });
    this.#worker = cluster.fork(options.env);
    const child = this.#worker.process;
    for (const [stream, out] of [['stdout', process.stdout], ['stderr', process.stderr]] as const) {
      const from = child[stream];
      if (!from) continue;
      from.setEncoding('utf8');
      from.on('data', (chunk: string) => {
        this.#keep(() => this.output.write(chunk, stream));
        // The primary's own output going away (a closed pipe) must not take the primary down.
        if (out.writable) out.write(chunk);
      });
      from.on('end', () => this.#keep(() => this.output.end(stream)));
      from.on('error', () => {});
    }
    this.exited = new Promise((resolve) => {
      this.#worker.on('exit', (code, signal) => {
        this.state = 'exited';
        for (const listeners of this.#milestones.values()) for (const wake of listeners) wake();
        const exit = { code, signal };
        options.onExit(this, exit);
        resolve(exit);
      });
    });
    this.#worker.on('error', (err) => options.logger.warn({ pid: this.pid, err: String(err) }, 'a worker’s IPC channel failed'));
    this.#worker.on('message', (message: unknown) => {
      if (!isSupervisorMessage(message)) return;
      const m = message as WorkerMessage;
      if (m.type === 'ready' || m.type === 'listening') {
        if (this.state === 'starting' || (m.type === 'listening' && this.state === 'ready')) this.state = m.type;
        for (const wake of this.#milestones.get(m.type) ?? []) wake();
      }
      options.onMessage(this, m);
    });
  }

  /** Adds output to the kept lines and tells the listeners of the complete lines it made. */
  #keep(add: () => void): void {
    const before = this.output.total;
    add();
    const added = Math.min(this.output.total - before, KEPT_LINES);
    if (added > 0 && this.lineListeners.size) for (const line of this.output.tail(added)) for (const listener of this.lineListeners) listener(line);
  }

  get pid(): number {
    return this.#worker.process.pid ?? 0;
  }

  get alive(): boolean {
    return this.state !== 'exited';
  }

  /** Sends a message to the worker; false when it cannot take one any more. */
  send(body: PrimaryMessageBody): boolean {
    if (!this.alive || !this.#worker.isConnected()) return false;
    try {
      this.#worker.send({ kind: SUPERVISOR_MESSAGE, ...body }, undefined, () => {});
      return true;
    } catch {
      return false;
    }
  }

  /** Resolves true once the worker reported `milestone`, false if it exited or `timeoutMs` passed first. */
  reached(milestone: 'ready' | 'listening', timeoutMs: number): Promise<boolean> {
    const done = () => (milestone === 'ready' ? ['ready', 'listening', 'retiring'] : ['listening', 'retiring']).includes(this.state);
    if (done() || !this.alive) return Promise.resolve(done());
    return new Promise((resolve) => {
      const listeners = this.#milestones.get(milestone) ?? new Set();
      this.#milestones.set(milestone, listeners);
      const finish = () => {
        clearTimeout(timer);
        listeners.delete(finish);
        resolve(done());
      };
      const timer = setTimeout(finish, timeoutMs);
      listeners.add(finish);
    });
  }

  /** Sends `signal` if the process is still there. */
  kill(signal: NodeJS.Signals): void {
    if (!this.alive) return;
    try {
      this.#worker.process.kill(signal);
    } catch {
      // gone meanwhile
    }
  }

  /** SIGTERM (its graceful shutdown), SIGKILL after `graceMs`; resolves once it has exited. */
  async stop(graceMs: number): Promise<WorkerExit> {
    if (this.alive && this.state !== 'retiring') this.state = 'stopping';
    this.kill('SIGTERM');
    const force = setTimeout(() => this.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(force);
    }
  }

  /** How it ended and its last lines of output, for an error message. */
  describe(exit: WorkerExit | null, what: string): string {
    const how = exit ? (exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`) : what;
    const lines = this.output.tail(QUOTED_LINES).filter((line) => line.trim());
    return `The new Lookout worker (pid ${this.pid}, from ${this.root}) ${how}.${lines.length ? ` Its last output:\n${lines.join('\n')}` : ' It printed nothing.'}`;
  }
}

/**
 * The worker's Node options: the primary's, and its code directory's TypeScript cache
 * (bin/typescript-cache.mjs) imported first when that directory has one, so that the worker loads
 * its modules stripped once rather than loading Node's stripper (an older release may have none).
 */
export function workerExecArgv(root: string, execArgv: readonly string[] = process.execArgv): string[] {
  const hooks = path.join(root, 'bin', 'typescript-cache.mjs');
  return existsSync(hooks) ? [...execArgv, '--import', pathToFileURL(hooks).href] : [...execArgv];
}
