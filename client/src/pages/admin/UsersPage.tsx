/**
 * Admin → Users: accounts, their roles (and what each role may do) and the workspaces they are
 * limited to; create, change role, change the workspace limit, disable.
 */
import { For, Show, createSignal, onMount } from 'solid-js';
import { createMutation, createQuery } from '@urql/solid';
import { graphql } from '../../graphql';
import type { Role, UsersQuery } from '../../graphql/graphql.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { AdminTabs } from '../../components/admin/AdminTabs.tsx';
import { UserCreateForm } from '../../components/admin/UserCreateForm.tsx';
import { RoleSelect } from '../../components/RoleSelect.tsx';
import { WorkspaceLimitField, WorkspaceLimitList, workspaceLimitProblem } from '../../components/admin/WorkspaceLimitField.tsx';
import { Badge } from '../../components/Badge.tsx';
import { FormErrorMessage, fieldError } from '../../components/Forms.tsx';
import { RowError } from '../../components/InlineConfirm.tsx';
import { onReconnected } from '../../lib/connection.ts';
import { formError, type FormError } from '../../lib/errors.ts';
import { formatAgo, formatDateTime, roleLabel } from '../../lib/format.ts';
import { session } from '../../lib/session.ts';

const UsersQueryDoc = graphql(`
  query Users {
    users {
      id
      email
      role
      disabled
      createdAt
      lastSignInAt
      workspaces
    }
    roles {
      role
      capabilities
    }
  }
`);

const SetUserRoleMutation = graphql(`
  mutation SetUserRole($id: ID!, $role: Role!) {
    setUserRole(id: $id, role: $role) {
      id
      role
    }
  }
`);

const SetUserWorkspacesMutation = graphql(`
  mutation SetUserWorkspaces($id: ID!, $workspaces: [String!]) {
    setUserWorkspaces(id: $id, workspaces: $workspaces) {
      id
      workspaces
    }
  }
`);

const SetUserDisabledMutation = graphql(`
  mutation SetUserDisabled($id: ID!, $disabled: Boolean!) {
    setUserDisabled(id: $id, disabled: $disabled) {
      id
      disabled
    }
  }
`);

type User = UsersQuery['users'][number];

const COLUMNS = 7;

export function UsersPage() {
  const [data, refetch] = createQuery({ query: UsersQueryDoc });
  const refresh = () => refetch();
  onReconnected(refresh);

  return (
    <>
      <PageHeader title="Admin" description="API tokens, users, services and the audit trail of every change." />
      <AdminTabs />
      <section class="card">
        <h2>Add a user</h2>
        <UserCreateForm onCreated={refresh} />
      </section>
      <section class="card card--flush">
        <div class="card__head">
          <h2>Users</h2>
          <span class="muted">{data.data ? `${data.data.users.length} in total` : ''}</span>
        </div>
        <FormErrorMessage error={formError(data.error)} />
        <table class="table" data-testid="users-table">
          <thead>
            <tr>
              <th>Email</th>
              <th>Role</th>
              <th>Workspaces</th>
              <th>Status</th>
              <th>Created</th>
              <th>Last sign-in</th>
              <th />
            </tr>
          </thead>
          <tbody>
            <For each={data.data?.users} fallback={<tr><td colSpan={COLUMNS} class="table__empty">{data.fetching ? 'Loading…' : 'No users.'}</td></tr>}>
              {(user) => <UserRow user={user} onChanged={refresh} />}
            </For>
          </tbody>
        </table>
      </section>
      <section class="card" data-testid="roles">
        <h2>Roles and their capabilities</h2>
        <div class="roles">
          <For each={data.data?.roles}>
            {(info) => (
              <div class="roles__role">
                <h3>{roleLabel(info.role)}</h3>
                <ul>
                  <For each={info.capabilities}>{(capability) => <li class="mono">{capability}</li>}</For>
                </ul>
              </div>
            )}
          </For>
        </div>
      </section>
    </>
  );
}

