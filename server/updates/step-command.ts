/**
 * How an update step runs a program: through the one command runner (no shell, its own process
 * group killed on timeout or abort), every output line handed to the step's output as it comes, and
 * a failure turned into a `StepFailed` whose message says what ran and how it ended.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { childEnvironment, describeFailure, runCommand, type CommandResult } from '../runtimes/run-command.ts';

/** The longest output line a step passes on; longer ones are cut (and marked). */
export const MAX_STEP_LINE_LENGTH = 2000;
/** Lines of a command's output kept for its failure message (all of them are streamed). */
const KEPT_LINES = 50;

/** Where a step writes its output lines, and what cancels it. */
export interface StepOutput {
  line(text: string): void;
  signal: AbortSignal;
}

/** A step that did not succeed: `message` says why, in one sentence with the command's last line. */
export class StepFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepFailed';
  }
}

export interface StepCommandOptions {
  cwd: string;
  timeoutMs: number;
  /** The command's whole environment (default: the few variables `childEnvironment` passes on). */
  env?: NodeJS.ProcessEnv;
  /** How the command is named in messages (default: its program and first argument). */
  name?: string;
}

/** Runs `argv` for a step: streams its lines to `out`, resolves on exit 0, throws `StepFailed` otherwise. */
export async function runStepCommand(argv: readonly string[], out: StepOutput, options: StepCommandOptions): Promise<CommandResult> {
  const name = options.name ?? commandName(argv);
  if (!existsSync(options.cwd)) throw new StepFailed(`${name} could not start: its directory ${options.cwd} does not exist`);
  const result = await runCommand(argv, { timeoutMs: options.timeoutMs, maxLines: KEPT_LINES, maxLineLength: MAX_STEP_LINE_LENGTH }, out.signal, {
    cwd: options.cwd,
    env: options.env ?? childEnvironment({}),
    onLine: (line) => out.line(line),
  });
  if (result.code === 0 && !result.timedOut) return result;
  if (result.spawnError) throw new StepFailed(`${name} could not start: ${result.spawnError}`);
  if (out.signal.aborted && !result.timedOut) throw new StepFailed(`${name} was cancelled${result.lines.length ? `: ${lastLine(result)}` : ''}`);
  throw new StepFailed(`${name} ${describeFailure(result, options.timeoutMs)}`);
}

/** `npm ci`, `git fetch`, `lookout.mjs migrate`: the program's base name and its first argument. */
function commandName(argv: readonly string[]): string {
  const program = path.basename(argv[0] ?? '');
  const first = argv.slice(1).find((a) => !a.startsWith('-'));
  return first ? `${program} ${path.basename(first)}` : program;
}

function lastLine(result: CommandResult): string {
  return result.lines.filter((l) => l.trim()).at(-1)?.trim() ?? '';
}
