/** The grid's filters: status, tag and text (name, display name or target), applied by the server. */
import { For } from 'solid-js';
import { STATUS_KEYS, STATUS_LABELS, type StatusKey } from '../../lib/status.ts';
import type { GridFilter } from '../../lib/service-grid.ts';

const number = new Intl.NumberFormat('en');

export function GridFilters(props: { filter: GridFilter; tags: string[]; onChange: (change: Partial<GridFilter>) => void; matching: number; total: number }) {
  return (
    <div class="grid-filters" data-testid="grid-filters">
      <input
        type="search"
        class="grid-filters__text"
        placeholder="Filter by name or target"
        aria-label="Filter by name or target"
        value={props.filter.text}
        onInput={(e) => props.onChange({ text: e.currentTarget.value })}
        data-testid="grid-filter-text"
      />
      <select
        aria-label="Status"
        value={props.filter.status ?? ''}
        onChange={(e) => props.onChange({ status: (e.currentTarget.value || null) as StatusKey | null })}
        data-testid="grid-filter-status"
      >
        <option value="">Any status</option>
        <For each={STATUS_KEYS}>{(key) => <option value={key}>{STATUS_LABELS[key]}</option>}</For>
      </select>
      <select aria-label="Tag" value={props.filter.tag ?? ''} onChange={(e) => props.onChange({ tag: e.currentTarget.value || null })} data-testid="grid-filter-tag">
        <option value="">Any tag</option>
        <For each={props.tags}>{(tag) => <option value={tag}>{tag}</option>}</For>
      </select>
      <span class="muted grid-filters__shown" data-testid="grid-shown">
        {props.matching === props.total ? `${number.format(props.total)} services` : `${number.format(props.matching)} of ${number.format(props.total)} services`}
      </span>
    </div>
  );
}
