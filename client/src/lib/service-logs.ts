/**
 * A service's log as the viewer holds it: the last lines (`serviceLogs`), then each new chunk from
 * `serviceLogLines` appended. The subscription starts first and the read follows its first message
 * (following has begun), so no line falls between the two; chunks that come while the read is under
 * way wait for it, without the lines it already has. After a reconnect the log is read again from
 * scratch (lines written meanwhile would otherwise be missed).
 */
import { createSignal, onCleanup } from 'solid-js';
import { graphql } from '../graphql';
import { client } from './urql.ts';
import { onReconnected } from './connection.ts';
import { formError, type FormError } from './errors.ts';

const ServiceLogsDoc = graphql(`
  query ServiceLogs($name: String!, $lines: Int!) {
    serviceLogs(name: $name, lines: $lines) {
      source
      lines
    }
  }
`);

const ServiceLogLinesDoc = graphql(`
  subscription ServiceLogLines($name: String!) {
    serviceLogLines(name: $name) {
      lines
      rotated
    }
  }
`);

/** Lines read when the viewer opens. */
export const INITIAL_LINES = 200;
/** Lines the viewer keeps; older ones are dropped as new ones come. */
export const KEPT_LINES = 5000;

export interface LogLine {
  /** Increasing; a key for the list. */
  id: number;
  text: string;
  /** A marker the viewer adds (the log started over), not a line of the log. */
  marker?: boolean;
}

/**
 * How many of `incoming`'s first lines are the last lines of `held` (a chunk the subscription sent
 * for lines the read already returned).
 */
export function overlap(held: readonly string[], incoming: readonly string[]): number {
  for (let k = Math.min(held.length, incoming.length); k > 0; k--) {
    let same = true;
    for (let i = 0; i < k && same; i++) same = held[held.length - k + i] === incoming[i];
    if (same) return k;
  }
  return 0;
}

export function createServiceLogs(name: string) {
  const [lines, setLines] = createSignal<LogLine[]>([]);
  const [source, setSource] = createSignal<string | null>(null);
  const [error, setError] = createSignal<FormError | null>(null);
  const [loaded, setLoaded] = createSignal(false);
  let nextId = 0;
  /** Chunks that came before the read was in; null once it is. */
  let pending: { lines: string[]; rotated: boolean }[] | null = [];
  let stop: (() => void) | undefined;

  const append = (texts: string[], rotated: boolean) => {
    const added: LogLine[] = texts.map((text) => ({ id: nextId++, text }));
    if (rotated) added.unshift({ id: nextId++, text: '— the log started over —', marker: true });
    if (added.length === 0) return;
    setLines((held) => {
      const next = held.concat(added);
      return next.length > KEPT_LINES ? next.slice(next.length - KEPT_LINES) : next;
    });
  };

  /** Reads the last lines, then appends the chunks that came meanwhile (without what the read has). */
  const read = async () => {
    const result = await client.query(ServiceLogsDoc, { name, lines: INITIAL_LINES }, { requestPolicy: 'network-only' }).toPromise();
    setError(formError(result.error));
    const held = result.data?.serviceLogs.lines ?? [];
    setSource(result.data?.serviceLogs.source ?? null);
    nextId = 0;
    setLines(held.map((text) => ({ id: nextId++, text })));
    const waiting = pending ?? [];
    pending = null;
    let tail = held;
    for (const chunk of waiting) {
      const skip = chunk.rotated ? 0 : overlap(tail, chunk.lines);
      append(chunk.lines.slice(skip), chunk.rotated);
      tail = chunk.rotated ? chunk.lines : tail.concat(chunk.lines.slice(skip));
    }
    setLoaded(true);
  };

  /**
   * Follows first; reads once the follow's first message (no lines: following has begun) is in, or
   * once it failed (the read then says why, e.g. a missing file).
   */
  const start = () => {
    stop?.();
    pending = [];
    setLoaded(false);
    let began = false;
    const begin = () => {
      if (began) return;
      began = true;
      void read();
    };
    const subscription = client.subscription(ServiceLogLinesDoc, { name }).subscribe((result) => {
      if (result.error) {
        setError(formError(result.error));
        begin();
      }
      const chunk = result.data?.serviceLogLines;
      if (!chunk) return;
      if (!began) return begin(); // the first message: nothing to append
      if (pending) pending.push({ lines: chunk.lines, rotated: chunk.rotated });
      else append(chunk.lines, chunk.rotated);
    });
    stop = () => subscription.unsubscribe();
  };

  start();
  onReconnected(start);
  onCleanup(() => stop?.());

  return { lines, source, error, loaded };
}
