/**
 * The normal client of bench/fuzz, in a worker thread of its own (so that the fuzz's work in the
 * main thread does not delay its timers): `{ serverTime }` every `intervalMs`, and every tenth time
 * a `healthOverview` query, one at a time; each latency is posted to the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';

export interface SteadySample {
  kind: 'serverTime' | 'healthOverview';
  /** How long the request took, in ms. */
  ms: number;
  /** When it started: CLOCK_MONOTONIC in µs, the clock of a server's --cpu-prof timestamps. */
  startedUs: number;
  /** null when the request failed: no answer in time, a non-200 status, or errors in the body. */
  ok: boolean;
  status: number | null;
  error?: string;
}

export interface SteadyClientOptions {
  url: string;
  token: string;
  intervalMs: number;
  timeoutMs: number;
}

const QUERIES = {
  serverTime: '{ serverTime }',
  healthOverview: '{ healthOverview { generatedAt services { name status latencyMs uptime24h recentLatencies } } }',
} as const;

const options = workerData as SteadyClientOptions;
let running = true;
parentPort!.on('message', (message) => {
  if (message === 'stop') running = false;
});

async function ask(kind: SteadySample['kind']): Promise<SteadySample> {
  const started = performance.now();
  const startedUs = Number(process.hrtime.bigint() / 1000n);
  try {
    const response = await fetch(`${options.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
      body: JSON.stringify({ query: QUERIES[kind] }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const body = (await response.json()) as { data?: unknown; errors?: { message: string }[] };
    const ok = response.status === 200 && !!body.data && !body.errors?.length;
    return { kind, ms: performance.now() - started, startedUs, ok, status: response.status, ...(!ok && { error: JSON.stringify(body).slice(0, 200) }) };
  } catch (error) {
    return { kind, ms: performance.now() - started, startedUs, ok: false, status: null, error: String(error).slice(0, 200) };
  }
}

for (let i = 0; running; i++) {
  const tick = performance.now();
  parentPort!.postMessage(await ask(i % 10 === 9 ? 'healthOverview' : 'serverTime'));
  const wait = options.intervalMs - (performance.now() - tick);
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
parentPort!.postMessage('stopped');
