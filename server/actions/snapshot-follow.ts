/**
 * Following a log that can only be read as "its last lines" (a runtime's ring, a log command's
 * output): read it again every poll and yield what came after the previous reading. The new lines
 * are found by where the previous reading's end appears in the new one; a log that repeats the
 * same lines can hide some (identical readings look unchanged), which is why files are followed
 * by their bytes instead (log-file.ts).
 */
import { delay } from '../runtimes/runtime.ts';
import type { FollowedLines } from './log-file.ts';

/** How many lines of the previous reading are matched to place the new one. */
const ANCHOR = 20;

/** The lines of `next` after the end of `previous`; all of `next` when they share no anchor (reset). */
export function linesAfter(previous: readonly string[], next: readonly string[]): { lines: string[]; reset: boolean } {
  if (!previous.length) return { lines: [...next], reset: false };
  const anchor = previous.slice(-ANCHOR);
  // The latest place in `next` where the anchor ends (its lines before may have scrolled out).
  for (let end = next.length; end > 0; end--) {
    const length = Math.min(anchor.length, end);
    let match = true;
    for (let i = 1; i <= length && match; i++) match = next[end - i] === anchor[anchor.length - i];
    if (match && (length === anchor.length || end === length)) return { lines: next.slice(end), reset: false };
  }
  return { lines: [...next], reset: true };
}

/**
 * Yields the new lines of `read()` every `pollMs` until `signal` aborts; a failed read is skipped.
 * The first chunk has no lines: the first reading, which the rest are compared with, is taken.
 */
export async function* followSnapshots(read: (signal: AbortSignal) => Promise<string[]>, pollMs: number, signal: AbortSignal): AsyncGenerator<FollowedLines> {
  let previous = await read(signal).catch(() => [] as string[]);
  yield { lines: [], rotated: false };
  while (!signal.aborted) {
    try {
      await delay(pollMs, signal);
    } catch {
      return;
    }
    let next: string[];
    try {
      next = await read(signal);
    } catch {
      continue;
    }
    const { lines, reset } = linesAfter(previous, next);
    previous = next;
    if (lines.length || reset) yield { lines, rotated: reset };
  }
}
