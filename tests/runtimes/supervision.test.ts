/**
 * Supervision of `process` runtimes by the Runtimes capability, with real child processes: a crash
 * is restarted after an exponential backoff, the backoff starts afresh after the process stayed up,
 * `restart: never` stays crashed, a program that cannot start is reported with its reason, a
 * reload replaces a changed runtime; and the config section names the entry and field of each problem.
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { composeSections, ConfigFileError } from '../../server/config-file.ts';
import { createPubSub } from '../../server/events/pubsub.ts';
import { Channels, type RuntimeChangedEvent } from '../../server/events/channels.ts';
import { createLogger } from '../../server/logger.ts';
import { systemClock } from '../../server/clock.ts';
import { parseRuntimeEntry, runtimesSection, type RuntimesConfig } from '../../server/runtimes/config-file.ts';
import { Runtimes } from '../../server/runtimes/runtimes.ts';
import { until } from '../support/signals.ts';
import { alive } from './support/fixtures.ts';

const logger = createLogger('silent');
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

/** A Runtimes with the given file entries, started, and every event it published. */
async function supervise(entries: Record<string, unknown>[]): Promise<{ runtimes: Runtimes; events: RuntimeChangedEvent[] }> {
  const pubsub = await createPubSub(undefined, logger);
  const events: RuntimeChangedEvent[] = [];
  const subscription = pubsub.subscribe(Channels.runtimeChanged);
  void (async () => {
    for await (const event of subscription) events.push(event);
  })();
  const runtimes = new Runtimes({ pubsub, clock: systemClock, logger, pollMs: 0 });
  runtimes.apply({ file: 'test.yaml', runtimes: entries.map(parseRuntimeEntry) });
  runtimes.start();
  stops.push(async () => {
    await runtimes.stop();
    await subscription.return?.();
    await pubsub.close();
  });
  return { runtimes, events };
}

/** The backoff of each automatic restart, as the crashed state tells it ("…; restarting in 40 ms"). */
const backoffs = (events: RuntimeChangedEvent[]) =>
  events.filter((e) => e.state === 'crashed' && e.nextRestartAt).map((e) => Number(/restarting in (\d+) ms$/.exec(e.lastError ?? '')?.[1]));

const crashing = (code: number) => ({ command: process.execPath, args: ['-e', `console.error("boom"); process.exit(${code})`] });

