/** The wake-or-sleep loop that runs alerting's pass and its outbox (alerting.ts). */

/**
 * A loop that runs `work` again after the wait it returns (at once for 0), or sooner when woken
 * (including by a wake-up that came while it worked); after a failure, after `pollMs`, backing off.
 */
export class Loop {
  #active = false;
  #wake: (() => void) | undefined;
  #woken = false;
  #failures = 0;
  #done: Promise<void> | undefined;
  readonly work: () => Promise<number>;
  readonly pollMs: number;
  readonly onError: (error: unknown) => void;
  constructor(work: () => Promise<number>, pollMs: number, onError: (error: unknown) => void) {
    this.work = work;
    this.pollMs = pollMs;
    this.onError = onError;
  }

  start(): void {
    if (this.#active) return;
    this.#active = true;
    this.#done = this.#run();
  }

  wake(): void {
    this.#woken = true;
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#active = false;
    this.#wake?.();
    await this.#done;
  }

  async #run(): Promise<void> {
    while (this.#active) {
      this.#woken = false;
      let next = this.pollMs;
      try {
        next = await this.work();
        this.#failures = 0;
      } catch (error) {
        this.#failures++;
        if (this.#active) this.onError(error);
      }
      if (!this.#active) break;
      if (!this.#failures && (next <= 0 || this.#woken)) continue;
      // Failing again and again (a fault, not an outage: those are logged once), it backs off up to 30 s.
      const wait = this.#failures ? Math.min(30_000, this.pollMs * 2 ** Math.min(this.#failures, 8)) : next;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        timer.unref();
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }
}
