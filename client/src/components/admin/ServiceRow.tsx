/** One service in Admin → Services: edit and delete (with confirmation) for API services, origin for the rest. */
import { Show, createSignal } from 'solid-js';
import { graphql } from '../../graphql';
import type { AdminServiceFieldsFragment } from '../../graphql/graphql.ts';
import { client } from '../../lib/urql.ts';
import { formError, type FormError } from '../../lib/errors.ts';
import { InlineConfirm, RowError } from '../InlineConfirm.tsx';
import { StatusBadge } from '../monitoring/StatusBadge.tsx';
import { serviceHref } from '../monitoring/ServiceCard.tsx';
import { sourceLabel } from '../monitoring/ServiceFacts.tsx';

const DeleteServiceMutation = graphql(`
  mutation DeleteService($name: String!) {
    deleteService(name: $name)
  }
`);

export function ServiceRow(props: { service: AdminServiceFieldsFragment; onEdit: () => void; onDeleted: () => void }) {
  const [confirming, setConfirming] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<FormError | null>(null);
  const s = () => props.service;

  const onDelete = async () => {
    setBusy(true);
    const result = await client.mutation(DeleteServiceMutation, { name: s().name }).toPromise();
    setBusy(false);
    setConfirming(false);
    setError(formError(result.error));
    if (!result.error) props.onDeleted();
  };

  return (
    <>
      <tr data-testid="admin-service-row" data-service={s().name} data-source={s().source}>
        <td>
          <a class="strong" href={serviceHref(s().name)}>
            {s().displayName}
          </a>
          <Show when={s().displayName !== s().name}>
            <div class="caps mono">{s().name}</div>
          </Show>
        </td>
        <td>
          <span class="mono">{s().kind}</span>
          <div class="caps mono">{s().target}</div>
        </td>
        <td class="nowrap">{s().interval}</td>
        <td>
          <StatusBadge status={s().status} paused={s().paused} />
        </td>
        <td class="caps" data-testid="admin-service-origin">
          {sourceLabel(s().source, s().sourcePath)}
        </td>
        <td class="table__actions">
          <Show when={s().source === 'API'} fallback={<span class="muted" data-testid="admin-service-readonly">{s().source === 'CONFIG' ? 'read-only: edit the config file' : 'read-only: built in'}</span>}>
            <Show
              when={confirming()}
              fallback={
                <>
                  <button type="button" class="button button--quiet button--small" onClick={() => props.onEdit()} data-testid="admin-service-edit">
                    Edit
                  </button>{' '}
                  <button type="button" class="button button--danger-quiet button--small" onClick={() => setConfirming(true)} data-testid="admin-service-delete">
                    Delete
                  </button>
                </>
              }
            >
              <InlineConfirm
                question={<>Delete “{s().name}” and its history?</>}
                confirmLabel="Delete"
                busy={busy()}
                onConfirm={() => void onDelete()}
                onCancel={() => setConfirming(false)}
                testid="admin-service-delete-confirm"
              />
            </Show>
          </Show>
        </td>
      </tr>
      <RowError error={error()} columns={6} testid="admin-service-error" />
    </>
  );
}
