/**
 * Updates Lookout from git (feature 208, issue 13): check the configured remote and branch, then
 * run the steps — drain (when asked), fetch, prepare the new version in its own directory, install,
 * build, migrate, start it beside the running one, wait until it is ready, switch traffic to it,
 * stop the old one — recording each step and every output line (store.ts) as it goes. Any failure
 * leaves the old version serving: the new process is stopped, migrations it applied are reverted
 * with the new version's own code, and its directory is removed; the run says which step failed
 * and why. One run at a time across replicas, under a lease this updater renews.
 */
import os from 'node:os';
import type pg from 'pg';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { PubSub } from '../events/pubsub.ts';
import { ConflictError } from '../errors.ts';
import type { Supervisor, Replacement } from '../supervisor/link.ts';
import { checkForUpdate, FETCH_TIMEOUT_MS, type UpdateCheck, type UpdateSource } from './git.ts';
import { buildDashboard, fetchUpdate, installDependencies, prepareRelease, removeRelease, runReleaseCli, type StepOutput } from './release.ts';
import type { UpdateSettings } from './settings.ts';
import { recoverAbandonedRuns } from './recovery.ts';
import { MAX_LINE_LENGTH, appendLines, createRun, currentRun, finishRun, getRun, listRuns, renewLease, runLines, updateStep, type RunState, type UpdateRunRow, type UpdateStepName } from './store.ts';

/** How long a run's lease lasts; renewed every third of it. */
export const LEASE_MS = 30_000;
/** Output lines are written in batches this often. */
const FLUSH_MS = 250;
/** Output lines held between two writes at most. */
const MAX_BUFFERED_LINES = 2000;
/** Operation runs named in a refusal at most. */
const LISTED_RUNS = 10;

export interface UpdaterOptions {
  sql: pg.Pool;
  pubsub: PubSub;
  clock: Clock;
  logger: Logger;
  supervisor: Supervisor;
  /** The running version's directory (a git checkout or a release worktree of one). */
  root: string;
  settings: UpdateSettings;
  /** The database URL the new version migrates and runs with. */
  databaseUrl: () => string | undefined;
}

/** A step that failed, with the reason shown on the run. */
class StepError extends Error {
  readonly step: UpdateStepName;
  constructor(step: UpdateStepName, message: string) {
    super(message);
    this.step = step;
  }
}

export interface ActiveRun {
  id: number;
  type: string;
  status: string;
  worker: string | null;
}

export class Updater {
  readonly #o: UpdaterOptions;
  /** One git fetch at a time in this checkout (two would fight over git's ref locks). */
  #gitBusy: Promise<unknown> = Promise.resolve();
  /** The run this replica is carrying out, if any (awaited at shutdown). */
  #running: Promise<void> | null = null;
  readonly #stopping = new AbortController();

  constructor(options: UpdaterOptions) {
    this.#o = options;
  }

  get source(): UpdateSource {
    return { repoDir: this.#o.root, remote: this.#o.settings.remote, branch: this.#o.settings.branch };
  }

  /** The run this replica is carrying out now, if any (a restart of Lookout waits for it). */
  get busy(): boolean {
    return this.#running !== null;
  }

  /** Whether this replica can replace itself (it runs under Lookout's supervisor). */
  get canUpdate(): boolean {
    return this.#o.supervisor.available;
  }

  /** The current and latest versions and the changelog between them (fetches the remote). */
  // Longer than the fetch's own limit, so that a remote that hangs is told as unreachable (naming the
  // remote and the limit), not as a cancelled check.
  check(signal: AbortSignal = AbortSignal.timeout(FETCH_TIMEOUT_MS + 15_000)): Promise<UpdateCheck> {
    const run = this.#gitBusy.then(() => checkForUpdate(this.source, { signal }));
    this.#gitBusy = run.catch(() => {});
    return run;
  }

  /** Operation runs queued or running (an update refuses while there are any, unless it drains). */
  async activeRuns(): Promise<{ count: number; runs: ActiveRun[] }> {
    const { rows } = await this.#o.sql.query<{ id: string; type: string; status: string; lease_worker: string | null; total: string }>(
      `select id, type, status, lease_worker, count(*) over () as total from operation_runs where status in ('queued', 'running') order by status desc, id limit $1`,
      [LISTED_RUNS],
    );
    return { count: Number(rows[0]?.total ?? 0), runs: rows.map((r) => ({ id: Number(r.id), type: r.type, status: r.status, worker: r.lease_worker })) };
  }

