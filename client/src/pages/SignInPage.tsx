/**
 * Sign in with email and password; shows the server's reason when it refuses (wrong password, rate
 * limit). Afterwards it goes back to where the visitor was going (`?next=`, same-site paths only).
 */
import { Show, createSignal } from 'solid-js';
import { Navigate, useNavigate } from '@solidjs/router';
import { AuthLayout } from '../components/AuthLayout.tsx';
import { FormErrorMessage, TextField } from '../components/Forms.tsx';
import { safeReturnPath, session, signIn } from '../lib/session.ts';
import type { FormError } from '../lib/errors.ts';

export function SignInPage() {
  const navigate = useNavigate();
  // Read once, as the page opens: once signed in the location moves on.
  const target = safeReturnPath(new URLSearchParams(window.location.search).get('next'));
  const next = () => target;
  const [email, setEmail] = createSignal('');
  const [password, setPassword] = createSignal('');
  const [error, setError] = createSignal<FormError | null>(null);
  const [busy, setBusy] = createSignal(false);

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const failure = await signIn(email().trim(), password());
    setBusy(false);
    if (failure) {
      setError(failure);
      setPassword('');
    } else navigate(next(), { replace: true });
  };

  return (
    <Show when={!session.viewer} fallback={<Navigate href={next()} />}>
      <AuthLayout title="Sign in">
        <Show when={session.setupRequired}>
          <div class="notice notice--info" data-testid="setup-required-hint">
            Lookout has no users yet. Create the first admin with the one-time setup link Lookout printed when it
            started (<code>/setup#token=…</code>).
          </div>
        </Show>
        <form class="form" onSubmit={onSubmit} data-testid="signin-form">
          <TextField label="Email" type="email" name="email" autocomplete="username" required autofocus value={email()} onValue={setEmail} data-testid="signin-email" />
          <TextField
            label="Password"
            type="password"
            name="password"
            autocomplete="current-password"
            required
            value={password()}
            onValue={setPassword}
            data-testid="signin-password"
          />
          <FormErrorMessage error={error()} testid="signin-error" />
          <button type="submit" class="button button--primary button--wide" disabled={busy()} data-testid="signin-submit">
            {busy() ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </AuthLayout>
    </Show>
  );
}
