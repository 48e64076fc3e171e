/**
 * Closes update runs whose updater died (lease expired) and undoes what such a run left half done
 * before it switched: migrations it applied are reverted with its release's own code, and its
 * directory removed — the running version then has its schema back. A run that had switched
 * already is only closed (the new version serves on its schema). Returns the runs it closed.
 */
import type { UpdateSource } from './git.ts';
import { removeRelease, runReleaseCli, type StepOutput } from './release.ts';
import { abandonExpired, noteOnRun, type UpdateRunRow } from './store.ts';
import type { UpdaterOptions } from './updater.ts';

export async function recoverAbandonedRuns(o: UpdaterOptions, source: UpdateSource): Promise<UpdateRunRow[]> {
  const closed = await abandonExpired(o.sql, o.pubsub, o.clock.now());
  for (const run of closed) {
    const switched = run.steps.some((s) => s.name === 'switch' && s.state === 'succeeded');
    if (switched || !run.releaseRoot) continue;
    const notes: string[] = [];
    if (run.appliedMigrations.length && run.migrationsBefore) {
      const out: StepOutput = { line: (text) => o.logger.info({ run: run.id }, text), signal: AbortSignal.timeout(o.settings.stepTimeoutMs) };
      const dbUrl = o.databaseUrl();
      try {
        await runReleaseCli(run.releaseRoot, ['migrate', '--down-to', run.migrationsBefore], out, { env: { ...process.env, ...(dbUrl && { DATABASE_URL: dbUrl }) }, timeoutMs: o.settings.stepTimeoutMs });
        notes.push(`recovered: its migrations (${run.appliedMigrations.join(', ')}) were reverted`);
      } catch (error) {
        notes.push(`its migrations (${run.appliedMigrations.join(', ')}) could not be reverted: ${(error as Error).message}`);
      }
    }
    if (run.releaseRoot !== o.root) {
      await removeRelease(source, run.releaseRoot).then(
        () => notes.push(`its directory ${run.releaseRoot} was removed`),
        (error: Error) => notes.push(`its directory ${run.releaseRoot} could not be removed: ${error.message}`),
      );
    }
    if (notes.length) await noteOnRun(o.sql, o.pubsub, run.id, notes.join('; '));
    o.logger.warn({ run: run.id, notes }, 'recovered an update whose updater stopped');
  }
  return closed;
}
