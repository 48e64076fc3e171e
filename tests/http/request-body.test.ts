/**
 * The JSON nesting scan of request bodies (server/http/request-body.ts), which follows a body as
 * its bytes arrive: the same answer as reading the whole text one character at a time, however
 * the bytes are split and however long the strings (long ones are searched through, not read).
 */
import { describe, expect, it } from 'vitest';
import { JsonNestingScan, jsonNestsDeeperThan } from '../../server/http/request-body.ts';
import { Prng } from '../fuzz/support/prng.ts';

/** The reference: one character at a time, as the check was before it streamed. */
function reference(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      if (++depth > max) return true;
    } else if (c === ']' || c === '}') depth--;
  }
  return false;
}

const PIECES = ['[', ']', '{', '}', '"', '\\', '\\"', '\\\\', 'a', ' ', ':', ',', 'é', '€', '😀', '"x\\"y"', '[[[', ']]]', 'a'.repeat(40), 'é'.repeat(25), `${'b'.repeat(33)}\\"`, `${'c'.repeat(31)}"[`];

describe('JSON nesting scan', () => {
  it('says what a character-by-character read says, for text and for bytes split anywhere (escapes, quotes and multi-byte characters across parts)', () => {
    const rng = new Prng(7);
    for (let round = 0; round < 3000; round++) {
      const text = Array.from({ length: rng.range(0, 60) }, () => rng.pick(PIECES)).join('');
      const max = rng.range(0, 6);
      const expected = reference(text, max);
      expect(jsonNestsDeeperThan(text, max), text).toBe(expected);
      const bytes = Buffer.from(text, 'utf8');
      const scan = new JsonNestingScan(max);
      let deeper = false;
      for (let at = 0; at < bytes.length; ) {
        const next = Math.min(bytes.length, at + rng.range(1, 5));
        deeper = scan.feed(bytes.subarray(at, next)) || deeper;
        at = next;
      }
      expect(deeper, `${text} (bytes)`).toBe(expected);
    }
  });

  it('reads a long string of escapes to its end, and brackets inside strings do not count', () => {
    const body = Buffer.from(`{"a":"${'\\n'.repeat(500_000)}"}`);
    const scan = new JsonNestingScan(64);
    expect(scan.feed(body)).toBe(false);
    expect(jsonNestsDeeperThan(`${'['.repeat(65)}`, 64)).toBe(true);
    expect(jsonNestsDeeperThan(`"${'['.repeat(65)}"`, 64)).toBe(false);
  });
});
