/**
 * The operator's actions on one operation, in its page header only: Retry (asks first, saying which
 * attempt the retry will be; once done the button stays disabled and links to the new run: a run is
 * retried once, and the server refuses a second), Cancel (asks first, then sends confirm: true) and Mark investigated (a reason of 5–500
 * characters, checked here before anything is sent). Shown only to platform.operations.manage;
 * the server checks again and answers a wrong state with CONFLICT, which is shown as it says it.
 */
import { Match, Show, Switch, createSignal, type JSX } from 'solid-js';
import { A } from '@solidjs/router';
import { graphql } from '../../graphql';
import { client } from '../../lib/urql.ts';
import { formError, type FormError } from '../../lib/errors.ts';
import { runHref } from '../../lib/operations.ts';
import { REASON_MAX, REASON_MIN, reasonProblem } from '../../lib/reason-rules.ts';
import type { RunDetail } from '../../lib/run-detail.ts';
import { Field, FormErrorMessage, fieldError } from '../Forms.tsx';

const RetryDoc = graphql(`
  mutation RetryOperationRun($id: ID!) {
    retryOperationRun(id: $id) {
      id
    }
  }
`);

const CancelDoc = graphql(`
  mutation CancelOperationRun($id: ID!) {
    cancelOperationRun(id: $id, confirm: true) {
      ...RunDetailFields
    }
  }
`);

const MarkInvestigatedDoc = graphql(`
  mutation MarkOperationRunInvestigated($id: ID!, $reason: String!) {
    markOperationRunInvestigated(id: $id, reason: $reason) {
      ...RunDetailFields
    }
  }
`);

/** Why an action does not apply to the run as it is now, or null when it does (retry: the server's own reason). */
export function retryBlocked(run: RunDetail): string | null {
  return run.retryRefusal ?? null;
}

export function cancelBlocked(run: RunDetail): string | null {
  if (run.status === 'COMPLETED') return 'Only a queued or running operation can be cancelled.';
  return run.policy.cancelable ? null : `Operations of type “${run.policy.label}” cannot be cancelled.`;
}

export function investigateBlocked(run: RunDetail): string | null {
  const failed = run.status === 'COMPLETED' && run.outcome === 'FAILED';
  return failed || run.stuckClass ? null : 'Only a failed or stuck operation can be marked investigated.';
}

type Panel = 'retry' | 'cancel' | 'investigate' | null;

/** A panel's first control takes the focus when it opens, so the keyboard carries on there. */
const focusSoon = (el: HTMLElement) => queueMicrotask(() => el.focus());
type Busy = 'retry' | 'cancel' | 'investigate' | null;

