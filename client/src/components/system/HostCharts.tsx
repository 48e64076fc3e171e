/**
 * The Host card's 24 h charts (uPlot) from `systemHealthHistory`: CPU, memory and disk use in
 * percent, and the queue (depth, running runs), one point per stored minute of one replica
 * (the live sample's, or another chosen when several replicas share the database). Refreshed
 * each minute, when a new point can exist.
 */
import { createEffect, createMemo, createSignal, For, on, onCleanup, onMount, Show } from 'solid-js';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { graphql } from '../../graphql';
import type { SystemHealthHistoryQuery } from '../../graphql/graphql.ts';
import { client } from '../../lib/urql.ts';
import { onReconnected } from '../../lib/connection.ts';

const SystemHealthHistoryDoc = graphql(`
  query SystemHealthHistory($hours: Int) {
    systemHealthHistory(hours: $hours) {
      replica
      at
      cpuPercent
      memoryPercent
      diskPercent
      queueDepth
      runningRuns
    }
  }
`);

type Point = SystemHealthHistoryQuery['systemHealthHistory'][number];

const HOURS = 24;
const HEIGHT = 180;
const MINUTE_S = 60;
const REFRESH_MS = 60_000;

/** uPlot columns (seconds) for `keys`, with a null after any gap of more than a minute so lines do not bridge it. */
export function columns(points: readonly Point[], keys: readonly (keyof Point)[]): uPlot.AlignedData {
  const xs: number[] = [];
  const ys: (number | null)[][] = keys.map(() => []);
  let previous: number | null = null;
  for (const point of points) {
    const x = Date.parse(point.at) / 1000;
    if (previous !== null && x - previous > MINUTE_S * 1.5) {
      xs.push(previous + MINUTE_S);
      ys.forEach((y) => y.push(null));
    }
    xs.push(x);
    keys.forEach((key, i) => ys[i].push(point[key] as number | null));
    previous = x;
  }
  return [xs, ...ys];
}

interface SeriesSpec {
  key: keyof Point;
  label: string;
  stroke: string;
  unit: string;
}

function HistoryChart(props: { points: readonly Point[]; series: readonly SeriesSpec[]; percent: boolean; testid: string; label: string }) {
  let box!: HTMLDivElement;
  onMount(() => {
    const now = () => Date.now() / 1000;
    const options: uPlot.Options = {
      width: Math.max(280, box.clientWidth),
      height: HEIGHT,
      scales: {
        x: { time: true, range: () => [now() - HOURS * 3600, now()] },
        y: { range: props.percent ? [0, 100] : (_u, _min, max) => [0, Math.max(5, Math.ceil((max ?? 0) * 1.2))] },
      },
      axes: [{}, { label: props.percent ? '%' : 'runs', size: 48 }],
      series: [{}, ...props.series.map((s) => ({ label: s.label, stroke: s.stroke, width: 1.5, spanGaps: false, value: (_u: uPlot, v: number | null) => (v === null ? '—' : `${v}${s.unit}`) }))],
    };
    const plot = new uPlot(options, columns(props.points, props.series.map((s) => s.key)), box);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, box.clientWidth), height: HEIGHT }));
    resize.observe(box);
    createEffect(on(() => props.points, (points) => plot.setData(columns(points, props.series.map((s) => s.key))), { defer: true }));
    onCleanup(() => {
      resize.disconnect();
      plot.destroy();
    });
  });
  return <div ref={box} class="chart" style={{ 'min-height': `${HEIGHT}px` }} data-testid={props.testid} aria-label={props.label} role="img" />;
}

const USE: SeriesSpec[] = [
  { key: 'cpuPercent', label: 'CPU', stroke: '#2f6fde', unit: ' %' },
  { key: 'memoryPercent', label: 'memory', stroke: '#b36b00', unit: ' %' },
  { key: 'diskPercent', label: 'disk', stroke: '#5d6b7a', unit: ' %' },
];
const QUEUE: SeriesSpec[] = [
  { key: 'queueDepth', label: 'queued', stroke: '#8e44ad', unit: '' },
  { key: 'runningRuns', label: 'running', stroke: '#1b7a47', unit: '' },
];

export function HostCharts(props: { replica: string }) {
  const [points, setPoints] = createSignal<readonly Point[]>([]);
  const [loaded, setLoaded] = createSignal(false);
  const [chosen, setChosen] = createSignal<string | null>(null);

  const load = async () => {
    const result = await client.query(SystemHealthHistoryDoc, { hours: HOURS }, { requestPolicy: 'network-only' }).toPromise();
    if (result.data) setPoints(result.data.systemHealthHistory);
    setLoaded(true);
  };
  void load();
  const timer = setInterval(() => void load(), REFRESH_MS);
  onCleanup(() => clearInterval(timer));
  onReconnected(() => void load());

  const replicas = createMemo(() => [...new Set([props.replica, ...points().map((p) => p.replica)])].sort());
  const replica = () => chosen() ?? props.replica;
  const shown = createMemo(() => points().filter((p) => p.replica === replica()));

  return (
    <div data-testid="host-charts" data-points={shown().length}>
      <div class="chart-head">
        <h3 style={{ margin: 0, 'font-size': '14px' }}>Last 24 hours</h3>
        <Show when={replicas().length > 1}>
          <label class="muted" style={{ 'font-size': '12.5px' }}>
            Replica{' '}
            <select value={replica()} onChange={(e) => setChosen(e.currentTarget.value)} data-testid="host-replica">
              <For each={replicas()}>{(r) => <option value={r}>{r}</option>}</For>
            </select>
          </label>
        </Show>
      </div>
      <Show when={loaded() && !shown().length}>
        <p class="muted" data-testid="host-charts-empty">
          No stored minutes yet: each replica stores one a minute.
        </p>
      </Show>
      <HistoryChart points={shown()} series={USE} percent testid="host-chart-use" label="CPU, memory and disk use over 24 hours" />
      <HistoryChart points={shown()} series={QUEUE} percent={false} testid="host-chart-queue" label="Queued and running runs over 24 hours" />
    </div>
  );
}
