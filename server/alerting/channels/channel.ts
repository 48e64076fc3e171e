/**
 * The one interface every alert channel kind implements (one file per kind in this folder,
 * registered in registry.ts): it checks a channel's settings, naming the field that is wrong, and
 * sends one notice of an incident, within the signal it is given. The outbox (alerting/outbox.ts)
 * calls `send` once per attempt of a delivery, with the same `notice.id` on every retry.
 */
import type { Status } from '../../monitoring/status.ts';

/** What happened to the incident that a notice tells. */
export const NOTICE_EVENTS = ['trigger', 'remind', 'acknowledge', 'resolve', 'test'] as const;
export type NoticeEvent = (typeof NOTICE_EVENTS)[number];

export const SEVERITIES = ['warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One notice of one incident to one channel. */
export interface Notice {
  /**
   * Stable for the delivery: the same on every retry of it (`msg_…`), so a receiver can drop a
   * repeat: the webhook's `webhook-id`, the email's Message-ID.
   */
  id: string;
  event: NoticeEvent;
  /** When the notice was first made (ISO instant); a retry keeps it. */
  at: string;
  incident: {
    id: number;
    /** Stable for the incident across all its notices (PagerDuty's `dedup_key`). */
    key: string;
    service: string;
    displayName: string;
    severity: Severity;
    /** The service's status the notice is about (healthy on `resolve`). */
    status: Status;
    reason: string;
    startedAt: string;
    acknowledgedAt: string | null;
    acknowledgedBy: string | null;
    resolvedAt: string | null;
    /** The incident on the dashboard, when the server knows its public URL. */
    url: string | null;
  };
}

/** What a receiver answered to a notice it took. */
export interface DeliveryReceipt {
  /** The HTTP status (webhook, Slack, PagerDuty); absent for SMTP. */
  statusCode?: number;
  /** A short, safe summary of the answer (SMTP's reply line, PagerDuty's status); never a secret. */
  detail?: string;
}

/** A notice the receiver did not take: thrown by `send`. */
export class DeliveryError extends Error {
  readonly statusCode: number | undefined;
  /** False when sending it again cannot help (a 4xx other than 408/429: a bad URL, a refused key). */
  readonly retryable: boolean;
  constructor(message: string, options: { statusCode?: number; retryable?: boolean } = {}) {
    super(message);
    this.name = 'DeliveryError';
    this.statusCode = options.statusCode;
    this.retryable = options.retryable ?? true;
  }
}

export interface SendContext {
  /** Aborted when the attempt's time is up: every I/O of `send` obeys it. */
  signal: AbortSignal;
  /** The attempt's time limit in milliseconds (for libraries that take a number, like nodemailer's timeouts). */
  timeoutMs: number;
}

export interface ChannelKind<Settings = Record<string, unknown>> {
  /** The kind name used in config files and the API, e.g. `webhook`. */
  kind: string;
  /** One line for docs and the dashboard. */
  description: string;
  /**
   * Settings holding secrets (webhook secret, routing key, SMTP password, a URL carrying a token):
   * write-only in the API, never logged, masked in the audit log.
   */
  secretFields: readonly string[];
  /**
   * Checks and normalises a channel's settings (camelCase keys; the config file's snake_case ones
   * are converted before); throws BadInputError naming the field (`url`, `secret`, `to[1]`) and
   * what is wrong, never quoting a secret. Unknown keys are refused, naming them.
   */
  validate(settings: Record<string, unknown>): Settings;
  /** Sends `notice`; resolves with the receiver's answer or throws DeliveryError (anything else thrown is a failure too). */
  send(notice: Notice, settings: Settings, context: SendContext): Promise<DeliveryReceipt>;
}
