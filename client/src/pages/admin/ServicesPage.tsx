/**
 * Admin → Services: every service Lookout watches. API services can be created, edited and
 * deleted here; config-file and built-in ones are read-only, with where to change them.
 */
import { For, Show, createSignal } from 'solid-js';
import { createQuery } from '@urql/solid';
import { graphql } from '../../graphql';
import type { AdminServiceFieldsFragment } from '../../graphql/graphql.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { AdminTabs } from '../../components/admin/AdminTabs.tsx';
import { ServiceForm } from '../../components/admin/ServiceForm.tsx';
import { ServiceRow } from '../../components/admin/ServiceRow.tsx';
import { FormErrorMessage } from '../../components/Forms.tsx';
import { onReconnected } from '../../lib/connection.ts';
import { formError } from '../../lib/errors.ts';

graphql(`
  fragment AdminServiceFields on Service {
    name
    displayName
    kind
    target
    options
    interval
    timeoutMs
    degradedLatencyMs
    failureThreshold
    recoveryThreshold
    critical
    tags
    dependsOn
    source
    sourcePath
    paused
    status
  }
`);

const AdminServicesQuery = graphql(`
  query AdminServices($first: Int!) {
    services(first: $first) {
      ...AdminServiceFields
    }
    count: healthOverview(first: 0) {
      totalCount
    }
  }
`);

/** Services shown at first, and added by "Show more" (the server lists at most 10,000 per request). */
const PAGE = 500;
const MOST = 10_000;

/** What the form is doing: nothing, adding, or editing the named service. */
type Editing = { mode: 'new' } | { mode: 'edit'; service: AdminServiceFieldsFragment } | null;

export function ServicesPage() {
  const [shown, setShown] = createSignal(PAGE);
  const [services, refetch] = createQuery({ query: AdminServicesQuery, variables: () => ({ first: shown() }) });
  const total = () => services.data?.count.totalCount ?? 0;
  const refresh = () => refetch();
  onReconnected(refresh);
  const [editing, setEditing] = createSignal<Editing>(null);
  const [saved, setSaved] = createSignal<string | null>(null);

  const onSaved = (service: AdminServiceFieldsFragment) => {
    setSaved(`${editing()?.mode === 'edit' ? 'Saved' : 'Created'} “${service.displayName}”. Lookout checks it now.`);
    setEditing(null);
    refresh();
  };

  return (
    <>
      <PageHeader
        title="Admin"
        description="API tokens, users, services and the audit trail of every change."
        actions={
          <button type="button" class="button button--primary" onClick={() => (setSaved(null), setEditing({ mode: 'new' }))} data-testid="service-add">
            Add a service
          </button>
        }
      />
      <AdminTabs />
      <Show when={saved()}>
        <p class="notice notice--ok" data-testid="service-saved">
          {saved()}
        </p>
      </Show>
      <Show when={editing()} keyed>
        {(current) => (
          <section class="card" data-testid="service-form-card">
            <h2>{current.mode === 'edit' ? `Edit “${current.service.name}”` : 'Add a service'}</h2>
            <ServiceForm service={current.mode === 'edit' ? current.service : undefined} onSaved={onSaved} onCancel={() => setEditing(null)} />
          </section>
        )}
      </Show>
      <section class="card card--flush">
        <div class="card__head">
          <h2>Services</h2>
          <span class="muted" data-testid="admin-services-count">
            {services.data ? (total() > services.data.services.length ? `${services.data.services.length} of ${total()} shown` : `${total()} in total`) : ''}
          </span>
        </div>
        <FormErrorMessage error={formError(services.error)} />
        <table class="table" data-testid="admin-services-table">
          <thead>
            <tr>
              <th>Service</th>
              <th>Kind / target</th>
              <th>Every</th>
              <th>Status</th>
              <th>Defined in</th>
              <th />
            </tr>
          </thead>
          <tbody>
            <For each={services.data?.services} fallback={<tr><td colSpan={6} class="table__empty">{services.fetching ? 'Loading…' : 'No services yet.'}</td></tr>}>
              {(service) => (
                <ServiceRow
                  service={service}
                  onEdit={() => {
                    setSaved(null);
                    setEditing({ mode: 'edit', service });
                    window.scrollTo({ top: 0 });
                  }}
                  onDeleted={refresh}
                />
              )}
            </For>
          </tbody>
        </table>
        <Show when={services.data && total() > services.data.services.length && shown() < MOST}>
          <button type="button" class="button button--quiet" disabled={services.fetching} onClick={() => setShown((n) => Math.min(n + PAGE, MOST))} data-testid="admin-services-more">
            Show {PAGE} more
          </button>
        </Show>
      </section>
    </>
  );
}
