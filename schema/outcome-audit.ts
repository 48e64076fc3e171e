/**
 * An action that reports its outcome (a restart: ok, or the reason it failed) rather than throwing
 * it: it runs before its audit row's transaction — no connection waits on a restart — and the row
 * then records it, a failure when it did not succeed. A failed outcome is the answer, not an error.
 */
import type { RequestContext } from '../server/context.ts';
import type { AuditSpec } from '../server/audit/audit.ts';
import { BadInputError, LookoutError } from '../server/errors.ts';

class OutcomeFailed<O> extends LookoutError {
  readonly outcome: O;
  constructor(outcome: O, message: string) {
    super('CONFLICT', message);
    this.outcome = outcome;
  }
}

export async function runThenAudit<O extends { ok: boolean }>(
  ctx: RequestContext,
  run: () => Promise<O>,
  /** The audit row's message when the outcome is a failure. */
  failure: (outcome: O) => string,
  spec: AuditSpec<O>,
): Promise<O> {
  let attempt: O | Error;
  try {
    attempt = await run();
  } catch (error) {
    attempt = error as Error;
  }
  try {
    return await ctx.audited(async () => {
      if (attempt instanceof Error) throw attempt;
      if (!attempt.ok) throw new OutcomeFailed(attempt, failure(attempt));
      return attempt;
    }, spec);
  } catch (error) {
    if (error instanceof OutcomeFailed) return error.outcome as O;
    throw error;
  }
}

/**
 * An action that waits on the outside world (a check run now, a notice sent, files looked at) and
 * writes nothing itself in Lookout's transaction: it runs first, holding no pooled connection — a
 * check may take its whole timeout, and calls that each held a connection while they waited, or
 * asked the pool for a second one, took the whole pool from every other request —, then its audit
 * row records what it answered, or the error it threw (rethrown).
 */
export async function runThenAudited<T>(ctx: RequestContext, run: () => Promise<T>, spec: AuditSpec<T>): Promise<T> {
  let attempt: { value: T } | { error: unknown };
  try {
    attempt = { value: await run() };
  } catch (error) {
    attempt = { error };
  }
  return ctx.audited(async () => {
    if ('error' in attempt) throw attempt.error;
    return attempt.value;
  }, spec);
}

/** A destructive action runs only with `confirm: true`; otherwise BAD_USER_INPUT naming `confirm`, saying what it would do. */
export function requireConfirm(confirm: boolean | null | undefined, effect: string): void {
  if (confirm !== true) throw new BadInputError('confirm', `${effect}: pass confirm: true.`);
}
