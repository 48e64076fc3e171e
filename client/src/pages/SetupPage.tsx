/**
 * First-admin setup from the one-time link Lookout prints at start-up (`/setup#token=…`). The token
 * stays in the fragment, so it is never sent to the server in a URL or logged.
 */
import { PASSWORD_MIN_LENGTH } from '../../../server/auth/password-rules.ts';
import { Show, createSignal } from 'solid-js';
import { useNavigate } from '@solidjs/router';
import { AuthLayout } from '../components/AuthLayout.tsx';
import { FormErrorMessage, TextField, fieldError } from '../components/Forms.tsx';
import { completeSetup } from '../lib/session.ts';
import type { FormError } from '../lib/errors.ts';

function tokenFromHash(): string {
  return new URLSearchParams(window.location.hash.replace(/^#/, '')).get('token') ?? '';
}

export function SetupPage() {
  const navigate = useNavigate();
  const token = tokenFromHash();
  const [email, setEmail] = createSignal('');
  const [password, setPassword] = createSignal('');
  const [confirm, setConfirm] = createSignal('');
  const [error, setError] = createSignal<FormError | null>(null);
  const [busy, setBusy] = createSignal(false);

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (password() !== confirm()) {
      setError({ message: 'The two passwords differ.', field: 'confirm' });
      return;
    }
    setBusy(true);
    setError(null);
    const failure = await completeSetup(token, email().trim(), password());
    setBusy(false);
    if (failure) return setError(failure);
    // The token has done its job: drop it from the address bar and history.
    navigate('/', { replace: true });
  };

  return (
    <AuthLayout title="Create the first admin">
      <Show
        when={token}
        fallback={
          <div class="notice notice--warn" data-testid="setup-missing-token">
            This page needs the one-time setup link Lookout printed when it started: it ends in{' '}
            <code>/setup#token=…</code>. Already set up? <a href="/signin">Sign in</a>.
          </div>
        }
      >
        <p class="muted">
          This account will be an admin: it can create users and API tokens. The setup link works once.
        </p>
        <form class="form" onSubmit={onSubmit} data-testid="setup-form">
          <TextField
            label="Email"
            error={fieldError(error(), 'email')}
            type="email"
            autocomplete="username"
            required
            autofocus
            value={email()}
            onValue={setEmail}
            data-testid="setup-email"
          />
          <TextField
            label="Password"
            hint={`At least ${PASSWORD_MIN_LENGTH} characters.`}
            error={fieldError(error(), 'password')}
            type="password"
            autocomplete="new-password"
            required
            value={password()}
            onValue={setPassword}
            data-testid="setup-password"
          />
          <TextField
            label="Confirm password"
            error={fieldError(error(), 'confirm')}
            type="password"
            autocomplete="new-password"
            required
            value={confirm()}
            onValue={setConfirm}
            data-testid="setup-confirm"
          />
          <Show when={error() && !['email', 'password', 'confirm'].includes(error()!.field ?? '')}>
            <FormErrorMessage error={error()} testid="setup-error" />
          </Show>
          <button type="submit" class="button button--primary button--wide" disabled={busy()} data-testid="setup-submit">
            {busy() ? 'Creating…' : 'Create admin and sign in'}
          </button>
        </form>
      </Show>
    </AuthLayout>
  );
}
