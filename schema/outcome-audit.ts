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

/** A destructive action runs only with `confirm: true`; otherwise BAD_USER_INPUT naming `confirm`, saying what it would do. */
export function requireConfirm(confirm: boolean | null | undefined, effect: string): void {
  if (confirm !== true) throw new BadInputError('confirm', `${effect}: pass confirm: true.`);
}
