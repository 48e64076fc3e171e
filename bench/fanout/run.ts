/**
 * bench/fanout: live fan-out over GraphQL WebSockets (issue 15's goal: 1,000 subscribers to
 * `serviceStatusChanged` and `healthCheckRecorded` across 2 replicas with Redis, p99 delivery under
 * 50 ms after the transition is stored, with the server's CPU per delivered event).
 *
 * Two real `lookout serve` replicas (`npm start`'s Node options) on one fresh database and one Redis
 * (REDIS_URL, required; a prefix of their own). N HTTP services (interval 1 s, thresholds 1) against
 * a local target in this process whose answer (200 or 500) the bench flips for all of them at once.
 * The subscribers are real graphql-ws clients (bearer token in connection_init), half on each
 * replica, in worker threads (their CPU is not on the thread that runs the target and the clock);
 * each subscribes to `serviceStatusChanged`, a share of them to `healthCheckRecorded` too. A warm-up
 * flips one service until a flip reached every subscriber (graphql-ws acknowledges no subscribe, so
 * that is the sign that every subscription runs), then an idle baseline, then the rounds: each flips
 * every service (down, up, down…) and waits until every subscriber has every service's transition.
 *
 * Latency of a delivery: its arrival (Date.now() in the worker thread, at the client's `next`) minus
 * when its transition was stored, from the database afterwards: the uptime window it opened (matched
 * by service and `at`, the instant its check began), `uptime_records.recorded_at` (when the writer's
 * transaction began: the goal's measure, an upper bound) and, when the server keeps commit
 * timestamps (the embedded one does here), when that transaction committed. One machine, one clock.
 * Missed: a subscriber without a transition's event within --deadline of its storing; duplicated: a
 * subscriber given one transition twice. CPU: each replica's process tree (the primary and the worker
 * it forks) from /proc, and the embedded PostgreSQL's tree, over the rounds and over the baseline.
 * Exits non-zero on any miss, duplicate, subscription error or dropped socket.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 node bench/fanout/run.ts [--subscribers 1000] [--checks-subscribers 10%]
 *       [--services 20] [--transitions 20] [--threads 2] [--deadline 10] [--baseline 5]
 *
 * The database is fresh: on DATABASE_URL's server when set (created and dropped), else an embedded
 * PostgreSQL in a temporary directory (removed afterwards).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { wholeNumberOption } from '../support/setup.ts';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { loadAverage, treeCpuMs } from '../checks/tree.ts';

// ---------------------------------------------------------------------------------------------
// The subscriber threads. Light imports only above: the server's modules load in the main thread.
// ---------------------------------------------------------------------------------------------

interface Subscriber {
  /** Its number across all threads. */
  index: number;
  /** ws://host:port/graphql of its replica. */
  url: string;
  /** Whether it subscribes to `healthCheckRecorded` as well. */
  checks: boolean;
}

interface ThreadData {
  subscribers: Subscriber[];
  token: string;
}

/** Main thread → subscriber thread. */
type Request =
  | { type: 'progress'; id: number; status: string; since: number; services: string[] }
  | { type: 'counts'; id: number }
  | { type: 'drain'; id: number }
  | { type: 'close'; id: number };

/** Status events delivered since the last drain, as parallel arrays (cheap to post). */
interface Deliveries {
  subscriber: number[];
  service: string[];
  status: string[];
  /** The event's `at` (when its check began), ms since the epoch. */
  at: number[];
  /** Date.now() when the client handed it over. */
  arrival: number[];
  /** healthCheckRecorded: arrival minus the check's end (checkedAt + latencyMs), ms. */
  checkLatencies: number[];
}

interface Counts {
  statusEvents: number;
  checkEvents: number;
}

/** Subscriber thread → main thread, once every client is connected and has subscribed (or could not). */
interface Ready {
  type: 'ready';
  connected: number;
  failures: string[];
}

const STATUS_SUBSCRIPTION = 'subscription { serviceStatusChanged { service status previousStatus at } }';
const CHECKS_SUBSCRIPTION = 'subscription { healthCheckRecorded { service status checkedAt latencyMs } }';

