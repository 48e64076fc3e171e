/**
 * Runs one argv (never a shell) with a time limit and bounded output, for the `command` kind's
 * restart, status and logs. The command runs in its own process group, so that a timeout kills
 * what it started too (systemctl's helpers, a script's children), not only the direct child.
 */
import { spawn } from 'node:child_process';
import { LineBuffer } from './line-buffer.ts';

/** After SIGTERM on timeout, how long the command gets before SIGKILL. */
const KILL_GRACE_MS = 2000;

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
    const stop = () => {
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS).unref();
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
      signal?.removeEventListener('abort', stop);
      output.end('stdout');
      output.end('stderr');
      resolve({ ...result, lines: output.tail(limits.maxLines), timedOut });
    };
    child.once('error', (error: NodeJS.ErrnoException) => settle({ code: null, signal: null, spawnError: describeSpawnError(file, error) }));
    child.once('close', (code, killedBy) => settle({ code, signal: killedBy, spawnError: null }));
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
