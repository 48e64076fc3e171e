/**
 * Reading a request body within bounds: its size (LOOKOUT_MAX_BODY_BYTES) as it streams, and for
 * JSON its nesting, followed chunk by chunk as the bytes arrive. A body refused early is left unread
 * (server/http.ts drains it after the answer). The nesting was a second pass over the whole text
 * once read, one character at a time: ~4 ms of the event loop per megabyte, in one piece.
 */
import type { IncomingMessage } from 'node:http';

/** JSON nested deeper than this is refused before it is parsed: later steps (logging, JSON.stringify, jsonb) recurse. */
export const MAX_JSON_NESTING = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Inside a string, after this many plain bytes the rest of it is searched for (memchr), not read. */
const STRING_RUN_BEFORE_SEARCH = 32;

/**
 * Follows how deep JSON nests, fed its UTF-8 bytes in parts: arrays and objects are counted,
 * strings skipped — read byte by byte while short, searched through for their next quote or
 * backslash once long. UTF-8's multi-byte sequences never hold these ASCII bytes. Not a JSON
 * validator: JSON.parse still judges the text.
 */
export class JsonNestingScan {
  #depth = 0;
  #inString = false;
  /** A backslash ended the last part: the first byte of the next is escaped. */
  #escaped = false;
  #deeper = false;
  readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  /** Reads the next part; true once the JSON has nested deeper than `max` (and from then on). */
  feed(bytes: Uint8Array): boolean {
    if (this.#deeper) return true;
    const n = bytes.length;
    let i = 0;
    if (this.#escaped && n > 0) {
      this.#escaped = false;
      i = 1;
    }
    // Found by search: the next quote and backslash at or after the search point (n for none);
    // searched again only once passed, so a part is read in linear time.
    let quote = -1;
    let backslash = -1;
    let run = 0;
    const search = (byte: number, from: number) => {
      const at = Buffer.prototype.indexOf.call(bytes, byte, from);
      return at < 0 ? n : at;
    };
    while (i < n) {
      const c = bytes[i++];
      if (this.#inString) {
        if (c === BACKSLASH) {
          if (i === n) this.#escaped = true;
          i++;
          run = 0;
        } else if (c === QUOTE) this.#inString = false;
        else if (++run > STRING_RUN_BEFORE_SEARCH) {
          if (quote < i) quote = search(QUOTE, i);
          if (backslash < i) backslash = search(BACKSLASH, i);
          i = Math.min(quote, backslash);
          run = 0;
        }
      } else if (c === QUOTE) {
        this.#inString = true;
        run = 0;
      } else if (c === 0x5b || c === 0x7b) {
        if (++this.#depth > this.max) return (this.#deeper = true);
      } else if (c === 0x5d || c === 0x7d) this.#depth--;
    }
    return false;
  }
}

/** True when JSON text opens arrays or objects more than `max` deep (strings skipped). */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  return new JsonNestingScan(max).feed(Buffer.from(text, 'utf8'));
}

export type BodyRefusal = 'too large' | 'too deep' | 'aborted';

/**
 * The body of `req`, or why it was not read whole: over `limit` bytes, nested deeper than `scan`
 * allows (as soon as either shows; the rest is left unread and the request paused), or the client
 * went away before it ended.
 */
export function readBody(req: IncomingMessage, limit: number, scan?: JsonNestingScan): Promise<Buffer | BodyRefusal> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: Buffer | BodyRefusal) => {
      settled = true;
      // The error listener stays: an 'error' with none would be thrown.
      req.off('data', onData).off('end', onEnd).off('close', onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return stop('too large');
      if (scan?.feed(chunk)) return stop('too deep');
      chunks.push(chunk);
    };
    const stop = (why: BodyRefusal) => {
      req.pause();
      settle(why);
    };
    const onEnd = () => settle(Buffer.concat(chunks, size));
    const onError = () => settled || settle('aborted');
    const onClose = () => settle(req.complete ? Buffer.concat(chunks, size) : 'aborted');
    req.on('data', onData).once('end', onEnd).on('error', onError).once('close', onClose);
  });
}