  /** Closes runs whose updater died, undoing what they left half done (recovery.ts). */
  recoverAbandoned(): Promise<UpdateRunRow[]> {
    return recoverAbandonedRuns(this.#o, this.source);
  }

  /**
   * Starts an update run and returns it once it is under way (its steps go on in the background):
   * refused with the reason when Lookout cannot replace itself, when operation runs are active and
   * no drain was asked for, when there is nothing newer, or while another update runs.
   */
  async execute(input: { requestedBy: string; drain: boolean }): Promise<{ run: UpdateRunRow; check: UpdateCheck }> {
    if (!this.#o.supervisor.available) {
      throw new ConflictError('Lookout runs without its supervisor (LOOKOUT_SUPERVISOR=off, or not started with `lookout serve`), so it cannot start a new version beside this one: update it with your deployment (pull, npm ci, restart).');
    }
    if (!input.drain) {
      const active = await this.activeRuns();
      if (active.count > 0) {
        const listed = active.runs.map((r) => `#${r.id} ${r.type} (${r.status}${r.worker ? ` on ${r.worker}` : ''})`).join(', ');
        throw new ConflictError(
          `${active.count} operation run${active.count === 1 ? ' is' : 's are'} queued or running: ${listed}${active.count > active.runs.length ? ', …' : ''}. Wait for them, or pass drain: true to hand out no new runs, wait for the running ones, then update.`,
          { activeRuns: active.runs.map((r) => r.id) },
        );
      }
    }
    // A crashed update is undone first: the check and the new run then start from the old version's schema.
    await this.recoverAbandoned();
    const check = await this.check();
    if (!check.updateAvailable) throw new ConflictError(`Lookout is up to date: ${check.currentVersion} (${check.currentCommit.slice(0, 12)}) is the latest on ${check.remote}/${check.branch}.`);
    const run = await createRun(this.#o.sql, this.#o.pubsub, {
      fromCommit: check.currentCommit,
      fromVersion: check.currentVersion,
      toCommit: check.latestCommit,
      toVersion: check.latestVersion,
      remote: check.remote,
      branch: check.branch,
      drain: input.drain,
      requestedBy: input.requestedBy,
      replica: `${os.hostname()}:${process.pid}`,
      leaseMs: LEASE_MS,
      now: this.#o.clock.now(),
    });
    this.#running = this.#carryOut(run).finally(() => (this.#running = null));
    return { run, check };
  }

