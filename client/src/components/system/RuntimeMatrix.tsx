/**
 * The runtime matrix: each runtime of the config file with its state, pid, version, start,
 * restarts and last exit or error, live from `runtimeChanged`; admins restart one from here
 * (confirmed in a dialog) and read the outcome under the table.
 */
import { createSignal, For, Show } from 'solid-js';
import { Capability } from '../../../../server/auth/capabilities.ts';
import { Badge, type Tone } from '../Badge.tsx';
import { client } from '../../lib/urql.ts';
import { can } from '../../lib/session.ts';
import { formError } from '../../lib/errors.ts';
import { formatDateTime, formatDuration } from '../../lib/format.ts';
import { RestartRuntimeDoc, type Runtime, type createRuntimeStatus } from '../../lib/runtimes.ts';
import { RuntimeRestartDialog } from './RuntimeRestartDialog.tsx';

const STATE_TONES: Record<string, Tone> = { RUNNING: 'ok', STARTING: 'info', RESTARTING: 'warn', STOPPED: 'neutral', CRASHED: 'bad', UNKNOWN: 'neutral' };

/** "exit 1", "SIGTERM", with when; or the last error; or "—". */
function lastExit(runtime: Runtime): string {
  const parts: string[] = [];
  if (runtime.lastExit) {
    const how = runtime.lastExit.signal ?? (runtime.lastExit.code === null ? 'exited' : `exit ${runtime.lastExit.code}`);
    parts.push(`${how} at ${formatDateTime(runtime.lastExit.at)}`);
  }
  if (runtime.lastError) parts.push(runtime.lastError);
  return parts.join(' · ') || '—';
}

interface Outcome {
  name: string;
  ok: boolean;
  message: string;
}

export function RuntimeMatrix(props: { status: ReturnType<typeof createRuntimeStatus> }) {
  const [asking, setAsking] = createSignal<Runtime | null>(null);
  const [busy, setBusy] = createSignal<Record<string, boolean>>({});
  const [outcome, setOutcome] = createSignal<Outcome | null>(null);
  let opener: HTMLButtonElement | undefined;

  const close = () => {
    setAsking(null);
    opener?.focus();
  };

  const restart = async (runtime: Runtime) => {
    close();
    setOutcome(null);
    setBusy((b) => ({ ...b, [runtime.name]: true }));
    const result = await client.mutation(RestartRuntimeDoc, { name: runtime.name }).toPromise();
    setBusy(({ [runtime.name]: _done, ...rest }) => rest);
    const answer = result.data?.restartRuntime;
    if (answer) {
      props.status.apply(answer.runtime);
      setOutcome({
        name: runtime.name,
        ok: answer.ok,
        message: answer.ok ? `${runtime.name} restarted in ${formatDuration(answer.durationMs)}.` : `${runtime.name} did not restart: ${answer.error ?? 'no reason given'}.`,
      });
    } else {
      setOutcome({ name: runtime.name, ok: false, message: `${runtime.name} was not restarted: ${formError(result.error)?.message ?? 'no answer'}` });
    }
  };

  const admin = () => can(Capability.SystemAdmin);

  return (
    <section class="card card--flush" data-testid="runtime-matrix">
      <div class="card__head">
        <h2>Runtimes</h2>
        <span class="muted">from the config file’s runtimes:</span>
      </div>
      <Show when={props.status.error()}>
        <p class="form-error" role="alert">
          {props.status.error()}
        </p>
      </Show>
      <Show when={props.status.runtimes()} fallback={<p class="muted runtime-matrix__note">Reading the runtimes…</p>}>
        {(list) => (
          <Show when={list().length > 0} fallback={<p class="muted runtime-matrix__note" data-testid="runtime-none">No runtimes are declared (the config file’s <code>runtimes:</code>).</p>}>
            <div class="runtime-matrix__scroll">
              <table class="table table--compact runtime-matrix">
                <thead>
                  <tr>
                    <th>Runtime</th>
                    <th>State</th>
                    <th>PID</th>
                    <th>Version</th>
                    <th>Started</th>
                    <th>Restarts</th>
                    <th>Last exit / error</th>
                    <Show when={admin()}>
                      <th class="table__actions">
                        <span class="visually-hidden">Actions</span>
                      </th>
                    </Show>
                  </tr>
                </thead>
                <tbody>
                  <For each={list()}>
                    {(runtime) => (
                      <tr data-testid="runtime-row" data-runtime={runtime.name} data-state={runtime.state}>
                        <td>
                          <strong>{runtime.name}</strong>
                          <div class="muted">{runtime.kind}</div>
                        </td>
                        <td>
                          <Badge tone={STATE_TONES[runtime.state] ?? 'neutral'} testid="runtime-state">
                            {runtime.state.toLowerCase()}
                          </Badge>
                        </td>
                        <td class="mono">{runtime.pid ?? '—'}</td>
                        <td class="mono runtime-matrix__wrap">{[runtime.version, runtime.commit?.slice(0, 8)].filter(Boolean).join(' · ') || '—'}</td>
                        <td title={runtime.startedAt ?? undefined}>{formatDateTime(runtime.startedAt)}</td>
                        <td data-testid="runtime-restarts">{runtime.restarts}</td>
                        <td class="runtime-matrix__wrap" data-testid="runtime-last-exit">
                          {lastExit(runtime)}
                          <Show when={runtime.nextRestartAt}>
                            <div class="muted">next start {formatDateTime(runtime.nextRestartAt)}</div>
                          </Show>
                        </td>
                        <Show when={admin()}>
                          <td class="table__actions">
                            <button
                              type="button"
                              class="button button--danger-quiet button--small"
                              data-testid="runtime-restart"
                              disabled={busy()[runtime.name] || runtime.state === 'RESTARTING'}
                              onClick={(event) => {
                                opener = event.currentTarget;
                                setAsking(runtime);
                              }}
                            >
                              {busy()[runtime.name] ? 'Restarting…' : 'Restart'}
                            </button>
                          </td>
                        </Show>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        )}
      </Show>
      <Show when={outcome()}>
        {(o) => (
          <p class={`runtime-matrix__note ${o().ok ? '' : 'form-error'}`} role="status" data-testid="runtime-restart-outcome" data-ok={o().ok ? 'true' : 'false'}>
            {o().message}
          </p>
        )}
      </Show>
      <Show when={asking()}>{(runtime) => <RuntimeRestartDialog runtime={runtime()} onConfirm={() => void restart(runtime())} onClose={close} />}</Show>
    </section>
  );
}
