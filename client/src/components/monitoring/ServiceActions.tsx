/**
 * The operator's actions on one service: check now, diagnose step by step, pause or resume. Shown
 * only to roles with platform.operations.manage (the page decides); the server checks again.
 */
import { Show, createSignal } from 'solid-js';
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

type Busy = 'recheck' | 'diagnose' | 'pause' | null;

export function ServiceActions(props: {
  name: string;
  paused: boolean;
  onRun: (kind: 'recheck' | 'diagnose', run: CheckRunView) => void;
  onPausedChanged: (paused: boolean) => void;
}) {
  const [busy, setBusy] = createSignal<Busy>(null);
  const [error, setError] = createSignal<FormError | null>(null);

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
      </div>
      <Show when={error()}>
        <span class="field__error" role="alert" data-testid="service-action-error">
          {error()!.message}
        </span>
      </Show>
    </div>
  );
}
