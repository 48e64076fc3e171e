/**
 * Creates an API token with a role, an optional expiry date and an optional workspace limit; hands
 * the one-time secret up. A token cannot be changed afterwards.
 */
import { createSignal } from 'solid-js';
import { createMutation } from '@urql/solid';
import { graphql } from '../../graphql';
import type { Role } from '../../graphql/graphql.ts';
import { Field, FormErrorMessage, TextField, fieldError } from '../Forms.tsx';
import { RoleSelect } from '../RoleSelect.tsx';
import { WorkspaceLimitField, workspaceLimitProblem } from './WorkspaceLimitField.tsx';
import { formError, type FormError } from '../../lib/errors.ts';

const CreateApiTokenMutation = graphql(`
  mutation CreateApiToken($input: CreateApiTokenInput!) {
    createApiToken(input: $input) {
      secret
      token {
        id
        name
      }
    }
  }
`);

/** The end of the chosen day, in the browser's time zone. */
function endOfDay(date: string): string {
  return new Date(`${date}T23:59:59`).toISOString();
}

function tomorrow(): string {
  const d = new Date(Date.now() + 86400_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export function TokenCreateForm(props: { onCreated: (created: { name: string; secret: string }) => void }) {
  const [name, setName] = createSignal('');
  const [role, setRole] = createSignal<Role>('VIEWER');
  const [expires, setExpires] = createSignal('');
  const [workspaces, setWorkspaces] = createSignal<string[] | null>(null);
  const [error, setError] = createSignal<FormError | null>(null);
  const changeWorkspaces = (value: string[] | null) => {
    setWorkspaces(value);
    if (error()?.field === 'workspaces') setError(null);
  };
  const [state, create] = createMutation(CreateApiTokenMutation);

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    setError(null);
    const problem = workspaceLimitProblem(workspaces());
    if (problem) return setError({ message: problem, field: 'workspaces' });
    const input = { name: name().trim(), role: role(), expiresAt: expires() ? endOfDay(expires()) : null, workspaces: workspaces() };
    const result = await create({ input });
    if (result.error) return setError(formError(result.error));
    if (!result.data) return;
    props.onCreated({ name: result.data.createApiToken.token.name, secret: result.data.createApiToken.secret });
    setName('');
    setExpires('');
    setWorkspaces(null);
  };

  const nameError = () => fieldError(error(), 'name');
  const expiresError = () => fieldError(error(), 'expiresAt');
  const roleError = () => fieldError(error(), 'role');
  const workspacesError = () => fieldError(error(), 'workspaces');

  return (
    <form class="form form--inline" onSubmit={onSubmit} data-testid="token-create-form">
      <TextField label="Name" error={nameError()} hint="What uses it, e.g. “ci-deploy”." required value={name()} onValue={setName} data-testid="token-name" />
      <Field label="Role" error={roleError()}>
        <RoleSelect value={role()} onChange={setRole} testid="token-role" />
      </Field>
      <TextField
        label="Expires (optional)"
        error={expiresError()}
        hint="Leave empty for no expiry."
        type="date"
        min={tomorrow()}
        value={expires()}
        onValue={setExpires}
        data-testid="token-expires"
      />
      <WorkspaceLimitField value={workspaces()} onChange={changeWorkspaces} error={workspacesError()} testid="token-create-workspaces" />
      <div class="form__actions">
        <button type="submit" class="button button--primary" disabled={state.fetching} data-testid="token-create-submit">
          {state.fetching ? 'Creating…' : 'Create token'}
        </button>
      </div>
      <div class="form__wide">
        <FormErrorMessage error={nameError() || expiresError() || roleError() || workspacesError() ? null : error()} testid="token-create-error" />
      </div>
    </form>
  );
}
