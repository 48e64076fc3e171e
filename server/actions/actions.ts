/**
 * Quick actions on a service (PRD-080): restart it with the action its config entry names (a
 * runtime, a command or an HTTP call) and read or follow its log (a file, a command or a runtime's
 * captured output). Config-only and in memory on each replica: services made through the API have
 * neither. Reading a log changes nothing and is not audited; the API audits each restart.
 */
import { authorizationSecrets, redact, urlCredentials } from '../secret-text.ts';
import type { ConfigFile } from '../config-file.ts';
import type { Logger } from '../logger.ts';
import { BadInputError, LookoutError } from '../errors.ts';
import type { Runtimes } from '../runtimes/runtimes.ts';
import { describeFailure, runCommand } from '../runtimes/run-command.ts';
import { actionsSection, namedRuntimes, type ActionsConfig, type LogSource, type RestartAction, type ServiceActionsDefinition } from './config-file.ts';
import { followFile, MAX_LINE_LENGTH, tailFile, type FollowedLines } from './log-file.ts';
import { followSnapshots } from './snapshot-follow.ts';

/** Lines a caller may ask for at once. */
export const MAX_LOG_LINES = 1000;

/** What a restart came to: done, or failed with the reason. */
export interface ServiceRestartOutcome {
  service: string;
  /** runtime, command or http. */
  action: string;
  ok: boolean;
  error: string | null;
  durationMs: number;
}

export interface ServiceLogs {
  service: string;
  /** file, command or runtime. */
  source: string;
  lines: string[];
}

export interface ServiceActionsOptions {
  runtimes: Runtimes;
  logger: Logger;
  /** Where the section is registered; without one (a test) call `apply` directly. */
  configFile?: ConfigFile;
  /** How often a followed log is polled: files (default 500 ms), runtimes (1 s), commands (5 s). */
  followMs?: { file?: number; runtime?: number; command?: number };
}

/** A restart's HTTP answer quoted in its reason at most this long. */
const BODY_QUOTE = 300;

export class ServiceActions {
  readonly #o: ServiceActionsOptions;
  #byService = new Map<string, ServiceActionsDefinition>();

  constructor(options: ServiceActionsOptions) {
    this.#o = options;
    options.configFile?.register(actionsSection, async (config) => () => this.apply(config));
  }

