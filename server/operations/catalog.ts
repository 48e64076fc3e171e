/**
 * The operation catalog: each type's label and policy (retryable, cancelable, expected duration,
 * stuck thresholds, what to do when a lease expires). Types come from the config file's
 * `operations.types`; a type nobody declared gets the defaults, labelled by its name.
 */
import { BadInputError } from '../errors.ts';
import { parseDuration } from '../duration.ts';

export interface OperationPolicy {
  type: string;
  label: string;
  retryable: boolean;
  cancelable: boolean;
  /** Running longer than this is "running past its expected duration". */
  expectedDurationMs: number;
  /** Queued longer than this with nobody taking it is "queued too long". */
  queuedTooLongMs: number;
  /** No heartbeat for this long (while the lease still holds) is "heartbeat missing". */
  heartbeatTimeoutMs: number;
  /** When a worker's lease expires: put the run back in the queue (until maxAttempts) or fail it. */
  onLeaseExpired: 'requeue' | 'fail';
  maxAttempts: number;
  /** Services the type depends on, shown around a failure (empty: the critical services). */
  services: string[];
}

export const DEFAULT_POLICY: Omit<OperationPolicy, 'type' | 'label'> = {
  retryable: true,
  cancelable: true,
  expectedDurationMs: 10 * 60_000,
  queuedTooLongMs: 5 * 60_000,
  heartbeatTimeoutMs: 60_000,
  onLeaseExpired: 'requeue',
  maxAttempts: 3,
  services: [],
};

export const TYPE_PATTERN = /^[a-z0-9][a-z0-9._:-]{0,99}$/;

export class OperationCatalog {
  readonly #policies = new Map<string, OperationPolicy>();

  constructor(policies: OperationPolicy[] = []) {
    for (const policy of policies) this.#policies.set(policy.type, policy);
  }

  get(type: string): OperationPolicy {
    return this.#policies.get(type) ?? { type, label: type, ...DEFAULT_POLICY };
  }

  all(): OperationPolicy[] {
    return [...this.#policies.values()];
  }
}

const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const POLICY_KEYS = ['type', 'label', 'retryable', 'cancelable', 'expectedDuration', 'queuedTooLong', 'heartbeatTimeout', 'onLeaseExpired', 'maxAttempts', 'services'];

/** One `operations.types` entry, by camel- or snake_case keys; throws BadInputError naming `at.key`. */
function readPolicy(entry: unknown, at: string): OperationPolicy {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new BadInputError(at, `${at} must be a mapping with at least \`type\`.`);
  const e: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) {
    if (!POLICY_KEYS.includes(camel(key))) throw new BadInputError(`${at}.${key}`, `${at}: unknown key ${JSON.stringify(key.slice(0, 60))} (expected ${POLICY_KEYS.join(', ')}).`);
    e[camel(key)] = value;
  }
  const type = typeof e.type === 'string' ? e.type : '';
  if (!TYPE_PATTERN.test(type)) throw new BadInputError(`${at}.type`, `${at}.type must be a lower-case name such as "billing.invoice", got ${JSON.stringify(e.type)?.slice(0, 60)}.`);
  const duration = (key: string, fallback: number) => (e[key] === undefined || e[key] === null ? fallback : parseDuration(e[key], `${at}.${key}`));
  const flag = (key: string, fallback: boolean) => {
    if (e[key] === undefined || e[key] === null) return fallback;
    // Boolean("false") is true: only true and false are taken.
    if (typeof e[key] !== 'boolean') throw new BadInputError(`${at}.${key}`, `${at}.${key} must be true or false.`);
    return e[key];
  };
  if (e.label !== undefined && e.label !== null && (typeof e.label !== 'string' || e.label.length > 200)) throw new BadInputError(`${at}.label`, `${at}.label must be text of at most 200 characters.`);
  const onLeaseExpired = e.onLeaseExpired ?? DEFAULT_POLICY.onLeaseExpired;
  if (onLeaseExpired !== 'requeue' && onLeaseExpired !== 'fail') throw new BadInputError(`${at}.onLeaseExpired`, `${at}.onLeaseExpired must be "requeue" or "fail".`);
  const maxAttempts = e.maxAttempts ?? DEFAULT_POLICY.maxAttempts;
  if (!Number.isInteger(maxAttempts) || (maxAttempts as number) < 1 || (maxAttempts as number) > 100) throw new BadInputError(`${at}.maxAttempts`, `${at}.maxAttempts must be a whole number from 1 to 100.`);
  const services = e.services ?? [];
  if (!Array.isArray(services) || services.some((s) => typeof s !== 'string')) throw new BadInputError(`${at}.services`, `${at}.services must be a list of service names.`);
  return {
    type,
    label: (e.label as string | undefined) ?? type,
    retryable: flag('retryable', DEFAULT_POLICY.retryable),
    cancelable: flag('cancelable', DEFAULT_POLICY.cancelable),
    expectedDurationMs: duration('expectedDuration', DEFAULT_POLICY.expectedDurationMs),
    queuedTooLongMs: duration('queuedTooLong', DEFAULT_POLICY.queuedTooLongMs),
    heartbeatTimeoutMs: duration('heartbeatTimeout', DEFAULT_POLICY.heartbeatTimeoutMs),
    onLeaseExpired,
    maxAttempts: maxAttempts as number,
    services: services as string[],
  };
}

/**
 * Reads `operations.types` of the config file: a list of { type, label, retryable, … }. Each bad
 * entry is pushed to `problems` (path, key, reason) when given; without it the first one is thrown.
 */
export function parseCatalog(entries: unknown, prefix = 'operations.types', problems?: string[]): OperationPolicy[] {
  if (entries === undefined || entries === null) return [];
  if (!Array.isArray(entries)) throw new BadInputError(prefix, `${prefix} must be a list.`);
  const policies: OperationPolicy[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, i) => {
    try {
      // Named twice is told even when the first declaration has problems of its own.
      const type = (entry as { type?: unknown } | null)?.type;
      if (typeof type === 'string' && seen.has(type)) throw new BadInputError(`${prefix}[${i}].type`, `${prefix}[${i}].type: "${type.slice(0, 100)}" is declared twice.`);
      if (typeof type === 'string') seen.add(type);
      policies.push(readPolicy(entry, `${prefix}[${i}]`));
    } catch (error) {
      if (!problems || !(error instanceof BadInputError)) throw error;
      problems.push(error.message);
    }
  });
  return policies;
}
