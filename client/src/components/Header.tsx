/** The top bar: product name, connection indicator, who is signed in (and as what), sign out. */
import { Show, createSignal } from 'solid-js';
import { A, useNavigate } from '@solidjs/router';
import { ConnectionIndicator } from './ConnectionStatus.tsx';
import { session, signOut } from '../lib/session.ts';
import { roleLabel } from '../lib/format.ts';

export function Header() {
  const navigate = useNavigate();
  const [busy, setBusy] = createSignal(false);
  const [failed, setFailed] = createSignal<string | null>(null);

  const onSignOut = async () => {
    setBusy(true);
    const error = await signOut();
    setBusy(false);
    setFailed(error?.message ?? null);
    if (!error) navigate('/signin', { replace: true });
  };

  return (
    <header class="topbar">
      <A href="/" class="brand" data-testid="brand">
        <span class="brand__mark" aria-hidden="true" />
        Lookout
      </A>
      <ConnectionIndicator />
      <div class="topbar__spacer" />
      <Show when={session.viewer}>
        {(viewer) => (
          <div class="user" data-testid="current-user">
            <span class="user__name" data-testid="current-user-name">
              {viewer().name}
            </span>
            <span class="user__role" data-testid="current-user-role">
              {roleLabel(viewer().role)}
            </span>
          </div>
        )}
      </Show>
      <Show when={failed()}>
        <span class="topbar__error" role="alert">
          {failed()}
        </span>
      </Show>
      <button type="button" class="button button--quiet" data-testid="sign-out" disabled={busy()} onClick={onSignOut}>
        Sign out
      </button>
    </header>
  );
}
