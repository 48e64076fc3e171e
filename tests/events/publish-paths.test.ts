/**
 * Where events may leave from: resolvers publish and wake nothing (they check the scope, call the
 * capability, map the result), and in the server the pub/sub is published to by the after-commit
 * path and by the two publishers that announce no stored change. A new publish call elsewhere is a
 * change to this list, made on purpose.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(root, dir), { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

describe('publish paths', () => {
  it('schema/ has no publish call and no wake-up (regression: a dozen resolvers published run changes and checks by hand after their work, once, on their replica, and could forget; three poked the scheduler)', async () => {
    const offenders: string[] = [];
    for (const file of await sources('schema')) {
      const text = await readFile(path.join(root, file), 'utf8');
      text.split('\n').forEach((line, i) => {
        if (/publish|\.poke\(/i.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });

  it('server/ publishes only through the after-commit path, the event-bus probe, this replica’s checklist and its runtimes', async () => {
    const publishers = new Map<string, number>();
    for (const file of await sources('server')) {
      const count = ((await readFile(path.join(root, file), 'utf8')).match(/\.publish\(/g) ?? []).length;
      if (count) publishers.set(file, count);
    }
    expect(Object.fromEntries(publishers)).toEqual({
      // the one path of changes: published once their transaction committed
      'server/events/after-commit.ts': 1,
      // the probe of the event-bus checker: a round trip, no stored change
      'server/monitoring/monitor.ts': 1,
      // this replica's start-up checklist: what it finds, not what it stores
      'server/operations/operations.ts': 1,
      // this replica's runtimes: states it supervises and reads, nothing stored
      'server/runtimes/runtimes.ts': 1,
      // the transports themselves
      'server/events/pubsub.ts': 1,
    });
  });
});
