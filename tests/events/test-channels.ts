/**
 * Channels of the transport tests: the pub/sub is typed by a channel map, Lookout's by default
 * (server/events/channels.ts); these tests exercise the transport itself with one of their own.
 */
import type { PayloadShapes } from '../../server/events/channels.ts';
import { integer, object, optional, string } from '../../server/events/payload-shapes.ts';

/** What the transport tests send: a number, and sometimes who sent it or padding. */
export interface Tick {
  n: number;
  from?: string;
  pad?: string;
}

const names = ['test.channel', 'other.channel', 'test.abort', 'test.replay', 'test.ready', 'ticks', 'big', 'apart', 'error'] as const;

export type TestChannels = Record<(typeof names)[number], Tick>;

const tick = object<Tick>({ n: integer, from: optional(string), pad: optional(string) });

export const testShapes = Object.fromEntries(names.map((name) => [name, tick])) as PayloadShapes<TestChannels>;
