/** Form pieces: a labelled field that shows the server's message for it, and a form-level error. */
import { Show, splitProps, type JSX } from 'solid-js';
import type { FormError } from '../lib/errors.ts';

/** A label around one input; `error` is shown under it when the server named this field. */
export function Field(props: { label: string; hint?: string; error?: string | null; children: JSX.Element }) {
  return (
    <label class="field" classList={{ 'field--invalid': !!props.error }}>
      <span class="field__label">{props.label}</span>
      {props.children}
      <Show when={props.error} fallback={<Show when={props.hint}><span class="field__hint">{props.hint}</span></Show>}>
        <span class="field__error">{props.error}</span>
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
