/**
 * A bounded ring buffer of output lines: a supervised process may print forever, and Lookout keeps
 * only its last `capacity` lines, each cut at `maxLineLength` characters. A line without its newline
 * yet is held (bounded too) until the newline, or the end of the stream, comes.
 */

/** Marks a line that was cut at the length limit. */
export const TRUNCATED = ' …[truncated]';

export class LineBuffer {
  readonly capacity: number;
  readonly maxLineLength: number;
  readonly #lines: (string | undefined)[];
  #next = 0;
  #size = 0;
  /** The current partial line per stream (stdout and stderr do not share one). */
  readonly #partial = new Map<string, { text: string; cut: boolean }>();
  /** Lines ever added (including those since dropped). */
  total = 0;
  /** Told of every complete line as it is added (for callers that stream lines as they come). */
  readonly #onLine: ((line: string, stream: string) => void) | undefined;

  constructor(capacity: number, maxLineLength: number, onLine?: (line: string, stream: string) => void) {
    this.capacity = capacity;
    this.maxLineLength = maxLineLength;
    this.#lines = new Array(capacity);
    this.#onLine = onLine;
  }

  /** Adds a chunk of a stream's text; complete lines go into the buffer. */
  write(chunk: string, stream = 'stdout'): void {
    const pending = this.#partial.get(stream) ?? { text: '', cut: false };
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf('\n', start);
      const piece = chunk.slice(start, newline === -1 ? undefined : newline);
      if (!pending.cut) {
        const room = this.maxLineLength - pending.text.length;
        if (piece.length > room) {
          pending.text += piece.slice(0, room);
          pending.cut = true;
        } else pending.text += piece;
      }
      if (newline === -1) break;
      this.#push(pending.text.replace(/\r$/, '') + (pending.cut ? TRUNCATED : ''), stream);
      pending.text = '';
      pending.cut = false;
      start = newline + 1;
    }
    this.#partial.set(stream, pending);
  }

  /** Ends a stream: its partial line, if any, becomes a line. */
  end(stream = 'stdout'): void {
    const pending = this.#partial.get(stream);
    if (pending && (pending.text || pending.cut)) this.#push(pending.text + (pending.cut ? TRUNCATED : ''), stream);
    this.#partial.delete(stream);
  }

  /** The last `count` lines, oldest first. */
  tail(count: number): string[] {
    const n = Math.max(0, Math.min(count, this.#size));
    const result: string[] = [];
    for (let i = n; i > 0; i--) result.push(this.#lines[(this.#next - i + this.capacity) % this.capacity]!);
    return result;
  }

  #push(line: string, stream: string): void {
    this.#lines[this.#next] = line;
    this.#next = (this.#next + 1) % this.capacity;
    this.#size = Math.min(this.#size + 1, this.capacity);
    this.total++;
    this.#onLine?.(line, stream);
  }
}
