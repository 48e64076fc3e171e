/**
 * The process's one event-loop delay sampler: a timer every LOOP_SAMPLE_MS records how late it
 * ran (its delay less the interval, so an idle loop reads ~0 ms) into every window opened on it.
 * The `lookout` check and /metrics each read their own window (since their last read), so the
 * process wakes 10 times a second for both, where it woke for each (`monitorEventLoopDelay` in the
 * check, prom-client's in /metrics: the latter reported its sampling interval as lag, ~100 ms on an
 * idle loop).
 */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** How often the loop is sampled (each sample wakes the process). A block shorter than this may go unseen. */
export const LOOP_SAMPLE_MS = 100;
const NS_PER_MS = 1e6;

export interface LoopDelayReading {
  samples: number;
  /** Milliseconds, 0 when there was no sample. */
  minMs: number;
  maxMs: number;
  meanMs: number;
  stddevMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
}

export interface LoopDelayWindow {
  /** What was recorded since the window was opened or last read; then it starts again. */
  read(): LoopDelayReading;
  close(): void;
}

const windows = new Set<RecordableHistogram>();
let timer: ReturnType<typeof setInterval> | undefined;
let last = 0;

function tick(): void {
  const now = performance.now();
  const lateNs = Math.round((now - last - LOOP_SAMPLE_MS) * NS_PER_MS);
  last = now;
  for (const histogram of windows) histogram.record(Math.max(1, lateNs));
}

/** Opens a window on the sampler (started on first use; it never holds the process open). */
export function openLoopDelayWindow(): LoopDelayWindow {
  const histogram = createHistogram();
  windows.add(histogram);
  if (!timer) {
    last = performance.now();
    timer = setInterval(tick, LOOP_SAMPLE_MS);
    timer.unref();
  }
  const ms = (ns: number) => Math.round((ns / NS_PER_MS) * 100) / 100;
  return {
    read() {
      const samples = histogram.count;
      const reading: LoopDelayReading =
        samples === 0
          ? { samples, minMs: 0, maxMs: 0, meanMs: 0, stddevMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0 }
          : {
              samples,
              minMs: ms(histogram.min),
              maxMs: ms(histogram.max),
              meanMs: ms(histogram.mean),
              stddevMs: ms(histogram.stddev),
              p50Ms: ms(histogram.percentile(50)),
              p90Ms: ms(histogram.percentile(90)),
              p99Ms: ms(histogram.percentile(99)),
            };
      histogram.reset();
      return reading;
    },
    close() {
      windows.delete(histogram);
      if (windows.size === 0 && timer) {
        clearInterval(timer);
        timer = undefined;
      }
    },
  };
}
