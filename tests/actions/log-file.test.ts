/**
 * Reading and following a service's log file, on real files: the last lines of a 1 GB (sparse)
 * file in bounded reads and memory, long lines cut, a followed file's appended lines, truncation
 * and rotation; the snapshot follower's alignment; and the config section's refusals.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followFile, MAX_LINE_LENGTH, tailFile, type FollowedLines } from '../../server/actions/log-file.ts';
import { linesAfter } from '../../server/actions/snapshot-follow.ts';
import { actionsSection } from '../../server/actions/config-file.ts';
import { composeSections, ConfigFileError } from '../../server/config-file.ts';
import { ServiceActions } from '../../server/actions/actions.ts';
import type { Runtimes } from '../../server/runtimes/runtimes.ts';
import { capturedLogger } from '../support/signals.ts';

const GIB = 1024 ** 3;

describe('a log file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-logs-'));
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('returns the last 100 lines of a 1 GB file reading a few chunks from its end, in bounded memory', async () => {
    const file = path.join(dir, 'big.log');
    const handle = await fs.open(file, 'w');
    await handle.truncate(GIB);
    const tail = Array.from({ length: 300 }, (_, i) => `2026-12-05T17:00:00Z request ${i} served in ${i % 17} ms`).join('\n') + '\n';
    await handle.write(tail, GIB);
    await handle.close();
    expect((await fs.stat(file)).size).toBeGreaterThan(GIB);
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const { lines, bytesRead } = await tailFile(file, 100);
    const took = performance.now() - started;
    const grew = process.memoryUsage().rss - rssBefore;
    expect(lines).toHaveLength(100);
    expect(lines[0]).toBe('2026-12-05T17:00:00Z request 200 served in 13 ms');
    expect(lines.at(-1)).toBe('2026-12-05T17:00:00Z request 299 served in 10 ms');
    expect(bytesRead).toBeLessThanOrEqual(64 * 1024); // one chunk: the 100 lines fit in it
    expect(grew).toBeLessThan(64 * 1024 * 1024);
    expect(took).toBeLessThan(1000);
  });

  it('stops at its read budget in a 1 GB file with no line breaks near its end', async () => {
    const file = path.join(dir, 'zeros.log');
    const handle = await fs.open(file, 'w');
    await handle.truncate(GIB);
    await handle.close();
    const { lines, bytesRead } = await tailFile(file, 100);
    expect(bytesRead).toBeLessThan(100 * (MAX_LINE_LENGTH * 4 + 1) + 2 * 64 * 1024);
    expect(lines).toEqual([]); // the only "line" found never started within the budget
  });

  it('reads a short file whole, without an empty last line, and cuts long lines', async () => {
    const file = path.join(dir, 'short.log');
    await fs.writeFile(file, `first\r\nsecond\n${'x'.repeat(MAX_LINE_LENGTH + 10)}\nlast\n`);
    const { lines } = await tailFile(file, 1000);
    expect(lines).toEqual(['first', 'second', `${'x'.repeat(MAX_LINE_LENGTH)} …[truncated]`, 'last']);
    expect((await tailFile(file, 2)).lines).toEqual([`${'x'.repeat(MAX_LINE_LENGTH)} …[truncated]`, 'last']);
  });

  it('refuses what is not a regular file', async () => {
    await expect(tailFile(dir, 10)).rejects.toThrow(/not a regular file/);
    await expect(tailFile(path.join(dir, 'missing.log'), 10)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('follows appended lines, then starts over when the file is truncated and when it is rotated', async () => {
    const file = path.join(dir, 'followed.log');
    await fs.writeFile(file, 'old line before following\n');
    const controller = new AbortController();
    const follower = followFile(file, { pollMs: 20 }, controller.signal);
    const received: FollowedLines[] = [];
    const next = async () => {
      const { value, done } = await follower.next();
      expect(done).toBe(false);
      received.push(value!);
      return value!;
    };
    try {
      // The first chunk, empty, says the starting point is taken: what is appended after it is followed.
      expect(await next()).toEqual({ lines: [], rotated: false });
      const first = next();
      await fs.appendFile(file, 'one\ntwo\npart');
      expect(await first).toEqual({ lines: ['one', 'two'], rotated: false });
      await fs.appendFile(file, 'ial\n');
      expect(await next()).toEqual({ lines: ['partial'], rotated: false });
      // Truncated in place (copytruncate), then written again.
      await fs.truncate(file, 0);
      await fs.appendFile(file, 'after truncation\n');
      let got = await next();
      if (got.lines.length === 0) got = await next(); // the truncation seen before the write
      expect(received.some((r) => r.rotated)).toBe(true);
      expect(got.lines).toEqual(['after truncation']);
      // Rotated: renamed away and a new file created at the path.
      await fs.rename(file, `${file}.1`);
      await fs.writeFile(file, 'new file first line\n');
      got = await next();
      expect(got).toEqual({ lines: ['new file first line'], rotated: true });
      await fs.appendFile(`${file}.1`, 'written to the old file after rotation\n');
      await fs.appendFile(file, 'second line of the new file\n');
      expect(await next()).toEqual({ lines: ['second line of the new file'], rotated: false });
    } finally {
      controller.abort();
    }
    expect((await follower.next()).done).toBe(true);
  });

  it('skips, and says so, a burst larger than a poll may read', async () => {
    const file = path.join(dir, 'burst.log');
    await fs.writeFile(file, '');
    const controller = new AbortController();
    const follower = followFile(file, { pollMs: 20, maxBytesPerPoll: 1000 }, controller.signal);
    expect((await follower.next()).value).toEqual({ lines: [], rotated: false });
    const pending = follower.next();
    await fs.appendFile(file, Array.from({ length: 500 }, (_, i) => `line ${String(i).padStart(3, '0')}`).join('\n') + '\n');
    const { value } = await pending;
    controller.abort();
    expect(value!.lines[0]).toMatch(/^…\[\d+ bytes skipped\]$/);
    expect(value!.lines.at(-1)).toBe('line 499');
    expect(value!.lines.length).toBeLessThan(120);
  });
});

describe('a followed log whose subscriber leaves', () => {
  it('ends at once, not at its next poll', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-follow-'));
    try {
      const file = path.join(dir, 'quiet.log');
      await fs.writeFile(file, 'nothing new\n');
      // Only `names()` of the runtimes is used by a file source.
      const actions = new ServiceActions({ runtimes: { names: () => [] } as unknown as Runtimes, logger: capturedLogger().logger, followMs: { file: 60_000 } });
      actions.apply({ file: null, services: [{ service: 'quiet', restart: null, logs: { kind: 'file', path: file } }] });
      const lines = actions.follow('quiet');
      expect(await lines.next()).toEqual({ done: false, value: { lines: [], rotated: false } });
      const pending = lines.next();
      const started = performance.now();
      await lines.return!();
      expect(await pending).toEqual({ done: true, value: undefined });
      expect(performance.now() - started).toBeLessThan(1000);
      expect(await lines.next()).toEqual({ done: true, value: undefined });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('following a log read as its last lines', () => {
  it('finds the lines after the previous reading, also when older ones scrolled out', () => {
    expect(linesAfter(['a', 'b', 'c'], ['a', 'b', 'c'])).toEqual({ lines: [], reset: false });
    expect(linesAfter(['a', 'b', 'c'], ['b', 'c', 'd', 'e'])).toEqual({ lines: ['d', 'e'], reset: false });
    expect(linesAfter(['a', 'b', 'c'], ['c', 'd'])).toEqual({ lines: ['d'], reset: false });
    expect(linesAfter([], ['x'])).toEqual({ lines: ['x'], reset: false });
  });
  it('starts over when the new reading does not continue the previous one', () => {
    expect(linesAfter(['a', 'b'], ['x', 'y'])).toEqual({ lines: ['x', 'y'], reset: true });
  });
});

describe('the services’ restart: and logs: config', () => {
  const runtimes = [{ name: 'worker', kind: 'process', command: 'node' }];
  const parse = (services: unknown[], declared: unknown[] = runtimes) => composeSections<[unknown]>({ services, runtimes: declared }, '/etc/lookout.yaml', [actionsSection], 'ignore')[0];
  const problems = (services: unknown[], declared: unknown[] = runtimes) => {
    try {
      parse(services, declared);
      return [];
    } catch (error) {
      if (!(error instanceof ConfigFileError)) throw error;
      return error.problems;
    }
  };

  it('reads every shape', () => {
    expect(
      parse([
        { name: 'a', restart: { runtime: 'worker' }, logs: { runtime: 'worker' } },
        { name: 'b', restart: { command: ['systemctl', 'restart', 'api'] }, logs: { command: ['journalctl', '-u', 'api', '-n', 200, '--no-pager'] } },
        { name: 'c', restart: { http: { url: 'http://127.0.0.1:9/restart', method: 'post' }, timeout: '5s' }, logs: { file: '/var/log/api.log' } },
        { name: 'd' },
      ]),
    ).toEqual({
      file: '/etc/lookout.yaml',
      services: [
        { service: 'a', restart: { kind: 'runtime', runtime: 'worker' }, logs: { kind: 'runtime', runtime: 'worker' } },
        { service: 'b', restart: { kind: 'command', argv: ['systemctl', 'restart', 'api'], timeoutMs: 60_000 }, logs: { kind: 'command', argv: ['journalctl', '-u', 'api', '-n', '200', '--no-pager'], timeoutMs: 10_000 } },
        { service: 'c', restart: { kind: 'http', url: 'http://127.0.0.1:9/restart', method: 'POST', timeoutMs: 5000, authorization: null }, logs: { kind: 'file', path: '/var/log/api.log' } },
      ],
    });
  });

  it('names the entry and the field of every problem', () => {
    expect(
      problems([
        { name: 'ok' },
        { name: 'one', restart: { command: 'systemctl restart api' } },
        { name: 'two', restart: { runtime: 'w', command: ['x'] } },
        { name: 'three', restart: { http: { url: 'ftp://host/x' } } },
        { name: 'four', logs: { file: 'relative.log' } },
        { name: 'five', logs: { journal: 'api' } },
        { name: 'six', restart: { http: { url: 'http://h/x', method: 'TRACE' } }, logs: { command: [] } },
        { name: 'seven', restart: 'now' },
      ]),
    ).toEqual([
      'services[1] ("one"): restart.command must be a list (the program, then its arguments; no shell), got a string.',
      'services[2] ("two"): restart must set exactly one of runtime, command, http, got runtime and command.',
      'services[3] ("three"): restart.http.url must be an http or https URL, got ftp.',
      'services[4] ("four"): logs.file must be an absolute path such as /var/log/api.log, got "relative.log".',
      'services[5] ("five"): logs must set exactly one of file, command, runtime.',
      'services[6] ("six"): restart.http.method must be one of POST, PUT, PATCH, GET, DELETE, got "TRACE".',
      'services[6] ("six"): logs.command must name a program first, got an empty list.',
      expect.stringMatching(/^services\[7\] \("seven"\): restart must be a mapping with one of runtime, command, http/),
    ]);
  });

  it('takes restart.http.token_env from Lookout’s environment as a bearer token, and refuses one that is not set', () => {
    process.env.LOOKOUT_TEST_API_TOKEN = 'api-restart-token';
    try {
      const parsed = parse([{ name: 'api', restart: { http: { url: 'http://127.0.0.1:9/restart', token_env: 'LOOKOUT_TEST_API_TOKEN' } } }]) as { services: { restart: unknown }[] };
      expect(parsed.services[0].restart).toMatchObject({ kind: 'http', authorization: 'Bearer api-restart-token' });
    } finally {
      delete process.env.LOOKOUT_TEST_API_TOKEN;
    }
    expect(problems([{ name: 'api', restart: { http: { url: 'http://127.0.0.1:9/restart', token_env: 'LOOKOUT_TEST_API_TOKEN' } } }])).toEqual([
      'services[0] ("api"): restart.http.token_env: the environment variable LOOKOUT_TEST_API_TOKEN is not set (or empty) in Lookout\'s environment.',
    ]);
  });

  it('refuses a runtime that runtimes: does not declare, from the same file', () => {
    expect(problems([{ name: 'api', restart: { runtime: 'wroker' }, logs: { runtime: 'worker' } }])).toEqual(['services[0] ("api"): restart.runtime: no runtime "wroker" in runtimes: (declared: worker).']);
    expect(problems([{ name: 'api', logs: { runtime: 'worker' } }], [])).toEqual(['services[0] ("api"): logs.runtime: no runtime "worker" in runtimes: (it declares none).']);
  });
});
