/**
 * The table rows' "are you sure?" in place of a destructive button, and the error line under a
 * row: one shape for every admin table.
 */
import { Show, type JSX } from 'solid-js';
import type { FormError } from '../lib/errors.ts';
import { FormErrorMessage } from './Forms.tsx';

export function InlineConfirm(props: {
  question: JSX.Element;
  confirmLabel: string;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  testid: string;
  cancelTestid?: string;
}) {
  return (
    <span class="confirm">
      <span>{props.question}</span>
      <button type="button" class="button button--danger button--small" disabled={props.busy} data-testid={props.testid} onClick={() => props.onConfirm()}>
        {props.confirmLabel}
      </button>
      <button type="button" class="button button--quiet button--small" data-testid={props.cancelTestid} onClick={() => props.onCancel()}>
        Cancel
      </button>
    </span>
  );
}

/** A full-width row under a table row with the error of its last action. */
export function RowError(props: { error: FormError | null; columns: number; testid: string }) {
  return (
    <Show when={props.error}>
      <tr class="table__detail">
        <td colSpan={props.columns}>
          <FormErrorMessage error={props.error} testid={props.testid} />
        </td>
      </tr>
    </Show>
  );
}
