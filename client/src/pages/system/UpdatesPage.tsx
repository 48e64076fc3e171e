/**
 * System → Updates (admins): check the configured remote for a newer version and read its
 * changelog; update with a confirmation that lists the steps (and drains first when operation runs
 * are active); follow each step and its output live; the outcome, and past updates.
 */
import { For, Show, createEffect, createSignal, on } from 'solid-js';
import { PageHeader } from '../../components/PageHeader.tsx';
import { Tabs } from '../../components/Tabs.tsx';
import { Badge, type Tone } from '../../components/Badge.tsx';
import { FormErrorMessage } from '../../components/Forms.tsx';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { SYSTEM_TABS } from '../../navigation.ts';
import { createUpdates, type UpdateRun } from '../../lib/updates.ts';
import type { FormError } from '../../lib/errors.ts';
import { formatDateTime, formatDuration } from '../../lib/format.ts';

const STEP_TONE: Record<string, Tone> = { PENDING: 'neutral', RUNNING: 'info', SUCCEEDED: 'ok', FAILED: 'bad', SKIPPED: 'neutral' };
const RUN_TONE: Record<string, Tone> = { RUNNING: 'info', SUCCEEDED: 'ok', FAILED: 'bad', ABANDONED: 'warn' };
/** The steps an update takes, for the confirmation (the run lists them again once created). */
const STEPS = [
  'Fetch the new version',
  'Prepare it beside the running one (its own directory)',
  'Install dependencies',
  'Build the dashboard',
  'Apply database migrations',
  'Start the new version',
  'Wait until it is ready',
  'Switch traffic to it',
  'Stop the old version',
];

const short = (commit: string | null | undefined) => commit?.slice(0, 12) ?? '—';
const took = (run: UpdateRun) => (run.finishedAt ? formatDuration(Date.parse(run.finishedAt) - Date.parse(run.startedAt)) : 'running');

