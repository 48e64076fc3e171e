/**
 * Runs one argv (never a shell) with a time limit and bounded output, for the `command` kind's
 * restart, status and logs. The command runs in its own process group, so that a timeout kills
 * what it started too (systemctl's helpers, a script's children), not only the direct child.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { LineBuffer } from './line-buffer.ts';

/** After SIGTERM on timeout, how long the command gets before SIGKILL. */
const KILL_GRACE_MS = 2000;
/** Once a command exited, how long its output may take to end (a process it left behind may hold it open for good). */
export const OUTPUT_GRACE_MS = 500;

/**
 * Calls `done` once `child` is over: when its output ended ('close'), or — since a process it left
 * behind in another session (a daemon started with `setsid`) may hold the output open as long as it
 * lives, and a process-group kill does not reach it — OUTPUT_GRACE_MS after it exited, at once when
 * it was being stopped (`stopping()`); its pipes are then closed on Lookout's side. Waiting for
 * 'close' alone left a status read, a restart and its audit row hanging for good past the timeout.
 */
export function whenOver(child: ChildProcess, stopping: () => boolean, done: (code: number | null, signal: NodeJS.Signals | null) => void): void {
  let over = false;
  let grace: NodeJS.Timeout | undefined;
  const finish = (code: number | null, signal: NodeJS.Signals | null) => {
    if (over) return;
    over = true;
    clearTimeout(grace);
    child.stdout?.destroy();
    child.stderr?.destroy();
    done(code, signal);
  };
  child.once('close', finish);
  child.once('exit', (code, signal) => {
    grace = setTimeout(() => finish(code, signal), stopping() ? 0 : OUTPUT_GRACE_MS);
    grace.unref();
  });
}

export interface CommandLimits {
  timeoutMs: number;
  /** Lines of output kept (the last ones), and the longest line. */
  maxLines: number;
  maxLineLength: number;
}

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines of stdout and stderr together, in the order they came. */
  lines: string[];
  timedOut: boolean;
  /** Why it could not start (not found, not executable). */
  spawnError: string | null;
}

/** Where and how a command runs, beyond its limits. */
export interface RunOptions {
  /** Working directory (default: Lookout's). */
  cwd?: string;
  /** The whole environment of the command (default: `childEnvironment({})`). */
  env?: NodeJS.ProcessEnv;
  /** Told of every output line (cut at `maxLineLength`) as it comes, stdout and stderr alike. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/** Runs `argv` to its end, or until `timeoutMs` or `signal` stops it; never throws. */
export function runCommand(argv: readonly string[], limits: CommandLimits, signal?: AbortSignal, options: RunOptions = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    const onLine = options.onLine;
    const output = new LineBuffer(limits.maxLines, limits.maxLineLength, onLine && ((line, stream) => onLine(line, stream as 'stdout' | 'stderr')));
    const [file, ...args] = argv;
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    if (signal?.aborted) {
      resolve({ code: null, signal: null, lines: [], timedOut: false, spawnError: `not started: ${file} was cancelled before it began` });
      return;
    }
    const child = spawn(file, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], cwd: options.cwd, env: options.env ?? childEnvironment({}) });
    const killGroup = (how: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, how);
      } catch {
        // Already gone.
      }
    };
    let stopping = false;
    let deadline: NodeJS.Timeout | undefined;
    const stop = () => {
      stopping = true;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS).unref();
      // Whatever the command does (a process that does not die even by SIGKILL), the call ends.
      deadline = setTimeout(() => settle({ code: null, signal: 'SIGKILL', spawnError: null }), KILL_GRACE_MS + 1000).unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, limits.timeoutMs);
    signal?.addEventListener('abort', stop, { once: true });
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream].setEncoding('utf8');
      child[stream].on('data', (chunk: string) => output.write(chunk, stream));
    }
    let settled = false;
    const settle = (result: Omit<CommandResult, 'lines' | 'timedOut'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      clearTimeout(deadline);
      signal?.removeEventListener('abort', stop);
      output.end('stdout');
      output.end('stderr');
      resolve({ ...result, lines: output.tail(limits.maxLines), timedOut });
    };
    child.once('error', (error: NodeJS.ErrnoException) => settle({ code: null, signal: null, spawnError: describeSpawnError(file, error) }));
    whenOver(child, () => stopping, (code, killedBy) => settle({ code, signal: killedBy, spawnError: null }));
  });
}

/** One sentence for a program that could not start. */
export function describeSpawnError(file: string, error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return `command not found: ${file}`;
  if (error.code === 'EACCES') return `not executable: ${file}`;
  return `could not start ${file}: ${error.message}`;
}

/** Variables a child inherits from Lookout; the rest (DATABASE_URL, LOOKOUT_BOOTSTRAP_TOKEN, …) stays Lookout's. */
const INHERITED = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'SHELL', 'NODE_OPTIONS'];

/** A child's environment: the few variables a program needs to run, then the entry's own `env`. */
export function childEnvironment(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const name of INHERITED) if (process.env[name] !== undefined) base[name] = process.env[name];
  return { ...base, ...env };
}

/** Why a command did not succeed, in one line: how it ended and its last line of output. */
export function describeFailure(result: CommandResult, timeoutMs: number): string {
  if (result.spawnError) return result.spawnError;
  const how = result.timedOut ? `timed out after ${timeoutMs} ms` : result.signal ? `killed by ${result.signal}` : `exited with code ${result.code}`;
  const last = result.lines.filter((l) => l.trim()).at(-1)?.trim();
  return last ? `${how}: ${last.length > 300 ? `${last.slice(0, 299)}…` : last}` : how;
}
