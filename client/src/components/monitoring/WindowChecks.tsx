/** The checks (and their errors) recorded during one status window, picked on the timeline. */
import type { Window } from '../../lib/uptime.ts';
import { createCheckList } from '../../lib/check-list.ts';
import { windowTitle } from './TimelineBar.tsx';
import { CheckTable } from './CheckTable.tsx';

export function WindowChecks(props: { service: string; window: Window; onClose: () => void; showLatency?: boolean }) {
  // Rendered keyed by window: a new pick makes a new list.
  const list = createCheckList(props.service, { pageSize: 50, since: props.window.startedAt, before: props.window.endedAt ?? null });
  void list.refresh();
  return (
    <div class="window-checks" data-testid="window-checks" role="region" aria-label="Checks in the picked window">
      <div class="window-checks__head">
        <strong>{windowTitle(props.window, Date.now())}</strong>
        <button type="button" class="button button--quiet button--small" onClick={() => props.onClose()} data-testid="window-checks-close">
          Close
        </button>
      </div>
      <CheckTable list={list} testid="window-check-table" empty="No checks were recorded in this window." showLatency={props.showLatency} />
    </div>
  );
}