  run(id: number): Promise<UpdateRunRow | null> {
    return getRun(this.#o.sql, id);
  }

  current(): Promise<UpdateRunRow | null> {
    return currentRun(this.#o.sql);
  }

  runs(limit: number): Promise<UpdateRunRow[]> {
    return listRuns(this.#o.sql, limit);
  }

  lines(id: number, afterSeq: number, limit: number) {
    return runLines(this.#o.sql, id, afterSeq, limit);
  }

  /** At shutdown: a run still under way is stopped where it is and rolled back. */
  async stop(): Promise<void> {
    this.#stopping.abort(new Error('Lookout is shutting down'));
    await this.#running?.catch(() => {});
  }

  /** The steps of one run, then its outcome; never throws. */
  async #carryOut(run: UpdateRunRow): Promise<void> {
    const o = this.#o;
    const id = run.id;
    const abort = new AbortController();
    const signal = AbortSignal.any([abort.signal, this.#stopping.signal]);
    let state: RunState = 'running';

    // The output: buffered and written every FLUSH_MS, in order.
    let buffer: { step: string; at: Date; line: string }[] = [];
    let writing: Promise<void> = Promise.resolve();
    /** Lines that came while the buffer was full (a step flooding output between two writes). */
    let dropped = 0;
    const flush = () => {
      const batch = buffer;
      if (dropped) batch.push({ step: batch.at(-1)?.step ?? 'output', at: o.clock.now(), line: `… ${dropped} lines left out: output came faster than it could be stored` });
      dropped = 0;
      buffer = [];
      writing = writing.then(() => appendLines(o.sql, o.pubsub, id, state, batch)).catch((err: unknown) => o.logger.warn({ err, run: id }, 'could not store update output'));
      return writing;
    };
    const flusher = setInterval(() => void flush(), FLUSH_MS);
    const output = (step: UpdateStepName): StepOutput => ({
      line: (text: string) => {
        // Bounded between writes: a step that floods lines costs no more memory than this.
        if (buffer.length >= MAX_BUFFERED_LINES) dropped++;
        else buffer.push({ step, at: o.clock.now(), line: text.length > MAX_LINE_LENGTH ? text.slice(0, MAX_LINE_LENGTH) : text });
      },
      signal,
    });

    // The lease: lost (another replica closed the run as abandoned) stops the run where it is.
    const lease = setInterval(() => {
      renewLease(o.sql, id, new Date(o.clock.now().getTime() + LEASE_MS)).then(
        (held) => held || abort.abort(new Error('the update lost its lease (another replica closed it as abandoned)')),
        (err: unknown) => o.logger.warn({ err, run: id }, 'could not renew the update lease'),
      );
    }, LEASE_MS / 3);

    /** The step under way or last begun: an error outside any step (the hand-over) is told as of it, not as the fetch's. */
    let lastStep: UpdateStepName = 'fetch';
    const step = async <T>(name: UpdateStepName, work: (out: StepOutput) => Promise<{ value: T; detail: string }>): Promise<T> => {
      lastStep = name;
      if (signal.aborted) throw new StepError(name, `stopped before it began: ${(signal.reason as Error)?.message ?? 'Lookout is shutting down'}`);
      await updateStep(o.sql, o.pubsub, id, name, { state: 'running', startedAt: o.clock.now().toISOString() });
      try {
        const { value, detail } = await work(output(name));
        await updateStep(o.sql, o.pubsub, id, name, { state: 'succeeded', finishedAt: o.clock.now().toISOString(), detail });
        return value;
      } catch (error) {
        const message = signal.aborted ? `stopped: ${(signal.reason as Error)?.message ?? 'Lookout is shutting down'}` : (error as Error).message;
        await updateStep(o.sql, o.pubsub, id, name, { state: 'failed', finishedAt: o.clock.now().toISOString(), detail: message.slice(0, 2000) }).catch(() => {});
        throw new StepError(name, message);
      }
    };

    let releaseRoot: string | null = null;
    let replacement: Replacement | null = null;
    let migrationsBefore: string | null = null;
    let applied: string[] = [];
    /** The new version listens: from then on it serves, and nothing is rolled back under it. */
    let switched = false;
    const source = this.source;
    const dbUrl = o.databaseUrl();
    const releaseEnv = { ...process.env, ...(dbUrl && { DATABASE_URL: dbUrl }) };

    try {
      if (run.drain) {
        await step('drain', async (out) => {
          const started = Date.now();
          for (;;) {
            const { rows } = await o.sql.query<{ n: string }>(`select count(*) as n from operation_runs where status = 'running'`);
            const running = Number(rows[0].n);
            if (running === 0) return { value: null, detail: `no operation run running after ${Math.round((Date.now() - started) / 1000)} s; new runs wait until the update ends` };
            if (Date.now() - started > o.settings.drainTimeoutMs) throw new Error(`${running} operation run(s) still running after ${Math.round(o.settings.drainTimeoutMs / 1000)} s (LOOKOUT_UPDATE_DRAIN_TIMEOUT)`);
            out.line(`waiting for ${running} running operation run(s)`);
            await new Promise((resolve) => setTimeout(resolve, 1000));
            if (signal.aborted) throw signal.reason;
          }
        });
      }
      const commit = await step('fetch', async (out) => {
        const latest = await fetchUpdate(source, out);
        // What was checked (a fast-forward, its changelog) is what is deployed: a branch that moved
        // since — pushed to, force-pushed, or answered otherwise by a hostile remote — is refused.
        if (run.toCommit !== null && latest !== run.toCommit) {
          throw new Error(`${source.remote}/${source.branch} moved from ${run.toCommit.slice(0, 12)}, the commit checked, to ${latest.slice(0, 12)} since the check: check for updates again (nothing was changed)`);
        }
        return { value: latest, detail: `${source.remote}/${source.branch} is at ${latest.slice(0, 12)}` };
      });
      releaseRoot = await step('prepare', async (out) => {
        const root = await prepareRelease(source, commit, o.settings.releasesDir, out);
        return { value: root, detail: `${root} at ${commit.slice(0, 12)}` };
      });
      await updateStep(o.sql, o.pubsub, id, 'prepare', {}, { release_root: releaseRoot });
      const root = releaseRoot;
      await step('install', async (out) => {
        await installDependencies(o.root, root, out, { timeoutMs: o.settings.stepTimeoutMs });
        return { value: null, detail: 'dependencies in place' };
      });
      await step('build', async (out) => {
        await buildDashboard(root, out, { timeoutMs: o.settings.stepTimeoutMs });
        return { value: null, detail: 'dashboard built' };
      });
      await step('migrate', async (out) => {
        const before = await appliedMigrationNames(o.sql);
        migrationsBefore = before.at(-1) ?? null;
        await updateStep(o.sql, o.pubsub, id, 'migrate', {}, { migrations_before: migrationsBefore });
        try {
          await runReleaseCli(root, ['migrate'], out, { env: releaseEnv, timeoutMs: o.settings.stepTimeoutMs });
        } finally {
          // What applied is recorded even when the command failed after applying (so a rollback reverts it).
          const after = await appliedMigrationNames(o.sql);
          applied = after.filter((name) => !before.includes(name));
          await updateStep(o.sql, o.pubsub, id, 'migrate', {}, { applied_migrations: applied });
        }
        return { value: null, detail: applied.length ? `applied ${applied.join(', ')}` : 'no new migration' };
      });
      const started = Date.now();
      replacement = await step('start', async (out) => {
        const next = await o.supervisor.startReplacement({ root, readyTimeoutMs: o.settings.readyTimeoutMs, onOutput: (line) => out.line(line) });
        return { value: next, detail: `the new version runs as pid ${next.pid}` };
      });
      const ready = replacement;
      await step('ready', async () => ({ value: null, detail: `pid ${ready.pid} opened the database, loaded the config and reported ready after ${((Date.now() - started) / 1000).toFixed(1)} s` }));
      await step('switch', async () => {
        await ready.listen();
        switched = true;
        return { value: null, detail: `the new version (pid ${ready.pid}) takes new connections` };
      });
      await step('stop-old', async () => ({ value: null, detail: `this version (pid ${process.pid}) takes no new connections, finishes what it is answering and exits` }));
      clearInterval(lease);
      await flush();
      state = 'succeeded';
      await finishRun(o.sql, o.pubsub, id, { state: 'succeeded' }, o.clock.now());
      clearInterval(flusher);
      o.logger.info({ run: id, to: commit }, 'update done: handing over to the new version');
      await o.supervisor.retire();
    } catch (error) {
      const failed = error instanceof StepError ? error : new StepError(lastStep, (error as Error).message);
      if (switched) {
        await this.#failedAfterSwitch(id, failed, output(failed.step), replacement!.pid, { flush, stopFlushing: () => clearInterval(flusher), stopLease: () => clearInterval(lease), setState: (s) => (state = s) });
        return;
      }
      const rollback = output(failed.step);
      const problems: string[] = [];
      if (replacement) {
        rollback.line(`rollback: stopping the new version (pid ${replacement.pid})`);
        await replacement.abandon().catch((e: Error) => problems.push(`the new version could not be stopped: ${e.message}`));
      }
      if (applied.length && releaseRoot) {
        rollback.line(`rollback: reverting ${applied.join(', ')}`);
        const revert = { line: rollback.line, signal: AbortSignal.timeout(o.settings.stepTimeoutMs) };
        const args = migrationsBefore ? ['migrate', '--down-to', migrationsBefore] : ['migrate', '--down-to', '0'];
        await runReleaseCli(releaseRoot, args, revert, { env: releaseEnv, timeoutMs: o.settings.stepTimeoutMs }).catch((e: Error) =>
          problems.push(`the migrations it applied (${applied.join(', ')}) could not be reverted: ${e.message}`),
        );
      }
      if (releaseRoot) {
        rollback.line(`rollback: removing ${releaseRoot}`);
        await removeRelease(source, releaseRoot).catch((e: Error) => problems.push(`${releaseRoot} could not be removed: ${e.message}`));
      }
      rollback.line(problems.length ? `rollback incomplete: ${problems.join('; ')}` : 'rollback done: the old version serves, at its old schema and commit');
      clearInterval(lease);
      await flush();
      state = 'failed';
      clearInterval(flusher);
      const message = `${failed.message}${problems.length ? ` (rollback incomplete: ${problems.join('; ')})` : ''}`;
      await finishRun(o.sql, o.pubsub, id, { state: 'failed', failedStep: failed.step, error: message }, o.clock.now()).catch((err: unknown) => o.logger.error({ err, run: id }, 'could not record the failed update'));
      o.logger.warn({ run: id, step: failed.step, reason: failed.message }, 'update failed; the running version stays');
    } finally {
      clearInterval(lease);
      clearInterval(flusher);
    }
  }

  /**
   * A failure once the new version listens (this worker told to stop, the lease lost, the run's
   * record not written): the new version serves from its directory on its schema, so nothing is
   * rolled back under it. The run says so, and this worker still retires (the primary then records
   * the new version as the current release).
   */
  async #failedAfterSwitch(
    id: number,
    failed: StepError,
    out: StepOutput,
    pid: number,
    run: { flush: () => Promise<void>; stopFlushing: () => void; stopLease: () => void; setState: (state: RunState) => void },
  ): Promise<void> {
    const o = this.#o;
    out.line(`the new version (pid ${pid}) already serves: nothing is rolled back; this version retires`);
    run.stopLease();
    await run.flush();
    run.setState('failed');
    run.stopFlushing();
    const message = `${failed.message} (after the switch: the new version, pid ${pid}, serves; nothing was rolled back)`;
    await finishRun(o.sql, o.pubsub, id, { state: 'failed', failedStep: failed.step, error: message }, o.clock.now()).catch((err: unknown) => o.logger.error({ err, run: id }, 'could not record the failed update'));
    o.logger.warn({ run: id, step: failed.step, reason: failed.message, successor: pid }, 'update failed after the switch; the new version serves');
    await o.supervisor.retire().catch((err: unknown) => o.logger.error({ err, run: id }, 'could not retire this worker after the switch'));
  }
}

/** The migrations the database has applied, in order. */
async function appliedMigrationNames(sql: pg.Pool): Promise<string[]> {
  const { rows } = await sql.query<{ name: string }>(`select name from lookout_migrations order by id`);
  return rows.map((r) => r.name.replace(/\.(ts|js)$/, ''));
}
