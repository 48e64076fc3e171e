/**
 * Filters of an operation list, as the API takes them: workspace, tenant, type, status, outcome,
 * initiator, created between, free text (and stuck class on Stuck). Edited here, applied on submit.
 * Workspaces, tenants and types are chosen from what exists (and what the caller may see).
 */
import { For, Show, createEffect, createResource } from 'solid-js';
import { createStore } from 'solid-js/store';
import { graphql } from '../../graphql';
import { client } from '../../lib/urql.ts';
import { OUTCOMES, OUTCOME_WORDS, STATUSES, STATUS_WORDS, STUCK_CLASSES, STUCK_WORDS } from '../../lib/operations.ts';
import { FILTER_KEYS, type RunFilterForm, type RunListKind } from '../../lib/run-list.ts';
import { Field, TextField } from '../Forms.tsx';

const FilterOptionsDoc = graphql(`
  query OperationFilterOptions {
    workspaces(first: 1000) {
      slug
      name
    }
    operationTypes {
      type
      label
    }
  }
`);

const TenantsDoc = graphql(`
  query OperationFilterTenants($workspace: String) {
    tenants(workspace: $workspace, first: 1000) {
      slug
      name
      workspace {
        slug
        name
      }
    }
  }
`);

type TenantOption = { slug: string; name: string; workspace: { slug: string; name: string } };

/** Tenants of one workspace, or of all the caller may see; none for a workspace that does not exist. */
const fetchTenants = async (workspace: string): Promise<TenantOption[]> =>
  (await client.query(TenantsDoc, { workspace: workspace || null }).toPromise()).data?.tenants ?? [];

const fetchOptions = async () => (await client.query(FilterOptionsDoc, {}).toPromise()).data ?? { workspaces: [], operationTypes: [] };

/** "Acme Corp (acme)", or just "acme" when the name is the slug. */
const label = (ref: { slug: string; name: string }) => (ref.name === ref.slug ? ref.slug : `${ref.name} (${ref.slug})`);

const emptyForm = (): RunFilterForm => Object.fromEntries(FILTER_KEYS.map((key) => [key, ''])) as unknown as RunFilterForm;

/** A select of `options` plus "any"; a value from the address that is not among them stays selectable. */
function Choice(props: { label: string; value: string; options: { value: string; label: string }[]; onValue: (v: string) => void; testid: string }) {
  const options = () => (props.value && !props.options.some((o) => o.value === props.value) ? [...props.options, { value: props.value, label: props.value }] : props.options);
  return (
    <Field label={props.label}>
      <select value={props.value} onChange={(e) => props.onValue(e.currentTarget.value)} data-testid={props.testid}>
        <option value="">any</option>
        {/* `selected` as well: the options may arrive after the value was set. */}
        <For each={options()}>
          {(o) => (
            <option value={o.value} selected={o.value === props.value}>
              {o.label}
            </option>
          )}
        </For>
      </select>
    </Field>
  );
}

