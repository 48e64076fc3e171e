/**
 * The one interface every checker kind implements. A checker answers "is this target running?" for
 * one service: it returns a status, the latency, an error message and details, obeys the timeout
 * it is given, and never throws past its boundary (`runCheck` guarantees that for all of them).
 */
import type { Status } from '../status.ts';

/** One step of a diagnosis (DNS, connect, TLS, first byte…), with its own timing. */
export interface CheckStep {
  name: string;
  ok: boolean;
  durationMs: number;
  detail?: string;
}

/**
 * The longest error a check reports: what the history, the state row, a transition's reason, the
 * live events and the notifications carry of it (a server's error page or a command's output can be
 * megabytes).
 */
export const CHECK_ERROR_MAX = 1000;

export interface CheckResult {
  status: Status;
  /** Wall time of the check in milliseconds. */
  latencyMs: number;
  /** Why the check is not healthy (null when healthy); at most CHECK_ERROR_MAX characters once run (`runCheck`). */
  error: string | null;
  /** Kind-specific facts (status code, certificate expiry, free space…), small and JSON-safe. */
  details: Record<string, unknown>;
  /** Filled by a diagnosis (`diagnose: true`); checkers may fill it always. */
  steps?: CheckStep[];
}

/** What a checker is given: the service's definition, normalised by `validate`. */
export interface CheckTarget<Options = Record<string, unknown>> {
  name: string;
  kind: string;
  target: string;
  options: Options;
  timeoutMs: number;
  /** Latency above which a successful check counts as degraded (null: never). */
  degradedLatencyMs: number | null;
}

export interface CheckContext {
  /** Aborted when the timeout passes; checkers pass it to their I/O. */
  signal: AbortSignal;
  /** Record step-by-step details (slower; used by diagnoseService). */
  diagnose: boolean;
  /** The Lookout process the checks run in: what the self-checks ask of it (its database, pub/sub, data directory…). */
  host: CheckerHost;
}

/**
 * Services of the running Lookout, for the self-checks. Filled by the monitoring capability. (Not
 * "runtime": that word names the supervised processes of the platform.)
 */
export interface CheckerHost {
  dataDir: string;
  /** Lookout's own database: `select 1`, pool use, pending migrations. */
  database?: {
    ping(): Promise<void>;
    pendingMigrations(): Promise<string[]>;
    /** Connections of Lookout's pool in use, its size, and queries waiting for one. */
    poolUse?(): { used: number; max: number; waiting?: number };
  };
  /** Publish a probe and resolve when it comes back through Lookout's pub/sub. */
  eventBusProbe?(timeoutMs: number, signal: AbortSignal): Promise<{ transport: string }>;
  /** Last heartbeat received for a heartbeat service (by service name). */
  lastHeartbeat?(serviceName: string): Promise<{ at: Date; failed: boolean } | null>;
  now(): Date;
}

export interface Checker<Options = Record<string, unknown>> {
  /** The kind name used in config files and the API, e.g. `http`. */
  kind: string;
  /** One line for docs and the dashboard. */
  description: string;
  /**
   * Checks and normalises a definition's target and options; throws BadInputError naming the field
   * (`target` or `options.<name>`) when they are wrong. Fills defaults.
   */
  validate(target: string, options: Record<string, unknown>): { target: string; options: Options };
  /** Runs the check. May throw: `runCheck` turns errors and timeouts into a `down` result. */
  check(target: CheckTarget<Options>, context: CheckContext): Promise<Omit<CheckResult, 'latencyMs'> & { latencyMs?: number }>;
  /** Whether the kind may only come from the config file (never from API input), e.g. `command`. */
  configOnly?: boolean;
}