describe('process runtimes under supervision', () => {
  it('restarts a crashed process after a backoff that doubles up to its cap', async () => {
    const { runtimes, events } = await supervise([{ name: 'crasher', kind: 'process', ...crashing(1), restart: 'on-failure', backoff: '20ms', backoff_max: '80ms', reset_after: '1h' }]);
    await until(() => runtimes.status('crasher').restarts >= 5, 'five restarts', 20_000);
    const waits = backoffs(events);
    expect(waits.slice(0, 5)).toEqual([20, 40, 80, 80, 80]);
    const crashed = events.find((e) => e.state === 'crashed')!;
    expect(Date.parse(crashed.nextRestartAt!)).toBeGreaterThanOrEqual(Date.parse(crashed.lastExit!.at) + 20);
    expect(crashed.lastExit).toMatchObject({ code: 1, signal: null });
    expect(crashed.lastError).toBe('exited with code 1; restarting in 20 ms');
    // Each restart is a new process: starting, then running with its pid, then crashed again.
    expect(events.filter((e) => e.state === 'running').map((e) => e.pid).filter((pid, i, all) => all.indexOf(pid) !== i)).toEqual([]);
  });

  it('starts the backoff afresh once the process stayed up long enough', async () => {
    const { runtimes, events } = await supervise([{ name: 'steady', kind: 'process', ...crashing(1), backoff: '20ms', backoff_max: '1s', reset_after: '0ms' }]);
    await until(() => runtimes.status('steady').restarts >= 3, 'three restarts', 20_000);
    const waits = backoffs(events);
    expect(waits.slice(0, 3)).toEqual([20, 20, 20]);
  });

  it('leaves a `restart: never` process crashed, and an `on-failure` one that exited 0 stopped', async () => {
    const { runtimes } = await supervise([
      { name: 'once', kind: 'process', ...crashing(3), restart: 'never', backoff: '10ms' },
      { name: 'done', kind: 'process', ...crashing(0), restart: 'on-failure', backoff: '10ms' },
      // The clock of this test: restarted with the same backoff, so once it has been restarted three times the others would have been too.
      { name: 'witness', kind: 'process', ...crashing(1), restart: 'always', backoff: '10ms', backoff_max: '10ms' },
    ]);
    await until(() => runtimes.status('witness').restarts >= 3, 'the witness restarted three times', 20_000);
    expect(runtimes.status('once')).toMatchObject({ state: 'crashed', restarts: 0, lastError: 'exited with code 3', nextRestartAt: null, pid: null, lastExit: { code: 3 } });
    expect(runtimes.status('done')).toMatchObject({ state: 'stopped', restarts: 0, lastError: null, lastExit: { code: 0 } });
  });

  it('reports a program that cannot start with its reason, and a restart of it as failed', async () => {
    const { runtimes } = await supervise([
      { name: 'missing', kind: 'process', command: '/nonexistent/bin/worker', restart: 'never' },
      { name: 'nowhere', kind: 'process', command: process.execPath, cwd: '/nonexistent/dir', restart: 'never' },
    ]);
    await until(() => runtimes.status('missing').state === 'crashed' && runtimes.status('nowhere').state === 'crashed', 'both fail to start');
    expect(runtimes.status('missing').lastError).toBe('command not found: /nonexistent/bin/worker');
    expect(runtimes.status('nowhere').lastError).toMatch(/cwd \/nonexistent\/dir does not exist/);
    const outcome = await runtimes.restart('missing');
    expect(outcome).toMatchObject({ ok: false, error: 'command not found: /nonexistent/bin/worker', runtime: { state: 'crashed' } });
  });

  it('fails a restart whose new process dies within the start period, with its last line', async () => {
    // Runs once; the restarted process (same argv) finds the marker and dies at once.
    const marker = `/tmp/lookout-runtime-${process.pid}-${Date.now()}`;
    const script = `const fs = require("fs"); if (fs.existsSync(${JSON.stringify(marker)})) { console.error("port 7070 is taken"); process.exit(4) } fs.writeFileSync(${JSON.stringify(marker)}, ""); setInterval(() => {}, 1000)`;
    const { runtimes } = await supervise([{ name: 'flaky', kind: 'process', command: process.execPath, args: ['-e', script], restart: 'never', start_period: '5s' }]);
    stops.push(async () => (await import('node:fs/promises')).rm(marker, { force: true }));
    await until(() => existsSync(marker), 'the first run is under way');
    const outcome = await runtimes.restart('flaky');
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toBe('exited with code 4 within 5000 ms of starting: port 7070 is taken');
    expect(outcome.runtime).toMatchObject({ state: 'crashed', lastExit: { code: 4 } });
  });

  it('refuses a second restart while one is under way', async () => {
    const { runtimes } = await supervise([{ name: 'slow', kind: 'process', command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], start_period: '300ms' }]);
    await until(() => runtimes.status('slow').state === 'running', 'it runs');
    const first = runtimes.restart('slow');
    await expect(runtimes.restart('slow')).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await first).ok).toBe(true);
  });

  it('replaces a runtime whose definition a reload changed, and stops one the file no longer has', async () => {
    const sleeper = (tag: string) => ({ command: process.execPath, args: ['-e', `setInterval(() => {}, 1000) // ${tag}`] });
    const { runtimes } = await supervise([
      { name: 'kept', kind: 'process', ...sleeper('kept') },
      { name: 'changed', kind: 'process', ...sleeper('v1') },
      { name: 'removed', kind: 'process', ...sleeper('removed') },
    ]);
    await until(() => runtimes.names().every((n) => runtimes.status(n).state === 'running'), 'all run');
    const [kept, changed, removed] = ['kept', 'changed', 'removed'].map((n) => runtimes.status(n).pid!);
    runtimes.apply({ file: 'test.yaml', runtimes: [{ name: 'kept', kind: 'process', ...sleeper('kept') }, { name: 'changed', kind: 'process', ...sleeper('v2') }].map(parseRuntimeEntry) });
    await until(() => !alive(removed) && !alive(changed) && runtimes.status('changed').state === 'running', 'the reload is applied');
    expect(runtimes.names()).toEqual(['kept', 'changed']);
    expect(runtimes.status('kept').pid).toBe(kept);
    expect(runtimes.status('changed').pid).not.toBe(changed);
  });
});

