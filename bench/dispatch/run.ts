/**
 * bench/dispatch: runs submitted, claimed and completed per second over GraphQL (real HTTP, with
 * audit rows) by 8 concurrent workers; then Failures and Stuck list latency at 1 million runs.
 *
 *   node bench/dispatch/run.ts [--seconds 20] [--workers 8] [--rows 1000000]
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../server/config.ts';
import { startServer } from '../../server/main.ts';
import { createLogger } from '../../server/logger.ts';
import { benchDatabase, percentile } from '../support/setup.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' }, workers: { type: 'string', default: '8' }, rows: { type: 'string', default: '1000000' } } });
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

// 1. End to end: each worker loop submits a run, claims one, completes it.
const seconds = Number(values.seconds);
const workers = Number(values.workers);
let completed = 0;
const deadline = Date.now() + seconds * 1000;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: workers }, async (_, w) => {
    let i = 0;
    while (Date.now() < deadline) {
      await gql('mutation($i: JSON) { submitRun(type: "bench.job", workspace: "bench", input: $i) { replay } }', { i: { w, i: i++ } });
      const { claimRun } = await gql<{ claimRun: { leaseToken: string; run: { id: string } } | null }>(
        'mutation($w: String!) { claimRun(worker: $w, types: ["bench.job"]) { leaseToken run { id } } }', { w: `bench-${w}` },
      );
      if (!claimRun) continue;
      await gql('mutation($id: ID!, $t: String!) { completeRun(id: $id, leaseToken: $t, outcome: SUCCEEDED) { id } }', { id: claimRun.run.id, t: claimRun.leaseToken });
      completed++;
    }
  }),
);
const runsPerSecond = completed / ((performance.now() - t0) / 1000);
console.log(`| end to end | ${workers} workers | ${runsPerSecond.toFixed(0)} runs/s (${(runsPerSecond * 3).toFixed(0)} mutations/s, each audited) |`);

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