export function RunActions(props: { run: RunDetail; onChanged: (run: RunDetail) => void; /** Links shown before the buttons, on the same row. */ leading?: JSX.Element }) {
  const [panel, setPanel] = createSignal<Panel>(null);
  const [busy, setBusy] = createSignal<Busy>(null);
  const [error, setError] = createSignal<FormError | null>(null);
  const [reason, setReason] = createSignal('');

  const open = (next: Panel) => {
    setError(null);
    setPanel(panel() === next ? null : next);
  };

  /** The buttons that open each panel: closing a panel gives the focus back to its button. */
  const openers: Partial<Record<Exclude<Panel, null>, HTMLButtonElement>> = {};
  const close = () => {
    const was = panel();
    setPanel(null);
    const opener = was ? openers[was] : undefined;
    if (opener && !opener.disabled) opener.focus();
  };

  const closeOnEscape = (event: KeyboardEvent) => {
    if (event.key === 'Escape') close();
  };

  const retry = async () => {
    setError(null);
    setBusy('retry');
    const result = await client.mutation(RetryDoc, { id: props.run.id }).toPromise();
    setBusy(null);
    setPanel(null);
    const retried = result.data?.retryOperationRun;
    // The run's own event brings retriedById and the lineage; shown at once here all the same.
    if (retried) props.onChanged({ ...props.run, retriedById: retried.id, retryRefusal: `${props.run.title} was already retried as Operation #${retried.id}.` });
    else setError(formError(result.error));
  };

  const cancel = async () => {
    setBusy('cancel');
    const result = await client.mutation(CancelDoc, { id: props.run.id }).toPromise();
    setBusy(null);
    setError(formError(result.error));
    if (result.data) {
      setPanel(null);
      props.onChanged(result.data.cancelOperationRun);
    }
  };

  const investigate = async (event: SubmitEvent) => {
    event.preventDefault();
    // Checked here first: a reason the server would refuse is never sent.
    const problem = reasonProblem(reason());
    if (problem) return void setError({ message: problem, code: 'BAD_USER_INPUT', field: 'reason' });
    setError(null);
    setBusy('investigate');
    const result = await client.mutation(MarkInvestigatedDoc, { id: props.run.id, reason: reason().trim() }).toPromise();
    setBusy(null);
    setError(formError(result.error));
    if (result.data) {
      setPanel(null);
      setReason('');
      props.onChanged(result.data.markOperationRunInvestigated);
    }
  };

  return (
    <div class="run-actions" data-testid="run-actions">
      <div class="run-actions__buttons">
        {props.leading}
        <span class="run-actions__divider" aria-hidden="true" />
        <Show when={props.run.retriedById}>
          {(id) => (
            <A href={runHref(id())} class="run-actions__retried" data-testid="run-retried-link">
              Retried as Operation #{id()} →
            </A>
          )}
        </Show>
        <button
          type="button"
          class="button button--primary"
          disabled={!!busy() || !!retryBlocked(props.run)}
          title={retryBlocked(props.run) ?? 'Queue a new run with the same input (asks first)'}
          aria-expanded={panel() === 'retry'}
          aria-describedby={retryBlocked(props.run) ? 'run-retry-blocked' : undefined}
          onClick={() => open('retry')}
          ref={(el) => (openers.retry = el)}
          data-testid="run-retry"
        >
          {busy() === 'retry' ? 'Retrying…' : 'Retry…'}
        </button>
        <button
          type="button"
          class="button button--danger-quiet"
          disabled={!!busy() || !!cancelBlocked(props.run)}
          title={cancelBlocked(props.run) ?? 'Stop this operation for good (asks first)'}
          aria-expanded={panel() === 'cancel'}
          aria-describedby={cancelBlocked(props.run) ? 'run-cancel-blocked' : undefined}
          onClick={() => open('cancel')}
          ref={(el) => (openers.cancel = el)}
          data-testid="run-cancel"
        >
          Cancel…
        </button>
        <button
          type="button"
          class="button"
          disabled={!!busy() || !!investigateBlocked(props.run)}
          title={investigateBlocked(props.run) ?? 'Record that you looked into it, and why'}
          aria-expanded={panel() === 'investigate'}
          aria-describedby={investigateBlocked(props.run) ? 'run-investigate-blocked' : undefined}
          onClick={() => open('investigate')}
          ref={(el) => (openers.investigate = el)}
          data-testid="run-investigate"
        >
          Mark investigated…
        </button>
      </div>
      {/* Why an action is off, as text beside the buttons: a tooltip reaches neither touch nor keyboard users. */}
      <Show when={retryBlocked(props.run) || cancelBlocked(props.run) || investigateBlocked(props.run)}>
        <ul class="muted run-actions__why" data-testid="run-actions-why">
          <Show when={retryBlocked(props.run)}>
            {(why) => (
              <li id="run-retry-blocked" data-testid="run-retry-blocked">
                <strong>Retry:</strong> {why()}
              </li>
            )}
          </Show>
          <Show when={cancelBlocked(props.run)}>
            {(why) => (
              <li id="run-cancel-blocked" data-testid="run-cancel-blocked">
                <strong>Cancel:</strong> {why()}
              </li>
            )}
          </Show>
          <Show when={investigateBlocked(props.run)}>
            {(why) => (
              <li id="run-investigate-blocked" data-testid="run-investigate-blocked">
                <strong>Mark investigated:</strong> {why()}
              </li>
            )}
          </Show>
        </ul>
      </Show>
      <Switch>
        <Match when={panel() === 'retry'}>
          <div class="run-actions__panel" role="alertdialog" aria-label="Confirm retrying" onKeyDown={closeOnEscape} data-testid="run-retry-confirmation">
            <p>
              <strong>Retry {props.run.title}?</strong> A new run of “{props.run.policy.label}” is queued with the same input: attempt {props.run.attempt + 1} of{' '}
              {props.run.policy.maxAttempts}. If the first one had an effect (a charge, an email), the retry may repeat it.
            </p>
            <div class="form__buttons">
              <button type="button" class="button button--primary" disabled={!!busy()} ref={focusSoon} onClick={() => void retry()} data-testid="run-retry-confirm">
                {busy() === 'retry' ? 'Retrying…' : 'Retry operation'}
              </button>
              <button type="button" class="button button--quiet" onClick={close} data-testid="run-retry-keep">
                Don’t retry
              </button>
            </div>
          </div>
        </Match>
        <Match when={panel() === 'cancel'}>
          <div class="run-actions__panel" role="alertdialog" aria-label="Confirm cancelling" onKeyDown={closeOnEscape} data-testid="run-cancel-confirmation">
            <p>
              <strong>Cancel {props.run.title}?</strong> It stops for good: the worker’s lease is revoked and a late result is refused.
            </p>
            <div class="form__buttons">
              <button type="button" class="button button--danger" disabled={!!busy()} ref={focusSoon} onClick={() => void cancel()} data-testid="run-cancel-confirm">
                {busy() === 'cancel' ? 'Cancelling…' : 'Cancel operation'}
              </button>
              <button type="button" class="button button--quiet" onClick={close} data-testid="run-cancel-keep">
                Keep it
              </button>
            </div>
          </div>
        </Match>
        <Match when={panel() === 'investigate'}>
          <form class="run-actions__panel form" onSubmit={investigate} onKeyDown={closeOnEscape} data-testid="run-investigate-form" novalidate>
            <Field label="Why is it investigated?" hint={`${REASON_MIN}–${REASON_MAX} characters; kept with the operation and in the audit log.`} error={fieldError(error(), 'reason')}>
              <textarea
                rows={3}
                ref={focusSoon}
                maxLength={REASON_MAX + 100}
                value={reason()}
                onInput={(e) => setReason(e.currentTarget.value)}
                aria-invalid={fieldError(error(), 'reason') ? true : undefined}
                data-testid="run-investigate-reason"
              />
            </Field>
            <div class="form__buttons">
              <button type="submit" class="button button--primary" disabled={!!busy()} data-testid="run-investigate-submit">
                {busy() === 'investigate' ? 'Saving…' : 'Mark investigated'}
              </button>
              <button type="button" class="button button--quiet" onClick={close}>
                Close
              </button>
            </div>
          </form>
        </Match>
      </Switch>
      <Show when={error() && error()!.field !== 'reason'}>
        <FormErrorMessage error={error()} testid="run-action-error" />
      </Show>
    </div>
  );
}
