/**
 * Operations: the Runs, Failures and Stuck lists (read-only). Each row opens its operation; the
 * page offers exactly one call to action, in its header and again when the list is empty.
 */
import { Match, Show, Switch, createMemo, type JSX } from 'solid-js';
import { useSearchParams } from '@solidjs/router';
import { PageHeader } from '../../components/PageHeader.tsx';
import { Tabs } from '../../components/Tabs.tsx';
import { FormErrorMessage } from '../../components/Forms.tsx';
import { RunFilters } from '../../components/operations/RunFilters.tsx';
import { RunTable } from '../../components/operations/RunTable.tsx';
import { AllOperationsLink, RunbooksLink } from '../../components/operations/OpsCallToAction.tsx';
import { OPS_TABS } from '../../navigation.ts';
import { createRunList, filterFromParams, filterToParams, toApiFilter, type RunFilterForm, type RunListKind } from '../../lib/run-list.ts';

interface ListCopy {
  description: string;
  emptyTitle: string;
  emptyText: string;
  cta: () => JSX.Element;
}

const COPY: Record<RunListKind, ListCopy> = {
  runs: {
    description: 'Every operation the workers run, newest first. Open one to see all about it and act on it.',
    emptyTitle: 'No operations yet',
    emptyText: 'Operations appear here as soon as they are submitted. The runbooks say how to submit them and what to do when one fails.',
    cta: () => <RunbooksLink />,
  },
  failures: {
    description: 'Operations that completed with a failure, newest first.',
    emptyTitle: 'No failed operations',
    emptyText: 'Nothing failed here. Every operation is on the full list.',
    cta: () => <AllOperationsLink />,
  },
  stuck: {
    description: 'Operations that are stuck, and why: queued too long, lease expired, heartbeat missing, or running past the expected duration.',
    emptyTitle: 'Nothing is stuck',
    emptyText: 'No operation is waiting on a worker that is gone or late. Every operation is on the full list.',
    cta: () => <AllOperationsLink />,
  },
};

const sameJson = <T,>(a: T, b: T) => JSON.stringify(a) === JSON.stringify(b);

export function OperationsListPage(props: { kind: RunListKind }) {
  const [params, setParams] = useSearchParams();
  const form = createMemo(() => filterFromParams({ ...params }), undefined, { equals: sameJson });
  const apiFilter = createMemo(() => toApiFilter(form()), undefined, { equals: sameJson });
  const list = createRunList(props.kind, apiFilter);
  const copy = COPY[props.kind];
  const filtered = () => Object.values(form()).some(Boolean);
  /** A new filter goes to the address (which reloads the list); the same one again reloads it. */
  const apply = (next: RunFilterForm) => {
    if (sameJson(toApiFilter(next), apiFilter())) void list.reload();
    else setParams(filterToParams(next));
  };

  const empty = () => (
    <section class="empty-state" data-testid="runs-empty">
      <h2>{filtered() ? 'No operations match these filters' : copy.emptyTitle}</h2>
      <p class="muted">{filtered() ? 'Clear the filters to see more.' : copy.emptyText}</p>
      {copy.cta()}
    </section>
  );

  return (
    <>
      <PageHeader title="Operations" description={copy.description} actions={copy.cta()} />
      <Tabs label="Operation lists" tabs={OPS_TABS} />
      <section class="card">
        <RunFilters kind={props.kind} value={form()} onApply={apply} />
      </section>
      <FormErrorMessage error={list.error()} testid="runs-error" />
      <section class="card card--flush" classList={{ stale: list.loading() && !list.loaded() }} data-testid={`runs-${props.kind}`} data-loaded={list.loaded() ? 'true' : 'false'}>
        <Switch>
          <Match when={!list.loaded() && list.runs().length === 0}>
            <p class="table__empty">{list.error() ? 'Could not load the operations.' : 'Loading operations…'}</p>
          </Match>
          <Match when={true}>
            <RunTable kind={props.kind} runs={list.runs()} empty={empty()} />
          </Match>
        </Switch>
        <Show when={list.runs().length}>
          <div class="card__foot">
            <span class="muted" data-testid="runs-shown">
              {list.runs().length} shown{list.hasMore() ? ', newest first' : ''}
            </span>
            <Show when={list.hasMore()}>
              <button type="button" class="button button--quiet" disabled={list.loading()} onClick={() => void list.loadMore()} data-testid="runs-load-more">
                {list.loading() ? 'Loading…' : 'Load more'}
              </button>
            </Show>
          </div>
        </Show>
      </section>
    </>
  );
}
