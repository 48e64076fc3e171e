/**
 * The process's one event-loop delay sampler (server/system/loop-delay.ts), read by the `lookout`
 * check and by /metrics, each through its own window.
 */
import { describe, expect, it } from 'vitest';
import { LOOP_SAMPLE_MS, openLoopDelayWindow } from '../../server/system/loop-delay.ts';
import { startTestServer } from '../support/server.ts';

/** Blocks the event loop for `ms`, as a runaway synchronous task would. */
function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}
/** Resolves after the sampler's overdue tick has run: timers fire in due order, and it was due first. */
const afterOverdueTick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('the event-loop delay sampler', () => {
  it('records how late the loop ran, less the sampling interval, in each window since its last read', async () => {
    const a = openLoopDelayWindow();
    const b = openLoopDelayWindow();
    try {
      block(300 + LOOP_SAMPLE_MS);
      await afterOverdueTick();
      const first = a.read();
      expect(first.samples).toBeGreaterThanOrEqual(1);
      // A block of 400 ms delays the tick due within it by at least 300 ms; the interval is left out.
      expect(first.maxMs).toBeGreaterThanOrEqual(300);
      expect(first.maxMs).toBeLessThan(300 + LOOP_SAMPLE_MS + 1000);
      // The other window saw the same block; a read starts only the window read.
      expect(b.read().maxMs).toBe(first.maxMs);
      expect(a.read().maxMs).toBeLessThan(first.maxMs);
    } finally {
      a.close();
      b.close();
    }
  });

  it('/metrics reports the lag since the previous scrape with the sampling interval left out (regression: prom-client reported each sample\'s whole delay, ~100 ms on an idle loop)', async () => {
    const ts = await startTestServer({ runScheduler: false });
    try {
      const scrape = async () => {
        const text = await (await fetch(`${ts.url}/metrics`)).text();
        const value = (key: string) => Number(new RegExp(`^lookout_nodejs_eventloop_lag_${key}_seconds (\\S+)$`, 'm').exec(text)?.[1]);
        return { min: value('min'), max: value('max'), p50: value('p50') };
      };
      await scrape();
      block(300 + LOOP_SAMPLE_MS);
      await afterOverdueTick();
      expect((await scrape()).max).toBeGreaterThanOrEqual(0.3);
      // About ten ticks of a loop with little to do (a tick whose interval is still running is not
      // recorded yet): the quickest of them ran well under the interval late, where prom-client's
      // series read the interval itself (≥ 0.1 s) as lag.
      await new Promise((resolve) => setTimeout(resolve, 10 * LOOP_SAMPLE_MS));
      const idle = await scrape();
      expect(idle.min).toBeLessThan(LOOP_SAMPLE_MS / 1000);
      expect(idle.p50).toBeLessThanOrEqual(idle.max);
    } finally {
      await ts.close();
    }
  });
});
