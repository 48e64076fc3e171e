/** Admin → Users: accounts, their roles (and what each role may do), create, change role, disable. */
import { For, Show, createSignal } from 'solid-js';
import { createMutation, createQuery } from '@urql/solid';
import { graphql } from '../../graphql';
import type { Role, UsersQuery } from '../../graphql/graphql.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { AdminTabs } from '../../components/admin/AdminTabs.tsx';
import { UserCreateForm } from '../../components/admin/UserCreateForm.tsx';
import { RoleSelect } from '../../components/RoleSelect.tsx';
import { Badge } from '../../components/Badge.tsx';
import { FormErrorMessage } from '../../components/Forms.tsx';
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

const SetUserDisabledMutation = graphql(`
  mutation SetUserDisabled($id: ID!, $disabled: Boolean!) {
    setUserDisabled(id: $id, disabled: $disabled) {
      id
      disabled
    }
  }
`);

type User = UsersQuery['users'][number];

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
              <th>Status</th>
              <th>Created</th>
              <th>Last sign-in</th>
              <th />
            </tr>
          </thead>
          <tbody>
            <For each={data.data?.users} fallback={<tr><td colSpan={6} class="table__empty">{data.fetching ? 'Loading…' : 'No users.'}</td></tr>}>
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
      <Show when={error()}>
        <tr class="table__detail">
          <td colSpan={6}>
            <FormErrorMessage error={error()} testid="user-row-error" />
          </td>
        </tr>
      </Show>
    </>
  );
}
