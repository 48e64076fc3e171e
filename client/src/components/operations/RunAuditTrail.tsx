/** What was done to an operation, oldest first: by whom (a person, a token, or Lookout itself: the lease sweep), with what outcome, and the input sent. */
import { For, Show } from 'solid-js';
import type { RunDetail } from '../../lib/run-detail.ts';
import { auditActionWords } from '../../lib/operations.ts';
import { formatDateTime } from '../../lib/format.ts';
import { Badge } from '../Badge.tsx';

export function RunAuditTrail(props: { entries: RunDetail['auditTrail'] }) {
  return (
    <section class="card card--flush" data-testid="run-audit">
      <div class="card__head">
        <h2>Audit trail</h2>
        <span class="muted">oldest first</span>
      </div>
      <table class="table table--compact">
        <thead>
          <tr>
            <th>Time</th>
            <th>Action</th>
            <th>By</th>
            <th>Outcome</th>
            <th>Input</th>
          </tr>
        </thead>
        <tbody>
          <For
            each={props.entries}
            fallback={
              <tr>
                <td colSpan={5} class="table__empty">
                  Nothing recorded yet.
                </td>
              </tr>
            }
          >
            {(entry) => (
              <tr data-testid="audit-entry" data-action={entry.action}>
                <td class="nowrap" title={entry.at}>
                  {formatDateTime(entry.at)}
                </td>
                <td>
                  {auditActionWords(entry.action)}
                  <div class="caps mono">{entry.action}</div>
                </td>
                <td data-testid="audit-entry-actor" data-actor-type={entry.actorType}>
                  {entry.actorLabel ?? <span class="muted">—</span>}
                  <Show when={entry.actorType === 'system'}>
                    <div class="caps">Lookout itself</div>
                  </Show>
                </td>
                <td>
                  <Badge tone={entry.outcome === 'success' ? 'ok' : 'bad'}>{entry.outcome}</Badge>
                </td>
                <td class="audit-input">
                  <Show when={entry.input !== null && entry.input !== undefined} fallback={<span class="muted">—</span>}>
                    <details>
                      <summary>Show</summary>
                      <pre class="json">{JSON.stringify(entry.input, null, 2)}</pre>
                    </details>
                  </Show>
                </td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </section>
  );
}