export function UpdatesPage() {
  const updates = createUpdates();
  const [asking, setAsking] = createSignal(false);
  const [drain, setDrain] = createSignal(false);
  const [executeError, setExecuteError] = createSignal<FormError | null>(null);
  const [busy, setBusy] = createSignal(false);
  const running = () => updates.runs().some((r) => r.state === 'RUNNING');

  const execute = async () => {
    setAsking(false);
    setBusy(true);
    setExecuteError(await updates.execute(drain()));
    setBusy(false);
  };

  return (
    <>
      <PageHeader title="System" description="Lookout's version, and updating it from git with no downtime." />
      <Tabs label="System" tabs={SYSTEM_TABS} />

      <section class="card" data-testid="update-check-card">
        <div class="chart-head">
          <h2>Version</h2>
          <button type="button" class="button" disabled={updates.checking()} onClick={() => void updates.runCheck()} data-testid="update-check">
            {updates.checking() ? 'Checking…' : 'Check for updates'}
          </button>
        </div>
        <FormErrorMessage error={updates.checkError()} testid="update-check-error" />
        <Show when={updates.check()} fallback={<p class="muted">Check to compare the running version with the latest on the configured remote and branch (it fetches from the remote).</p>}>
          {(check) => (
            <>
              <dl class="facts">
                <dt>Running</dt>
                <dd data-testid="update-current">
                  {check().currentVersion} <span class="mono muted">{short(check().currentCommit)}</span>
                </dd>
                <dt>Latest</dt>
                <dd data-testid="update-latest">
                  {check().latestVersion ?? '—'} <span class="mono muted">{short(check().latestCommit)}</span> <span class="muted">on {check().remote}/{check().branch}</span>
                </dd>
                <dt>Checked</dt>
                <dd>{formatDateTime(check().checkedAt)}</dd>
              </dl>
              <p data-testid="update-available" data-available={check().updateAvailable ? 'true' : 'false'}>
                <Show when={check().updateAvailable} fallback={<Badge tone="ok">Up to date</Badge>}>
                  <Badge tone="info">Update available</Badge> {check().commits.length}
                  {check().changelogTruncated ? '+' : ''} new commit{check().commits.length === 1 ? '' : 's'}
                </Show>
              </p>
              <Show when={check().commits.length}>
                <ol class="changelog" data-testid="update-changelog">
                  <For each={check().commits}>
                    {(c) => (
                      <li>
                        <span class="mono muted">{short(c.commit)}</span> {c.subject} <span class="muted">— {c.author}</span>
                      </li>
                    )}
                  </For>
                </ol>
              </Show>
              <Show when={check().updateAvailable}>
                <Show
                  when={check().canUpdate}
                  fallback={<p class="muted" data-testid="update-unsupervised">This Lookout runs without its supervisor (LOOKOUT_SUPERVISOR=off), so it cannot start a new version beside itself: update it with your deployment.</p>}
                >
                  <Show when={check().activeRuns > 0}>
                    <p class="muted" data-testid="update-active-runs">
                      {check().activeRuns} operation run{check().activeRuns === 1 ? ' is' : 's are'} queued or running: the update drains first (new runs wait; running ones finish).
                    </p>
                  </Show>
                  <p>
                    <button
                      type="button"
                      class="button button--primary"
                      disabled={busy() || running()}
                      onClick={() => {
                        setDrain(check().activeRuns > 0);
                        setAsking(true);
                      }}
                      data-testid="update-execute"
                    >
                      {running() ? 'An update is running' : `Update to ${check().latestVersion ?? short(check().latestCommit)}`}
                    </button>
                  </p>
                </Show>
              </Show>
              <FormErrorMessage error={executeError()} testid="update-execute-error" />
              <Show when={asking()}>
                <ConfirmDialog
                  title={`Update Lookout to ${check().latestVersion ?? short(check().latestCommit)}?`}
                  confirmLabel="Update now"
                  testid="update"
                  onConfirm={() => void execute()}
                  onClose={() => setAsking(false)}
                >
                  <p>Lookout keeps serving throughout. If any step fails, the running version stays, at its schema and commit. The steps:</p>
                  <ol>
                    <Show when={drain()}>
                      <li>Drain: hand out no new operation runs, wait for the running ones</li>
                    </Show>
                    <For each={STEPS}>{(s) => <li>{s}</li>}</For>
                  </ol>
                  <label class="update-drain">
                    <input type="checkbox" checked={drain()} onChange={(e) => setDrain(e.currentTarget.checked)} data-testid="update-drain" /> Drain operation runs first
                  </label>
                </ConfirmDialog>
              </Show>
            </>
          )}
        </Show>
      </section>

      <Show when={updates.shown()}>{(run) => <RunCard run={run()} lines={updates.lines()} />}</Show>

      <section class="card card--flush" data-testid="update-history">
        <div class="card__head">
          <h2>Past updates</h2>
        </div>
        <FormErrorMessage error={updates.error()} />
        <Show when={updates.runs().length} fallback={<p class="muted alert-list__empty">No update yet.</p>}>
          <div class="runtime-matrix__scroll">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">From → to</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">By</th>
                  <th scope="col">Started</th>
                  <th scope="col">Took</th>
                </tr>
              </thead>
              <tbody>
                <For each={updates.runs()}>
                  {(run) => (
                    <tr data-testid="update-history-row" data-run={run.id} data-state={run.state}>
                      <td>
                        <button type="button" class="button button--quiet button--small" onClick={() => void updates.show(run.id)} aria-label={`Show update ${run.id}`}>
                          #{run.id}
                        </button>
                      </td>
                      <td>
                        {run.fromVersion} → {run.toVersion ?? short(run.toCommit)}
                      </td>
                      <td>
                        <Badge tone={RUN_TONE[run.state] ?? 'neutral'}>{run.state.toLowerCase()}</Badge>
                        <Show when={run.failedStep}> at {run.failedStep}</Show>
                      </td>
                      <td>{run.requestedBy}</td>
                      <td>{formatDateTime(run.startedAt)}</td>
                      <td>{took(run)}</td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </div>
        </Show>
      </section>
    </>
  );
}

function RunCard(props: { run: UpdateRun; lines: { seq: number; step: string; line: string }[] }) {
  let box!: HTMLPreElement;
  // Follows the output while the reader is at its bottom (as they were before the new lines came).
  let following = true;
  createEffect(
    on(
      () => props.lines.length,
      () => {
        if (box && following) queueMicrotask(() => (box.scrollTop = box.scrollHeight));
      },
    ),
  );
  const onScroll = () => (following = box.scrollHeight - box.scrollTop - box.clientHeight < 40);
  return (
    <section class="card" data-testid="update-run" data-run={props.run.id} data-state={props.run.state}>
      <div class="chart-head">
        <h2>
          Update #{props.run.id}: {props.run.fromVersion} → {props.run.toVersion ?? short(props.run.toCommit)}
        </h2>
        <Badge tone={RUN_TONE[props.run.state] ?? 'neutral'} testid="update-run-state">
          {props.run.state.toLowerCase()}
        </Badge>
      </div>
      <p class="muted">
        Asked by {props.run.requestedBy} at {formatDateTime(props.run.startedAt)} on {props.run.replica}
        {props.run.drain ? ', draining first' : ''}.
      </p>
      <Show when={props.run.state === 'FAILED' || props.run.state === 'ABANDONED'}>
        <p class="form-error" role="alert" data-testid="update-run-error">
          {props.run.failedStep ? `Failed at ${props.run.failedStep}: ` : ''}
          {props.run.error}
        </p>
      </Show>
      <Show when={props.run.state === 'SUCCEEDED'}>
        <p data-testid="update-run-done">
          Lookout now runs {props.run.toVersion ?? short(props.run.toCommit)}. <a href="/system/updates">Reload</a> to use its dashboard.
        </p>
      </Show>
      <ol class="update-steps" data-testid="update-steps">
        <For each={props.run.steps}>
          {(step) => (
            <li class="update-step" data-testid="update-step" data-step={step.name} data-state={step.state}>
              <Badge tone={STEP_TONE[step.state] ?? 'neutral'}>{step.state.toLowerCase()}</Badge> <span>{step.label}</span>
              <Show when={step.detail}>
                <span class="muted update-step__detail"> — {step.detail}</span>
              </Show>
            </li>
          )}
        </For>
      </ol>
      <pre ref={box} class="log-viewer" tabindex="0" role="log" aria-label={`Output of update ${props.run.id}`} data-testid="update-output" onScroll={onScroll}>
        <For each={props.lines}>{(l) => <span class="log-viewer__line" data-step={l.step}>{l.line}</span>}</For>
      </pre>
    </section>
  );
}
