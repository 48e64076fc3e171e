/**
 * bench/dispatch: runs submitted, claimed and completed per second over GraphQL (real HTTP, every
 * call audited) by 8 concurrent workers — one run per call, then in batches (submitRuns, claimRuns,
 * completeRuns) — and then Failures and Stuck list latency at 1 million runs.
 *
 *   node bench/dispatch/run.ts [--seconds 20] [--workers 8] [--batch 100] [--rows 1000000]
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../server/config.ts';
import { startServer } from '../../server/main.ts';
import { createLogger } from '../../server/logger.ts';
import { benchDatabase, percentile } from '../support/setup.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '20' }, workers: { type: 'string', default: '8' }, batch: { type: 'string', default: '100' }, rows: { type: 'string', default: '1000000' } },
});
const { db, dataDir, cleanup } = await benchDatabase();
const token = 'lko_bench_dispatch_token_0123456789';
const server = await startServer(
  { ...loadConfig({}), host: '127.0.0.1', port: 0, databaseUrl: db.url, dataDir, bootstrapToken: token, logLevel: 'warn' },
  { logger: createLogger('warn'), runScheduler: false },
);

async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data: T; errors?: { message: string }[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

for (const name of ['lookout', 'postgres']) await gql('mutation($n: String!) { recheckService(name: $n) { status } }', { n: name });
await gql('mutation { registerWorker(name: "bench", types: ["bench.job"]) { name } }');
await gql('mutation { rerunStartupChecklist { ready } }');

// 1. End to end: each of the workers submits runs, claims them and completes them, in a loop.
const seconds = Number(values.seconds);
const workers = Number(values.workers);
const batch = Number(values.batch);

async function endToEnd(label: string, loop: (worker: number, i: number) => Promise<number>): Promise<void> {
  let completed = 0;
  const deadline = Date.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; Date.now() < deadline; i++) {
        const done = await loop(w, i);
        completed += done;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const runsPerSecond = completed / elapsed;
  console.log(`| ${label} | ${workers} | ${runsPerSecond.toFixed(0)} runs/s | ${(((cpu.user + cpu.system) / 1000 / completed) || 0).toFixed(2)} ms |`);
}

console.log('| end to end | workers | runs submitted, claimed and completed | Lookout + bench CPU per run |');
console.log('| --- | --- | --- | --- |');
await endToEnd('one run per call (submitRun, claimRun, completeRun)', async (w, i) => {
  await gql('mutation($i: JSON) { submitRun(type: "bench.job", workspace: "bench", input: $i) { replay } }', { i: { w, i } });
  const { claimRun } = await gql<{ claimRun: { leaseToken: string; run: { id: string } } | null }>(
    'mutation($w: String!) { claimRun(worker: $w, types: ["bench.job"]) { leaseToken run { id } } }', { w: `bench-${w}` },
  );
  if (!claimRun) return 0;
  await gql('mutation($id: ID!, $t: String!) { completeRun(id: $id, leaseToken: $t, outcome: SUCCEEDED) { id } }', { id: claimRun.run.id, t: claimRun.leaseToken });
  return 1;
});
await endToEnd(`${batch} runs per call (submitRuns, claimRuns, completeRuns)`, async (w, i) => {
  const runs = Array.from({ length: batch }, (_, j) => ({ type: 'bench.batch', workspace: 'bench', input: { w, i, j } }));
  await gql('mutation($runs: [SubmitRunInput!]!) { submitRuns(runs: $runs) { replay } }', { runs });
  const { claimRuns } = await gql<{ claimRuns: { leaseToken: string; run: { id: string } }[] }>(
    'mutation($w: String!, $n: Int!) { claimRuns(worker: $w, types: ["bench.batch"], limit: $n) { leaseToken run { id } } }', { w: `bench-${w}`, n: batch },
  );
  if (!claimRuns.length) return 0;
  const completions = claimRuns.map((c) => ({ id: c.run.id, leaseToken: c.leaseToken, outcome: 'SUCCEEDED', result: { ok: true } }));
  const { completeRuns } = await gql<{ completeRuns: { refused: { message: string } | null }[] }>(
    'mutation($c: [CompletionInput!]!) { completeRuns(completions: $c) { refused { message } } }', { c: completions },
  );
  const refused = completeRuns.find((r) => r.refused);
  if (refused) throw new Error(`a completion was refused: ${refused.refused!.message}`);
  return completeRuns.length;
});
await gql('mutation { registerWorker(name: "bench", types: ["bench.job", "bench.batch"]) { name } }');

// 2. Lists at scale: a million runs, mostly succeeded, some failed, a few stuck.
const rows = Number(values.rows);
const { rows: ws } = await db.sql.query("select id from workspaces where slug = 'bench'");
const t1 = performance.now();
await db.sql.query(
  `insert into operation_runs (workspace_id, type, status, outcome, context, input, attempt, input_hash, created_at, started_at, completed_at, error, lease_worker, lease_expires_at, last_heartbeat_at)
   select $1, 'bench.job',
          case when g % 1000 = 0 then 'running' when g % 997 = 0 then 'queued' else 'completed' end,
          case when g % 1000 = 0 or g % 997 = 0 then 'pending' when g % 20 = 0 then 'failed' else 'succeeded' end,
          '{}', '{}', 1, md5(g::text),
          now() - (($2 - g) * interval '2 seconds'), now() - (($2 - g) * interval '2 seconds'),
          case when g % 1000 = 0 or g % 997 = 0 then null else now() - (($2 - g) * interval '2 seconds') + interval '1 second' end,
          case when g % 20 = 0 then 'bench failure ' || g else null end,
          case when g % 1000 = 0 then 'gone' else null end,
          case when g % 1000 = 0 then now() - interval '1 hour' else null end,
          case when g % 1000 = 0 then now() - interval '1 hour' else null end
     from generate_series(1, $2) as g`,
  [ws[0].id, rows],
);
await db.sql.query('analyze operation_runs');
console.log(`inserted ${rows} runs in ${((performance.now() - t1) / 1000).toFixed(1)} s`);

const LIST = (field: string) => `{ ${field}(first: 50) { hasNextPage runs { id title status outcome typeLabel createdAt initiatorName stuckClass workspace { slug } tenant { slug } } } }`;
for (const field of ['operationFailures', 'operationStuck', 'operationRuns']) {
  const timings: number[] = [];
  for (let i = 0; i < 35; i++) {
    const s = performance.now();
    const data = await gql<Record<string, { runs: unknown[] }>>(LIST(field));
    if (i >= 5) timings.push(performance.now() - s);
    if (!data[field].runs.length) throw new Error(`${field} returned nothing`);
  }
  timings.sort((a, b) => a - b);
  console.log(`| ${field} | ${rows} runs | p50 ${percentile(timings, 50).toFixed(1)} ms | p95 ${percentile(timings, 95).toFixed(1)} ms |`);
}
await server.close();
await cleanup();
process.exit(0);
