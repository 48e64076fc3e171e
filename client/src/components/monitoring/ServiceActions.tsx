/**
 * The operator's actions on one service: check now, diagnose step by step, pause or resume; and for
 * admins the quick actions its config entry names (PRD-080): Restart, after a confirmation, and
 * Logs. Shown only to roles with platform.operations.manage (the page decides; `quickActions` is
 * null for all but admins); the server checks again.
 */
import { Show, createSignal } from 'solid-js';
import { ConfirmDialog } from '../ConfirmDialog.tsx';
import { graphql } from '../../graphql';
import { client } from '../../lib/urql.ts';
import { formError, type FormError } from '../../lib/errors.ts';
import type { CheckRunView } from './CheckRunResult.tsx';

graphql(`
  fragment CheckRunFields on CheckRun {
    checkedAt
    status
    latencyMs
    error
    steps {
      name
      ok
      durationMs
      detail
    }
  }
`);

const RecheckMutation = graphql(`
  mutation RecheckService($name: String!) {
    recheckService(name: $name) {
      ...CheckRunFields
    }
  }
`);

const DiagnoseMutation = graphql(`
  mutation DiagnoseService($name: String!) {
    diagnoseService(name: $name) {
      ...CheckRunFields
    }
  }
`);

const PauseMutation = graphql(`
  mutation PauseService($name: String!) {
    pauseService(name: $name) {
      name
      paused
    }
  }
`);

const ResumeMutation = graphql(`
  mutation ResumeService($name: String!) {
    resumeService(name: $name) {
      name
      paused
    }
  }
`);

const RestartServiceMutation = graphql(`
  mutation RestartService($name: String!) {
    restartService(name: $name, confirm: true) {
      ok
      error
      durationMs
    }
  }
`);

type Busy = 'recheck' | 'diagnose' | 'pause' | 'restart' | null;

/** What the service's config entry offers (null: not an admin). */
export interface QuickActions {
  restart: string | null;
  restartTarget: string | null;
  logs: string | null;
}

const RESTART_WHAT: Record<string, string> = { runtime: 'restarts the runtime', command: 'runs the restart command', http: 'calls the restart URL' };

export function ServiceActions(props: {
  name: string;
  paused: boolean;
  onRun: (kind: 'recheck' | 'diagnose', run: CheckRunView) => void;
  onPausedChanged: (paused: boolean) => void;
  quickActions?: QuickActions | null;
  logsOpen?: boolean;
  onToggleLogs?: () => void;
}) {
  const [busy, setBusy] = createSignal<Busy>(null);
  const [error, setError] = createSignal<FormError | null>(null);
  const [asking, setAsking] = createSignal(false);
  const [restarted, setRestarted] = createSignal<string | null>(null);

  const restart = async () => {
    setAsking(false);
    setBusy('restart');
    setError(null);
    setRestarted(null);
    const result = await client.mutation(RestartServiceMutation, { name: props.name }).toPromise();
    setBusy(null);
    const outcome = result.data?.restartService;
    if (outcome && !outcome.ok) setError({ message: `The restart failed: ${outcome.error ?? 'no reason given'}` });
    else setError(formError(result.error));
    if (outcome?.ok) setRestarted(`Restarted in ${(outcome.durationMs / 1000).toFixed(1)} s`);
  };

  const run = async (kind: 'recheck' | 'diagnose') => {
    setBusy(kind);
    setError(null);
    const variables = { name: props.name };
    const result =
      kind === 'recheck'
        ? await client.mutation(RecheckMutation, variables).toPromise().then((r) => ({ error: r.error, run: r.data?.recheckService }))
        : await client.mutation(DiagnoseMutation, variables).toPromise().then((r) => ({ error: r.error, run: r.data?.diagnoseService }));
    setBusy(null);
    setError(formError(result.error));
    if (result.run) props.onRun(kind, result.run);
  };

  const togglePause = async () => {
    setBusy('pause');
    setError(null);
    const variables = { name: props.name };
    const result = props.paused
      ? await client.mutation(ResumeMutation, variables).toPromise().then((r) => ({ error: r.error, service: r.data?.resumeService }))
      : await client.mutation(PauseMutation, variables).toPromise().then((r) => ({ error: r.error, service: r.data?.pauseService }));
    setBusy(null);
    setError(formError(result.error));
    if (result.service) props.onPausedChanged(result.service.paused);
  };

  return (
    <div class="service-actions">
      <div class="service-actions__buttons">
        <button type="button" class="button button--primary" disabled={!!busy()} onClick={() => void run('recheck')} data-testid="service-recheck" title="Check it now and record the result">
          {busy() === 'recheck' ? 'Checking…' : 'Recheck'}
        </button>
        <button type="button" class="button" disabled={!!busy()} onClick={() => void run('diagnose')} data-testid="service-diagnose" title="An extended check, step by step; not recorded">
          {busy() === 'diagnose' ? 'Diagnosing…' : 'Diagnose'}
        </button>
        <button type="button" class="button button--quiet" disabled={!!busy()} onClick={() => void togglePause()} data-testid={props.paused ? 'service-resume' : 'service-pause'}>
          {busy() === 'pause' ? '…' : props.paused ? 'Resume' : 'Pause'}
        </button>
        <Show when={props.quickActions?.logs}>
          <button type="button" class="button button--quiet" aria-pressed={props.logsOpen ? 'true' : 'false'} onClick={() => props.onToggleLogs?.()} data-testid="service-logs-toggle">
            {props.logsOpen ? 'Hide logs' : 'Logs'}
          </button>
        </Show>
        <Show when={props.quickActions?.restart}>
          <button type="button" class="button button--danger" disabled={!!busy()} onClick={() => setAsking(true)} data-testid="service-restart">
            {busy() === 'restart' ? 'Restarting…' : 'Restart'}
          </button>
        </Show>
      </div>
      <Show when={asking() && props.quickActions}>
        {(actions) => (
          <ConfirmDialog title={`Restart ${props.name}?`} confirmLabel={`Restart ${props.name}`} testid="service-restart" onConfirm={() => void restart()} onClose={() => setAsking(false)}>
            <p>
              This {RESTART_WHAT[actions().restart ?? ''] ?? 'runs its restart action'}
              <Show when={actions().restartTarget}>{(target) => <> (<span class="mono">{target()}</span>)</>}</Show> named in its config entry; its work is
              interrupted while it restarts. The answer comes once the restart is done or has failed, and the restart is audited.
            </p>
          </ConfirmDialog>
        )}
      </Show>
      <Show when={restarted()}>
        <span class="muted" role="status" data-testid="service-restart-done">
          {restarted()}
        </span>
      </Show>
      <Show when={error()}>
        <span class="field__error" role="alert" data-testid="service-action-error">
          {error()!.message}
        </span>
      </Show>
    </div>
  );
}
