/**
 * A running subscription whose source can be swapped for one started for a new caller (the socket's
 * role or workspace limit changed), ended with an error (the new caller may not run it), or ended at
 * once: `return()` does not wait for the source, which may be suspended until its next event.
 */

const INTERRUPTED = Symbol('interrupted');

export class LiveSubscription<T> implements AsyncGenerator<T, undefined> {
  #source: AsyncIterator<T>;
  #ended = false;
  #failure: { error: unknown } | null = null;
  /** Settles the pending `next()` early (a swap, a failure or the end). */
  #interrupt: (() => void) | null = null;
  /** The first `next()` of a new source, asked at once so that it listens from the swap on. */
  #ahead: Promise<IteratorResult<T>> | null = null;
  readonly #onEnd: () => void;

  /** `onEnd` is called once, however it ends. */
  constructor(source: AsyncIterable<T>, onEnd: () => void = () => {}) {
    this.#source = source[Symbol.asyncIterator]();
    this.#onEnd = onEnd;
  }

  get ended(): boolean {
    return this.#ended;
  }

  async next(): Promise<IteratorResult<T, undefined>> {
    for (;;) {
      if (this.#failure) {
        const { error } = this.#failure;
        this.#failure = null;
        throw error;
      }
      if (this.#ended) return { done: true, value: undefined };
      const source = this.#source;
      const pending = this.#ahead ?? source.next();
      this.#ahead = null;
      let result: IteratorResult<T> | typeof INTERRUPTED;
      try {
        result = await new Promise<IteratorResult<T> | typeof INTERRUPTED>((resolve, reject) => {
          this.#interrupt = () => resolve(INTERRUPTED);
          pending.then(resolve, reject);
        });
      } catch (error) {
        this.#interrupt = null;
        // A replaced source that failed late failed under the old caller: carry on with the new one.
        if (source !== this.#source) continue;
        // Its source failed (FELL_BEHIND, say): it ends here, so that nothing starts it again (regression:
        // a failed subscription stayed among its connection's running ones, and a change of caller restarted it).
        this.#end();
        throw error;
      }
      this.#interrupt = null;
      // An event the replaced source delivered late was read under the old caller: drop it.
      if (result === INTERRUPTED || source !== this.#source) continue;
      if (!result.done) return result;
      this.#end();
      return { done: true, value: undefined };
    }
  }

  /** Carries on from `source` (the same operation, started again for the socket's new caller). */
  replace(source: AsyncIterable<T>): void {
    const next = source[Symbol.asyncIterator]();
    if (this.#ended) return void closeQuietly(next);
    const previous = this.#source;
    this.#source = next;
    const ahead = next.next();
    ahead.catch(() => {}); // read (and its failure reported) by the pending or next `next()`
    this.#ahead = ahead;
    this.#interrupt?.();
    void closeQuietly(previous);
  }

  /** Ends with `error` (sent to the client as this operation's `error` message). */
  fail(error: unknown): void {
    if (this.#ended) return;
    this.#failure = { error };
    this.#end();
  }

  async return(): Promise<IteratorResult<T, undefined>> {
    this.#end();
    return { done: true, value: undefined };
  }

  async throw(): Promise<IteratorResult<T, undefined>> {
    return this.return();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#interrupt?.();
    void closeQuietly(this.#source);
    this.#onEnd();
  }
}

/** Returns a source without waiting for it: an async generator suspended in an `await` ends only when that settles. */
async function closeQuietly(source: AsyncIterator<unknown>): Promise<void> {
  try {
    await source.return?.();
  } catch {
    // The source failed while ending: nobody is listening any more.
  }
}
