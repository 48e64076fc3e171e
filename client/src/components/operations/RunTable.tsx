/**
 * Operations as rows, each row one link to the operation (click anywhere on it, or Tab to it and
 * press Enter; a middle click opens a new tab). Read-only: no row actions, no selection. Each list
 * shows what its triage needs: Runs the worker and the duration, Failures the error, the attempt,
 * when it failed and whether someone investigated or retried it (as Sidekiq's and Temporal's do).
 */
import { For, Show, type JSX } from 'solid-js';
import { A } from '@solidjs/router';
import { attemptWords, runDuration, type RunListKind, type RunListRow } from '../../lib/run-list.ts';
import { runHref } from '../../lib/operations.ts';
import { formatDateTime } from '../../lib/format.ts';
import { now } from '../../lib/ticker.ts';
import { Badge } from '../Badge.tsx';
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

/** Whether someone looked into a failure, and whether it was retried: the words, not only a colour. */
function Triage(props: { run: RunListRow }) {
  return (
    <span class="run-row__triage">
      <Show when={props.run.investigated}>
        {(i) => (
          <span title={`Marked investigated by ${i().by ?? 'someone'} at ${formatDateTime(i().at)}`}>
            <Badge tone="ok" testid="run-investigated-badge">Investigated</Badge>
          </span>
        )}
      </Show>
      <Show when={props.run.retriedById}>
        {(id) => (
          <Badge tone="neutral" testid="run-retried-badge">
            Retried as #{id()}
          </Badge>
        )}
      </Show>
      <Show when={!props.run.investigated && !props.run.retriedById}>
        <span class="muted" data-testid="run-untriaged">not yet</span>
      </Show>
    </span>
  );
}

export function RunTable(props: { kind: RunListKind; runs: RunListRow[]; empty: JSX.Element }) {
  const stuck = () => props.kind === 'stuck';
  const failures = () => props.kind === 'failures';
  const runs = () => props.kind === 'runs';
  return (
    <div class="run-table" classList={{ 'run-table--stuck': stuck(), 'run-table--failures': failures(), 'run-table--runs': runs() }} data-testid="run-table">
      <div class="run-row run-row--head" aria-hidden="true">
        <span>Operation</span>
        <span>Type</span>
        <span>Workspace</span>
        <span>Tenant</span>
        <Show when={!failures()}>
          <span>Initiator</span>
          <span>Status</span>
        </Show>
        <Show when={stuck()}>
          <span>Stuck because</span>
        </Show>
        <Show when={runs()}>
          <span>Worker</span>
          <span>Duration</span>
        </Show>
        <Show when={failures()}>
          <span>Error</span>
          <span>Attempt</span>
          <span>Failed</span>
          <span>Triage</span>
        </Show>
        <Show when={!failures()}>
          <span>Created</span>
        </Show>
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
                  <Show when={!failures()}>
                    <Cell label="Initiator" testid="run-initiator">
                      {run.initiatorName ?? none()}
                    </Cell>
                    <Cell label="Status and outcome" class="run-row__state">
                      <RunStatusBadge status={run.status} />
                      <RunOutcomeBadge outcome={run.outcome} />
                    </Cell>
                  </Show>
                  <Show when={stuck()}>
                    <Cell label="Stuck because">{run.stuck ? <StuckClassLabel stuckClass={run.stuck.stuckClass} reason={run.stuck.reason} /> : none()}</Cell>
                  </Show>
                  <Show when={runs()}>
                    <Cell label="Worker" class="mono" testid="run-worker">
                      {run.leaseWorker ?? none()}
                    </Cell>
                    <Cell label="Duration" class="nowrap" testid="run-duration">
                      {runDuration(run, now()) ?? none()}
                    </Cell>
                  </Show>
                  <Show when={failures()}>
                    <Cell label="Error" class="run-row__error" testid="run-error">
                      <span title={run.error ?? undefined}>{run.error ?? none()}</span>
                    </Cell>
                    <Cell label="Attempt" class="nowrap" testid="run-attempt">
                      {attemptWords(run)}
                    </Cell>
                    <Cell label="Failed" class="nowrap" testid="run-failed-at">
                      <span title={run.completedAt ?? undefined}>{formatDateTime(run.completedAt)}</span>
                    </Cell>
                    <Cell label="Triage" testid="run-triage">
                      <Triage run={run} />
                    </Cell>
                  </Show>
                  <Show when={!failures()}>
                    <Cell label="Created" class="nowrap" testid="run-created">
                      <span title={run.createdAt}>{formatDateTime(run.createdAt)}</span>
                    </Cell>
                  </Show>
                </A>
              </li>
            )}
          </For>
        </ol>
      </Show>
    </div>
  );
}
