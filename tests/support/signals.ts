/** Waiting for signals in tests: a condition polled until it holds (never a fixed sleep), and a logger whose lines a test reads. */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../../server/logger.ts';

/** Polls `condition` every `everyMs` until it holds; fails naming `what` after `ms`. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 10_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** One JSON log line. */
export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A pino logger at `info` whose lines the test reads back. */
export function capturedLogger(): { logger: Logger; lines: () => LogLine[] } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines: () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine) };
}
