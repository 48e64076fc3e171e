/**
 * Creates a user account with a role, for every workspace or only some; BAD_USER_INPUT / CONFLICT
 * messages appear at their field.
 */
import { PASSWORD_MIN_LENGTH } from '../../../../server/auth/password-rules.ts';
import { Show, createSignal } from 'solid-js';
import { createMutation } from '@urql/solid';
import { graphql } from '../../graphql';
import type { Role } from '../../graphql/graphql.ts';
import { Field, FormErrorMessage, TextField, fieldError } from '../Forms.tsx';
import { RoleSelect } from '../RoleSelect.tsx';
import { WorkspaceLimitField, workspaceLimitProblem } from './WorkspaceLimitField.tsx';
import { formError, type FormError } from '../../lib/errors.ts';

const CreateUserMutation = graphql(`
  mutation CreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      id
      email
      role
      workspaces
    }
  }
`);

const FIELDS = ['email', 'password', 'role', 'workspaces'];

export function UserCreateForm(props: { onCreated: (email: string) => void }) {
  const [email, setEmail] = createSignal('');
  const [password, setPassword] = createSignal('');
  const [role, setRole] = createSignal<Role>('VIEWER');
  const [workspaces, setWorkspaces] = createSignal<string[] | null>(null);
  const [error, setError] = createSignal<FormError | null>(null);
  const changeWorkspaces = (value: string[] | null) => {
    setWorkspaces(value);
    if (error()?.field === 'workspaces') setError(null);
  };
  const [created, setCreated] = createSignal<string | null>(null);
  const [state, create] = createMutation(CreateUserMutation);

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    setError(null);
    setCreated(null);
    const problem = workspaceLimitProblem(workspaces());
    if (problem) return setError({ message: problem, field: 'workspaces' });
    const result = await create({ input: { email: email().trim(), password: password(), role: role(), workspaces: workspaces() } });
    if (result.error) return setError(formError(result.error));
    if (!result.data) return;
    setCreated(result.data.createUser.email);
    props.onCreated(result.data.createUser.email);
    setEmail('');
    setPassword('');
    setWorkspaces(null);
  };

  return (
    <form class="form form--inline" onSubmit={onSubmit} data-testid="user-create-form">
      <TextField label="Email" error={fieldError(error(), 'email')} type="email" required autocomplete="off" value={email()} onValue={setEmail} data-testid="user-email" />
      <TextField
        label="Initial password"
        error={fieldError(error(), 'password')}
        hint={`At least ${PASSWORD_MIN_LENGTH} characters; share it safely.`}
        type="password"
        required
        autocomplete="new-password"
        value={password()}
        onValue={setPassword}
        data-testid="user-password"
      />
      <Field label="Role" error={fieldError(error(), 'role')}>
        <RoleSelect value={role()} onChange={setRole} testid="user-role" />
      </Field>
      <WorkspaceLimitField value={workspaces()} onChange={changeWorkspaces} error={fieldError(error(), 'workspaces')} testid="user-create-workspaces" />
      <div class="form__actions">
        <button type="submit" class="button button--primary" disabled={state.fetching} data-testid="user-create-submit">
          {state.fetching ? 'Creating…' : 'Create user'}
        </button>
      </div>
      <div class="form__wide">
        <FormErrorMessage error={FIELDS.includes(error()?.field ?? '') ? null : error()} testid="user-create-error" />
        <Show when={created()}>
          <p class="notice notice--ok" data-testid="user-created">
            Created {created()}: they can sign in now with the initial password.
          </p>
        </Show>
      </div>
    </form>
  );
}
