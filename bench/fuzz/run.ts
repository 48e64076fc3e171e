/**
 * bench/fuzz: the long fuzz. A real `lookout serve` (its own process, embedded PostgreSQL or a
 * fresh database on DATABASE_URL's server) gets the fuzz suite's corpus, then `--requests` hostile
 * HTTP requests and `--ws` hostile WebSocket interactions (tests/fuzz/support), then a
 * burst of concurrent huge bodies, while a steady normal client times `{ serverTime }` and
 * `healthOverview`. Reports 5xx answers, crashes, RSS before / after (VmRSS), the normal client's
 * p50 / p99 during the fuzz, and whether each goal is met.
 *
 *   node bench/fuzz/run.ts [--requests 10000] [--ws 1500] [--seed 1] [--concurrency 8]
 *                          [--burst 32] [--burst-mb 23] [--max-body-mb 16] [--settle 30] [--hold 0] [--big-documents 100]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { fromCorpus, runBatch, type BatchResult } from '../../tests/fuzz/support/campaign.ts';
import { httpCorpus, wsCorpus } from '../../tests/fuzz/support/corpus.ts';
import { randomHttpCase, type FetchCase } from '../../tests/fuzz/support/http-cases.ts';
import { randomWsCase } from '../../tests/fuzz/support/ws-cases.ts';
import { fuzzTokens, serverTimeAnswered } from '../../tests/fuzz/support/probes.ts';
import { percentile } from '../support/setup.ts';
import { startServe } from './serve.ts';
import type { SteadySample } from './steady-client.ts';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '10000' },
    ws: { type: 'string', default: '1500' },
    seed: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '8' },
    burst: { type: 'string', default: '32' },
    'burst-mb': { type: 'string', default: '23' },
    'max-body-mb': { type: 'string', default: '16' },
    settle: { type: 'string', default: '30' },
    hold: { type: 'string', default: '0' },
    'max-minutes': { type: 'string', default: '30' },
    'big-documents': { type: 'string', default: '100' },
  },
});
const REQUESTS = Number(args.requests);
const WS = Number(args.ws);
const SEED = Number(args.seed);
const CONCURRENCY = Number(args.concurrency);
const BURST = Number(args.burst);
const MB = 1024 * 1024;
const GOALS = { crashes: 0, serverErrors: 0, rssDeltaMb: 50, p99Ms: 100 };

const serve = await startServe();
/** A fatal error means it is shutting itself down: that is the crash, even before it exits. */
const alive = () => serve.exit === null && serve.logged.fatal === 0;
const mb = (bytes: number | null) => (bytes === null ? null : Math.round(bytes / MB));
console.error(`lookout serve (pid ${serve.child.pid}) at ${serve.url}; seed ${SEED}`);

const tokens = await fuzzTokens(serve.url, serve.adminToken);
// Warm up: the first queries compile, the pools open; then the starting RSS.
for (let i = 0; i < 20; i++) await serverTimeAnswered(serve.url, serve.adminToken);
await new Promise((r) => setTimeout(r, 2000));
const rssStart = await serve.rss();
/** The V8 heap in use, from the server's /metrics: what it holds, as against what RSS has not given back. */
const heapUsed = () =>
  fetch(`${serve.url}/metrics`).then((r) => r.text()).then((t) => Number(/^lookout_nodejs_heap_size_used_bytes (\d+)/m.exec(t)?.[1] ?? NaN), () => NaN);
const heapStart = await heapUsed();
/** Where the worker's memory is: V8's heap (in use and reserved), memory outside it (Buffers), and RSS. */
const breakdown = () =>
  fetch(`${serve.url}/metrics`).then((r) => r.text()).then((t) => {
    const read = (name: string) => mb(Number(new RegExp(`^lookout_${name} (\\S+)`, 'm').exec(t)?.[1] ?? NaN));
    return { heapUsed: read('nodejs_heap_size_used_bytes'), heapTotal: read('nodejs_heap_size_total_bytes'), external: read('nodejs_external_memory_bytes'), workerRss: read('process_resident_memory_bytes') };
  }, () => null);
