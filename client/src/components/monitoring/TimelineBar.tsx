/**
 * Status windows as coloured blocks across a time range (open windows run until now). With
 * `onSelect` the blocks are buttons, for the detail page's "which checks were in this window?".
 */
import { For, Show } from 'solid-js';
import type { Window } from '../../lib/uptime.ts';
import { STATUS_LABELS, statusKey } from '../../lib/status.ts';
import { formatDateTime, formatDuration } from '../../lib/format.ts';

/** Where a window sits in [from, to) as percentages, or null when it is outside. */
function position(window: Window, from: number, to: number, now: number): { left: string; width: string } | null {
  const span = to - from;
  const start = Math.max(Date.parse(window.startedAt), from);
  const end = Math.min(window.endedAt ? Date.parse(window.endedAt) : now, to);
  if (end <= start || span <= 0) return null;
  // A block is at least 2px wide (CSS), so one that starts right at `to` is pulled in to stay visible.
  return { left: `min(${((start - from) / span) * 100}%, calc(100% - 2px))`, width: `${((end - start) / span) * 100}%` };
}

export function windowTitle(window: Window, now: number): string {
  const end = window.endedAt ? Date.parse(window.endedAt) : now;
  const label = STATUS_LABELS[statusKey(window.status, window.status === 'paused')];
  return `${label} from ${formatDateTime(window.startedAt)} to ${window.endedAt ? formatDateTime(window.endedAt) : 'now'} (${formatDuration(end - Date.parse(window.startedAt))})`;
}

export function TimelineBar(props: {
  windows: readonly Window[];
  from: number;
  to: number;
  now: number;
  selected?: Window | null;
  onSelect?: (window: Window) => void;
  label: string;
}) {
  return (
    <div class="timeline" role="group" aria-label={props.label} data-testid="timeline">
      {/* Keyed by window, so a moving range restyles blocks instead of replacing them. */}
      <For each={props.windows}>
        {(window) => {
          const style = () => position(window, props.from, props.to, props.now);
          const cls = () => `timeline__block timeline__block--${statusKey(window.status, window.status === 'paused')}`;
          const title = () => windowTitle(window, props.now);
          return (
            <Show when={style()}>
              <Show
                when={props.onSelect}
                fallback={<span class={cls()} style={style()!} title={title()} data-testid="timeline-window" data-status={window.status} />}
              >
                <button
                  type="button"
                  class={cls()}
                  classList={{ 'timeline__block--selected': props.selected?.startedAt === window.startedAt }}
                  style={style()!}
                  title={title()}
                  aria-label={title()}
                  data-testid="timeline-window"
                  data-status={window.status}
                  onClick={() => props.onSelect!(window)}
                />
              </Show>
            </Show>
          );
        }}
      </For>
    </div>
  );
}

const DAY = 86400_000;
const hourMinute = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const monthDay = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/** Evenly spaced time labels under a timeline: hours for a day, dates for longer ranges. */
export function TimeAxis(props: { from: number; to: number; ticks?: number }) {
  const labels = () => {
    const count = props.ticks ?? 6;
    const format = props.to - props.from <= DAY ? hourMinute : monthDay;
    return Array.from({ length: count + 1 }, (_, i) => {
      const at = props.from + ((props.to - props.from) * i) / count;
      return { left: (i / count) * 100, text: i === count ? 'now' : format.format(at) };
    });
  };
  return (
    <div class="time-axis" aria-hidden="true" data-testid="time-axis">
      <For each={labels()}>{(l) => <span style={{ left: `${l.left}%` }}>{l.text}</span>}</For>
    </div>
  );
}
