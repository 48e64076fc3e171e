/**
 * Restarting Lookout with no downtime: a new worker from the same code starts (migrating, jobs and
 * all) while this one serves, takes over the listener, and this one retires and drains.
 */
import { ConflictError, LookoutError } from '../errors.ts';
import type { Supervisor } from './link.ts';

/** The longest failure message passed on (it quotes the new worker's last output lines). */
const MAX_MESSAGE_CHARS = 4000;

/** How long a new worker may take to be ready (start-up, migrations, the config file). */
export const RESTART_READY_TIMEOUT_MS = 120_000;

export interface LookoutRestart {
  ok: true;
  /** The new worker's pid. */
  pid: number;
  durationMs: number;
}

/**
 * Replaces this worker with a new one from the same root. Throws (the supervisor's error, or why the
 * new worker did not start, with its last output) and leaves this worker serving when it fails.
 */
export async function restartLookout(supervisor: Supervisor, options: { readyTimeoutMs?: number } = {}): Promise<LookoutRestart> {
  try {
    return await replace(supervisor, options.readyTimeoutMs ?? RESTART_READY_TIMEOUT_MS);
  } catch (error) {
    if (error instanceof LookoutError) throw error;
    const message = `Lookout did not restart (it keeps serving as it was): ${(error as Error).message ?? String(error)}`;
    throw new ConflictError(message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS - 1)}…` : message);
  }
}

async function replace(supervisor: Supervisor, readyTimeoutMs: number): Promise<LookoutRestart> {
  const started = performance.now();
  const replacement = await supervisor.startReplacement({ root: supervisor.root, readyTimeoutMs });
  try {
    await replacement.listen();
  } catch (error) {
    await replacement.abandon().catch(() => {});
    throw error;
  }
  await supervisor.retire();
  return { ok: true, pid: replacement.pid, durationMs: Math.round(performance.now() - started) };
}
