/**
 * The detail page's latency chart (uPlot): average and p95 latency per minute (ranges up to 6 h) or
 * per five minutes (up to a day) over the range it is given (the page gives the service's own range:
 * a new service fills the chart), over coloured bands of the status the service was in. Buckets
 * with no check break the lines instead of bridging them.
 * Times on the axis and in the legend are 24-hour, in the browser's time zone.
 */
import { createEffect, on, onCleanup, onMount } from 'solid-js';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Window } from '../../lib/uptime.ts';
import { formatDateTime } from '../../lib/format.ts';
import { axisTicks } from './TimelineBar.tsx';
import { chartData, stepSeconds, type LatencyPoint } from '../../lib/latency-points.ts';

const HEIGHT = 240;
/** Band colours per status: soft, so the lines stay readable on top. */
const BANDS: Record<string, string> = {
  healthy: 'rgba(27, 122, 71, 0.08)',
  degraded: 'rgba(230, 160, 20, 0.22)',
  down: 'rgba(179, 38, 30, 0.2)',
  paused: 'rgba(93, 107, 122, 0.12)',
};

export function LatencyChart(props: { points: readonly LatencyPoint[]; windows: readonly Window[]; from: number; to: number; intervalMs: number }) {
  let box!: HTMLDivElement;
  // The server's resolution for this range (per minute up to 6 h, per five minutes up to a day), or the service's interval if longer, in seconds.
  const stepOf = () => stepSeconds(props.to - props.from, props.intervalMs);

  onMount(() => {
    const drawBands = (u: uPlot) => {
      const { ctx, bbox } = u;
      ctx.save();
      for (const w of props.windows) {
        const start = Math.max(Date.parse(w.startedAt), props.from) / 1000;
        const end = Math.min(w.endedAt ? Date.parse(w.endedAt) : props.to, props.to) / 1000;
        if (end <= start) continue;
        const x0 = u.valToPos(start, 'x', true);
        const x1 = u.valToPos(end, 'x', true);
        ctx.fillStyle = BANDS[w.status] ?? 'transparent';
        ctx.fillRect(x0, bbox.top, Math.max(1, x1 - x0), bbox.height);
      }
      ctx.restore();
    };
    const options: uPlot.Options = {
      width: Math.max(300, box.clientWidth),
      height: HEIGHT,
      scales: { x: { time: true, range: () => [props.from / 1000, props.to / 1000] }, y: { range: (_u, _min, max) => [0, Math.max(10, (max ?? 0) * 1.1)] } },
      axes: [
        {
          // Our own round, 24-hour ticks (uPlot's defaults say "12pm").
          splits: () => axisTicks(props.from, props.to, box.clientWidth < 500 ? 4 : 8).map((t) => t.at / 1000),
          values: (_u, splits) => {
            const labels = new Map(axisTicks(props.from, props.to, box.clientWidth < 500 ? 4 : 8).map((t) => [t.at / 1000, t.text]));
            const texts = splits.map((s) => labels.get(s) ?? '');
            // The axis is drawn on a canvas: its words are also kept here, for tests and tools.
            box.dataset.axis = texts.join('|');
            return texts;
          },
        },
        { label: 'ms', size: 56 },
      ],
      series: [
        { value: (_u, v) => (v === null ? '—' : formatDateTime(new Date(v * 1000).toISOString())) },
        { label: 'avg', stroke: '#2f6fde', width: 1.5, spanGaps: false, value: (_u, v) => (v === null ? '—' : `${v} ms`) },
        { label: 'p95', stroke: '#b36b00', width: 1.2, dash: [4, 3], spanGaps: false, value: (_u, v) => (v === null ? '—' : `${v} ms`) },
      ],
      hooks: { drawClear: [drawBands] },
    };
    const plot = new uPlot(options, chartData(props.points, stepOf()), box);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(300, box.clientWidth), height: HEIGHT }));
    resize.observe(box);
    createEffect(on(() => [props.points, props.from, props.to], () => plot.setData(chartData(props.points, stepOf())), { defer: true }));
    createEffect(on(() => props.windows.map((w) => `${w.status}${w.endedAt ?? ''}`).join(), () => plot.redraw(false), { defer: true }));
    onCleanup(() => {
      resize.disconnect();
      plot.destroy();
    });
  });

  return <div ref={box} class="chart" data-testid="latency-chart" />;
}
