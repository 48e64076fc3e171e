/**
 * Stopping Lookout stops what it supervises: every `process` runtime and what it started (its
 * process group), SIGTERM first, SIGKILL after the grace for one that ignores SIGTERM. Checked in
 * /proc: no orphan is left.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { until } from '../support/signals.ts';
import { alive } from './support/fixtures.ts';

describe('Lookout’s shutdown', () => {
  let ts: TestServer | undefined;
  let dir = '';
  afterAll(async () => {
    await ts?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('stops its supervised processes and their children, leaving no orphan', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-shutdown-'));
    const node = JSON.stringify(process.execPath);
    // A parent that starts a child of its own and prints both pids; and one that ignores SIGTERM.
    const parent = `const c = require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); console.log('pids ' + process.pid + ' ' + c.pid); setInterval(() => {}, 1000)`;
    const stubborn = `process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('pids ' + process.pid); setInterval(() => {}, 1000)`;
    const file = path.join(dir, 'lookout.yaml');
    await fs.writeFile(
      file,
      `runtimes:
  - name: parent
    kind: process
    command: ${node}
    args: [-e, ${JSON.stringify(parent)}]
  - name: stubborn
    kind: process
    command: ${node}
    args: [-e, ${JSON.stringify(stubborn)}]
    stop_grace: 300ms
`,
    );
    ts = await startTestServer({ runScheduler: false, config: { configFile: file } });
    const { runtimes } = ts.server.app;
    const pidsOf = async (name: string) => ((await runtimes.logs(name, 10, AbortSignal.timeout(1000))) ?? []).find((l) => l.startsWith('pids '))?.split(' ').slice(1).map(Number);
    await until(async () => (await pidsOf('parent'))?.length === 2 && (await pidsOf('stubborn'))?.length === 1, 'both print their pids');
    const pids = [...(await pidsOf('parent'))!, ...(await pidsOf('stubborn'))!];
    expect(pids.every(alive)).toBe(true);

    await ts.stop();

    expect(pids.filter(alive)).toEqual([]);
    expect(runtimes.status('parent')).toMatchObject({ state: 'stopped', pid: null, lastExit: { signal: 'SIGTERM' } });
    expect(runtimes.status('stubborn')).toMatchObject({ state: 'stopped', pid: null, lastExit: { signal: 'SIGKILL' } });
  });
});
