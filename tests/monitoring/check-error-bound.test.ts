/**
 * A check's error is what its history, its state row, a transition's reason, the live events and
 * the notifications carry. Regression: `runCheck` passed on whatever a checker reported or threw,
 * and the state row and the transition's reason kept it whole (the history cut it at 1,000). A
 * server's error page or a library's message can be megabytes: the error is cut where every
 * result is made, whatever the checker.
 */
import { describe, expect, it } from 'vitest';
import { CHECK_ERROR_MAX, type Checker } from '../../server/monitoring/checkers/checker.ts';
import { runCheck } from '../../server/monitoring/checkers/run.ts';
import { applyResult } from '../../server/monitoring/status-machine.ts';

const huge = 'e'.repeat(200_000);
/** A checker of a target whose failure is described at length: it reports it, or throws it. */
const verbose = (how: 'reports' | 'throws'): Checker => ({
  kind: 'verbose',
  description: 'reports a long error',
  validate: (target, options) => ({ target, options }),
  check: async () => {
    if (how === 'throws') throw new Error(huge);
    return { status: 'down', error: huge, details: {} };
  },
});
const target = { name: 'verbose', kind: 'verbose', target: 'x', options: {}, timeoutMs: 5000, degradedLatencyMs: null };

describe("a check's error", () => {
  it.each(['reports', 'throws'] as const)('is cut at 1,000 characters when the checker %s it, and so is the reason of the change it makes', async (how) => {
    const result = await runCheck(verbose(how), target, { diagnose: false, host: {} as never });
    expect(result.status).toBe('down');
    expect(result.error).toBe(huge.slice(0, CHECK_ERROR_MAX));
    const { transition } = applyResult({ status: 'healthy', pendingStatus: null, pendingCount: 0 }, 'down', { failureThreshold: 1, recoveryThreshold: 1 }, result.error);
    expect(transition?.reason.length).toBeLessThan(CHECK_ERROR_MAX + 100);
  });
});