async function subscriberThread(): Promise<void> {
  const { subscribers, token } = workerData as ThreadData;
  const port = parentPort!;
  const clients: Client[] = [];
  /** Per subscriber (by position here): each service's latest status event, for the progress answers. */
  const latest = subscribers.map(() => new Map<string, { status: string; arrival: number }>());
  const emptyDeliveries = (): Deliveries => ({ subscriber: [], service: [], status: [], at: [], arrival: [], checkLatencies: [] });
  let deliveries = emptyDeliveries();
  const counts: Counts = { statusEvents: 0, checkEvents: 0 };
  /** Subscription errors and sockets closed before the end (a subscriber that stops hearing is a miss). */
  const problems: string[] = [];
  let closing = false;
  const problem = (text: string) => void (problems.length < 50 && problems.push(text));

  /** One client: connected (acknowledged) or failed; then its subscriptions. */
  const open = (s: Subscriber, position: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`subscriber ${s.index}: no connection_ack within 30 s`)), 30_000);
      const client = createClient({
        url: s.url,
        webSocketImpl: WebSocket,
        lazy: false,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${token}` },
        on: {
          connected: () => {
            clearTimeout(timer);
            resolve();
          },
          closed: (event) => {
            clearTimeout(timer);
            const code = (event as { code?: number } | undefined)?.code;
            if (!closing) problem(`subscriber ${s.index}: socket closed (${code ?? '?'})`);
            reject(new Error(`subscriber ${s.index}: socket closed (${code ?? '?'}) before connection_ack`));
          },
        },
      });
      clients.push(client);
      const sink = (what: string) => ({
        error: (err: unknown) => problem(`subscriber ${s.index} ${what}: ${err instanceof Error ? err.message : JSON.stringify(err)}`),
        complete: () => void (closing || problem(`subscriber ${s.index} ${what}: completed by the server`)),
      });
      client.subscribe<{ serviceStatusChanged: { service: string; status: string; at: string } }>(
        { query: STATUS_SUBSCRIPTION },
        {
          next: (value) => {
            const arrival = Date.now();
            const e = value.data?.serviceStatusChanged;
            if (!e) return problem(`subscriber ${s.index} serviceStatusChanged: ${JSON.stringify(value.errors ?? value).slice(0, 300)}`);
            const status = e.status.toLowerCase();
            counts.statusEvents++;
            latest[position].set(e.service, { status, arrival });
            deliveries.subscriber.push(s.index);
            deliveries.service.push(e.service);
            deliveries.status.push(status);
            deliveries.at.push(Date.parse(e.at));
            deliveries.arrival.push(arrival);
          },
          ...sink('serviceStatusChanged'),
        },
      );
      if (s.checks) {
        client.subscribe<{ healthCheckRecorded: { checkedAt: string; latencyMs: number } }>(
          { query: CHECKS_SUBSCRIPTION },
          {
            next: (value) => {
              const arrival = Date.now();
              const e = value.data?.healthCheckRecorded;
              if (!e) return problem(`subscriber ${s.index} healthCheckRecorded: ${JSON.stringify(value.errors ?? value).slice(0, 300)}`);
              counts.checkEvents++;
              deliveries.checkLatencies.push(arrival - (Date.parse(e.checkedAt) + e.latencyMs));
            },
            ...sink('healthCheckRecorded'),
          },
        );
      }
    });

  // Connect in slices, so that 500 connection_inits do not all land on a replica at once.
  const failures: string[] = [];
  let connected = 0;
  for (let i = 0; i < subscribers.length; i += 50) {
    const slice = subscribers.slice(i, i + 50);
    const results = await Promise.allSettled(slice.map((s, j) => open(s, i + j)));
    for (const r of results) {
      if (r.status === 'fulfilled') connected++;
      else if (failures.length < 20) failures.push(String(r.reason instanceof Error ? r.reason.message : r.reason));
    }
  }
  port.postMessage({ type: 'ready', connected, failures } satisfies Ready);

  port.on('message', async (request: Request) => {
    switch (request.type) {
      case 'progress': {
        // How many subscribers have, for every service named, `status` as its latest event, arrived since `since`.
        let complete = 0;
        for (const m of latest) {
          if (request.services.every((name) => {
            const e = m.get(name);
            return e !== undefined && e.status === request.status && e.arrival >= request.since;
          })) complete++;
        }
        port.postMessage({ id: request.id, complete });
        break;
      }
      case 'counts':
        port.postMessage({ id: request.id, counts: { ...counts }, problems: problems.slice() });
        break;
      case 'drain':
        port.postMessage({ id: request.id, deliveries });
        deliveries = emptyDeliveries();
        break;
      case 'close':
        closing = true;
        await Promise.allSettled(clients.map((c) => c.dispose()));
        port.postMessage({ id: request.id });
        port.close();
        break;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// The main thread: database, replicas, target, rounds, measures.
// ---------------------------------------------------------------------------------------------

const USAGE = `REDIS_URL=redis://… node bench/fanout/run.ts [options]

  --subscribers N          graphql-ws clients, half on each replica (default 1000)
  --checks-subscribers N   how many of them subscribe to healthCheckRecorded too: a number, or a share
                           such as 10% (default 10%)
  --services N             HTTP services flipped in each round (default 20)
  --transitions N          measured rounds, each flipping every service (default 20)
  --threads N              worker threads the subscribers are spread over (default 2)
  --deadline S             seconds after a transition was stored by which each subscriber must have it,
                           else it is missed (default 10)
  --baseline S             seconds of idle measure (subscribers connected, no transitions) before the
                           rounds, to tell the fan-out's CPU from the checks' (default 5; 0: none)
  --help                   this text

Environment: REDIS_URL (required: the replicas' pub/sub), DATABASE_URL (a fresh database is created on
its server and dropped; otherwise an embedded PostgreSQL in a temporary directory).`;

/** A request as asked: its id is the asker's. */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** Request/answer over a subscriber thread's port. */
function asker(worker: Worker) {
  let next = 0;
  const waiting = new Map<number, (answer: unknown) => void>();
  worker.on('message', (m: { id?: number }) => {
    if (m.id === undefined) return;
    waiting.get(m.id)?.(m);
    waiting.delete(m.id);
  });
  return <T>(request: WithoutId<Request>): Promise<T> =>
    new Promise((resolve) => {
      const id = next++;
      waiting.set(id, resolve as (answer: unknown) => void);
      worker.postMessage({ ...request, id });
    });
}

async function main(): Promise<number> {
  const { values: args } = parseArgs({
    options: {
      subscribers: { type: 'string', default: '1000' },
      'checks-subscribers': { type: 'string', default: '10%' },
      services: { type: 'string', default: '20' },
      transitions: { type: 'string', default: '20' },
      threads: { type: 'string', default: '2' },
      deadline: { type: 'string', default: '10' },
      baseline: { type: 'string', default: '5' },
      help: { type: 'boolean', default: false },
    },
  });
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const wholeNumber = (name: string, text: string, min: number, max: number) => wholeNumberOption(USAGE, name, text, min, max);
  const SUBSCRIBERS = wholeNumber('subscribers', args.subscribers, 2, 20_000);
  const share = /^(\d+(?:\.\d+)?)%$/.exec(args['checks-subscribers']);
  const CHECKS_SUBSCRIBERS = share
    ? Math.round((Number(share[1]) / 100) * SUBSCRIBERS)
    : wholeNumber('checks-subscribers', args['checks-subscribers'], 0, SUBSCRIBERS);
  if (CHECKS_SUBSCRIBERS > SUBSCRIBERS) {
    console.error(`--checks-subscribers is a share of --subscribers: at most 100%, got ${args['checks-subscribers']}`);
    return 2;
  }
  const SERVICES = wholeNumber('services', args.services, 1, 2000);
  const TRANSITIONS = wholeNumber('transitions', args.transitions, 1, 1000);
  const THREADS = wholeNumber('threads', args.threads, 1, 64);
  const DEADLINE_MS = wholeNumber('deadline', args.deadline, 1, 600) * 1000;
  const BASELINE_MS = wholeNumber('baseline', args.baseline, 0, 600) * 1000;
  const REDIS_URL = process.env.REDIS_URL;
  if (!REDIS_URL) {
    console.error(`REDIS_URL is not set: the two replicas fan out through Redis pub/sub, e.g. REDIS_URL=redis://127.0.0.1:6379\n\n${USAGE}`);
    return 2;
  }

  const pg = (await import('pg')).default;
  const { projectRoot } = await import('../../server/config.ts');
  const { openEmbeddedDatabase } = await import('../../server/db/embedded.ts');
  const { createLogger } = await import('../../server/logger.ts');
  const { percentile } = await import('../support/setup.ts');
  const { startReplica } = await import('../support/replica.ts');
  const { scratchDatabase } = await import('../../tests/support/scratch-database.ts');

  const NAMES = Array.from({ length: SERVICES }, (_, i) => `fan-${String(i).padStart(4, '0')}`);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /** Polls `probe` every `everyMs` until it holds; false after `ms`. */
  async function until(probe: () => Promise<boolean>, ms: number, everyMs = 100): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!(await probe().catch(() => false))) {
      if (Date.now() > deadline) return false;
      await sleep(everyMs);
    }
    return true;
  }

  const stats = (values: number[]) => {
    const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
    const r = (v: number) => Math.round(v * 10) / 10;
    return { n: sorted.length, p50: r(percentile(sorted, 50)), p95: r(percentile(sorted, 95)), p99: r(percentile(sorted, 99)), max: r(sorted.at(-1) ?? NaN) };
  };
  const fmt = (s: ReturnType<typeof stats>) => `${s.p50} / ${s.p95} / ${s.p99} / ${s.max} ms (n=${s.n})`;

  /** The target: one path per service, 200 unless its service is flipped down. */
  async function startTarget() {
    const down = new Set<string>();
    const server = http.createServer((request, response) => {
      const ok = !down.has(request.url!.slice(1));
      response.writeHead(ok ? 200 : 500, { 'content-type': 'text/plain' });
      response.end(ok ? 'ok' : 'down');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: (name: string) => `http://127.0.0.1:${port}/${name}`,
      set: (names: string[], ok: boolean) => names.forEach((n) => (ok ? down.delete(n) : down.add(n))),
      close: () => {
        server.closeAllConnections();
        return new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  /** Node options for the replicas beyond `npm start`'s: FANOUT_EXTRA_OPTIONS, and CPU profiles into FANOUT_PROFILE_DIR. */
  const extraNodeOptions = [
    ...(process.env.FANOUT_EXTRA_OPTIONS ?? '').split(/\s+/).filter(Boolean),
    ...(process.env.FANOUT_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.FANOUT_PROFILE_DIR}`] : []),
  ];

  // Everything made is undone in `finally`, whatever failed.
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    // The database server: DATABASE_URL's, or an embedded one with commit timestamps (a setting read
    // at start: set, then restart), so that "stored" can also be read as "committed".
    let adminUrl = process.env.DATABASE_URL;
    let postgresPid: number | undefined;
    if (!adminUrl) {
      const embeddedDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-bench-fanout-pg-'));
      cleanups.unshift(() => fs.rm(embeddedDir, { recursive: true, force: true }));
      const logger = createLogger('warn');
      let embedded = await openEmbeddedDatabase(embeddedDir, { logger });
      const admin = new pg.Client({ connectionString: embedded.url });
      await admin.connect();
      await admin.query('alter system set track_commit_timestamp = on');
      await admin.end();
      await embedded.stop();
      embedded = await openEmbeddedDatabase(embeddedDir, { logger });
      const running = embedded;
      cleanups.unshift(() => running.stop());
      adminUrl = embedded.url;
      postgresPid = embedded.pid;
    }
    const databaseNote = postgresPid ? 'embedded PostgreSQL (fresh database)' : `a fresh database on ${new URL(adminUrl).host} (its CPU not measured)`;
    const database = await scratchDatabase(adminUrl, 'lookout_bench_fanout');
    cleanups.unshift(() => database.drop());
    const sql = new pg.Pool({ connectionString: database.url, max: 2 });
    cleanups.unshift(() => sql.end());
    const commitTimes = (await sql.query(`select current_setting('track_commit_timestamp') = 'on' as on`)).rows[0].on as boolean;

    const target = await startTarget();
    cleanups.unshift(() => target.close());
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-bench-fanout-'));
    cleanups.unshift(() => fs.rm(dir, { recursive: true, force: true }));
    const configFile = path.join(dir, 'lookout.yaml');
    await fs.writeFile(
      configFile,
      [
        'startup:',
        '  optional: [worker_online]',
        'builtin_services: false',
        'services:',
        ...NAMES.map((n) => `  - { name: ${n}, kind: http, target: "${target.url(n)}", interval: 1s, failure_threshold: 1, recovery_threshold: 1 }`),
        '',
      ].join('\n'),
    );

    // Two replicas on the database and Redis. The subscribers' credential: an admin API token with a
    // secret of our choosing (LOOKOUT_BOOTSTRAP_TOKEN), created by the first replica only (two
    // creating it at once could race); the second reads it from the shared database.
    const token = `lko_bench_fanout_${randomBytes(12).toString('hex')}`;
    const prefix = `bench-fanout-${randomBytes(5).toString('hex')}`;
    const env = { DATABASE_URL: database.url, LOOKOUT_CONFIG: configFile, REDIS_URL, LOOKOUT_REDIS_PREFIX: prefix };
    console.error(`starting 2 replicas, ${SERVICES} services, Redis ${REDIS_URL} (prefix ${prefix}), ${databaseNote}`);
    // When each status change reached Redis: this process listens to the replicas' channels too (its
    // receipt, one hop after the publish, stands for it), to tell the path to Redis from the fan-out.
    const published = new Map<string, number>();
    const { Redis } = await import('ioredis');
    const listener = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    listener.on('error', () => {});
    cleanups.unshift(() => listener.quit().catch(() => listener.disconnect()));
    listener.on('pmessage', (_pattern: string, _channel: string, message: string) => {
      const receipt = Date.now();
      if (!message.includes('"previousStatus"')) return;
      try {
        const e = JSON.parse(message) as { service?: unknown; at?: unknown };
        const key = `${e.service}@${Date.parse(String(e.at))}`;
        if (!published.has(key)) published.set(key, receipt);
      } catch {
        // not a status change
      }
    });
    await listener.connect();
    await listener.psubscribe(`${prefix}:*`);
    const started = await Promise.allSettled([
      startReplica('replica-1', { ...env, LOOKOUT_DATA_DIR: path.join(dir, 'r1'), LOOKOUT_BOOTSTRAP_TOKEN: token }, extraNodeOptions),
      startReplica('replica-2', { ...env, LOOKOUT_DATA_DIR: path.join(dir, 'r2') }, extraNodeOptions),
    ]);
    const replicas = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    cleanups.unshift(() => Promise.all(replicas.map((r) => r.stop())));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;

    const allHealthy = () =>
      sql.query(`select count(*)::int as n from service_states st join services s on s.id = st.service_id where s.name = any($1) and st.status = 'healthy'`, [NAMES]).then((r) => r.rows[0].n === SERVICES);
    if (!(await until(allHealthy, 60_000))) throw new Error('not every service was healthy within 60 s of the replicas serving');

    // The subscribers: subscriber i on replica i % 2; threads take contiguous slices (half on each
    // replica); the healthCheckRecorded ones spread evenly over the indexes.
    const subscribers: Subscriber[] = Array.from({ length: SUBSCRIBERS }, (_, i) => ({
      index: i,
      url: `${replicas[i % 2].url.replace(/^http/, 'ws')}/graphql`,
      checks: Math.floor(((i + 1) * CHECKS_SUBSCRIBERS) / SUBSCRIBERS) > Math.floor((i * CHECKS_SUBSCRIBERS) / SUBSCRIBERS),
    }));
    const replicaOf = (subscriber: number) => replicas[subscriber % 2].name;
    const perThread = Math.ceil(SUBSCRIBERS / THREADS);
    const threads = Array.from({ length: Math.ceil(SUBSCRIBERS / perThread) }, (_, t) => {
      const worker = new Worker(new URL(import.meta.url), { workerData: { subscribers: subscribers.slice(t * perThread, (t + 1) * perThread), token } satisfies ThreadData });
      const ready = new Promise<Ready>((resolve, reject) => {
        worker.on('message', (m: { type?: string }) => m.type === 'ready' && resolve(m as Ready));
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`a subscriber thread exited (${code}) before its clients were ready`)));
      });
      return { worker, ask: asker(worker), ready };
    });
    cleanups.unshift(async () => {
      // Clients closed by their thread (a close frame each), then the thread ended.
      await Promise.all(threads.map((t) => Promise.race([t.ask({ type: 'close' }), sleep(10_000)])));
      await Promise.all(threads.map((t) => t.worker.terminate()));
    });
    console.error(`connecting ${SUBSCRIBERS} subscribers (${CHECKS_SUBSCRIBERS} with healthCheckRecorded) over ${threads.length} threads…`);
    const connectStart = Date.now();
    const readies = await Promise.all(threads.map((t) => t.ready));
    const connected = readies.reduce((n, r) => n + r.connected, 0);
    if (connected < SUBSCRIBERS) throw new Error(`${SUBSCRIBERS - connected} subscribers could not connect:\n${readies.flatMap((r) => r.failures).slice(0, 10).join('\n')}`);
    const connectMs = Date.now() - connectStart;

    /** How many subscribers have `status` for every one of `services`, arrived since `since`. */
    const complete = async (status: string, since: number, services: string[]) =>
      (await Promise.all(threads.map((t) => t.ask<{ complete: number }>({ type: 'progress', status, since, services })))).reduce((n, a) => n + a.complete, 0);
    /** Flips `services` and waits until every subscriber has their transitions, or the deadline; whether they all came. */
    const flip = async (services: string[], ok: boolean, waitMs: number) => {
      const at = Date.now();
      target.set(services, ok);
      const all = await until(async () => (await complete(ok ? 'healthy' : 'down', at, services)) === SUBSCRIBERS, waitMs, 50);
      return { at, all, done: Date.now() };
    };
    const counts = async () => {
      const answers = await Promise.all(threads.map((t) => t.ask<{ counts: Counts; problems: string[] }>({ type: 'counts' })));
      return { statusEvents: answers.reduce((n, a) => n + a.counts.statusEvents, 0), checkEvents: answers.reduce((n, a) => n + a.counts.checkEvents, 0), problems: answers.flatMap((a) => a.problems) };
    };
    const drain = async () => (await Promise.all(threads.map((t) => t.ask<{ deliveries: Deliveries }>({ type: 'drain' })))).map((a) => a.deliveries);

    // Warm-up: graphql-ws acknowledges no subscribe, so one service is flipped until an "up" flip
    // reached every subscriber (a "down" one first, then "up"…): then every subscription runs, and
    // every service is healthy again. Its deliveries are left out.
    const ROUND_WAIT_MS = 2000 + DEADLINE_MS; // a check a second: stored within ~1 s of a flip, then the deadline
    let warmedUp = false;
    for (let attempt = 0; attempt < 6 && !warmedUp; attempt++) {
      const up = attempt % 2 === 1;
      const f = await flip([NAMES[0]], up, ROUND_WAIT_MS);
      console.error(`  warm-up flip ${attempt + 1} (${NAMES[0]} ${up ? 'up' : 'down'}): ${f.all ? 'every subscriber had it' : 'not every subscriber had it'} after ${f.done - f.at} ms`);
      warmedUp = up && f.all;
    }
    if (!warmedUp) throw new Error('after 6 warm-up flips, not every subscriber had received one: subscriptions did not all start');
    await sleep(1500); // the warm-up's last checks stored
    await drain();

    // Idle baseline: subscribers connected, every service checked each second, no transition.
    const cpuOfReplicas = async () => (await Promise.all(replicas.map((r) => treeCpuMs(r.child.pid!)))).reduce((a, b) => a + b, 0);
    const cpuOfPostgres = async () => (postgresPid ? treeCpuMs(postgresPid) : NaN);
    const cpuOfBench = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    const reading = async () => ({ at: performance.now(), lookout: await cpuOfReplicas(), postgres: await cpuOfPostgres(), bench: cpuOfBench(), ...(await counts()) });
    let baseline: { ms: number; lookoutMsPerS: number; postgresMsPerS: number; checkEventsPerS: number } | null = null;
    if (BASELINE_MS > 0) {
      console.error(`  idle baseline, ${BASELINE_MS / 1000} s…`);
      const b0 = await reading();
      await sleep(BASELINE_MS);
      const b1 = await reading();
      const s = (b1.at - b0.at) / 1000;
      baseline = { ms: Math.round(b1.at - b0.at), lookoutMsPerS: (b1.lookout - b0.lookout) / s, postgresMsPerS: (b1.postgres - b0.postgres) / s, checkEventsPerS: (b1.checkEvents - b0.checkEvents) / s };
    }

    // The rounds: every service down, then up, alternately. The baseline's deliveries are left out.
    await drain();
    const r0 = await reading();
    const rounds: { status: string; flipAt: number; allArrived: boolean; flipToLastMs: number }[] = [];
    for (let i = 0; i < TRANSITIONS; i++) {
      const up = i % 2 === 1;
      const f = await flip(NAMES, up, ROUND_WAIT_MS);
      rounds.push({ status: up ? 'healthy' : 'down', flipAt: f.at, allArrived: f.all, flipToLastMs: f.done - f.at });
      console.error(`  round ${i + 1}/${TRANSITIONS} (${up ? 'up' : 'down'}): ${f.all ? 'every subscriber had every service' : 'deadline passed'} ${f.done - f.at} ms after the flip`);
    }
    const r1 = await reading();
    await sleep(1000); // late duplicates
    const end = await counts();
    const parts = await drain();

    // The transitions stored during the rounds, with when each was stored.
    const { rows } = await sql.query<{ service: string; status: string; at: string; recorded: string; committed: string | null }>(
      `select s.name as service, u.status,
              (extract(epoch from u.started_at) * 1000)::float8 as at,
              (extract(epoch from u.recorded_at) * 1000)::float8 as recorded,
              ${commitTimes ? '(extract(epoch from pg_xact_commit_timestamp(hc.xmin)) * 1000)::float8' : 'null::float8'} as committed
         from uptime_records u
         join services s on s.id = u.service_id
         -- the window's check, inserted (and never updated) in the same transaction: its xmin says when it committed
         left join lateral (select xmin from health_checks h where h.service_id = u.service_id and h.checked_at = u.started_at
                              and date_bin('1 hour', h.checked_at, '2000-01-01 00:00:00+00') = date_bin('1 hour', u.started_at, '2000-01-01 00:00:00+00') limit 1) hc on true
        where u.recorded_at >= $1 and s.name = any($2) and u.status <> 'paused'`,
      [new Date(rounds[0].flipAt), NAMES],
    );
    interface Window { service: string; status: string; round: number; recorded: number; committed: number | null }
    const windows = new Map<string, Window>();
    for (const r of rows) {
      const recorded = Number(r.recorded);
      const round = rounds.findLastIndex((x) => x.flipAt <= recorded);
      windows.set(`${r.service}@${Math.round(Number(r.at))}`, { service: r.service, status: r.status, round, recorded, committed: r.committed === null ? null : Number(r.committed) });
    }
    const unexpected = [...windows.values()].filter((w) => rounds[w.round]?.status !== w.status).length;

    // Each delivery matched to its window by service and `at`.
    const fromRecorded: number[] = [];
    const fromCommitted: number[] = [];
    const fromPublished: number[] = [];
    const byReplica = new Map<string, number[]>(replicas.map((r) => [r.name, []]));
    const firstOf = new Set<string>();
    let duplicates = 0;
    let unmatched = 0;
    let late = 0;
    for (const d of parts) {
      for (let i = 0; i < d.subscriber.length; i++) {
        const key = `${d.service[i]}@${d.at[i]}`;
        const w = windows.get(key);
        if (!w || w.status !== d.status[i]) {
          unmatched++;
          continue;
        }
        const pair = `${d.subscriber[i]}/${key}`;
        if (firstOf.has(pair)) {
          duplicates++;
          continue;
        }
        firstOf.add(pair);
        const latency = d.arrival[i] - w.recorded;
        if (latency > DEADLINE_MS) late++;
        fromRecorded.push(latency);
        byReplica.get(replicaOf(d.subscriber[i]))!.push(latency);
        if (w.committed !== null) fromCommitted.push(d.arrival[i] - w.committed);
        const publishedAt = published.get(key);
        if (publishedAt !== undefined) fromPublished.push(d.arrival[i] - publishedAt);
      }
    }
    const expected = windows.size * SUBSCRIBERS;
    const missed = expected - firstOf.size + late;
    const checkLatencies = parts.flatMap((d) => d.checkLatencies);

    // CPU over the rounds: Lookout (both replicas' process trees), PostgreSQL, this process (the clients and the target).
    const roundsS = (r1.at - r0.at) / 1000;
    const lookoutMs = r1.lookout - r0.lookout;
    const postgresMs = r1.postgres - r0.postgres;
    const statusDelivered = r1.statusEvents - r0.statusEvents;
    const checksDelivered = r1.checkEvents - r0.checkEvents;
    const per = (ms: number, n: number) => (n > 0 ? Math.round((ms / n) * 1000) / 1000 : NaN);
    const marginalLookoutMs = baseline ? lookoutMs - baseline.lookoutMsPerS * roundsS : NaN;
    const cpu = {
      roundsSeconds: Math.round(roundsS * 10) / 10,
      lookoutMs: Math.round(lookoutMs),
      lookoutMsPerDeliveredStatusEvent: per(lookoutMs, statusDelivered),
      lookoutMsPerDeliveredEvent: per(lookoutMs, statusDelivered + checksDelivered),
      lookoutMsPerTransition: per(lookoutMs, windows.size),
      /** Above the idle baseline's rate (the checks themselves, the healthCheckRecorded stream): the transitions' and their fan-out's. */
      marginalLookoutMsPerDeliveredStatusEvent: per(marginalLookoutMs, statusDelivered),
      marginalLookoutMsPerTransition: per(marginalLookoutMs, windows.size),
      postgresMs: Math.round(postgresMs),
      postgresMsPerTransition: per(postgresMs, windows.size),
      benchProcessMs: Math.round(r1.bench - r0.bench),
      baseline: baseline && { seconds: baseline.ms / 1000, lookoutMsPerS: Math.round(baseline.lookoutMsPerS), postgresMsPerS: Math.round(baseline.postgresMsPerS), checkEventsPerS: Math.round(baseline.checkEventsPerS) },
    };

    const code = (() => {
      try {
        const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: projectRoot, encoding: 'utf8' }).trim();
        const dirty = execFileSync('git', ['status', '--porcelain', '--', 'server', 'schema', 'migrations'], { cwd: projectRoot, encoding: 'utf8' }).trim();
        return `${commit}${dirty ? ' with server/ changes not committed' : ''}`;
      } catch {
        return 'not a git checkout';
      }
    })();
    const latency = {
      storedToArrival: stats(fromRecorded),
      committedToArrival: commitTimes ? stats(fromCommitted) : null,
      /** The transaction's commit (or, without commit timestamps, its start) to the event's receipt from Redis by this process. */
      storedToPublished: stats([...windows].flatMap(([key, w]) => {
        const at = published.get(key);
        return at === undefined ? [] : [at - (w.committed ?? w.recorded)];
      })),
      publishedToArrival: stats(fromPublished),
      byReplica: Object.fromEntries([...byReplica].map(([name, v]) => [name, stats(v)])),
    };
    const problems = end.problems;
    const complaints = replicas.flatMap((r) => r.complaints.map((line) => `${r.name}: ${line}`));
    const goalMet = latency.storedToArrival.p99 < 50 && missed === 0 && duplicates === 0;

    console.log(`\nbench/fanout: ${SUBSCRIBERS} subscribers (half per replica, ${CHECKS_SUBSCRIBERS} also on healthCheckRecorded) in ${threads.length} threads, 2 replicas with Redis, ${SERVICES} services (interval 1 s, thresholds 1), ${TRANSITIONS} rounds; code ${code}; ${databaseNote}; ${os.cpus().length} cores, load ${await loadAverage()}`);
    console.log(`  connected in ${connectMs} ms; rounds: flip → every subscriber had every service: ${stats(rounds.map((r) => r.flipToLastMs)).p50} ms median, ${Math.max(...rounds.map((r) => r.flipToLastMs))} ms longest${rounds.every((r) => r.allArrived) ? '' : `; ${rounds.filter((r) => !r.allArrived).length} rounds hit the deadline`}`);
    console.log(`  stored (uptime_records.recorded_at, the writer's transaction began) → arrival p50 / p95 / p99 / max: ${fmt(latency.storedToArrival)}; goal p99 < 50 ms, none missed or twice: ${goalMet ? 'met' : 'NOT met'}`);
    if (latency.committedToArrival) console.log(`  committed (commit timestamp of that transaction) → arrival: ${fmt(latency.committedToArrival)}`);
    console.log(`    ${commitTimes ? 'committed' : 'stored'} → on Redis (this process's receipt): ${fmt(latency.storedToPublished)}; on Redis → arrival: ${fmt(latency.publishedToArrival)}`);
    for (const [name, s] of Object.entries(latency.byReplica)) console.log(`    subscribers on ${name}: ${fmt(s)}`);
    console.log(`  transitions stored ${windows.size} (expected ${SERVICES * TRANSITIONS}; ${unexpected} not the round's status); deliveries expected ${expected}, delivered ${firstOf.size}, missed ${missed} (${late} later than ${DEADLINE_MS / 1000} s), duplicates ${duplicates}, matching no stored transition ${unmatched}`);
    console.log(`  healthCheckRecorded: ${checksDelivered} events delivered in the rounds; check end (checkedAt + latencyMs) → arrival, the rounds and the second after: ${fmt(stats(checkLatencies))}`);
    console.log(`  CPU over ${cpu.roundsSeconds} s of rounds: Lookout (both replicas' trees) ${cpu.lookoutMs} ms: ${cpu.lookoutMsPerDeliveredStatusEvent} ms per delivered serviceStatusChanged event, ${cpu.lookoutMsPerDeliveredEvent} ms per delivered event of either kind (${statusDelivered} + ${checksDelivered}), ${cpu.lookoutMsPerTransition} ms per transition`);
    if (cpu.baseline) {
      // CPU is read in 10 ms ticks per process: over a few seconds, or beside other load, the baseline's rate can exceed the rounds'.
      const above = marginalLookoutMs >= 0
        ? `above it: ${cpu.marginalLookoutMsPerDeliveredStatusEvent} ms per delivered status event, ${cpu.marginalLookoutMsPerTransition} ms per transition`
        : `the rounds used less than the baseline's rate (${Math.round(marginalLookoutMs)} ms): too short or too noisy to subtract`;
      console.log(`    idle baseline (${cpu.baseline.seconds} s, subscribers connected): Lookout ${cpu.baseline.lookoutMsPerS} ms/s, PostgreSQL ${cpu.baseline.postgresMsPerS} ms/s; ${above}`);
    }
    console.log(`    PostgreSQL ${Number.isFinite(cpu.postgresMs) ? `${cpu.postgresMs} ms, ${cpu.postgresMsPerTransition} ms per transition` : 'not measured (DATABASE_URL\'s server)'}; this process (clients and target) ${cpu.benchProcessMs} ms`);
    console.log(`  subscription problems ${problems.length}; replicas' warnings and errors ${complaints.length}`);
    for (const line of [...problems, ...complaints].slice(0, 10)) console.log(`    ${line}`);
    console.log(
      JSON.stringify(
        {
          subscribers: SUBSCRIBERS, checksSubscribers: CHECKS_SUBSCRIBERS, threads: threads.length, services: SERVICES, transitions: TRANSITIONS, deadlineS: DEADLINE_MS / 1000,
          code, database: databaseNote, commitTimestamps: commitTimes, connectMs,
          latency, goalMet,
          deliveries: { expected, delivered: firstOf.size, missed, late, duplicates, unmatched, transitionsStored: windows.size, unexpectedTransitions: unexpected },
          healthCheckRecorded: { delivered: checksDelivered, checkEndToArrival: stats(checkLatencies) },
          cpu,
          rounds: rounds.map((r) => ({ status: r.status, allArrived: r.allArrived, flipToLastMs: r.flipToLastMs })),
          problems, complaints,
        },
        null,
        2,
      ),
    );
    return missed || duplicates || problems.length ? 1 : 0;
  } finally {
    for (const undo of cleanups) await undo().catch((error: unknown) => console.error('cleanup:', error));
  }
}

if (isMainThread) {
  let exitCode = 1;
  try {
    exitCode = await main();
  } catch (error) {
    console.error(error);
  }
  process.exit(exitCode);
} else {
  await subscriberThread();
}
