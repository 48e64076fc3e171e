/**
 * The operation catalog: each type's label and policy (retryable, cancelable, expected duration,
 * stuck thresholds, what to do when a lease expires). Types come from the config file's
 * `operations.types`; a type nobody declared gets the defaults, labelled by its name.
 */
import { BadInputError } from '../errors.ts';
import { parseDuration } from '../monitoring/duration.ts';

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

/** Reads `operations.types` of the config file: a list of { type, label, retryable, … }. */
export function parseCatalog(entries: unknown, prefix = 'operations.types'): OperationPolicy[] {
  if (entries === undefined || entries === null) return [];
  if (!Array.isArray(entries)) throw new BadInputError(prefix, `${prefix} must be a list.`);
  return entries.map((entry, i) => {
    const at = `${prefix}[${i}]`;
    if (!entry || typeof entry !== 'object') throw new BadInputError(at, `${at} must be a mapping with at least \`type\`.`);
    const e = entry as Record<string, unknown>;
    const type = String(e.type ?? '');
    if (!TYPE_PATTERN.test(type)) throw new BadInputError(`${at}.type`, `${at}.type must be a lower-case name such as "billing.invoice", got ${JSON.stringify(e.type)}.`);
    const duration = (key: string, fallback: number) => (e[key] === undefined ? fallback : parseDuration(e[key], `${at}.${key}`));
    const onLeaseExpired = e.onLeaseExpired ?? e.on_lease_expired ?? DEFAULT_POLICY.onLeaseExpired;
    if (onLeaseExpired !== 'requeue' && onLeaseExpired !== 'fail') throw new BadInputError(`${at}.onLeaseExpired`, 'onLeaseExpired must be "requeue" or "fail".');
    return {
      type,
      label: String(e.label ?? type),
      retryable: e.retryable === undefined ? DEFAULT_POLICY.retryable : Boolean(e.retryable),
      cancelable: e.cancelable === undefined ? DEFAULT_POLICY.cancelable : Boolean(e.cancelable),
      expectedDurationMs: duration('expectedDuration', DEFAULT_POLICY.expectedDurationMs),
      queuedTooLongMs: duration('queuedTooLong', DEFAULT_POLICY.queuedTooLongMs),
      heartbeatTimeoutMs: duration('heartbeatTimeout', DEFAULT_POLICY.heartbeatTimeoutMs),
      onLeaseExpired,
      maxAttempts: Number(e.maxAttempts ?? DEFAULT_POLICY.maxAttempts),
      services: Array.isArray(e.services) ? e.services.map(String) : [],
    };
  });
}
