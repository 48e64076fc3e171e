/** The retry lineage both ways: the operations this one retries, and the retries of it, as links. */
import { For, Show } from 'solid-js';
import { A } from '@solidjs/router';
import type { RunDetail } from '../../lib/run-detail.ts';
import { runHref } from '../../lib/operations.ts';
import { formatDateTime } from '../../lib/format.ts';
import { RunOutcomeBadge, RunStatusBadge } from './RunBadges.tsx';

type Linked = RunDetail['retries'][number];

function LineageList(props: { runs: Linked[]; testid: string; empty: string }) {
  return (
    <Show when={props.runs.length} fallback={<p class="muted" data-testid={props.testid}>{props.empty}</p>}>
      <ol class="lineage" data-testid={props.testid}>
        <For each={props.runs}>
          {(run) => (
            <li class="lineage__item">
              <A href={runHref(run.id)} data-testid="lineage-link" data-run-id={run.id}>
                {run.title}
              </A>
              <RunStatusBadge status={run.status} testid="lineage-status" />
              <RunOutcomeBadge outcome={run.outcome} testid="lineage-outcome" />
              <span class="muted">{formatDateTime(run.createdAt)}</span>
            </li>
          )}
        </For>
      </ol>
    </Show>
  );
}

export function RunLineage(props: { run: RunDetail }) {
  return (
    <section class="card" data-testid="run-lineage">
      <h2>Retries</h2>
      <div class="grid grid--2">
        <div>
          <h3 class="lineage__head">Retries of</h3>
          <LineageList runs={props.run.retriedFrom} testid="retried-from" empty="Not a retry: this is the first attempt." />
        </div>
        <div>
          <h3 class="lineage__head">Retried as</h3>
          <LineageList runs={props.run.retries} testid="retried-as" empty="Not retried." />
        </div>
      </div>
    </section>
  );
}
