/**
 * bench/metrics: what one Prometheus scrape of /metrics costs a `lookout serve` with N services (five
 * lookout_service_status series each): the scrape's time, its size, and how long the server's event
 * loop was held at most meanwhile (`lookout_nodejs_eventloop_lag_max_seconds` of the next scrape,
 * which covers the one before: a loop held for seconds starts every due check that late).
 *
 *   node bench/metrics/run.ts [--services 100000] [--scrapes 5] [--compare-root DIR]
 *
 * The services are paused (nothing is checked: the scrape alone is measured). With --compare-root,
 * another checkout's `lookout serve` (`git archive <commit> | tar -x -C DIR`, node_modules linked) is
 * measured first on the same database, then this one's.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { benchDatabase, insertHttpServices, percentile, startNodeOptions, wholeNumberOption } from '../support/setup.ts';
import { loadAverage } from '../checks/tree.ts';

const USAGE = 'node bench/metrics/run.ts [--services 100000] [--scrapes 5] [--compare-root DIR]';
const { values } = parseArgs({ options: { services: { type: 'string', default: '100000' }, scrapes: { type: 'string', default: '5' }, 'compare-root': { type: 'string' } } });
const services = wholeNumberOption(USAGE, 'services', values.services, 1, 1_000_000);
const scrapes = wholeNumberOption(USAGE, 'scrapes', values.scrapes, 1, 100);
const loadAtStart = await loadAverage();

const { db, dataDir, cleanup } = await benchDatabase();
await insertHttpServices(db, services, 'http://127.0.0.1:9', 3_600_000);
await db.sql.query('update services set paused = true');

async function measure(root: string) {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, [...(await startNodeOptions()), path.join(root, 'bin/lookout.mjs'), 'serve'], {
    env: { ...process.env, DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', LOOKOUT_DATA_DIR: dataDir, LOOKOUT_METRICS_PUBLIC: 'true' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    const up = await fetch(`${base}/health`).then(() => true, () => false);
    if (up) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const lagMax = (text: string) => Number(/^lookout_nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text)?.[1] ?? NaN) * 1000;
  const runs: { ms: number; firstByteMs: number; bytes: number; loopHeldMs: number }[] = [];
  let previous: { ms: number; firstByteMs: number; bytes: number } | null = null;
  // One scrape more than asked for: each scrape's loop figure is read by the next.
  for (let i = 0; i <= scrapes; i++) {
    const started = performance.now();
    const response = await fetch(`${base}/metrics`);
    const reader = response.body!.getReader();
    let firstByteMs = 0;
    const chunks: Uint8Array[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!chunks.length) firstByteMs = performance.now() - started;
      chunks.push(value);
    }
    const ms = performance.now() - started;
    const text = Buffer.concat(chunks).toString('utf8');
    if (previous) runs.push({ ...previous, loopHeldMs: Math.round(lagMax(text)) });
    previous = { ms: Math.round(ms), firstByteMs: Math.round(firstByteMs), bytes: text.length };
    await new Promise((r) => setTimeout(r, 1000));
  }
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
  return {
    root,
    scrapes: runs,
    medianMs: median(runs.map((r) => r.ms)),
    medianFirstByteMs: median(runs.map((r) => r.firstByteMs)),
    medianLoopHeldMs: median(runs.map((r) => r.loopHeldMs)),
    maxLoopHeldMs: Math.max(...runs.map((r) => r.loopHeldMs)),
    megabytes: Math.round((runs[0].bytes / 1048576) * 10) / 10,
  };
}

const compared = values['compare-root'] === undefined ? null : await measure(path.resolve(values['compare-root']));
const current = await measure(path.join(import.meta.dirname, '../..'));
const result = { services, loadAverage: { start: loadAtStart, end: await loadAverage() }, ...(compared && { compared }), current };
console.log(JSON.stringify(result, null, 2));
const row = (r: typeof current) =>
  `| ${services} | ${r.root} | ${r.medianMs} ms | ${r.medianFirstByteMs} ms | ${r.megabytes} MB | ${r.medianLoopHeldMs} ms (max ${r.maxLoopHeldMs}) | ${result.loadAverage.start} |`;
if (compared) console.log(row(compared));
console.log(row(current));
await cleanup();
process.exit(0);
