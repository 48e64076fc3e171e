/**
 * One start-up check: passed, failed or still being checked, whether it is required, its error,
 * who overrode it and why, and for admins an Override of a failing check with a reason (5–500
 * characters, checked here before anything is sent).
 */
import { Match, Show, Switch, createSignal } from 'solid-js';
import type { StartupCheck } from '../../lib/startup-checklist.ts';
import type { FormError } from '../../lib/errors.ts';
import { REASON_MAX, REASON_MIN, reasonProblem } from '../../lib/reason-rules.ts';
import { formatDateTime } from '../../lib/format.ts';
import { Badge } from '../Badge.tsx';
import { Field, FormErrorMessage, fieldError } from '../Forms.tsx';

export function StartupCheckItem(props: {
  check: StartupCheck;
  /** Required, not passed and not overridden: it blocks submissions. */
  blocking: boolean;
  /** Offered when the viewer is an admin and the check blocks. */
  canOverride: boolean;
  onOverride: (name: string, reason: string) => Promise<FormError | null>;
}) {
  const [open, setOpen] = createSignal(false);
  const [reason, setReason] = createSignal('');
  const [error, setError] = createSignal<FormError | null>(null);
  const [busy, setBusy] = createSignal(false);
  const c = () => props.check;

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const problem = reasonProblem(reason());
    if (problem) return void setError({ message: problem, code: 'BAD_USER_INPUT', field: 'reason' });
    setError(null);
    setBusy(true);
    const failure = await props.onOverride(c().name, reason());
    setBusy(false);
    setError(failure);
    if (!failure) {
      setOpen(false);
      setReason('');
    }
  };

  return (
    <li
      class={`check check--${c().state.toLowerCase()}`}
      classList={{ 'check--blocking': props.blocking, 'check--optional': !c().required }}
      data-testid="startup-check"
      data-check={c().name}
      data-state={c().state}
      data-blocking={props.blocking ? 'true' : 'false'}
      aria-busy={c().state === 'PENDING' ? true : undefined}
    >
      <div class="check__state">
        <Switch>
          <Match when={c().state === 'PASSED'}>
            <Badge tone="ok" testid="check-state">Passed</Badge>
          </Match>
          <Match when={c().state === 'FAILED'}>
            <Badge tone="bad" testid="check-state">Failed</Badge>
          </Match>
          <Match when={c().state === 'PENDING'}>
            <span class="check__pending" data-testid="check-state">
              <span class="spinner" aria-hidden="true" />
              Checking…
            </span>
          </Match>
        </Switch>
      </div>
      <div class="check__body">
        <div class="check__title">
          <strong>{c().label}</strong>
          <span class="mono muted">{c().name}</span>
          <Show when={c().required} fallback={<span class="tag" data-testid="check-optional">optional: never blocks</span>}>
            <span class="tag tag--required">required</span>
          </Show>
        </div>
        <Show when={c().error}>
          <p class={props.blocking ? 'check__error check__error--blocking' : 'check__error'} data-testid="check-error">
            {c().error}
          </p>
        </Show>
        <Show when={c().overriddenBy}>
          <p class="notice notice--warn" data-testid="check-override">
            <strong>Overridden</strong> by {c().overriddenBy} at {formatDateTime(c().overriddenAt)}: {c().overrideReason}. It stops blocking until it
            passes.
          </p>
        </Show>
        <Show when={open()}>
          <form class="form check__override" onSubmit={submit} data-testid="check-override-form" novalidate>
            <Field label="Why may Lookout accept operations although this fails?" hint={`${REASON_MIN}–${REASON_MAX} characters; audited.`} error={fieldError(error(), 'reason')}>
              <textarea rows={2} value={reason()} onInput={(e) => setReason(e.currentTarget.value)} data-testid="check-override-reason" />
            </Field>
            <Show when={error() && error()!.field !== 'reason'}>
              <FormErrorMessage error={error()} testid="check-override-error" />
            </Show>
            <div class="form__buttons">
              <button type="submit" class="button button--danger" disabled={busy()} data-testid="check-override-submit">
                {busy() ? 'Overriding…' : 'Override check'}
              </button>
              <button type="button" class="button button--quiet" onClick={() => setOpen(false)}>
                Close
              </button>
            </div>
          </form>
        </Show>
      </div>
      <div class="check__actions">
        <Show when={props.canOverride && props.blocking && !open()}>
          <button type="button" class="button button--danger-quiet button--small" onClick={() => setOpen(true)} data-testid="check-override-open">
            Override…
          </button>
        </Show>
      </div>
    </li>
  );
}
