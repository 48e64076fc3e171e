/**
 * "Restart this runtime?": a modal <dialog>, so the browser keeps focus inside it (the page behind
 * is inert), Escape cancels, and focus returns to the Restart button that opened it.
 */
import { onMount } from 'solid-js';
import type { Runtime } from '../../lib/runtimes.ts';

export function RuntimeRestartDialog(props: { runtime: Runtime; onConfirm: () => void; onClose: () => void }) {
  let dialog!: HTMLDialogElement;
  let cancel!: HTMLButtonElement;
  onMount(() => {
    dialog.showModal();
    // Cancel first: a stray Enter must not restart anything.
    cancel.focus();
  });
  return (
    <dialog
      ref={dialog}
      class="runtime-dialog"
      aria-labelledby="runtime-dialog-title"
      aria-describedby="runtime-dialog-body"
      data-testid="runtime-restart-dialog"
      onCancel={(event) => {
        event.preventDefault();
        props.onClose();
      }}
    >
      <h2 id="runtime-dialog-title">Restart {props.runtime.name}?</h2>
      <p id="runtime-dialog-body">
        Its work is interrupted while it restarts ({props.runtime.kind} runtime
        {props.runtime.pid ? `, pid ${props.runtime.pid}` : ''}). Lookout and this dashboard stay up; the page shows it as restarting until it runs
        again or the restart fails.
      </p>
      <div class="runtime-dialog__actions">
        <button ref={cancel} type="button" class="button button--quiet" data-testid="runtime-restart-cancel" onClick={() => props.onClose()}>
          Cancel
        </button>
        <button type="button" class="button button--danger" data-testid="runtime-restart-confirm" onClick={() => props.onConfirm()}>
          Restart {props.runtime.name}
        </button>
      </div>
    </dialog>
  );
}
