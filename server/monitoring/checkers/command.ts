/**
 * The `command` checker: runs a program and reads its exit code the way Nagios plugins report —
 * 0 OK, 1 WARNING, 2 CRITICAL (anything else, or a kill, is treated as critical too). It may only
 * be defined in the config file: whoever can define one can run code on the Lookout host.
 */
import { spawn } from 'node:child_process';
import { BadInputError } from '../../errors.ts';
import type { Status } from '../status.ts';
import type { Checker } from './checker.ts';
import { describe, OptionReader } from './options.ts';
import { whenOver } from '../../runtimes/run-command.ts';

/** Normalised options of a `command` check. */
export type CommandOptions = {
  /** Arguments appended to those written in the target. */
  args: string[];
  /** Run the target through /bin/sh (pipes, globs, variables); off by default. */
  shell: boolean;
};

/** Nagios plugin exit codes. */
export const EXIT_OK = 0;
export const EXIT_WARNING = 1;
/** Characters of output kept as the message. */
export const OUTPUT_LIMIT = 500;
/** Output kept in memory at most while the command runs (the message needs only the start). */
const CAPTURE_LIMIT = 64 * 1024;
/** The shell used with `shell: true`. */
const SHELL = '/bin/sh';
/** After SIGTERM on timeout, how long the command gets before SIGKILL. */
const KILL_GRACE_MS = 2000;

/** Runs a command line (no shell unless `shell: true`); exit 0 healthy, 1 degraded, anything else down. */
export const commandChecker: Checker<CommandOptions> = {
  kind: 'command',
  description: 'Runs a command (Nagios plugin convention: exit 0 healthy, 1 degraded, 2 or other down). Config file only.',
  configOnly: true,

  validate(target, options) {
    const value = String(target ?? '').trim();
    if (value === '') throw new BadInputError('target', `target must be a command line such as "/usr/lib/nagios/plugins/check_disk -w 10%", got ${describe(target)}.`);
    const read = new OptionReader('command', options);
    read.stringList('args', []);
    const shell = read.boolean('shell', false);
    if (!shell) splitCommandLine(value);
    return { target: value, options: read.finish<CommandOptions>() };
  },

  async check(service, { signal }) {
    const { args, shell } = service.options;
    // With a shell, extra args are quoted onto the line (spawn's own `shell` joins them unquoted).
    const [file, ...rest] = shell ? [SHELL, '-c', [service.target, ...args.map(shellQuote)].join(' ')] : [...splitCommandLine(service.target), ...args];
    const { code, signal: killedBy, stdout, stderr, spawnError } = await run(file, rest, signal);
    if (spawnError) {
      const missing = (spawnError as NodeJS.ErrnoException).code === 'ENOENT';
      return { status: 'down', error: missing ? `command not found: ${file}` : `could not start ${file}: ${spawnError.message}`, details: {} };
    }
    const output = (stdout.trim() || stderr.trim()).slice(0, OUTPUT_LIMIT);
    const details: Record<string, unknown> = { exitCode: code };
    if (killedBy) details.signal = killedBy;
    if (output) details.output = output;
    const status: Status = code === EXIT_OK ? 'healthy' : code === EXIT_WARNING ? 'degraded' : 'down';
    if (status === 'healthy') return { status, error: null, details };
    const why = killedBy ? `killed by ${killedBy}` : `exited with code ${code}`;
    return { status, error: output ? `${output} (${why})` : why, details };
  },
};

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  spawnError?: Error;
}

/**
 * Runs the command in its own process group, so that a timeout kills what it started too (a shell's
 * `sleep`, a plugin's children), not just the direct child.
 */
function run(file: string, args: string[], signal: AbortSignal): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = { stdout: '', stderr: '' };
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream].setEncoding('utf8');
      child[stream].on('data', (chunk: string) => {
        if (output[stream].length < CAPTURE_LIMIT) output[stream] += chunk;
      });
    }
    const killGroup = (how: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, how);
      } catch {
        // Already gone.
      }
    };
    let killTimer: NodeJS.Timeout | undefined;
    let aborted = false;
    const abort = () => {
      aborted = true;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS).unref();
    };
    signal.addEventListener('abort', abort, { once: true });
    const settle = (exit: Exit) => {
      signal.removeEventListener('abort', abort);
      clearTimeout(killTimer);
      resolve(exit);
    };
    child.once('error', (error) => settle({ code: null, signal: null, ...output, spawnError: error }));
    // Not only 'close': a daemon the command left behind would hold its pipes open (and this run) for good.
    whenOver(child, () => aborted, (code, killedBy) => settle({ code, signal: killedBy, ...output }));
  });
}

/** Quotes one argument for /bin/sh. */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * Splits a command line into words the way a shell would for simple cases: whitespace separates,
 * '…' and "…" quote, a backslash escapes. Anything fancier needs `shell: true`.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quote) {
      if (char === quote) quote = null;
      else if (char === '\\' && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (char === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote) throw new BadInputError('target', `target has an unclosed ${quote} quote: ${JSON.stringify(line)}.`);
  if (inWord) words.push(word);
  return words;
}
