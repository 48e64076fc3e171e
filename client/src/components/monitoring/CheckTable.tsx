/** Checks, newest first, with "Load older" while the server has more; no latency column for heartbeat services (`showLatency={false}`). */
import { For, Show } from 'solid-js';
import type { CheckList } from '../../lib/check-list.ts';
import { formatDateTime } from '../../lib/format.ts';
import { formatLatency } from '../../lib/status.ts';
import { FormErrorMessage } from '../Forms.tsx';
import { StatusBadge } from './StatusBadge.tsx';

export function CheckTable(props: { list: CheckList; testid: string; empty: string; showLatency?: boolean }) {
  const latency = () => props.showLatency !== false;
  return (
    <>
      {/* Focusable, so a keyboard can scroll it sideways on a phone. */}
      <div class="check-table-scroll" tabindex="0" role="region" aria-label="Checks">
      <table class="table table--compact" data-testid={props.testid}>
        <thead>
          <tr>
            <th>Checked</th>
            <th>Result</th>
            <Show when={latency()}>
              <th>Latency</th>
            </Show>
            <th>Error</th>
          </tr>
        </thead>
        <tbody>
          <For
            each={props.list.checks}
            fallback={
              <tr>
                <td colSpan={latency() ? 4 : 3} class="table__empty">
                  {props.list.loading() ? 'Loading…' : props.empty}
                </td>
              </tr>
            }
          >
            {(check) => (
              <tr data-testid="check-row" data-status={check.status.toLowerCase()}>
                <td class="nowrap" title={check.checkedAt}>
                  {formatDateTime(check.checkedAt)}
                </td>
                <td>
                  <StatusBadge status={check.status} />
                </td>
                <Show when={latency()}>
                  <td class="nowrap mono">{formatLatency(check.latencyMs)}</td>
                </Show>
                <td class="check-error">{check.error ?? <span class="muted">—</span>}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
      </div>
      <FormErrorMessage error={props.list.error()} />
      <Show when={props.list.hasMore()}>
        <div class="card__foot">
          <span class="muted">{props.list.checks.length} shown</span>
          <button
            type="button"
            class="button button--quiet button--small"
            disabled={props.list.loading()}
            onClick={() => void props.list.loadOlder()}
            data-testid={`${props.testid}-older`}
          >
            {props.list.loading() ? 'Loading…' : 'Load older'}
          </button>
        </div>
      </Show>
    </>
  );
}