function UserRow(props: { user: User; onChanged: () => void }) {
  const [error, setError] = createSignal<FormError | null>(null);
  const [roleState, setRole] = createMutation(SetUserRoleMutation);
  const [disabledState, setDisabled] = createMutation(SetUserDisabledMutation);
  const isMe = () => session.viewer?.id === props.user.id;
  const [editing, setEditing] = createSignal(false);
  let changeButton: HTMLButtonElement | undefined;

  const changeRole = async (role: Role) => {
    const result = await setRole({ id: props.user.id, role });
    setError(formError(result.error));
    props.onChanged();
  };
  const toggleDisabled = async () => {
    const result = await setDisabled({ id: props.user.id, disabled: !props.user.disabled });
    setError(formError(result.error));
    props.onChanged();
  };

  return (
    <>
      <tr data-testid="user-row" data-user-email={props.user.email} classList={{ 'row--muted': props.user.disabled }}>
        <td class="strong">
          {props.user.email}
          <Show when={isMe()}>
            <span class="muted"> (you)</span>
          </Show>
        </td>
        <td>
          <RoleSelect
            value={props.user.role}
            onChange={changeRole}
            disabled={roleState.fetching}
            testid="user-role-select"
            aria-label={`Role of ${props.user.email}`}
          />
        </td>
        <td>
          <div class="workspace-cell">
            <WorkspaceLimitList workspaces={props.user.workspaces} testid="user-workspaces" />
            <button
              ref={changeButton}
              type="button"
              class="button button--quiet button--small"
              data-testid="user-workspaces-edit"
              aria-label={`Change the workspaces of ${props.user.email}`}
              aria-expanded={editing()}
              onClick={() => setEditing(!editing())}
            >
              Change
            </button>
          </div>
        </td>
        <td>
          <Badge tone={props.user.disabled ? 'bad' : 'ok'} testid="user-status">
            {props.user.disabled ? 'disabled' : 'active'}
          </Badge>
        </td>
        <td class="nowrap">{formatDateTime(props.user.createdAt)}</td>
        <td class="nowrap" title={props.user.lastSignInAt ?? undefined}>
          {formatAgo(props.user.lastSignInAt)}
        </td>
        <td class="table__actions">
          <button
            type="button"
            class={`button button--small ${props.user.disabled ? 'button--quiet' : 'button--danger-quiet'}`}
            disabled={disabledState.fetching}
            data-testid="user-toggle-disabled"
            onClick={toggleDisabled}
          >
            {props.user.disabled ? 'Enable' : 'Disable'}
          </button>
        </td>
      </tr>
      <Show when={editing()}>
        <tr class="table__detail">
          <td colSpan={COLUMNS}>
            <UserWorkspacesEditor
              user={props.user}
              onDone={(changed) => {
                setEditing(false);
                changeButton?.focus();
                if (changed) props.onChanged();
              }}
            />
          </td>
        </tr>
      </Show>
      <RowError error={error()} columns={COLUMNS} testid="user-row-error" />
    </>
  );
}

/** Changes which workspaces a user may use; a refusal is shown at the field, and nothing changes. */
function UserWorkspacesEditor(props: { user: User; onDone: (changed: boolean) => void }) {
  const [value, setValue] = createSignal<string[] | null>(props.user.workspaces ? [...props.user.workspaces] : null);
  const [error, setError] = createSignal<FormError | null>(null);
  const [state, save] = createMutation(SetUserWorkspacesMutation);
  let form: HTMLFormElement | undefined;
  // Opened from the row's "Change": the keyboard lands on the current choice.
  onMount(() => form?.querySelector<HTMLInputElement>('input:checked')?.focus());

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    const problem = workspaceLimitProblem(value());
    if (problem) return setError({ message: problem, field: 'workspaces' });
    const result = await save({ id: props.user.id, workspaces: value() });
    if (result.error) return setError(formError(result.error));
    props.onDone(true);
  };

  return (
    <form ref={form} class="form workspace-editor" onSubmit={onSubmit} data-testid="user-workspaces-editor" aria-label={`Workspaces of ${props.user.email}`}>
      <WorkspaceLimitField
        legend={`Workspaces ${props.user.email} may use`}
        value={value()}
        onChange={(next) => {
          setValue(next);
          setError(null);
        }}
        error={fieldError(error(), 'workspaces')}
        testid="user-workspaces-field"
      />
      <FormErrorMessage error={error()?.field === 'workspaces' ? null : error()} testid="user-workspaces-save-error" />
      <div class="form__buttons">
        <button type="submit" class="button button--primary button--small" disabled={state.fetching} data-testid="user-workspaces-save">
          {state.fetching ? 'Saving…' : 'Save workspaces'}
        </button>
        <button type="button" class="button button--quiet button--small" onClick={() => props.onDone(false)} data-testid="user-workspaces-cancel">
          Cancel
        </button>
      </div>
    </form>
  );
}
