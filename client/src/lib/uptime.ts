/**
 * A status window as the API returns it (service timelines, services around a failure), and how a
 * timeline lays windows out so that each block can be seen and clicked: short windows are merged
 * into one block of their worst status and every block is at least a few pixels wide, never
 * overlapping its neighbours.
 */

export interface Window {
  status: string;
  startedAt: string;
  endedAt?: string | null;
}

/** One block of a laid-out timeline: the window it opens (merged ones span their members), and where it sits. */
export interface TimelineBlock {
  window: Window;
  /** The windows it stands for: one, or several short ones merged. */
  members: Window[];
  /** Percentages of the bar. */
  left: number;
  width: number;
}

const RANK: Record<string, number> = { healthy: 0, paused: 1, degraded: 2, down: 3 };

/** The worse of two statuses for a merged block: down over degraded over paused over healthy. */
export function worseStatus(a: string, b: string): string {
  return (RANK[b.toLowerCase()] ?? 0) > (RANK[a.toLowerCase()] ?? 0) ? b : a;
}

/**
 * Lays out `windows` (oldest first) in [from, to) on a bar `widthPx` wide. Windows narrower than
 * `minPx` next to each other become one block (worst status, spanning them); a block is then
 * widened to `minPx` and its neighbours give way, so blocks never overlap and every one can be hit.
 */
export function layoutTimeline(windows: readonly Window[], from: number, to: number, now: number, widthPx: number, minPx = 10): TimelineBlock[] {
  const span = to - from;
  if (span <= 0 || widthPx <= 0) return [];
  const px = (t: number) => ((t - from) / span) * widthPx;
  type Draft = { members: Window[]; status: string; start: number; end: number; short: boolean };
  const drafts: Draft[] = [];
  for (const w of windows) {
    const start = Math.max(Date.parse(w.startedAt), from);
    const end = Math.min(w.endedAt ? Date.parse(w.endedAt) : now, to);
    if (!(end > start)) continue;
    const d: Draft = { members: [w], status: w.status, start: px(start), end: px(end), short: px(end) - px(start) < minPx };
    const last = drafts.at(-1);
    // Merge a short window into a short block just before it (they would overlap once widened).
    if (last && d.short && last.short && d.start - last.end < minPx) {
      last.members.push(w);
      last.status = worseStatus(last.status, w.status);
      last.end = Math.max(last.end, d.end);
      last.short = last.end - last.start < minPx;
      continue;
    }
    drafts.push(d);
  }
  // Widen short blocks around their middle, inside the bar.
  for (const d of drafts) {
    if (d.end - d.start >= minPx) continue;
    const middle = (d.start + d.end) / 2;
    d.start = Math.min(Math.max(0, middle - minPx / 2), Math.max(0, widthPx - minPx));
    d.end = Math.min(widthPx, d.start + minPx);
  }
  // Neighbours give way: a long block is trimmed where a widened short one now sits.
  for (let i = 1; i < drafts.length; i++) {
    const [prev, cur] = [drafts[i - 1], drafts[i]];
    if (cur.start >= prev.end) continue;
    if (cur.short && !prev.short) prev.end = Math.max(prev.start, cur.start);
    else cur.start = Math.min(cur.end, prev.end);
  }
  // A long block that gave way down to less than the minimum joins its narrower neighbour.
  for (let i = 0; i < drafts.length && drafts.length > 1; ) {
    const d = drafts[i];
    if (d.end - d.start >= minPx - 0.01) {
      i++;
      continue;
    }
    const prev = drafts[i - 1];
    const next = drafts[i + 1];
    const j = !next || (prev && prev.end - prev.start <= next.end - next.start) ? i - 1 : i + 1;
    const [a, b] = j < i ? [drafts[j], d] : [d, drafts[j]];
    const merged: Draft = { members: [...a.members, ...b.members], status: worseStatus(a.status, b.status), start: a.start, end: b.end, short: true };
    drafts.splice(Math.min(i, j), 2, merged);
    i = Math.max(0, Math.min(i, j));
  }
  return drafts
    .filter((d) => d.end - d.start > 0)
    .map((d) => {
      const first = d.members[0];
      const last = d.members.at(-1)!;
      const window = d.members.length === 1 ? first : { status: d.status, startedAt: first.startedAt, endedAt: last.endedAt ?? null };
      return { window, members: d.members, left: (d.start / widthPx) * 100, width: ((d.end - d.start) / widthPx) * 100 };
    });
}
