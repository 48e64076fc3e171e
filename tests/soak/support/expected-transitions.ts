/**
 * What the uptime windows of a flapping service must be, worked out from the target's own log: one
 * window per status the target held long enough to be seen for sure, in order, none twice; a status
 * held too briefly may or may not have a window. A window must also have begun within the status it
 * records (a check begins before its request reaches the target, by at most its timeout).
 */
import type { PathLog, TargetStatus } from './flapping-target.ts';

/** A stall of the check writes: the checks table locked from `start` to `end` (ms). */
export interface Stall {
  start: number;
  end: number;
}

/** How often checks run, and so how long a status must last to be seen for sure. */
export interface Cadence {
  intervalMs: number;
  timeoutMs: number;
  /** How long a claim lasts (timeout + grace): while the writes stall, claims are not released, so checks run this often. */
  claimMs: number;
  /** failure_threshold = recovery_threshold: checks in a row that a change needs. */
  threshold: number;
}

/** One stretch of a path's log: `status` from `start` to `end` (Infinity for the last). */
export interface Segment {
  index: number;
  status: TargetStatus;
  start: number;
  end: number;
  /** Long enough that a window must record it. */
  mustSee: boolean;
  /** How long it had to last for that (ms). */
  neededMs: number;
}

export interface StoredWindow {
  id: string;
  status: string;
  startedAt: number;
  recordedAt: number;
  /** When the test first saw it in the database (its poll), if it did. */
  seenAt?: number;
}

/**
 * The stretches of a path's log. A stretch must be seen when `threshold` checks, each at most one
 * gap after the previous (and the first at most one gap after it began), fit inside it: the gap is
 * the interval, or the claim's length when the stretch overlaps a stall or the claims made during
 * it (they are released only when their results are stored).
 */
export function segmentsOf(log: PathLog, stalls: Stall[], cadence: Cadence): Segment[] {
  const starts = [{ at: log.startedAt, status: log.initial }, ...log.flips];
  return starts.map((s, index) => {
    const start = s.at;
    const end = starts[index + 1]?.at ?? Infinity;
    const stalled = stalls.some((stall) => start < stall.end + cadence.claimMs && end > stall.start);
    const neededMs = (stalled ? cadence.claimMs : cadence.intervalMs) * (cadence.threshold + 1);
    return { index, status: s.status, start, end, mustSee: end - start >= neededMs, neededMs };
  });
}

export interface Match {
  /** For each window (in `started_at` order), the index of the segment it records. */
  segmentOf: number[];
  /** Segments that had to be recorded and were not. */
  unrecorded: number[];
  problems: string[];
}

const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : '∞');
export const describeSegment = (s: Segment) => `${s.status} ${iso(s.start)} → ${iso(s.end)} (${Number.isFinite(s.end) ? `${s.end - s.start} ms` : 'held'}${s.mustSee ? '' : `, under ${s.neededMs} ms: may be unseen`})`;
export const describeWindow = (w: StoredWindow) => `${w.status} from ${iso(w.startedAt)} (id ${w.id}, recorded_at ${iso(w.recordedAt)})`;

/**
 * Matches windows to segments in order. Each window goes to the first later segment of its status
 * whose time it began in; the segments passed over must be ones that may go unseen — or ones of the
 * status already recorded, which an unseen flip in between merged into it.
 */
export function matchWindows(segments: Segment[], windows: StoredWindow[], timeoutMs: number): Match {
  const problems: string[] = [];
  const segmentOf: number[] = [];
  const unrecorded: number[] = [];
  let last = -1;
  const passOver = (from: number, to: number, recorded: TargetStatus | null) => {
    for (let k = from; k < to; k++) {
      const s = segments[k];
      if (s.status !== recorded && s.mustSee) {
        unrecorded.push(k);
        problems.push(`no window records segment #${k}: ${describeSegment(s)}`);
      }
    }
  };
  windows.forEach((w, i) => {
    if (i > 0 && windows[i - 1].status === w.status) problems.push(`two windows in a row are ${w.status}: ${describeWindow(windows[i - 1])} then ${describeWindow(w)}`);
    const k = segments.findIndex((s, index) => index > last && s.status === w.status && w.startedAt >= s.start - timeoutMs && w.startedAt <= s.end);
    if (k < 0) {
      problems.push(`window ${describeWindow(w)} records no status the target held after segment #${last}`);
      segmentOf.push(-1);
      return;
    }
    passOver(last + 1, k, last >= 0 ? segments[last].status : null);
    segmentOf.push(k);
    last = k;
  });
  passOver(last + 1, segments.length, last >= 0 ? segments[last].status : null);
  return { segmentOf, unrecorded, problems };
}

/**
 * By when a window for a segment must have been stored: `boundMs` after the segment began, or
 * after the end of a stall that the time up to then overlaps (its results waited for the lock).
 */
export function storedBy(segmentStart: number, stalls: Stall[], boundMs: number): number {
  let from = segmentStart;
  for (const stall of stalls) if (from <= stall.end && from + boundMs >= stall.start) from = Math.max(from, stall.end);
  return from + boundMs;
}
