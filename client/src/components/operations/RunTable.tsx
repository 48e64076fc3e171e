/**
 * Operations as rows, each row one link to the operation (click anywhere on it, or Tab to it and
 * press Enter; a middle click opens a new tab). Read-only: no row actions, no selection.
 */
import { For, Show, type JSX } from 'solid-js';
import { A } from '@solidjs/router';
import type { RunListKind, RunListRow } from '../../lib/run-list.ts';
import { runHref } from '../../lib/operations.ts';
import { formatDateTime } from '../../lib/format.ts';
import { RunOutcomeBadge, RunStatusBadge, StuckClassLabel } from './RunBadges.tsx';

/** A cell with its column name for screen readers (the header row is only drawn). */
function Cell(props: { label: string; class?: string; testid?: string; children: JSX.Element }) {
  return (
    <span class={`run-row__cell ${props.class ?? ''}`} data-testid={props.testid}>
      <span class="visually-hidden">{props.label}: </span>
      {props.children}
    </span>
  );
}

/** An empty cell (a function: one DOM node cannot sit in several rows). */
const none = () => <span class="muted">—</span>;

export function RunTable(props: { kind: RunListKind; runs: RunListRow[]; empty: JSX.Element }) {
  const stuck = () => props.kind === 'stuck';
  return (
    <div class="run-table" classList={{ 'run-table--stuck': stuck() }} data-testid="run-table">
      <div class="run-row run-row--head" aria-hidden="true">
        <span>Operation</span>
        <span>Type</span>
        <span>Workspace</span>
        <span>Tenant</span>
        <span>Initiator</span>
        <span>Status</span>
        <Show when={stuck()}>
          <span>Stuck because</span>
        </Show>
        <span>Created</span>
      </div>
      <Show when={props.runs.length} fallback={props.empty}>
        <ol class="run-table__rows" aria-label="Operations">
          <For each={props.runs}>
            {(run) => (
              <li>
                <A
                  href={runHref(run.id)}
                  class="run-row"
                  data-testid="run-row"
                  data-run-id={run.id}
                  data-status={run.status}
                  data-outcome={run.outcome}
                  data-stuck-class={run.stuckClass ?? undefined}
                >
                  <Cell label="Operation" class="run-row__title" testid="run-title">
                    {run.title}
                  </Cell>
                  <Cell label="Type" testid="run-type">
                    <span title={run.type}>{run.typeLabel}</span>
                  </Cell>
                  <Cell label="Workspace" testid="run-workspace">
                    <span title={run.workspace.slug}>{run.workspace.name}</span>
                  </Cell>
                  <Cell label="Tenant" testid="run-tenant">
                    {run.tenant ? <span title={run.tenant.slug}>{run.tenant.name}</span> : none()}
                  </Cell>
                  <Cell label="Initiator" testid="run-initiator">
                    {run.initiatorName ?? none()}
                  </Cell>
                  <Cell label="Status and outcome" class="run-row__state">
                    <RunStatusBadge status={run.status} />
                    <RunOutcomeBadge outcome={run.outcome} />
                  </Cell>
                  <Show when={stuck()}>
                    <Cell label="Stuck because">{run.stuck ? <StuckClassLabel stuckClass={run.stuck.stuckClass} reason={run.stuck.reason} /> : none()}</Cell>
                  </Show>
                  <Cell label="Created" class="nowrap" testid="run-created">
                    <span title={run.createdAt}>{formatDateTime(run.createdAt)}</span>
                  </Cell>
                </A>
              </li>
            )}
          </For>
        </ol>
      </Show>
    </div>
  );
}
