/** The secret of a token just created: shown once, with a copy button, until dismissed. */
import { Show, createSignal } from 'solid-js';

async function copyText(text: string, fallbackInput: HTMLInputElement | undefined): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Plain-HTTP origins have no Clipboard API: select the text and use the old command.
    if (!fallbackInput) return false;
    fallbackInput.select();
    return document.execCommand('copy');
  }
}

export function NewTokenSecret(props: { name: string; secret: string; onDismiss: () => void }) {
  let input: HTMLInputElement | undefined;
  const [copied, setCopied] = createSignal<boolean | null>(null);

  return (
    <section class="secret" data-testid="new-token" role="alert">
      <h2>Token “{props.name}” created</h2>
      <p>
        <strong>Store it now: it will not be shown again.</strong> Lookout keeps only a hash of it. Send it as{' '}
        <code>Authorization: Bearer &lt;token&gt;</code>.
      </p>
      <div class="secret__row">
        <input
          ref={input}
          class="secret__value mono"
          readOnly
          value={props.secret}
          data-testid="new-token-secret"
          aria-label="New token secret"
          onFocus={(e) => e.currentTarget.select()}
        />
        <button
          type="button"
          class="button button--primary"
          data-testid="new-token-copy"
          onClick={async () => setCopied(await copyText(props.secret, input))}
        >
          {copied() ? 'Copied' : 'Copy'}
        </button>
        <button type="button" class="button button--quiet" data-testid="new-token-dismiss" onClick={() => props.onDismiss()}>
          I have stored it
        </button>
      </div>
      <Show when={copied() === false}>
        <p class="field__error">Could not copy automatically: select the text and copy it.</p>
      </Show>
    </section>
  );
}