const memoryStart = await breakdown();
/**
 * FUZZ_HEAP_SNAPSHOTS=DIR, with FUZZ_EXTRA_OPTIONS="--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=DIR":
 * a heap snapshot of the worker at the start and once RSS has settled, to compare what it holds.
 */
const heapSnapshot = async (name: string) => {
  const dir = process.env.FUZZ_HEAP_SNAPSHOTS;
  if (!dir || !alive()) return;
  const { readdirSync, renameSync, statSync } = await import('node:fs');
  const before = new Set(readdirSync(dir));
  for (const pid of await serve.workers()) process.kill(pid, 'SIGUSR2');
  // The file appears, then grows until V8 has written it; it is done when its size stops changing.
  for (let last = -1; ;) {
    await new Promise((r) => setTimeout(r, 500));
    const file = readdirSync(dir).find((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
    if (!file) continue;
    const size = statSync(`${dir}/${file}`).size;
    if (size > 0 && size === last) return renameSync(`${dir}/${file}`, `${dir}/${name}.heapsnapshot`);
    last = size;
  }
};
await heapSnapshot('start');
/** FUZZ_SMAPS=1: the worker's resident memory by mapping ([heap], anonymous, files), printed at the start and once settled. */
const smaps = async (when: string) => {
  if (!process.env.FUZZ_SMAPS || !alive()) return;
  for (const pid of await serve.workers()) {
    const text = await import('node:fs/promises').then((fs) => fs.readFile(`/proc/${pid}/smaps`, 'utf8')).catch(() => '');
    const kb: Record<string, number> = {};
    let kind = '';
    for (const line of text.split('\n')) {
      const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
      if (head) kind = !head[1] ? 'anonymous' : head[1].startsWith('/') ? 'files' : head[1];
      const rss = /^Rss:\s+(\d+) kB/.exec(line);
      if (rss) kb[kind] = (kb[kind] ?? 0) + Number(rss[1]);
    }
    console.error(`worker ${pid} RSS by mapping, ${when} (MB): ${Object.entries(kb).map(([k, v]) => `${k} ${Math.round(v / 1024)}`).join(', ')}`);
  }
};
await smaps('start');

// The steady normal client, and RSS sampled while the fuzz runs.
const samples: (SteadySample & { phase: string })[] = [];
let phase = 'baseline';
const client = new Worker(new URL('./steady-client.ts', import.meta.url), { workerData: { url: serve.url, token: serve.adminToken, intervalMs: 50, timeoutMs: 10_000 } });
client.on('message', (m: SteadySample | 'stopped') => m !== 'stopped' && samples.push({ ...m, phase }));
let rssPeak = rssStart ?? 0;
const sampler = setInterval(() => void serve.rss().then((v) => (rssPeak = Math.max(rssPeak, v ?? 0))), 250);

// The normal client alone first: what the machine gives it without the fuzz.
await new Promise((r) => setTimeout(r, 5000));
phase = 'fuzz';
const deadline = performance.now() + Number(args['max-minutes']) * 60_000;
const runner = { port: serve.port, answerTimeoutMs: 10_000, maxAnswerBytes: 8 * MB, deadline, stopped: () => !alive(), keepFindings: 30 };
const started = performance.now();
let lastReport = 0;
const progress = (name: string) => (r: BatchResult) => {
  if (performance.now() - lastReport < 15_000) return;
  lastReport = performance.now();
  console.error(`  ${Math.round((performance.now() - started) / 1000)} s, ${name}: ${r.sent} sent, ${r.serverErrors} 5xx, ${r.findings.length} findings; RSS ${mb(rssPeak)} MB peak`);
};
// The corpus first (what once stopped or failed the server), then the random cases.
const httpOptions = { tokens, maxBytes: 1_000_000, maxBodyBytes: Number(args['max-body-mb']) * MB };
const wsOptions = { tokens, maxBytes: 500_000, maxMessageBytes: 4 * MB };
const serverLimit = Number(process.env.LOOKOUT_MAX_BODY_BYTES || 4 * MB); // lookout serve gets the same environment
const corpora = [...httpCorpus(httpOptions), ...wsCorpus(wsOptions, serverLimit)];
const corpus = await runBatch(fromCorpus(corpora), { ...runner, seed: 0, count: corpora.length, concurrency: 4 });
const [http, ws] = await Promise.all([
  runBatch((rng) => randomHttpCase(rng, httpOptions), { ...runner, seed: SEED, count: REQUESTS, concurrency: CONCURRENCY, onCase: progress('HTTP') }),
  runBatch((rng) => randomWsCase(rng, wsOptions), { ...runner, seed: SEED + 1, count: WS, concurrency: 2, onCase: progress('WebSocket') }),
]);
const fuzzSeconds = (performance.now() - started) / 1000;
// The server's own event-loop delay over the fuzz (prom-client resets it at each scrape; the last was the heap's at the start).
const loopDelay = await fetch(`${serve.url}/metrics`).then((r) => r.text()).then(
  (t) => Object.fromEntries(['max', 'p99', 'p50'].map((k) => [k, Math.round(Number(new RegExp(`^lookout_nodejs_eventloop_lag_${k}_seconds (\\S+)`, 'm').exec(t)?.[1] ?? NaN) * 1000)])),
  () => ({ max: NaN, p99: NaN, p50: NaN }),
);

// The burst of the issue: many concurrent bodies of ~23 MB of `[[[[…` (one buffer, sent by all).
phase = 'burst';
const burstBody = Buffer.alloc(Number(args['burst-mb']) * MB, '[');
const burstCase: FetchCase = { kind: 'fetch', label: `burst body of ${args['burst-mb']} MB`, method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json' }, body: burstBody };
const burstStarted = performance.now();
const burst = BURST > 0 && alive()
  ? await runBatch(() => burstCase, { ...runner, seed: SEED + 2, count: BURST, concurrency: BURST, answerTimeoutMs: 60_000 })
  : null;
const burstSeconds = (performance.now() - burstStarted) / 1000;

phase = 'after';

// Let the normal client see the server after the burst, then stop it.
await new Promise((r) => setTimeout(r, 2000));
client.postMessage('stop');
await new Promise<void>((resolve) => client.on('message', (m) => m === 'stopped' && resolve()));
await client.terminate();
clearInterval(sampler);
// --hold: seconds to wait before RSS is read at all (the same wait for every run compared).
await new Promise((r) => setTimeout(r, Number(args.hold) * 1000));
const rssAfter = await serve.rss();
const answeredAfter = alive() ? await serverTimeAnswered(serve.url, serve.adminToken, 10_000).then(() => true, () => false) : false;

// RSS settles as the garbage goes: wait up to --settle seconds for it to come back within the goal.
let rssSettled = rssAfter;
const settleStart = Date.now();
while (alive() && rssStart !== null && rssSettled !== null && rssSettled - rssStart > GOALS.rssDeltaMb * MB && Date.now() - settleStart < Number(args.settle) * 1000) {
  await new Promise((r) => setTimeout(r, 1000));
  rssSettled = await serve.rss();
}
const settledAfterS = Math.round((Date.now() - settleStart) / 100) / 10;
const heapAfter = alive() ? await heapUsed() : NaN;
const memorySettled = alive() ? await breakdown() : null;
await heapSnapshot('settled');
await smaps('settled');

// The server's own count of 5xx answers (it may answer 5xx to what the fuzz could not read), but
// /health's and /health/ready's 503: that is their answer while something is down or not ready.
const serverSide5xx = alive()
  ? await fetch(`${serve.url}/metrics`).then((r) => r.text()).then((t) => [...t.matchAll(/^lookout_http_requests_total\{([^}]*)\} (\d+)/gm)]
    .filter(([, labels]) => /status="5\d\d"/.test(labels) && !/route="\/health(\/ready)?",status="503"|status="503",route="\/health(\/ready)?"/.test(labels))
    .reduce((sum, m) => sum + Number(m[2]), 0), () => null)
  : null;

// Distinct valid documents, each with a 1 MB string: what the server keeps of each (a cache of
// documents bounded by count, not by size, keeps them all: 650 of 3 MB exhausted the heap).
const bigDocuments = alive() ? Number(args['big-documents']) : 0;
const heapBeforeDocuments = await heapUsed();
for (let i = 0; i < bigDocuments && alive(); i++) {
  const query = `{ __typename a: __type(name: "${'d'.repeat(MB)}${i}") { name } }`;
  await fetch(`${serve.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) }).then((r) => r.arrayBuffer(), () => null);
}
const heapAfterDocuments = bigDocuments ? await heapUsed() : NaN;

const crashed = serve.exit !== null || serve.logged.fatal > 0;
const exitInfo = serve.exit;
const stop = await serve.stop(20_000);
const { orphanedPostgres } = await serve.cleanup();

const during = samples.filter((s) => s.phase === 'fuzz' || s.phase === 'burst');
/** Latency of the answered requests; the failed ones are counted apart (and fail the goal). */
const latency = (list: SteadySample[]) => {
  const sorted = list.filter((s) => s.ok).map((s) => s.ms).sort((a, b) => a - b);
  return { n: sorted.length, p50: Math.round(percentile(sorted, 50)), p99: Math.round(percentile(sorted, 99)), max: Math.round(sorted.at(-1) ?? NaN) };
};
const result = {
  seed: SEED,
  fuzzSeconds: Math.round(fuzzSeconds),
  corpus: { sent: corpus.sent, serverErrors: corpus.serverErrors, findings: corpus.findings.length, tally: corpus.tally },
  http: { sent: http.sent, serverErrors: http.serverErrors, findings: http.findings.length, tally: http.tally, requestMb: mb(http.requestBytes) },
  ws: { sent: ws.sent, findings: ws.findings.length, tally: ws.tally },
  burst: burst && { sent: burst.sent, seconds: Math.round(burstSeconds * 10) / 10, tally: burst.tally, serverErrors: burst.serverErrors },
  serverSide5xx,
  crashed,
  exit: exitInfo,
  answeredAfter,
  loggedErrors: serve.logged.errors,
  loggedFatal: serve.logged.fatal,
  rssMb: { start: mb(rssStart), peak: mb(rssPeak), after: mb(rssAfter), settled: mb(rssSettled), settledAfterS },
  heapUsedMb: { start: mb(heapStart), settled: mb(heapAfter) },
  workerMemoryMb: { start: memoryStart, settled: memorySettled },
  bigDocuments: { count: bigDocuments, heapBeforeMb: mb(heapBeforeDocuments), heapAfterMb: mb(heapAfterDocuments), retainedPerDocumentMb: Math.round(((heapAfterDocuments - heapBeforeDocuments) / MB / bigDocuments) * 100) / 100 },
  slowestHttp: http.slowest,
  slowestWs: ws.slowest,
  normalDuringFuzz: { all: latency(during), serverTime: latency(during.filter((s) => s.kind === 'serverTime')), healthOverview: latency(during.filter((s) => s.kind === 'healthOverview')), failed: during.filter((s) => !s.ok).length },
  serverEventLoopDelayMs: loopDelay,
  normalDuringBurst: latency(samples.filter((s) => s.phase === 'burst')),
  normalBefore: latency(samples.filter((s) => s.phase === 'baseline')),
  shutdown: { ...stop, orphanedPostgres },
};
console.log(JSON.stringify(result, null, 2));
// FUZZ_SAMPLES: a file for every normal request (its phase, kind, start and latency), to lay over a server's --cpu-prof.
if (process.env.FUZZ_SAMPLES) writeFileSync(process.env.FUZZ_SAMPLES, JSON.stringify(samples));

const serverErrors = corpus.serverErrors + http.serverErrors + ws.serverErrors + (burst?.serverErrors ?? 0);
const rssDelta = rssStart !== null && rssSettled !== null ? mb(rssSettled - rssStart)! : null;
const p99 = result.normalDuringFuzz.all.p99;
const goal = (met: boolean) => (met ? 'met' : 'NOT MET');
console.log(`\nGoals:
  crashes: ${crashed ? 1 : 0} (goal 0) — ${goal(!crashed)}
  5xx answers: ${serverErrors} seen by the fuzz, ${serverSide5xx ?? '?'} counted by the server (goal 0) — ${goal(serverErrors === 0 && !serverSide5xx)}
  RSS: ${mb(rssStart)} MB at the start, ${mb(rssPeak)} MB peak, ${mb(rssSettled)} MB after ${settledAfterS} s: ${rssDelta === null ? '?' : `${rssDelta >= 0 ? '+' : ''}${rssDelta}`} MB (goal within ${GOALS.rssDeltaMb} MB; V8 heap in use ${mb(heapStart)} → ${mb(heapAfter)} MB) — ${goal(rssDelta !== null && rssDelta <= GOALS.rssDeltaMb)}
  distinct documents with a 1 MB string: heap ${mb(heapBeforeDocuments)} → ${mb(heapAfterDocuments)} MB after ${bigDocuments} (${result.bigDocuments.retainedPerDocumentMb} MB each, garbage not yet collected included: 2.6–2.7 MB when every document was cached, 1.25 since they are not)
  normal request p99 during the fuzz: ${p99} ms (p50 ${result.normalDuringFuzz.all.p50} ms, ${result.normalDuringFuzz.all.n} requests, ${result.normalDuringFuzz.failed} failed; before the fuzz p50 ${result.normalBefore.p50} / p99 ${result.normalBefore.p99} ms; the server's event loop delayed up to ${loopDelay.max} ms, p99 ${loopDelay.p99} ms) (goal < ${GOALS.p99Ms} ms) — ${goal(p99 < GOALS.p99Ms && result.normalDuringFuzz.failed === 0)}`);
for (const [name, batch] of [['corpus', corpus], ['HTTP', http], ['WebSocket', ws], ['burst', burst]] as const) {
  if (!batch?.findings.length) continue;
  const kinds = new Map<string, number>();
  for (const f of batch.findings) for (const p of f.problems) kinds.set(p.replace(/\d+/g, 'N'), (kinds.get(p.replace(/\d+/g, 'N')) ?? 0) + 1);
  console.log(`\n${name} findings (${batch.findings.length}${name === 'corpus' ? '' : `; seed ${name === 'HTTP' ? SEED : name === 'WebSocket' ? SEED + 1 : SEED + 2}`}):`);
  for (const [kind, n] of kinds) console.log(`  ${n} × ${kind}`);
  for (const f of batch.findings.filter((x) => x.description).slice(0, 8)) console.log(`  #${f.index} ${f.problems.join('; ')}: ${f.description.slice(0, 240)}`);
}
if (serve.logged.errors && !crashed) console.log(`\nThe server logged ${serve.logged.errors} errors; the last:\n${serve.logged.lastLines.slice(-5).map((l) => l.slice(0, 600)).join('\n')}`);
if (crashed) console.log(`\nThe process ${exitInfo ? `exited (${JSON.stringify(exitInfo)})` : 'logged a fatal error'}. Its last error lines:\n${serve.logged.lastLines.join('\n')}`);
console.log(`\n| ${new Date().toISOString().slice(0, 10)} | ${corpus.sent} corpus + ${http.sent} + ${ws.sent} WS + ${burst?.sent ?? 0} × ${args['burst-mb']} MB | ${crashed ? 'yes' : 'no'} | ${serverErrors} (server: ${serverSide5xx ?? '?'}) | ${mb(rssStart)} → ${mb(rssPeak)} peak → ${mb(rssSettled)} MB | ${result.normalBefore.p50} / ${result.normalBefore.p99} ms | ${result.normalDuringFuzz.all.p50} / ${p99} ms | ${result.normalDuringBurst.p99} ms | ${stop.ms} ms${stop.killed ? ' (killed)' : ''}${orphanedPostgres ? ', PostgreSQL orphaned' : ''} |`);
process.exit(0);
