/**
 * "Are you sure?" for a destructive action that deserves more than an inline confirm (restarting
 * something): a modal <dialog>, so the browser keeps focus inside it (the page behind is inert),
 * Escape cancels, Cancel has the focus (a stray Enter does nothing), and focus returns to the
 * button that opened it.
 */
import { onCleanup, onMount, type JSX } from 'solid-js';

export function ConfirmDialog(props: {
  title: string;
  children: JSX.Element;
  confirmLabel: string;
  onConfirm: () => void;
  onClose: () => void;
  /** Test ids: `<testid>-dialog`, `<testid>-cancel`, `<testid>-confirm`. */
  testid: string;
}) {
  let dialog!: HTMLDialogElement;
  let cancel!: HTMLButtonElement;
  const id = `${props.testid}-${Math.random().toString(36).slice(2, 8)}`;
  // The page removes the dialog when it closes (Escape, Cancel or confirm): the browser then has
  // no dialog to close and leaves focus on <body>, so it is given back to the opener here.
  let opener: HTMLElement | null = null;
  onMount(() => {
    opener = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
    dialog.showModal();
    cancel.focus();
  });
  onCleanup(() => {
    if (dialog.open) dialog.close();
    const back = opener;
    // After the owner's update has settled (the opener may be re-enabled in the same change).
    if (back) queueMicrotask(() => back.isConnected && back.focus());
  });
  return (
    <dialog
      ref={dialog}
      class="confirm-dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-body`}
      data-testid={`${props.testid}-dialog`}
      onCancel={(event) => {
        event.preventDefault();
        props.onClose();
      }}
    >
      <h2 id={`${id}-title`}>{props.title}</h2>
      <div id={`${id}-body`}>{props.children}</div>
      <div class="confirm-dialog__actions">
        <button ref={cancel} type="button" class="button button--quiet" data-testid={`${props.testid}-cancel`} onClick={() => props.onClose()}>
          Cancel
        </button>
        <button type="button" class="button button--danger" data-testid={`${props.testid}-confirm`} onClick={() => props.onConfirm()}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
