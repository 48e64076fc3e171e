/**
 * Overview: is everything running? The services as cards coloured and labelled by status, worst
 * first, a page at a time (the next page when the grid is scrolled to its end), live (one query,
 * then updates in place from the subscriptions), with the counts of all of them that filter, a tag
 * and text filter (applied by the server), and Lookout's own clock, health and version in a strip. Above it all, for those who
 * may see operations, the ops summary: healthy right now, and if not, why. The headline and the
 * strip's "Overall" show one verdict, made from the live grid and the ops summary.
 */
import { Match, Show, Switch, createMemo } from 'solid-js';
import { createStore } from 'solid-js/store';
import { PageHeader } from '../components/PageHeader.tsx';
import { ServerStrip } from '../components/ServerStrip.tsx';
import { ServiceGrid } from '../components/monitoring/ServiceGrid.tsx';
import { OpsSummaryCard } from '../components/operations/OpsSummaryCard.tsx';
import { StatusCounts } from '../components/monitoring/StatusCounts.tsx';
import { GridFilters } from '../components/monitoring/GridFilters.tsx';
import { FormErrorMessage } from '../components/Forms.tsx';
import { createServiceGrid, type GridFilter } from '../lib/service-grid.ts';
import { createOpsSummary } from '../lib/ops-summary.ts';
import { overviewVerdict, type Verdict } from '../lib/overview-verdict.ts';
import { connectionStatus } from '../lib/connection.ts';
import { can } from '../lib/session.ts';
import { Capability } from '../../../server/auth/capabilities.ts';

export function OverviewPage() {
  const [filter, setFilter] = createStore<GridFilter>({ status: null, tag: null, text: '' });
  const grid = createServiceGrid(filter);
  // The page sits behind its capability guard, so the session is known here.
  const seesOperations = can(Capability.OperationsView);
  const ops = seesOperations ? createOpsSummary() : null;
  // One verdict for the headline and the strip: none until every part of it has answered, so
  // neither ever shows a half-made one.
  const verdict = createMemo((): Verdict | null => {
    if (!grid.state.loaded) return null;
    if (!ops) return overviewVerdict(grid.tally(), null);
    const summary = ops.summary();
    return summary ? overviewVerdict(grid.tally(), summary) : null;
  });

  return (
    <>
      <PageHeader title="Overview" description="Is everything running? Every service Lookout watches, live." />
      <Show when={ops}>{(o) => <OpsSummaryCard summary={o().summary} error={o().error} verdict={verdict} />}</Show>
      <ServerStrip verdict={verdict} />
      <Show when={grid.state.configError}>
        <div class="notice notice--warn" role="alert" data-testid="config-error">
          <strong>The config file was not loaded:</strong> {grid.state.configError} The last good configuration stays in force.
        </div>
      </Show>
      <FormErrorMessage error={grid.state.error} testid="grid-error" />
      <Switch>
        <Match when={!grid.state.loaded && !grid.state.error}>
          <p class="muted" data-testid="grid-loading">
            Loading services…
          </p>
        </Match>
        <Match when={grid.state.loaded && grid.total() === 0}>
          <EmptyGrid />
        </Match>
        <Match when={grid.state.loaded}>
          <StatusCounts counts={grid.counts()} selected={filter.status} onSelect={(status) => setFilter({ status })} />
          <GridFilters filter={filter} tags={grid.tags()} onChange={setFilter} matching={grid.matching()} total={grid.total()} />
          <ServiceGrid
            names={grid.names()}
            service={grid.service}
            stale={connectionStatus() === 'reconnecting'}
            matching={grid.matching()}
            loadingMore={grid.loadingMore()}
            onShowMore={grid.showMore}
          />
        </Match>
      </Switch>
    </>
  );
}

function EmptyGrid() {
  return (
    <section class="card placeholder" data-testid="grid-empty">
      <h2>No services yet</h2>
      <p>Lookout checks the services you give it and shows each one here, live. Add them either way:</p>
      <ul>
        <li>
          in a YAML config file named by <code>LOOKOUT_CONFIG</code> (a <code>services:</code> list with name, kind, target
          and interval), reloaded when it changes;
        </li>
        <li>
          or in the dashboard under{' '}
          <Show when={can(Capability.SystemAdmin)} fallback={<>Admin → Services (an admin can do it)</>}>
            <a href="/admin/services">Admin → Services</a>
          </Show>
          .
        </li>
      </ul>
    </section>
  );
}
