/**
 * Status windows as coloured blocks across a time range (open windows run until now). Blocks are
 * laid out so each can be seen and hit (lib/uptime.ts: short windows merged, a minimum width, no
 * overlap). With `onSelect` the blocks are buttons, for "which checks were in this window?".
 */
import { For, Index, Show, createSignal, onCleanup, onMount } from 'solid-js';
import { layoutTimeline, type TimelineBlock, type Window } from '../../lib/uptime.ts';
import { STATUS_LABELS, statusKey } from '../../lib/status.ts';
import { formatDateTime, formatDuration, formatHourMinute, formatMonthDay } from '../../lib/format.ts';

export function windowTitle(window: Window, now: number): string {
  const end = window.endedAt ? Date.parse(window.endedAt) : now;
  const label = STATUS_LABELS[statusKey(window.status, window.status === 'paused')];
  return `${label} from ${formatDateTime(window.startedAt)} to ${window.endedAt ? formatDateTime(window.endedAt) : 'now'} (${formatDuration(end - Date.parse(window.startedAt))})`;
}

/** A block's words: its window, or for merged short windows how many and the worst of them. */
function blockTitle(block: TimelineBlock, now: number): string {
  if (block.members.length === 1) return windowTitle(block.window, now);
  return `${block.members.length} short status windows, worst ${STATUS_LABELS[statusKey(block.window.status, block.window.status === 'paused')].toLowerCase()}: ${windowTitle(block.window, now).replace(/^\w+ /, '')}`;
}

/** Before the bar has been measured (and in layouts that hide it): a width that keeps blocks in place. */
const UNMEASURED_PX = 1000;

export function TimelineBar(props: {
  windows: readonly Window[];
  from: number;
  to: number;
  now: number;
  selected?: Window | null;
  onSelect?: (window: Window) => void;
  label: string;
  /** The narrowest a block is drawn, in pixels (default 10: wide enough to hit). */
  minBlockPx?: number;
}) {
  let bar!: HTMLDivElement;
  const [width, setWidth] = createSignal(0);
  onMount(() => {
    setWidth(bar.clientWidth);
    const observer = new ResizeObserver(() => setWidth(bar.clientWidth));
    observer.observe(bar);
    onCleanup(() => observer.disconnect());
  });
  const blocks = () => layoutTimeline(props.windows, props.from, props.to, props.now, width() || UNMEASURED_PX, props.minBlockPx ?? 10);
  const isSelected = (block: TimelineBlock) =>
    !!props.selected && props.selected.startedAt === block.window.startedAt && (props.selected.endedAt ?? null) === (block.window.endedAt ?? null);

  return (
    <div ref={bar} class="timeline" role="group" aria-label={props.label} data-testid="timeline">
      {/* By position, not by block: the layout is recomputed every tick, and replacing the element under the pointer would lose a click. */}
      <Index each={blocks()}>
        {(block) => {
          const cls = () => `timeline__block timeline__block--${statusKey(block().window.status, block().window.status === 'paused')}`;
          const style = () => ({ left: `${block().left}%`, width: `${block().width}%` });
          const title = () => blockTitle(block(), props.now);
          return (
            <Show
              when={props.onSelect}
              fallback={<span class={cls()} style={style()} title={title()} data-testid="timeline-window" data-status={block().window.status} />}
            >
              <button
                type="button"
                class={cls()}
                classList={{ 'timeline__block--selected': isSelected(block()) }}
                style={style()}
                title={title()}
                aria-label={title()}
                aria-pressed={isSelected(block())}
                data-testid="timeline-window"
                data-status={block().window.status}
                data-merged={block().members.length > 1 ? String(block().members.length) : undefined}
                onClick={() => props.onSelect!(block().window)}
              />
            </Show>
          );
        }}
      </Index>
    </div>
  );
}

const MINUTE = 60_000;
const HOUR = 3600_000;
const DAY = 86400_000;
/** Steps between axis labels, smallest first: the first that gives at most `max` labels is used. */
const STEPS = [5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 4 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 5 * DAY, 7 * DAY];

/**
 * Time labels under a timeline at round times (whole hours, local midnights), every step the same,
 * so no day or hour is skipped: 24-hour clock within a day, dates for longer ranges.
 */
export function axisTicks(from: number, to: number, max = 8): { at: number; text: string }[] {
  const span = to - from;
  if (span <= 0) return [];
  const step = STEPS.find((s) => span / s <= max) ?? STEPS.at(-1)!;
  const ticks: { at: number; text: string }[] = [];
  if (step >= DAY) {
    const first = new Date(from);
    first.setHours(0, 0, 0, 0);
    if (first.getTime() < from) first.setDate(first.getDate() + 1);
    for (let d = first; d.getTime() < to; d.setDate(d.getDate() + step / DAY)) ticks.push({ at: d.getTime(), text: formatMonthDay(d.getTime()) });
  } else {
    // Round to the step in local time (a zone with a half-hour offset still gets whole local hours).
    const offset = new Date(from).getTimezoneOffset() * MINUTE;
    let at = Math.ceil((from - offset) / step) * step + offset;
    for (; at < to; at += step) ticks.push({ at, text: span > DAY ? `${formatMonthDay(at)} ${formatHourMinute(at)}` : formatHourMinute(at) });
  }
  return ticks;
}

/** Labels under a timeline at round times, and "now" at its end. */
export function TimeAxis(props: { from: number; to: number; ticks?: number }) {
  const labels = () => {
    const span = props.to - props.from;
    // Leave the last tenth to "now": a label there would run into it.
    const ticks = axisTicks(props.from, props.to, props.ticks ?? 8).filter((t) => t.at - props.from < span * 0.9);
    return [...ticks.map((t) => ({ left: ((t.at - props.from) / span) * 100, text: t.text })), { left: 100, text: 'now' }];
  };
  return (
    <div class="time-axis" aria-hidden="true" data-testid="time-axis">
      <For each={labels()}>{(l) => <span style={{ left: `${l.left}%` }}>{l.text}</span>}</For>
    </div>
  );
}
