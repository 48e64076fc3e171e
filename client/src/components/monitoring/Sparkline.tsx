/** A tiny latency line (inline SVG, no chart library): cheap enough for a thousand cards. */

const WIDTH = 100;
const HEIGHT = 24;

/** The polyline's points, scaled to the box; the lowest value sits near the bottom. */
export function sparklinePoints(values: readonly number[]): string {
  if (values.length === 0) return '';
  const max = Math.max(...values);
  const min = Math.min(...values);
  const span = max - min || 1;
  const step = values.length > 1 ? WIDTH / (values.length - 1) : 0;
  return values.map((v, i) => `${(i * step).toFixed(1)},${(HEIGHT - 2 - ((v - min) / span) * (HEIGHT - 4)).toFixed(1)}`).join(' ');
}

export function Sparkline(props: { values: readonly number[]; label?: string }) {
  return (
    <svg class="sparkline" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" role="img" aria-label={props.label ?? 'Recent latencies'}>
      <polyline points={props.values.length === 1 ? `0,${HEIGHT / 2} ${WIDTH},${HEIGHT / 2}` : sparklinePoints(props.values)} />
    </svg>
  );
}
