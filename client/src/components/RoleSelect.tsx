/** A select of the roles (viewer, operator, admin), valued with the GraphQL enum. */
import { For, type JSX } from 'solid-js';
import type { Role } from '../graphql/graphql.ts';
import { roleLabel } from '../lib/format.ts';

export const ROLE_OPTIONS: readonly Role[] = ['VIEWER', 'OPERATOR', 'ADMIN'];

export function RoleSelect(props: {
  value: Role;
  onChange: (role: Role) => void;
  disabled?: boolean;
  testid?: string;
  'aria-label'?: string;
}): JSX.Element {
  return (
    <select
      value={props.value}
      disabled={props.disabled}
      data-testid={props.testid}
      aria-label={props['aria-label']}
      onChange={(e) => {
        props.onChange(e.currentTarget.value as Role);
        // Controlled: show what the owner holds (it may refuse the change, e.g. the last admin).
        e.currentTarget.value = props.value;
      }}
    >
      <For each={ROLE_OPTIONS}>{(role) => <option value={role}>{roleLabel(role)}</option>}</For>
    </select>
  );
}
