/**
 * The `http` kind: a runtime that owns its API (ticket 005). Its state comes from
 * `GET <url>/external/system/status`, a restart is `POST <url>/external/system/restart`, after which
 * Lookout reads the status until the runtime reports `running` again (with a new start, when it
 * tells one). Bounded in time and body; redirects are failures, never followed.
 */
import { authorizationSecrets, redact, urlCredentials } from '../secret-text.ts';
import { describeNetworkError } from '../monitoring/checkers/network.ts';
import { readBoundedText } from '../http/bounded-response.ts';
import { delay, initialStatus, RestartFailed, RUNTIME_STATES, type Runtime, type RuntimeContext, type RuntimeKind, type RuntimeState, type RuntimeStatus } from './runtime.ts';
import { RuntimeSettingsReader } from './settings.ts';

/** The contract's paths, relative to the runtime's URL. */
export const STATUS_PATH = '/external/system/status';
export const RESTART_PATH = '/external/system/restart';
/** Bytes of an answer read at most: a status is a small JSON object. */
export const BODY_LIMIT_BYTES = 64 * 1024;
/** How often the status is read while waiting for a restarted runtime. */
const RESTART_POLL_MS = 200;

export interface HttpSettings {
  url: string;
  /** Each request's time limit. */
  timeoutMs: number;
  /** How long a restart may take, from the POST to `running` again. */
  restartTimeoutMs: number;
  /** `Authorization` sent with each request (from `token_env`), or null. */
  authorization: string | null;
}

/** What a status answer tells, as far as it fits the contract (other fields are ignored). */
export interface ReportedStatus {
  state: RuntimeState;
  pid: number | null;
  version: string | null;
  commit: string | null;
  startedAt: Date | null;
  restarts: number | null;
  lastError: string | null;
}

interface Answer {
  statusCode: number;
  body: string;
}

/** One bounded request; throws an Error whose message says why there is no answer. */
async function request(url: string, method: 'GET' | 'POST', timeoutMs: number, authorization: string | null, signal: AbortSignal): Promise<Answer> {
  const where = new URL(url).host;
  const limit = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
  try {
    const response = await fetch(url, {
      method,
      headers: {
        accept: 'application/json',
        'user-agent': 'Lookout',
        ...(method === 'POST' && { 'content-type': 'application/json' }),
        ...(authorization && { authorization }),
      },
      body: method === 'POST' ? '{}' : undefined,
      redirect: 'manual',
      signal: limit,
    });
    const body = await readBoundedText(response, BODY_LIMIT_BYTES);
    if (response.status >= 300 && response.status < 400) throw new Error(`HTTP ${response.status}: ${where} answered with a redirect, which is not followed; use the final URL`);
    return { statusCode: response.status, body };
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('HTTP ')) throw error;
    if (limit.aborted) throw new Error(`no answer from ${where} within ${timeoutMs} ms`);
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const described = describeNetworkError(cause, where);
    throw new Error(described === 'fetch failed' ? `request to ${where} failed` : described.includes(where) ? described : `${where}: ${described}`);
  }
}

/** A short, clean quote of a body for a message. */
function quote(body: string): string {
  const clean = body.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return clean.length > 200 ? `${clean.slice(0, 199)}…` : clean;
}

const text = (value: unknown, max = 200): string | null => (typeof value === 'string' && value.trim() ? value.slice(0, max) : null);

