/**
 * Updates as the System → Updates page holds them: the last check (asked for by the admin; it
 * fetches the remote), the history of update runs, and the run on show kept live by
 * `updateProgress` (its steps replaced, its output appended in order, each line once). After a
 * reconnect (the update itself replaces the server) the run and the history are read again.
 */
import { createSignal, onCleanup } from 'solid-js';
import { graphql } from '../graphql';
import type { UpdateCheckFieldsFragment, UpdateRunFieldsFragment } from '../graphql/graphql.ts';
import { client } from './urql.ts';
import { onReconnected } from './connection.ts';
import { formError, type FormError } from './errors.ts';

graphql(`
  fragment UpdateRunFields on UpdateRun {
    id
    state
    fromVersion
    fromCommit
    toVersion
    toCommit
    remote
    branch
    drain
    requestedBy
    replica
    startedAt
    finishedAt
    failedStep
    error
    appliedMigrations
    steps {
      name
      label
      state
      startedAt
      finishedAt
      detail
    }
  }
`);

graphql(`
  fragment UpdateCheckFields on UpdateCheck {
    currentVersion
    currentCommit
    latestVersion
    latestCommit
    updateAvailable
    changelogTruncated
    remote
    remoteUrl
    branch
    checkedAt
    canUpdate
    activeRuns
    commits {
      commit
      subject
      author
      at
    }
  }
`);

const UpdateCheckDoc = graphql(`
  query UpdateCheck {
    updateCheck {
      ...UpdateCheckFields
    }
  }
`);

const UpdateRunsDoc = graphql(`
  query UpdateRuns {
    updateRuns(first: 20) {
      ...UpdateRunFields
    }
  }
`);

const UpdateRunDoc = graphql(`
  query UpdateRun($id: Int!, $after: Int!) {
    updateRun(id: $id) {
      ...UpdateRunFields
      lines(after: $after) {
        seq
        step
        line
      }
    }
  }
`);

/** Lines a page of `lines` holds (the server's default for `first`). */
const LINES_PAGE = 1000;

const UpdateProgressDoc = graphql(`
  subscription UpdateProgress($runId: Int) {
    updateProgress(runId: $runId) {
      run {
        ...UpdateRunFields
      }
      lines {
        seq
        step
        line
      }
    }
  }
`);

const ExecuteUpdateDoc = graphql(`
  mutation ExecuteUpdate($drain: Boolean!) {
    executeUpdate(confirm: true, drain: $drain) {
      success
      message
      run {
        ...UpdateRunFields
      }
    }
  }
`);

export type UpdateCheck = UpdateCheckFieldsFragment;
export type UpdateRun = UpdateRunFieldsFragment;
export interface RunLine {
  seq: number;
  step: string;
  line: string;
}

/** Lines the page keeps for the run on show. */
const KEPT_LINES = 5000;

export function createUpdates() {
  const [check, setCheck] = createSignal<UpdateCheck | null>(null);
  const [checking, setChecking] = createSignal(false);
  const [checkError, setCheckError] = createSignal<FormError | null>(null);
  const [runs, setRuns] = createSignal<UpdateRun[]>([]);
  const [shown, setShown] = createSignal<UpdateRun | null>(null);
  const [lines, setLines] = createSignal<RunLine[]>([]);
  const [error, setError] = createSignal<FormError | null>(null);
  let lastSeq = 0;

  const appendLines = (incoming: readonly RunLine[]) => {
    const fresh = incoming.filter((l) => l.seq > lastSeq);
    if (!fresh.length) return;
    lastSeq = fresh.at(-1)!.seq;
    setLines((held) => {
      const next = held.concat(fresh);
      return next.length > KEPT_LINES ? next.slice(next.length - KEPT_LINES) : next;
    });
  };

  const applyRun = (run: UpdateRun) => {
    // The check was of the version before: ask again for the new one.
    if (run.state === 'SUCCEEDED' && check() && check()!.currentCommit !== run.toCommit) setCheck(null);
    setRuns((list) => (list.some((r) => r.id === run.id) ? list.map((r) => (r.id === run.id ? run : r)) : [run, ...list]));
    if (shown()?.id === run.id) setShown(run);
  };

  const loadRuns = async () => {
    const result = await client.query(UpdateRunsDoc, {}, { requestPolicy: 'network-only' }).toPromise();
    if (result.data) setRuns(result.data.updateRuns);
    setError(formError(result.error));
    // Show the running one, else keep what is shown, else the latest.
    const list = result.data?.updateRuns ?? [];
    const pick = list.find((r) => r.state === 'RUNNING') ?? (shown() ? list.find((r) => r.id === shown()!.id) : list[0]);
    if (pick) await show(pick.id);
  };

  /** Shows run `id` with its stored output (then live lines follow). */
  const show = async (id: number) => {
    if (shown()?.id !== id) {
      lastSeq = 0;
      setLines([]);
    }
    // Its stored lines after those held, a page at a time.
    for (;;) {
      const result = await client.query(UpdateRunDoc, { id, after: lastSeq }, { requestPolicy: 'network-only' }).toPromise();
      setError(formError(result.error));
      const run = result.data?.updateRun;
      if (!run) return;
      const { lines: stored, ...rest } = run;
      setShown(rest);
      appendLines(stored);
      if (stored.length < LINES_PAGE) return;
    }
  };

  const progress = client.subscription(UpdateProgressDoc, { runId: null }).subscribe((result) => {
    const event = result.data?.updateProgress;
    if (!event) return;
    applyRun(event.run);
    if (shown()?.id === event.run.id) {
      // A gap (lines this page missed) is read from the store; otherwise the new lines are appended.
      if (event.lines.length && event.lines[0].seq > lastSeq + 1) void show(event.run.id);
      else appendLines(event.lines);
    } else if (event.run.state === 'RUNNING' && shown()?.state !== 'RUNNING') void show(event.run.id);
  });
  onCleanup(() => progress.unsubscribe());
  void loadRuns();
  onReconnected(() => void loadRuns());

  const runCheck = async () => {
    setChecking(true);
    const result = await client.query(UpdateCheckDoc, {}, { requestPolicy: 'network-only' }).toPromise();
    setChecking(false);
    setCheckError(formError(result.error));
    if (result.data) setCheck(result.data.updateCheck);
  };

  const execute = async (drain: boolean): Promise<FormError | null> => {
    const result = await client.mutation(ExecuteUpdateDoc, { drain }).toPromise();
    const started = result.data?.executeUpdate;
    if (started) {
      applyRun(started.run);
      await show(started.run.id);
    }
    return formError(result.error);
  };

  return { check, checking, checkError, runCheck, runs, shown, lines, show, execute, error };
}