  /**
   * The file's actions, switched in once every section has committed. The section already refused
   * runtimes the file does not declare; one missing here (a test applying by hand) is logged, and
   * named again by the action that needs it.
   */
  apply(config: ActionsConfig): void {
    this.#byService = new Map(config.services.map((d) => [d.service, d]));
    const declared = new Set(this.#o.runtimes.names());
    for (const definition of config.services) {
      for (const { field, runtime } of namedRuntimes(definition)) {
        if (!declared.has(runtime)) this.#o.logger.error({ service: definition.service, field, runtime }, `services ("${definition.service}"): ${field}: no runtime "${runtime}" in runtimes:`);
      }
    }
  }

  /** The actions a service has (null: none); for the API to say what is available. */
  of(service: string): ServiceActionsDefinition | null {
    return this.#byService.get(service) ?? null;
  }

  /** Runs the service's restart action and says how it went; never throws for a failed restart. */
  async restart(service: string): Promise<ServiceRestartOutcome> {
    const action = this.of(service)?.restart;
    if (!action) throw new NoActionError(service, 'restart');
    const started = performance.now();
    const done = (error: string | null): ServiceRestartOutcome => ({ service, action: action.kind, ok: error === null, error, durationMs: Math.round(performance.now() - started) });
    try {
      return done(await this.#run(service, action));
    } catch (error) {
      // A refusal with its own reason (the runtime is already restarting: CONFLICT) is the outcome.
      if (error instanceof LookoutError) return done(error.message);
      this.#o.logger.error({ err: error, service }, 'service restart failed unexpectedly');
      return done(`the restart failed unexpectedly: ${(error as Error).message}`);
    }
  }

  /** Null when it worked, else the reason. */
  async #run(service: string, action: RestartAction): Promise<string | null> {
    if (action.kind === 'runtime') {
      if (!this.#o.runtimes.names().includes(action.runtime)) return `restart.runtime names the runtime "${action.runtime}", which runtimes: does not declare`;
      const outcome = await this.#o.runtimes.restart(action.runtime);
      return outcome.ok ? null : outcome.error;
    }
    if (action.kind === 'command') {
      const result = await runCommand(action.argv, { timeoutMs: action.timeoutMs, maxLines: 20, maxLineLength: 1000 });
      return result.code === 0 && !result.timedOut ? null : describeFailure(result, action.timeoutMs);
    }
    try {
      const response = await fetch(action.url, {
        method: action.method,
        headers: { 'user-agent': 'Lookout', ...(action.authorization && { authorization: action.authorization }) },
        redirect: 'manual',
        signal: AbortSignal.timeout(action.timeoutMs),
      });
      if (response.ok) {
        await response.body?.cancel();
        return null;
      }
      // An answer that echoes the token or the URL's credentials must not put them in the outcome (shown, and audited).
      const secrets = [...authorizationSecrets(action.authorization), ...urlCredentials(action.url)];
      const body = redact((await boundedText(response, BODY_QUOTE)).replace(/\s+/g, ' ').trim(), secrets);
      return `HTTP ${response.status}${body ? `: ${body}` : ''}`;
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      if (e.name === 'TimeoutError') return `no answer within ${action.timeoutMs} ms`;
      return `could not reach ${new URL(action.url).host}: ${e.cause?.code ?? e.message}`;
    }
  }

  /** The last `lines` (1–MAX_LOG_LINES) lines of the service's log. */
  async logs(service: string, lines: number, signal: AbortSignal = AbortSignal.timeout(30_000)): Promise<ServiceLogs> {
    if (!Number.isInteger(lines) || lines < 1 || lines > MAX_LOG_LINES) throw new BadInputError('lines', `lines must be from 1 to ${MAX_LOG_LINES}, got ${lines}.`);
    const source = this.#source(service);
    return { service, source: source.kind, lines: await this.#read(service, source, lines, signal) };
  }

  async #read(service: string, source: LogSource, lines: number, signal: AbortSignal): Promise<string[]> {
    if (source.kind === 'file') {
      try {
        return (await tailFile(source.path, lines)).lines;
      } catch (error) {
        throw new LogUnavailableError(service, `cannot read ${source.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    }
    if (source.kind === 'runtime') {
      this.#declared(service, 'logs.runtime', source.runtime);
      const output = await this.#o.runtimes.logs(source.runtime, lines, signal);
      if (output === null) throw new LogUnavailableError(service, `the runtime "${source.runtime}" has no log source`);
      return output.slice(-lines);
    }
    const result = await runCommand(source.argv, { timeoutMs: source.timeoutMs, maxLines: MAX_LOG_LINES, maxLineLength: MAX_LINE_LENGTH }, signal);
    if (result.spawnError || result.timedOut || result.code !== 0) throw new LogUnavailableError(service, `the log command ${describeFailure(result, source.timeoutMs)}`);
    return result.lines.slice(-lines);
  }

  /**
   * The service's new log lines from now on, until the iterator is returned: a file by its
   * appended bytes (truncation and rotation start over, said with `rotated`), a runtime's ring and
   * a log command by reading them again each poll (snapshot-follow.ts). Throws at once for a
   * service without a log source.
   */
  follow(service: string): AsyncIterableIterator<FollowedLines> {
    const source = this.#source(service);
    if (source.kind === 'runtime') this.#declared(service, 'logs.runtime', source.runtime);
    const every = this.#o.followMs ?? {};
    const controller = new AbortController();
    const lines =
      source.kind === 'file'
        ? followFile(source.path, { pollMs: every.file ?? 500 }, controller.signal)
        : followSnapshots((signal) => this.#read(service, source, MAX_LOG_LINES, signal), source.kind === 'runtime' ? (every.runtime ?? 1000) : (every.command ?? 5000), controller.signal);
    return abortable(lines, controller);
  }

  #source(service: string): LogSource {
    const source = this.of(service)?.logs;
    if (!source) throw new NoActionError(service, 'logs');
    return source;
  }

  #declared(service: string, field: string, runtime: string): void {
    if (!this.#o.runtimes.names().includes(runtime)) throw new LogUnavailableError(service, `${field} names the runtime "${runtime}", which runtimes: does not declare`);
  }
}

/** A log or runtime the config names but that cannot be used now (a missing file, a failing command). */
export class LogUnavailableError extends LookoutError {
  constructor(service: string, reason: string) {
    super('CONFLICT', `The service "${service}": ${reason}.`);
  }
}

/** A service (unknown, from the API, or its entry without the key) that has no such action. */
export class NoActionError extends LookoutError {
  constructor(service: string, key: 'restart' | 'logs') {
    const what = key === 'restart' ? 'restart action' : 'log source';
    super('NOT_FOUND', `The service "${service}" has no ${what}: give its entry in the config file \`${key}:\` (services made through the API have none).`);
  }
}

/**
 * The generator's iterator, whose `return()` ends it at once: a generator waiting for its next
 * poll would otherwise finish that wait first, and a client that left would keep it running.
 */
function abortable<T>(source: AsyncGenerator<T>, controller: AbortController): AsyncIterableIterator<T> {
  const end = async (): Promise<IteratorResult<T>> => {
    controller.abort();
    void source.return(undefined).catch(() => {});
    return { done: true, value: undefined };
  };
  return {
    next: () => (controller.signal.aborted ? end() : source.next()),
    return: end,
    throw: async (error) => {
      await end();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** At most `max` characters of a response's body, read no further: it stops as soon as they came (readBoundedText counts bytes). */
async function boundedText(response: Response, max: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < max) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    void reader.cancel().catch(() => {});
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
