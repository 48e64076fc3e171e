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

/**
 * Follows how deep JSON text nests, fed in parts (bytes of UTF-8, or text): arrays and objects are
 * counted, strings skipped by searching for their next quote or backslash (memchr for bytes) rather
 * than read character by character. UTF-8's multi-byte sequences never hold these ASCII bytes, so
 * bytes and text scan alike. Not a JSON validator: JSON.parse still judges the text.
 */
export class JsonNestingScan {
  #depth = 0;
  #inString = false;
  /** A backslash ended the last part: the first unit of the next is escaped. */
  #escaped = false;
  #deeper = false;
  readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  /** Reads the next part; true once the text has nested deeper than `max` (and from then on). */
  feed(part: Buffer | string): boolean {
    if (this.#deeper) return true;
    const n = part.length;
    const isText = typeof part === 'string';
    const code = isText ? (i: number) => part.charCodeAt(i) : (i: number) => part[i];
    const find = isText ? (unit: number, from: number) => part.indexOf(String.fromCharCode(unit), from) : (unit: number, from: number) => part.indexOf(unit, from);
    const next = (unit: number, from: number) => {
      const at = find(unit, from);
      return at < 0 ? n : at;
    };
    let i = 0;
    if (this.#escaped && n > 0) {
      this.#escaped = false;
      i = 1;
    }
    // The next quote and backslash at or after i (n when there is none), found again only once passed: linear in n.
    let quote = -1;
    let backslash = -1;
    while (i < n) {
      if (this.#inString) {
        if (quote < i) quote = next(QUOTE, i);
        if (backslash < i) backslash = next(BACKSLASH, i);
        if (backslash < quote) {
          if (backslash === n - 1) this.#escaped = true;
          i = backslash + 2;
          continue;
        }
        if (quote === n) return false; // the string goes on in the next part
        this.#inString = false;
        i = quote + 1;
        continue;
      }
      const c = code(i++);
      if (c === QUOTE) this.#inString = true;
      else if (c === 0x5b || c === 0x7b) {
        if (++this.#depth > this.max) return (this.#deeper = true);
      } else if (c === 0x5d || c === 0x7d) this.#depth--;
    }
    return false;
  }
}

/** True when JSON text opens arrays or objects more than `max` deep (strings skipped). */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  return new JsonNestingScan(max).feed(text);
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
    const stop = (why: BodyRefusal) => {
      req.off('data', onData);
      req.pause();
      resolve(why);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return stop('too large');
      if (scan?.feed(chunk)) return stop('too deep');
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
    req.once('error', () => resolve('aborted'));
    req.once('close', () => resolve(req.complete ? Buffer.concat(chunks, size) : 'aborted'));
  });
}
