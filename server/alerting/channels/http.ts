/**
 * What the HTTP channel kinds (webhook, Slack, PagerDuty) share: one POST of a JSON body with the
 * global fetch, within the attempt's signal, reading a bounded part of the answer. Every failure is
 * a DeliveryError whose message names the host only: a channel's URL may carry a token in its path
 * or query (Slack's does), and messages end up in the outbox, the dashboard and the logs.
 */
import { redact, urlSecrets } from '../../secret-text.ts';
import { describeNetworkError } from '../../monitoring/checkers/network.ts';
import { readBoundedText } from '../../http/bounded-response.ts';
import { DeliveryError, type SendContext } from './channel.ts';

/** Bytes of an answer read at most: enough for any status line or error, bounded for a hostile receiver. */
export const ANSWER_LIMIT_BYTES = 4096;
/** Characters of an answer quoted in an error message. */
export const QUOTE_LIMIT = 200;
export const USER_AGENT = 'Lookout';

export interface HttpAnswer {
  statusCode: number;
  /** The start of the body (at most ANSWER_LIMIT_BYTES), decoded as UTF-8. */
  body: string;
}

export interface PostOptions {
  headers?: Record<string, string>;
  /** Values that must never appear in a message, even when a receiver echoes them back. */
  secrets?: readonly string[];
}

/** Whether an HTTP status is worth another attempt (the receiver is down, busy or rate-limiting). */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** Removes control characters and bounds a text from outside before it goes into a message. */
export function cleanText(text: string, limit = QUOTE_LIMIT): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return clean.length > limit ? `${clean.slice(0, limit - 1)}…` : clean;
}

/**
 * POSTs `body` as JSON to `url`; resolves with the answer when it is a 2xx, throws DeliveryError
 * otherwise. Redirects are failures, not followed: a channel's URL is where the notice goes, and a
 * redirect could carry the body (and its signature) somewhere else.
 */
export async function postJson(target: string, body: string, context: SendContext, options: PostOptions = {}): Promise<HttpAnswer> {
  const url = new URL(target);
  const where = url.host;
  const secrets = [...(options.secrets ?? []), target, `${url.pathname}${url.search}`, url.search, ...urlSecrets(url)].filter((s) => s.length > 1 && s !== '/');
  const started = performance.now();
  // The signal is the attempt's limit; the own timer is a backstop should a caller's signal never fire.
  const signal = AbortSignal.any([context.signal, AbortSignal.timeout(Math.max(1, context.timeoutMs))]);
  let statusCode: number;
  let answer: string;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...options.headers },
      body,
      redirect: 'manual',
      signal,
    });
    statusCode = response.status;
    answer = await readBoundedText(response, ANSWER_LIMIT_BYTES, { waitMs: BODY_WAIT_MS, keepOnError: true });
  } catch (error) {
    throw new DeliveryError(redact(failureMessage(error, where, signal, context, performance.now() - started), secrets), { retryable: true });
  }
  if (statusCode >= 200 && statusCode < 300) return { statusCode, body: answer };
  const quoted = cleanText(redact(answer, secrets));
  const message =
    statusCode >= 300 && statusCode < 400
      ? `HTTP ${statusCode}: ${where} answered with a redirect, which is not followed; use the final URL`
      : `HTTP ${statusCode}${quoted ? `: ${quoted}` : ` from ${where}`}`;
  throw new DeliveryError(message, { statusCode, retryable: isRetryableStatus(statusCode) });
}


/**
 * How long the body of an answer is waited for once its status line is in. The status is the
 * answer: a receiver that said 200 and then trickles (or resets) its body took the notice, and
 * must not turn it into a timed-out failure and a repeat.
 */
export const BODY_WAIT_MS = 1000;

/** One sentence for a request that got no answer: timed out, aborted, or a network error by its plain name. */
function failureMessage(error: unknown, where: string, signal: AbortSignal, context: SendContext, elapsedMs: number): string {
  if (signal.aborted) {
    // The signal fires when the attempt's time is up (or the outbox gives up on it): either way the receiver did not answer in time.
    return `no answer from ${where}: timed out after ${Math.round(elapsedMs)} ms (aborted; the attempt's limit is ${context.timeoutMs} ms)`;
  }
  // fetch wraps the socket error: `TypeError: fetch failed` with the real one as its cause.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const described = describeNetworkError(cause, where);
  return described === 'fetch failed' ? `request to ${where} failed` : `${described.includes(where) ? '' : `${where}: `}${cleanText(described)}`;
}
