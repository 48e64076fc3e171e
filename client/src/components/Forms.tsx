/** Form pieces: a labelled field that shows the server's message for it, and a form-level error. */
import { Show, createEffect, splitProps, type JSX } from 'solid-js';
import type { FormError } from '../lib/errors.ts';

let errorIds = 0;

/** A fresh id for a field's error message. */
export function fieldErrorId(): string {
  return `field-error-${++errorIds}`;
}

/**
 * Ties a field's error to its control while it is shown: the control (`describe`, by default the
 * first input, select or textarea inside `box`) is described by the message (`aria-describedby`)
 * and marked invalid, and when the error appears while the focus is lost (on <body>, or on the
 * form's button, disabled while it was saving) the focus moves to the control, so a keyboard or
 * screen reader user lands on what to correct.
 */
export function linkFieldError(box: () => HTMLElement | undefined, error: () => string | null | undefined, errorId: string, options: { describe?: 'control' | 'box' } = {}): void {
  createEffect(() => {
    const message = error();
    const el = box();
    const control = el?.querySelector<HTMLElement>('input:not([type=hidden]):not(:disabled), select:not(:disabled), textarea:not(:disabled)');
    const described = options.describe === 'box' ? el : control;
    if (!el || !described) return;
    const ids = (described.getAttribute('aria-describedby') ?? '').split(/\s+/).filter((id) => id && id !== errorId);
    if (message) ids.push(errorId);
    if (ids.length) described.setAttribute('aria-describedby', ids.join(' '));
    else described.removeAttribute('aria-describedby');
    if (options.describe !== 'box') {
      if (message) described.setAttribute('aria-invalid', 'true');
      else described.removeAttribute('aria-invalid');
    }
    if (!message || !control) return;
    const active = document.activeElement;
    const lost = !active || active === document.body || (active instanceof HTMLButtonElement && !!active.form && active.form === control.closest('form'));
    if (lost) control.focus();
  });
}

/** A label around one input; `error` is shown under it when the server named this field. */
export function Field(props: { label: string; hint?: string; error?: string | null; children: JSX.Element }) {
  const errorId = fieldErrorId();
  let label: HTMLLabelElement | undefined;
  linkFieldError(() => label, () => props.error, errorId);
  return (
    <label ref={label} class="field" classList={{ 'field--invalid': !!props.error }}>
      <span class="field__label">{props.label}</span>
      {props.children}
      <Show when={props.error} fallback={<Show when={props.hint}><span class="field__hint">{props.hint}</span></Show>}>
        <span class="field__error" id={errorId}>
          {props.error}
        </span>
      </Show>
    </label>
  );
}

type InputAttributes = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'value' | 'onInput' | 'children'>;

/**
 * A labelled text input bound to a string signal: `value={email()} onValue={setEmail}`. Any other
 * input attribute (type, required, autocomplete, data-testid, …) passes through to the <input>.
 */
export function TextField(props: InputAttributes & { label: string; hint?: string; error?: string | null; value: string; onValue: (value: string) => void }) {
  const [own, input] = splitProps(props, ['label', 'hint', 'error', 'value', 'onValue']);
  return (
    <Field label={own.label} hint={own.hint} error={own.error}>
      <input {...input} value={own.value} onInput={(e) => own.onValue(e.currentTarget.value)} aria-invalid={own.error ? true : undefined} />
    </Field>
  );
}

/** The server's sentence for the whole form, with its code for people who report it. */
export function FormErrorMessage(props: { error: FormError | null | undefined; testid?: string }) {
  return (
    <Show when={props.error}>
      {(error) => (
        <div class="form-error" role="alert" data-testid={props.testid ?? 'form-error'} data-code={error().code}>
          {error().message}
        </div>
      )}
    </Show>
  );
}

/** The message for `field` when the error names it (BAD_USER_INPUT / CONFLICT with `extensions.field`). */
export function fieldError(error: FormError | null | undefined, field: string): string | null {
  return error?.field === field ? error.message : null;
}
