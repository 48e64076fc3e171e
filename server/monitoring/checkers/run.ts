/**
 * Runs any checker safely: enforces the timeout, turns thrown errors into a `down` result, measures
 * latency, marks a slow success `degraded`, and keeps the error to CHECK_ERROR_MAX characters.
 * Nothing a checker does escapes this function.
 */
import { maskCredentials, redact, targetSecrets } from '../../secret-text.ts';
import { CHECK_ERROR_MAX, type Checker, type CheckContext, type CheckResult, type CheckTarget } from './checker.ts';

/** A check's error as reported: its first CHECK_ERROR_MAX characters. */
export const boundedError = (error: string | null | undefined): string | null => (error == null ? null : error.slice(0, CHECK_ERROR_MAX));

/** Aborts in-flight I/O once a check has settled; one shared reason spares a DOMException per check. */
const CHECK_SETTLED = new Error('check settled');

export async function runCheck(
  checker: Checker,
  target: CheckTarget,
  context: Omit<CheckContext, 'signal'>,
): Promise<CheckResult> {
  const controller = new AbortController();
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    // The checker's outcome or the timeout, whichever comes first (one promise, not a race of two).
    const outcome = await new Promise<Awaited<ReturnType<Checker['check']>>>((resolve, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`timed out after ${target.timeoutMs} ms`));
      }, target.timeoutMs);
      // Promise.resolve: a checker that answers without a promise, or throws, is taken as before.
      Promise.resolve(checker.check(target, { ...context, signal: controller.signal })).then(resolve, reject);
    });
    const latencyMs = Math.round(outcome.latencyMs ?? performance.now() - started);
    // Copy the steps now: aborting the settled check's I/O below may still append to the checker's array.
    const steps = outcome.steps ? (outcome.steps.length ? outcome.steps.map((s) => ({ ...s })) : []) : undefined;
    const result: CheckResult = withoutSecrets(target, { ...outcome, steps, latencyMs, error: boundedError(outcome.error), details: outcome.details ?? {} });
    if (result.status === 'healthy' && target.degradedLatencyMs !== null && latencyMs > target.degradedLatencyMs) {
      return { ...result, status: 'degraded', error: `slow: ${latencyMs} ms (degraded above ${target.degradedLatencyMs} ms)` };
    }
    return result;
  } catch (error) {
    return withoutSecrets(target, {
      status: 'down',
      latencyMs: Math.round(performance.now() - started),
      error: boundedError(error instanceof Error ? error.message || error.name : String(error)),
      details: {},
    });
  } finally {
    clearTimeout(timer);
    controller.abort(CHECK_SETTLED);
  }
}

/**
 * A failed check's error and details without the service's credentials: a server that echoes what
 * it was sent (a Redis answering with the AUTH line, an HTTP server quoting its `Authorization`)
 * must not show them to viewers, nor keep them in the history. A healthy result is left as it is
 * (but for a diagnosis's steps).
 */
function withoutSecrets(target: CheckTarget, result: CheckResult): CheckResult {
  // Steps without a detail quote nothing (an http check's are an empty list unless diagnosed or redirected).
  if (result.error === null && !result.steps?.some((step) => step.detail !== undefined)) {
    // A healthy result's details (a command's output) may still quote a URL with its credentials.
    if (!quotesUrl(result.details)) return result;
    const quoting = Object.entries(result.details).filter(([, v]) => typeof v === 'string' && v.includes('://'));
    const secrets = targetSecrets(target.target, target.options);
    return { ...result, details: { ...result.details, ...Object.fromEntries(quoting.map(([k, v]) => [k, maskCredentials(redact(v as string, secrets))])) } };
  }
  const secrets = targetSecrets(target.target, target.options);
  const clean = (text: string) => maskCredentials(redact(text, secrets));
  const details: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(result.details)) details[key] = typeof value === 'string' ? clean(value) : value;
  const steps = result.steps?.map((step) => (step.detail ? { ...step, detail: clean(step.detail) } : step));
  return { ...result, error: result.error === null ? null : clean(result.error), details, ...(steps && { steps }) };
}

/** Whether a value of `details` is text with a URL in it (looked at without allocating: every healthy check asks). */
function quotesUrl(details: Record<string, unknown>): boolean {
  for (const key in details) {
    const value = details[key];
    if (typeof value === 'string' && value.includes('://')) return true;
  }
  return false;
}
