/**
 * The points of a service card's latency line, an inline SVG polyline (no chart library): cheap
 * enough to draw for every card on screen, and again on every check.
 */

/** The drawing box: the card's SVG viewBox (0 0 100 24), stretched to the card's width. */
const WIDTH = 100;
const HEIGHT = 24;

/** The polyline's points, scaled to the box; the lowest value sits near the bottom. */
export function sparklinePoints(values: readonly number[]): string {
  const n = values.length;
  if (n === 0) return '';
  if (n === 1) return `0,${HEIGHT / 2} ${WIDTH},${HEIGHT / 2}`;
  let min = values[0];
  let max = values[0];
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const scale = (HEIGHT - 4) / (max - min || 1);
  const step = WIDTH / (n - 1);
  // Whole-number coordinates: plenty for a 24px line, and cheap to build a thousand times.
  let points = '';
  for (let i = 0; i < n; i++) points += `${Math.round(i * step)},${Math.round(HEIGHT - 2 - (values[i] - min) * scale)} `;
  return points;
}