describe('the runtimes section of the config file', () => {
  const parse = (runtimes: unknown) => composeSections<[RuntimesConfig]>({ runtimes }, 'lookout.yaml', [runtimesSection]);
  const problems = (runtimes: unknown) => {
    try {
      parse(runtimes);
      return [];
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigFileError);
      return (error as ConfigFileError).problems;
    }
  };

  it('takes the issue’s example', () => {
    const [config] = parse([
      { name: 'worker', kind: 'process', command: 'node', args: ['examples/worker.ts'], env: { LOOKOUT_URL: 'http://127.0.0.1:4000' }, restart: 'on-failure' },
      { name: 'otto', kind: 'http', url: 'http://127.0.0.1:7070' },
      { name: 'billing-api', kind: 'command', restart: ['systemctl', 'restart', 'billing-api'], logs: ['journalctl', '-u', 'billing-api', '-n', 100, '--no-pager'], status: ['systemctl', 'is-active', 'billing-api'] },
    ]);
    expect(config.runtimes.map((r) => [r.name, r.kind])).toEqual([['worker', 'process'], ['otto', 'http'], ['billing-api', 'command']]);
    expect(config.runtimes[2].settings.logs).toEqual(['journalctl', '-u', 'billing-api', '-n', '100', '--no-pager']);
  });

  it('names the entry and the field of every problem', () => {
    expect(
      problems([
        { name: 'w', kind: 'process', command: 'node', restart: 'sometimes' },
        { name: 'c', kind: 'command', restart: 'systemctl restart billing' },
        { name: 'h', kind: 'http', url: 'ftp://example.com' },
        { name: 'x', kind: 'docker' },
        { name: 'ok', kind: 'process', command: 'node' },
        { name: 'ok', kind: 'process', command: 'node' },
        { name: 'p', kind: 'process', command: 'node', args: 'a b', env: { '1BAD': 'x' } },
        { name: 't', kind: 'process', command: 'node', restart_polcy: 'never' },
        { name: 'Bad Name', kind: 'process', command: 'node' },
      ]),
    ).toEqual([
      'runtimes[0] ("w"): restart must be one of always, on-failure, never, got "sometimes".',
      'runtimes[1] ("c"): restart must be a list (the program, then its arguments; no shell), e.g. [systemctl, restart, my-service], got a string.',
      'runtimes[2] ("h"): url must be an http or https URL, got ftp.',
      'runtimes[3] ("x"): kind must be one of process, http, command, got "docker".',
      'runtimes[5] ("ok"): name: the name "ok" is used twice',
      'runtimes[6] ("p"): args must be a list of strings, got "a b".',
      'runtimes[7] ("t"): restart_polcy is not a setting of a process runtime; use command, args, env, cwd, restart, backoff, backoff_max, reset_after, stop_grace, start_period, log_lines, max_line_length.',
      'runtimes[8] ("Bad Name"): name must be 1-63 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit, got "Bad Name".',
    ]);
    expect(problems({ name: 'w' })).toEqual(['runtimes: must be a list of runtimes ({ name, kind, … })']);
  });
});
