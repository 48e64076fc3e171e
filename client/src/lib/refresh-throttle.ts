/**
 * Turns a stream of "something changed" signals into few refreshes: workers may complete hundreds
 * of runs a second, and a list needs to be fetched again once, not once per run.
 */
import { onCleanup } from 'solid-js';

/**
 * Returns `request`: call it whenever what `refresh` shows may be out of date. A refresh starts at
 * once when none started in the last `gapMs`, otherwise at the end of that gap; there is never more
 * than one at a time, and a request made during a refresh leads to exactly one more after it. Ends
 * with the calling component.
 */
export function createRefreshThrottle(refresh: () => Promise<void>, gapMs: number): () => void {
  let running = false;
  let again = false;
  let disposed = false;
  let lastStart = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const start = async () => {
    timer = undefined;
    if (disposed) return;
    running = true;
    again = false;
    lastStart = Date.now();
    try {
      await refresh();
    } finally {
      running = false;
      if (again) request();
    }
  };

  function request(): void {
    if (disposed) return;
    if (running) {
      again = true;
      return;
    }
    timer ??= setTimeout(() => void start(), Math.max(0, lastStart + gapMs - Date.now()));
  }

  onCleanup(() => {
    disposed = true;
    clearTimeout(timer);
  });
  return request;
}
