/** Services per status, as buttons that filter the grid to that status (press again for all). */
import { For } from 'solid-js';
import { STATUS_KEYS, STATUS_LABELS, type StatusKey } from '../../lib/status.ts';

export function StatusCounts(props: { counts: Record<StatusKey, number>; selected: StatusKey | null; onSelect: (key: StatusKey | null) => void }) {
  return (
    <div class="status-counts" role="group" aria-label="Services by status" data-testid="status-counts">
      <For each={STATUS_KEYS}>
        {(key) => (
          <button
            type="button"
            class={`status-count status-count--${key}`}
            classList={{ 'status-count--active': props.selected === key, 'status-count--zero': props.counts[key] === 0 }}
            aria-pressed={props.selected === key}
            data-testid={`count-${key}`}
            data-count={props.counts[key]}
            onClick={() => props.onSelect(props.selected === key ? null : key)}
          >
            <span class="status-count__value">{props.counts[key]}</span>
            <span class="status-count__label">{STATUS_LABELS[key]}</span>
          </button>
        )}
      </For>
    </div>
  );
}
