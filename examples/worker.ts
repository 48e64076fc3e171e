/**
 * A Lookout worker in a few dozen lines: register, claim runs of your types, keep the lease alive
 * while working, and report the outcome. Copy it and replace `handlers`.
 *
 *   LOOKOUT_URL=http://localhost:4000 LOOKOUT_TOKEN=lko_… npm run worker
 *
 * (`npm run worker` runs it with the project's Node 22, which runs TypeScript as it is; the system's
 * Node 20 cannot. A token: `npx lookout token create --name worker --role operator`.)
 */
type Handler = (input: unknown) => Promise<unknown>;

export interface WorkerOptions {
  url: string;
  token: string;
  name: string;
  handlers: Record<string, Handler>;
  signal?: AbortSignal;
  leaseSeconds?: number;
  idleMs?: number;
}

async function call<T>(o: WorkerOptions, query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(`${o.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${o.token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data: T; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data;
}

export async function runWorker(o: WorkerOptions): Promise<void> {
  const types = Object.keys(o.handlers);
  const lease = o.leaseSeconds ?? 60;
  await call(o, 'mutation($n: String!, $t: [String!]!) { registerWorker(name: $n, types: $t) { name } }', { n: o.name, t: types });
  while (!o.signal?.aborted) {
    const { claimRun } = await call<{ claimRun: { leaseToken: string; run: { id: string; type: string; input: unknown } } | null }>(
      o, 'mutation($w: String!, $t: [String!]!, $l: Int) { claimRun(worker: $w, types: $t, leaseSeconds: $l) { leaseToken run { id type input } } }',
      { w: o.name, t: types, l: lease },
    );
    if (!claimRun) {
      await new Promise((r) => setTimeout(r, o.idleMs ?? 1000)); // nothing to do: ask again soon
      continue;
    }
    const { run, leaseToken } = claimRun;
    const beat = setInterval(() => {
      call(o, 'mutation($id: ID!, $t: String!, $l: Int) { heartbeatRun(id: $id, leaseToken: $t, leaseSeconds: $l) { id } }', { id: run.id, t: leaseToken, l: lease }).catch(() => {});
    }, (lease * 1000) / 3);
    let outcome: { outcome: 'SUCCEEDED' | 'FAILED'; result?: unknown; error?: string };
    try {
      outcome = { outcome: 'SUCCEEDED', result: await o.handlers[run.type](run.input) };
    } catch (error) {
      outcome = { outcome: 'FAILED', error: error instanceof Error ? error.message : String(error) };
    } finally {
      clearInterval(beat);
    }
    await call(o, 'mutation($id: ID!, $t: String!, $o: CompletionOutcome!, $r: JSON, $e: String) { completeRun(id: $id, leaseToken: $t, outcome: $o, result: $r, error: $e) { id } }',
      { id: run.id, t: leaseToken, o: outcome.outcome, r: outcome.result, e: outcome.error }).catch((e) => console.error(`Operation #${run.id}: ${e.message}`));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const controller = new AbortController();
  process.on('SIGTERM', () => controller.abort());
  process.on('SIGINT', () => controller.abort());
  if (!process.env.LOOKOUT_TOKEN) {
    console.error('Set LOOKOUT_TOKEN to an operator API token, e.g. LOOKOUT_TOKEN=$(npx lookout token create --name worker --role operator | tail -1) npm run worker');
    process.exit(2);
  }
  await runWorker({
    url: process.env.LOOKOUT_URL ?? 'http://localhost:4000',
    token: process.env.LOOKOUT_TOKEN ?? '',
    name: process.env.WORKER_NAME ?? `worker-${process.pid}`,
    signal: controller.signal,
    handlers: { 'example.echo': async (input) => ({ echoed: input }) },
  });
}
