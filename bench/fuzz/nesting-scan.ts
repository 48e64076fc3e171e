/**
 * The JSON nesting scan of request bodies (server/http/request-body.ts) against the loop it
 * replaced (one character at a time over the whole text, kept here as the reference), over 4 MB
 * bodies of several shapes; the new one fed in 64 KB parts as a body arrives.
 *
 *   node bench/fuzz/nesting-scan.ts [--mb 4] [--repeat 5]
 */
import { parseArgs } from 'node:util';
import { JsonNestingScan, MAX_JSON_NESTING } from '../../server/http/request-body.ts';

const { values: args } = parseArgs({ options: { mb: { type: 'string', default: '4' }, repeat: { type: 'string', default: '5' } } });
const SIZE = Number(args.mb) * 1024 * 1024;
const REPEAT = Number(args.repeat);

/** The check before it streamed: one character at a time over the whole text. */
function characterByCharacter(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

const shapes: Record<string, string> = {
  'one long string': `{"a":"${'x'.repeat(SIZE)}"}`,
  'escaped quotes': `{"a":"${'\\"'.repeat(SIZE / 2)}"}`,
  numbers: `[${'1,'.repeat(SIZE / 2)}1]`,
  'empty strings': `[${'"",'.repeat(SIZE / 3)}""]`,
  'objects of short strings': `[${'{"name":"service-number-12345","tags":["a","b"]},'.repeat(SIZE / 50)}1]`,
};
const time = (run: () => void) => {
  const started = performance.now();
  for (let i = 0; i < REPEAT; i++) run();
  return (performance.now() - started) / REPEAT;
};
console.log(`| shape (${args.mb} MB) | character by character, whole text | streamed scan, 64 KB parts |\n| --- | --- | --- |`);
for (const [name, text] of Object.entries(shapes)) {
  const bytes = Buffer.from(text);
  const before = time(() => characterByCharacter(text, MAX_JSON_NESTING));
  const after = time(() => {
    const scan = new JsonNestingScan(MAX_JSON_NESTING);
    for (let at = 0; at < bytes.length; at += 65536) scan.feed(bytes.subarray(at, at + 65536));
  });
  console.log(`| ${name} | ${before.toFixed(1)} ms | ${after.toFixed(1)} ms |`);
}