export function RunFilters(props: { kind: RunListKind; value: RunFilterForm; onApply: (filter: RunFilterForm) => void }) {
  const [options] = createResource(fetchOptions);
  const [draft, setDraft] = createStore<RunFilterForm>(emptyForm());
  // The address is the truth: back / forward and "Clear" reset what the form shows.
  createEffect(() => setDraft({ ...props.value }));
  const set = (key: keyof RunFilterForm) => (value: string) => setDraft(key, value);
  // Tenants belong to a workspace: another workspace starts with "any tenant" again.
  const setWorkspace = (workspace: string) => setDraft({ workspace, tenant: workspace === draft.workspace ? draft.tenant : '' });

  const apply = (event?: SubmitEvent) => {
    event?.preventDefault();
    props.onApply({ ...draft });
  };
  const clear = () => props.onApply(emptyForm());

  return (
    <form class="run-filters" onSubmit={apply} data-testid="run-filters" aria-label="Filter operations">
      <TextField
        label="Search"
        placeholder="#42, type, initiator, key or error"
        value={draft.text}
        onValue={set('text')}
        class="run-filters__text"
        data-testid="run-filter-text"
      />
      <Choice
        label="Workspace"
        value={draft.workspace}
        options={(options()?.workspaces ?? []).map((w) => ({ value: w.slug, label: label(w) }))}
        onValue={setWorkspace}
        testid="run-filter-workspace"
      />
      <TenantChoice
        workspace={draft.workspace}
        value={draft.tenant}
        onValue={(tenant, workspace) => setDraft(workspace === undefined ? { tenant } : { tenant, workspace })}
      />
      <Choice
        label="Type"
        value={draft.type}
        options={(options()?.operationTypes ?? []).map((t) => ({ value: t.type, label: t.label }))}
        onValue={set('type')}
        testid="run-filter-type"
      />
      {/* Failures are completed and failed by definition: status and outcome would only empty the list. */}
      <Show when={props.kind !== 'failures'}>
        <Choice label="Status" value={draft.status} options={STATUSES.map((s) => ({ value: s, label: STATUS_WORDS[s] }))} onValue={set('status')} testid="run-filter-status" />
        <Choice label="Outcome" value={draft.outcome} options={OUTCOMES.map((o) => ({ value: o, label: OUTCOME_WORDS[o] }))} onValue={set('outcome')} testid="run-filter-outcome" />
      </Show>
      <Show when={props.kind === 'stuck'}>
        <Choice label="Stuck because" value={draft.stuckClass} options={STUCK_CLASSES.map((c) => ({ value: c, label: STUCK_WORDS[c] }))} onValue={set('stuckClass')} testid="run-filter-stuck" />
      </Show>
      <TextField label="Initiator" placeholder="part of a name" value={draft.initiator} onValue={set('initiator')} data-testid="run-filter-initiator" />
      <TextField label="Created from" type="datetime-local" value={draft.createdFrom} onValue={set('createdFrom')} data-testid="run-filter-from" />
      <TextField label="Created before" type="datetime-local" value={draft.createdTo} onValue={set('createdTo')} data-testid="run-filter-to" />
      <div class="run-filters__buttons">
        <button type="submit" class="button" data-testid="run-filter-apply">
          Apply
        </button>
        <button type="button" class="button button--quiet" onClick={clear} data-testid="run-filter-clear">
          Clear
        </button>
      </div>
    </form>
  );
}

/**
 * The tenants of the chosen workspace, or, with any workspace, every tenant grouped by its
 * workspace: choosing one of those chooses its workspace too, since a tenant's slug is only unique
 * within its workspace.
 */
function TenantChoice(props: { workspace: string; value: string; onValue: (tenant: string, workspace?: string) => void }) {
  const [tenants] = createResource(() => props.workspace, fetchTenants, { initialValue: [] });
  // Only the chosen workspace's, also while its list is on the way.
  const offered = () => (props.workspace ? tenants.latest.filter((t) => t.workspace.slug === props.workspace) : tenants.latest);
  /** With any workspace, an option's value is "workspace/tenant" (slugs hold no "/"). */
  const groups = () => {
    const byWorkspace = new Map<string, { workspace: TenantOption['workspace']; tenants: TenantOption[] }>();
    for (const t of offered()) {
      const group = byWorkspace.get(t.workspace.slug) ?? { workspace: t.workspace, tenants: [] };
      group.tenants.push(t);
      byWorkspace.set(t.workspace.slug, group);
    }
    return [...byWorkspace.values()];
  };
  // A tenant from the address without its workspace, or one not offered, stays selectable.
  const unknown = () => (props.value && (!props.workspace || !offered().some((t) => t.slug === props.value)) ? props.value : null);
  const onChange = (value: string) => {
    const [workspace, tenant] = value.includes('/') ? value.split('/') : [undefined, value];
    props.onValue(tenant ?? '', workspace);
  };
  return (
    <Field label="Tenant">
      <select value={props.value} onChange={(e) => onChange(e.currentTarget.value)} data-testid="run-filter-tenant">
        <option value="">any</option>
        <Show when={unknown()}>
          {(slug) => (
            <option value={slug()} selected>
              {props.workspace ? slug() : `${slug()} (in any workspace)`}
            </option>
          )}
        </Show>
        <Show
          when={props.workspace}
          fallback={
            <For each={groups()}>
              {(group) => (
                <optgroup label={label(group.workspace)}>
                  <For each={group.tenants}>{(t) => <option value={`${t.workspace.slug}/${t.slug}`}>{`${label(t.workspace)} / ${label(t)}`}</option>}</For>
                </optgroup>
              )}
            </For>
          }
        >
          <For each={offered()}>
            {(t) => (
              <option value={t.slug} selected={t.slug === props.value}>
                {label(t)}
              </option>
            )}
          </For>
        </Show>
      </select>
    </Field>
  );
}