/** Reads a status answer's JSON by the contract; a field of the wrong type is taken as absent. */
export function parseReportedStatus(body: string): ReportedStatus {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    throw new Error(`the status is not JSON: ${quote(body) || '(empty)'}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('the status is not a JSON object');
  const o = data as Record<string, unknown>;
  const state = typeof o.state === 'string' && (RUNTIME_STATES as readonly string[]).includes(o.state) ? (o.state as RuntimeState) : 'unknown';
  const startedAt = typeof o.startedAt === 'string' && !Number.isNaN(Date.parse(o.startedAt)) ? new Date(o.startedAt) : null;
  return {
    state,
    pid: Number.isSafeInteger(o.pid) && (o.pid as number) > 0 ? (o.pid as number) : null,
    version: text(o.version, 100),
    commit: text(o.commit, 100),
    startedAt,
    restarts: Number.isSafeInteger(o.restarts) && (o.restarts as number) >= 0 ? (o.restarts as number) : null,
    lastError: text(o.lastError, 500),
  };
}

class HttpRuntime implements Runtime {
  readonly name: string;
  readonly kind = 'http';
  readonly #s: HttpSettings;
  readonly #context: RuntimeContext;
  #status: RuntimeStatus;
  /** Restarts asked of it by this replica (used when the runtime does not report its own count). */
  #restartsAsked = 0;
  #restarting = false;

  /** The token and the URL's credentials: an answer that echoes them (a 401 quoting its `Authorization`) must not show them to viewers or the audit log. */
  readonly #secrets: string[];

  constructor(name: string, settings: HttpSettings, context: RuntimeContext) {
    this.name = name;
    this.#s = settings;
    this.#context = context;
    this.#status = initialStatus(name, 'http', context.now());
    this.#secrets = [...authorizationSecrets(settings.authorization), ...urlCredentials(settings.url)];
  }

  status(): RuntimeStatus {
    return { ...this.#status };
  }

  start(): void {}
  async stop(): Promise<void> {}

  async logs(): Promise<null> {
    return null; // the contract has no log endpoint
  }

  async refresh(signal: AbortSignal): Promise<RuntimeStatus> {
    // While a restart waits for it, the restart owns the state.
    if (this.#restarting) return this.status();
    try {
      this.#apply(await this.#read(signal));
    } catch (error) {
      this.#set({ state: 'unknown', pid: null, lastError: (error as Error).message });
    }
    return this.status();
  }

  async restart(signal: AbortSignal): Promise<void> {
    this.#restarting = true;
    const before = { ...this.#status };
    this.#set({ state: 'restarting', lastError: null });
    const deadline = Date.now() + this.#s.restartTimeoutMs;
    let reason: string | null = null;
    try {
      const answer = await request(`${this.#s.url}${RESTART_PATH}`, 'POST', this.#s.timeoutMs, this.#s.authorization, signal).catch((error: Error) => {
        throw new RestartFailed(error.message);
      });
      if (answer.statusCode < 200 || answer.statusCode >= 300) {
        const quoted = quote(answer.body);
        throw new RestartFailed(`HTTP ${answer.statusCode}${quoted ? `: ${quoted}` : ''}`);
      }
      this.#restartsAsked++;
      // The runtime may answer before it is back: read its status until it says running, anew.
      let last = 'no status read yet';
      for (;;) {
        try {
          const reported = await this.#read(signal, Math.max(1, Math.min(this.#s.timeoutMs, deadline - Date.now())));
          const anew = reported.startedAt === null || before.startedAt === null || reported.startedAt.getTime() !== before.startedAt.getTime() || (reported.restarts ?? 0) > before.restarts;
          if (reported.state === 'running' && anew) {
            this.#apply(reported);
            return;
          }
          last = `it reports ${reported.state}${reported.lastError ? `: ${reported.lastError}` : ''}`;
          // Crashed is an answer; stopped or starting may be a step of the restart.
          if (reported.state === 'crashed') {
            reason = `the runtime did not come back: ${last}`;
            this.#apply(reported, reason);
            throw new RestartFailed(reason);
          }
        } catch (error) {
          if (error instanceof RestartFailed) throw error;
          last = (error as Error).message;
        }
        if (Date.now() + RESTART_POLL_MS > deadline || signal.aborted) break;
        await delay(RESTART_POLL_MS, signal).catch(() => {});
      }
      reason = `not running again within ${this.#s.restartTimeoutMs} ms (${last})`;
      this.#set({ state: 'unknown', lastError: reason });
      throw new RestartFailed(reason);
    } catch (error) {
      if (!(error instanceof RestartFailed)) throw error;
      const failed = new RestartFailed(redact(error.message, this.#secrets));
      if (this.#status.state === 'restarting') this.#set({ state: before.state === 'restarting' ? 'unknown' : before.state, lastError: failed.message });
      throw failed;
    } finally {
      this.#restarting = false;
    }
  }

  async #read(signal: AbortSignal, timeoutMs = this.#s.timeoutMs): Promise<ReportedStatus> {
    const answer = await request(`${this.#s.url}${STATUS_PATH}`, 'GET', timeoutMs, this.#s.authorization, signal);
    if (answer.statusCode !== 200) {
      const quoted = quote(answer.body);
      throw new Error(`status answered HTTP ${answer.statusCode}${quoted ? `: ${quoted}` : ''}`);
    }
    return parseReportedStatus(answer.body);
  }

  #apply(reported: ReportedStatus, error: string | null = reported.lastError): void {
    this.#set({
      state: reported.state,
      pid: reported.pid,
      version: reported.version,
      commit: reported.commit,
      startedAt: reported.startedAt,
      restarts: reported.restarts ?? this.#restartsAsked,
      lastError: error,
    });
  }

  #set(change: Partial<RuntimeStatus>): void {
    if (change.lastError) change = { ...change, lastError: redact(change.lastError, this.#secrets) };
    this.#status = { ...this.#status, ...change, checkedAt: this.#context.now() };
    this.#context.changed();
  }
}

export const httpRuntime: RuntimeKind<HttpSettings> = {
  kind: 'http',
  description: `A runtime that owns its API (ticket 005): GET ${STATUS_PATH} for its state, POST ${RESTART_PATH} to restart it.`,

  validate(settings) {
    const read = new RuntimeSettingsReader('http', settings);
    const validated: HttpSettings = {
      url: read.baseUrl('url'),
      timeoutMs: read.duration('timeout', '5s', { min: 1, max: 120_000 }),
      restartTimeoutMs: read.duration('restart_timeout', '60s', { min: 1, max: 3_600_000 }),
      authorization: read.bearer('token_env'),
    };
    read.finish();
    return validated;
  },

  create: (name, settings, context) => new HttpRuntime(name, settings, context),
};
