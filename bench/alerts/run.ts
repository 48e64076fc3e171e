/**
 * bench/alerts: how fast and how exactly Lookout pages. N HTTP services (interval 1 s, failure
 * threshold 1) behind one local target go down at once; for each, the time from the end of its
 * first failing check (health_checks: checked_at + latency_ms) to the arrival of its
 * `incident.triggered` webhook at a real local receiver (signature verified with
 * `standardwebhooks`); then the target recovers and the same for `incident.resolved`, from the
 * end of the first healthy check. With one `lookout serve` replica, and with two on one database
 * (Redis pub/sub when REDIS_URL is set, each replica's in-process bus otherwise). Counts duplicate
 * notices (a webhook-id twice, an incident told twice, a second incident) and missed ones (none by
 * the deadline), and splits each latency into where it went, from the database's own timestamps.
 * Exits non-zero on any duplicate, miss or bad signature.
 *
 *   node bench/alerts/run.ts [--replicas 1|2|both] [--services 100] [--seed 1] [--deadline 30] [--settle 3]
 *
 * Each configuration runs on a fresh database: on DATABASE_URL's server when set (created and
 * dropped), else on an embedded PostgreSQL in a temporary directory (removed afterwards).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { projectRoot } from '../../server/config.ts';
import { freePort, openEmbeddedDatabase, type EmbeddedDatabase } from '../../server/db/embedded.ts';
import { createLogger } from '../../server/logger.ts';
import { percentile, wholeNumberOption } from '../support/setup.ts';
import { startReplica, type Replica } from '../support/replica.ts';
import { scratchDatabase } from '../../tests/support/scratch-database.ts';

const USAGE = `node bench/alerts/run.ts [options]

  --replicas 1|2|both   lookout serve replicas on one database (default both: 1, then 2, in one run)
  --services N          services behind the target (default 100)
  --seed N              seeds the pause before each flip (0-1 s) and the webhook secret (default 1)
  --deadline S          seconds after a flip by which every notice must have arrived, else missed (default 30)
  --settle S            seconds to keep listening after the last expected notice, for late duplicates (default 3)
  --help                this text

Environment: DATABASE_URL (a fresh database is created on its server and dropped; otherwise an
embedded PostgreSQL in a temporary directory), REDIS_URL (the replicas' pub/sub; otherwise each
replica's own in-process bus, and with two replicas a transition stored by one does not wake the
other's pass: each replica's own transitions wake its pass, and a pass looks on its own at least every 5 s).`;

const { values: args } = parseArgs({
  options: {
    replicas: { type: 'string', default: 'both' },
    services: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    deadline: { type: 'string', default: '30' },
    settle: { type: 'string', default: '3' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const wholeNumber = (name: string, text: string, min: number, max: number) => wholeNumberOption(USAGE, name, text, min, max);
if (!['1', '2', 'both'].includes(args.replicas)) {
  console.error(`--replicas must be 1, 2 or both, got "${args.replicas}"\n\n${USAGE}`);
  process.exit(2);
}
const SERVICES = wholeNumber('services', args.services, 1, 2000);
const SEED = wholeNumber('seed', args.seed, 0, 2 ** 31 - 1);
const DEADLINE_MS = wholeNumber('deadline', args.deadline, 1, 3600) * 1000;
const SETTLE_MS = wholeNumber('settle', args.settle, 0, 600) * 1000;
const CONFIGURATIONS = args.replicas === 'both' ? [1, 2] : [Number(args.replicas)];
const REDIS_URL = process.env.REDIS_URL || undefined;

/** mulberry32: the seeded pauses before the flips. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seeded(SEED);
const SECRET = `whsec_${Buffer.from(Array.from({ length: 32 }, () => Math.floor(random() * 256))).toString('base64')}`;
const serviceName = (i: number) => `svc-${String(i).padStart(4, '0')}`;
const NAMES = Array.from({ length: SERVICES }, (_, i) => serviceName(i));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The target: one path per service, 200 until flipped, then 500 for every path at once. */
async function startTarget() {
  let healthy = true;
  const server = http.createServer((request, response) => {
    const ok = healthy;
    response.writeHead(ok ? 200 : 500, { 'content-type': 'text/plain' });
    response.end(ok ? 'ok' : 'down');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (name: string) => `http://127.0.0.1:${port}/${name}`,
    set: (ok: boolean) => void (healthy = ok),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Arrival {
  at: number;
  type: string;
  messageId: string;
  service: string;
  incidentId: number;
  verified: boolean;
}

/** The webhook receiver: the arrival instant is taken when the request's head is in, before its body is read. */
async function startReceiver() {
  const arrivals: Arrival[] = [];
  let waiter: { type: string; resolve: () => void } | undefined;
  const complete = (type: string) => new Set(arrivals.filter((a) => a.type === type && a.verified).map((a) => a.service)).size >= SERVICES;
  const server = http.createServer((request, response) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
      let verified = true;
      let payload: { type?: string; data?: { incident?: { id?: number; service?: string } } };
      try {
        payload = new Webhook(SECRET).verify(body, headers) as typeof payload;
      } catch {
        verified = false;
        try {
          payload = JSON.parse(body);
        } catch {
          payload = {};
        }
      }
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('ok');
      arrivals.push({ at, type: payload.type ?? '?', messageId: headers['webhook-id'] ?? '', service: payload.data?.incident?.service ?? '?', incidentId: payload.data?.incident?.id ?? -1, verified });
      if (waiter && complete(waiter.type)) waiter.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/lookout`,
    arrivals,
    /** Resolves once every service has a verified notice of `type`, or after `ms`; whether they all came. */
    all(type: string, ms: number): Promise<boolean> {
      if (complete(type)) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiter = undefined;
          resolve(false);
        }, ms);
        waiter = {
          type,
          resolve: () => {
            clearTimeout(timer);
            waiter = undefined;
            resolve(true);
          },
        };
      });
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A fresh database for one configuration: on DATABASE_URL's server, or on the run's embedded PostgreSQL. */
const freshDatabase = (adminUrl: string) => scratchDatabase(adminUrl, 'lookout_bench_alerts');

const configText = (target: (name: string) => string, hook: string) =>
  [
    'alerting:',
    '  channels:',
    `    - { name: hook, kind: webhook, url: "${hook}", secret: "${SECRET}" }`,
    '  defaults: { channels: [hook], escalation_delay: 0s }',
    'startup:',
    '  optional: [worker_online]',
    'builtin_services: false',
    'services:',
    ...NAMES.map((n) => `  - { name: ${n}, kind: http, target: "${target(n)}", interval: 1s, failure_threshold: 1, recovery_threshold: 1 }`),
    '',
  ].join('\n');

/** Polls `probe` every `everyMs` until it holds; false after `ms`. */
async function until(probe: () => Promise<boolean>, ms: number, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
  return true;
}

interface Timing {
  service: string;
  /** End of the check that caused the transition (checked_at + latency_ms), ms since the epoch. */
  checkEnd: number;
  /** When the transaction that stored it began (uptime_records.recorded_at). */
  stored: number | null;
  /** When that transaction committed (its commit timestamp, when the server keeps them). */
  storedCommit: number | null;
  /** When the pass that made the notice began (the delivery's created_at). */
  pass: number | null;
  /** When that pass committed. */
  passCommit: number | null;
  /** When the outbox began its first attempt (alert_delivery_attempts.started_at). */
  send: number | null;
  /** When the notice's head reached the receiver (first verified one for the service). */
  arrival: number | null;
}

/**
 * Per service: the first check of `status` (0 healthy, 2 down) after `after` (per service, or one
 * instant), the window it opened, and the delivery of `event` for that service's incident.
 */
async function timings(sql: pg.Pool, status: number, after: Map<string, number> | number, event: string, arrivals: Arrival[], type: string): Promise<Timing[]> {
  const afterOf = (n: string) => new Date(typeof after === 'number' ? after : (after.get(n) ?? 0));
  // Commit times from rows that are only ever inserted: the check (by the writer's transaction) and the incident's transition (by the pass's).
  const commitOf = (xmin: string) => (commitTimes ? `(extract(epoch from pg_xact_commit_timestamp(${xmin})) * 1000)::float8` : 'null::float8');
  const { rows } = await sql.query<{ service: string; check_end: string; stored: string | null; stored_commit: string | null; pass: string | null; pass_commit: string | null; send: string | null }>(
    `select s.name as service,
            (extract(epoch from hc.checked_at) * 1000 + hc.latency_ms)::float8 as check_end,
            (extract(epoch from u.recorded_at) * 1000)::float8 as stored,
            ${commitOf('hc.xmin')} as stored_commit,
            (extract(epoch from d.created_at) * 1000)::float8 as pass,
            ${commitOf('it.xmin')} as pass_commit,
            (extract(epoch from a.started_at) * 1000)::float8 as send
       from unnest($1::text[], $2::timestamptz[]) as v(name, after)
       join services s on s.name = v.name
       join lateral (select checked_at, coalesce(outcome >> 2, latency_ms) as latency_ms, xmin from health_checks h
                      -- status and latency as health_checks_decoded reads them (Migration20261212090000); xmin is the table's
                      where h.service_id = s.id and coalesce(h.outcome & 3, h.status) = $3 and h.checked_at > v.after
                        -- the per-service index is keyed by the hour (Migration20261210090000)
                        and date_bin('1 hour', h.checked_at, '2000-01-01 00:00:00+00') >= date_bin('1 hour', v.after, '2000-01-01 00:00:00+00')
                      order by date_bin('1 hour', h.checked_at, '2000-01-01 00:00:00+00'), h.checked_at limit 1) hc on true
       left join lateral (select recorded_at, xmin from uptime_records u where u.service_id = s.id and u.started_at = hc.checked_at order by u.id limit 1) u on true
       left join lateral (select d.id, d.created_at, d.incident_id from alert_deliveries d join alert_incidents i on i.id = d.incident_id
                           where i.service_id = s.id and d.event = $4 and i.started_at <= hc.checked_at + interval '1 second' and coalesce(i.resolved_at, 'infinity') >= hc.checked_at - interval '1 second'
                           order by d.id limit 1) d on true
       left join lateral (select xmin from alert_incident_transitions it where it.incident_id = d.incident_id and it.at = hc.checked_at order by it.id limit 1) it on true
       left join lateral (select started_at from alert_delivery_attempts a where a.delivery_id = d.id order by a.attempt limit 1) a on true`,
    [NAMES, NAMES.map(afterOf), status, event],
  );
  const byService = new Map(rows.map((r) => [r.service, r]));
  return NAMES.flatMap((name) => {
    const row = byService.get(name);
    if (!row) return [];
    const arrived = arrivals.find((a) => a.service === name && a.type === type && a.verified);
    const num = (v: string | null) => (v === null ? null : Number(v));
    return [{ service: name, checkEnd: Number(row.check_end), stored: num(row.stored), storedCommit: num(row.stored_commit), pass: num(row.pass), passCommit: num(row.pass_commit), send: num(row.send), arrival: arrived?.at ?? null }];
  });
}

const stats = (values: number[]) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const r = (v: number) => Math.round(v);
  return { n: sorted.length, p50: r(percentile(sorted, 50)), p95: r(percentile(sorted, 95)), p99: r(percentile(sorted, 99)), max: r(sorted.at(-1) ?? NaN) };
};

interface StageResult {
  latency: ReturnType<typeof stats>;
  /**
   * check end → the writer's transaction began (its flush) → it committed → the pass began → the
   * pass committed → the outbox began the attempt → the webhook arrived. Without commit
   * timestamps: check end → stored → pass began → send began → arrival.
   */
  segments: Record<string, ReturnType<typeof stats>>;
  /** The passes that made these notices: when each began (ms after the flip), how many notices, how long until it committed. */
  passes: { at: number; notices: number; ms: number }[];
  /** How long from the flip until the last notice arrived. */
  lastArrivalAfterFlipMs: number;
  missed: string[];
  duplicates: { sameMessageId: number; sameIncidentAgain: number; anotherIncident: number };
  badSignatures: number;
}

function stageResult(t: Timing[], arrivals: Arrival[], type: string, flipAt: number, complete: boolean): StageResult {
  const mine = arrivals.filter((a) => a.type === type);
  const seenIds = new Set<string>();
  const firstIncident = new Map<string, number>();
  const toldIncidents = new Set<number>();
  const duplicates = { sameMessageId: 0, sameIncidentAgain: 0, anotherIncident: 0 };
  for (const a of mine.filter((x) => x.verified)) {
    if (seenIds.has(a.messageId)) duplicates.sameMessageId++;
    else if (toldIncidents.has(a.incidentId)) duplicates.sameIncidentAgain++;
    else if (firstIncident.has(a.service)) duplicates.anotherIncident++;
    seenIds.add(a.messageId);
    toldIncidents.add(a.incidentId);
    if (!firstIncident.has(a.service)) firstIncident.set(a.service, a.incidentId);
  }
  const measured = new Map(t.map((x) => [x.service, x]));
  const missed = NAMES.filter((n) => !firstIncident.has(n) || !measured.has(n));
  const d = (a: number | null, b: number | null) => (a === null || b === null ? NaN : b - a);
  return {
    latency: stats(t.map((x) => d(x.checkEnd, x.arrival))),
    segments: commitTimes
      ? {
          'check end → writer began': stats(t.map((x) => d(x.checkEnd, x.stored))),
          'writer began → committed': stats(t.map((x) => d(x.stored, x.storedCommit))),
          'writer committed → pass began': stats(t.map((x) => d(x.storedCommit, x.pass))),
          'pass began → committed': stats(t.map((x) => d(x.pass, x.passCommit))),
          'pass committed → send began': stats(t.map((x) => d(x.passCommit, x.send))),
          'send began → arrival': stats(t.map((x) => d(x.send, x.arrival))),
        }
      : {
          'check end → writer began': stats(t.map((x) => d(x.checkEnd, x.stored))),
          'writer began → pass began': stats(t.map((x) => d(x.stored, x.pass))),
          'pass began → send began': stats(t.map((x) => d(x.pass, x.send))),
          'send began → arrival': stats(t.map((x) => d(x.send, x.arrival))),
        },
    passes: [...t.reduce((m, x) => (x.pass === null ? m : m.set(x.pass, [...(m.get(x.pass) ?? []), x])), new Map<number, Timing[]>()).entries()]
      .sort(([a], [b]) => a - b)
      .map(([at, xs]) => ({ at: Math.round(at - flipAt), notices: xs.length, ms: Math.round(Math.max(...xs.map((x) => d(x.pass, x.passCommit)))) })),
    lastArrivalAfterFlipMs: complete ? Math.max(...mine.map((a) => a.at)) - flipAt : NaN,
    missed,
    duplicates,
    badSignatures: mine.filter((a) => !a.verified).length,
  };
}

interface ConfigurationResult {
  replicas: number;
  pubsub: string;
  trigger: StageResult;
  resolve: StageResult;
  /** From the database after both stages: incidents per service and deliveries per incident and event beyond one. */
  stored: { incidents: number; extraIncidents: number; extraDeliveries: number; failedOrPending: number; retries: number };
  otherNotices: number;
  complaints: string[];
}

async function runConfiguration(replicaCount: number, adminUrl: string): Promise<ConfigurationResult> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-bench-alerts-'));
  const [target, receiver] = await Promise.all([startTarget(), startReceiver()]);
  const database = await freshDatabase(adminUrl);
  const configFile = path.join(dir, 'lookout.yaml');
  await fs.writeFile(configFile, configText(target.url, receiver.url));
  const prefix = `bench-alerts-${randomBytes(5).toString('hex')}`;
  const pubsub = REDIS_URL ? `Redis (${REDIS_URL}, prefix ${prefix})` : replicaCount > 1 ? 'in-process per replica (the other replica\'s pass polls every 250 ms)' : 'in-process';
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    LOOKOUT_CONFIG: configFile,
    ...(REDIS_URL ? { REDIS_URL, LOOKOUT_REDIS_PREFIX: prefix } : { REDIS_URL: '' }),
  };
  let replicas: Replica[] = [];
  const sql = new pg.Pool({ connectionString: database.url, max: 2 });
  try {
    console.error(`\n${replicaCount} replica${replicaCount > 1 ? 's' : ''}, ${SERVICES} services, pub/sub: ${pubsub}`);
    const started = await Promise.allSettled(Array.from({ length: replicaCount }, (_, i) => startReplica(`replica-${i + 1}`, { ...env, LOOKOUT_DATA_DIR: path.join(dir, `r${i + 1}`) })));
    replicas = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;

    // Every service healthy, and the alerting pass caught up with their first transitions.
    const allHealthy = () =>
      sql.query(`select count(*)::int as n from service_states st join services s on s.id = st.service_id where s.name = any($1) and st.status = 'healthy'`, [NAMES]).then((r) => r.rows[0].n === SERVICES);
    if (!(await until(allHealthy, 60_000))) throw new Error('not every service was healthy within 60 s of the replicas serving');
    const caughtUp = () =>
      sql.query(`select count(*)::int as n from uptime_records u, alerting_cursor c where (u.txid, u.id) > (c.txid, c.window_id)`).then((r) => r.rows[0].n === 0);
    if (!(await until(caughtUp, 30_000))) throw new Error('the alerting pass did not catch up with the first transitions within 30 s');
    const healthySince = Date.now();
    await sleep(1000 + random() * 1000); // every service checked healthy once more, the flip at a seeded moment of the second

    // Down, all at once.
    const downAt = Date.now();
    target.set(false);
    const triggered = await receiver.all('incident.triggered', DEADLINE_MS);
    console.error(`  trigger: ${triggered ? 'all arrived' : 'deadline passed'} ${Date.now() - downAt} ms after the flip`);
    await sleep(SETTLE_MS);
    const triggerTimings = await timings(sql, 2, healthySince, 'trigger', receiver.arrivals, 'incident.triggered');
    const trigger = stageResult(triggerTimings, receiver.arrivals, 'incident.triggered', downAt, triggered);

    // Up again, all at once: measured from each service's first healthy check after its first failing one.
    await sleep(random() * 1000);
    const upAt = Date.now();
    target.set(true);
    const resolvedAll = await receiver.all('incident.resolved', DEADLINE_MS);
    console.error(`  resolve: ${resolvedAll ? 'all arrived' : 'deadline passed'} ${Date.now() - upAt} ms after the flip`);
    await sleep(SETTLE_MS);
    // Read again: a failing check stored after the trigger stage's deadline counts too. A service with none is measured from the flip down.
    const downChecks = await timings(sql, 2, healthySince, 'trigger', receiver.arrivals, 'incident.triggered');
    const firstDown = new Map(NAMES.map((n) => [n, downAt]));
    for (const t of downChecks) firstDown.set(t.service, t.checkEnd - 1); // the failing check began at or before its end
    const resolveTimings = await timings(sql, 0, firstDown, 'resolve', receiver.arrivals, 'incident.resolved');
    const resolve = stageResult(resolveTimings, receiver.arrivals, 'incident.resolved', upAt, resolvedAll);

    const { rows } = await sql.query<Record<string, number>>(
      `select (select count(*) from alert_incidents)::int as incidents,
              (select coalesce(sum(n - 1), 0) from (select count(*) as n from alert_incidents group by service_id) x)::int as extra_incidents,
              (select coalesce(sum(n - 1), 0) from (select count(*) as n from alert_deliveries group by incident_id, channel, event) x)::int as extra_deliveries,
              (select count(*) from alert_deliveries where state <> 'sent')::int as failed_or_pending,
              (select count(*) from alert_delivery_attempts where attempt > 1)::int as retries`,
    );
    const otherNotices = receiver.arrivals.filter((a) => a.type !== 'incident.triggered' && a.type !== 'incident.resolved').length;
    return {
      replicas: replicaCount,
      pubsub,
      trigger,
      resolve,
      stored: { incidents: rows[0].incidents, extraIncidents: rows[0].extra_incidents, extraDeliveries: rows[0].extra_deliveries, failedOrPending: rows[0].failed_or_pending, retries: rows[0].retries },
      otherNotices,
      complaints: replicas.flatMap((r) => r.complaints.map((line) => `${r.name}: ${line}`)),
    };
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
    await sql.end();
    await Promise.all([target.close(), receiver.close()]);
    await database.drop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

// The database server: DATABASE_URL's (fresh databases on it), or an embedded one for this run.
let embedded: EmbeddedDatabase | undefined;
let embeddedDir: string | undefined;
let adminUrl = process.env.DATABASE_URL;
if (!adminUrl) {
  embeddedDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-bench-alerts-pg-'));
  const logger = createLogger('warn');
  embedded = await openEmbeddedDatabase(embeddedDir, { logger });
  // Commit timestamps let the breakdown say when the writer's and the pass's transactions committed
  // (a setting read at start: set, then restart).
  const admin = new pg.Client({ connectionString: embedded.url });
  await admin.connect();
  await admin.query('alter system set track_commit_timestamp = on');
  await admin.end();
  await embedded.stop();
  embedded = await openEmbeddedDatabase(embeddedDir, { logger });
  adminUrl = embedded.url;
}
const databaseNote = embedded ? 'embedded PostgreSQL (fresh database per configuration)' : `a fresh database per configuration on ${new URL(adminUrl).host}`;
const commitTimes = await (async () => {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  const { rows } = await client.query(`select current_setting('track_commit_timestamp') = 'on' as on`);
  await client.end();
  return rows[0].on as boolean;
})();
if (!commitTimes) console.error('track_commit_timestamp is off on this server: the breakdown cannot say when the writer and the pass committed.');
const results: ConfigurationResult[] = [];
let failure: unknown;
try {
  for (const count of CONFIGURATIONS) results.push(await runConfiguration(count, adminUrl));
} catch (error) {
  failure = error;
} finally {
  await embedded?.stop();
  if (embeddedDir) await fs.rm(embeddedDir, { recursive: true, force: true });
}
if (failure) {
  console.error(failure);
  process.exit(1);
}

/** The code measured: the commit, and whether server/ differs from it. */
const code = (() => {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: projectRoot, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'server', 'migrations'], { cwd: projectRoot, encoding: 'utf8' }).trim();
    return `${commit}${dirty ? ' with server/ changes not committed' : ''}`;
  } catch {
    return 'not a git checkout';
  }
})();
const fmt = (s: ReturnType<typeof stats>) => `${s.p50} / ${s.p95} / ${s.p99} / ${s.max} ms`;
console.log(`\nbench/alerts: ${SERVICES} services, interval 1 s, failure threshold 1, escalation 0 s; code ${code}; ${databaseNote}; seed ${SEED}; ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
for (const r of results) {
  console.log(`\n${r.replicas} replica${r.replicas > 1 ? 's' : ''} (pub/sub: ${r.pubsub})`);
  for (const [stage, s] of [['trigger', r.trigger], ['resolve', r.resolve]] as const) {
    const dup = s.duplicates.sameMessageId + s.duplicates.sameIncidentAgain + s.duplicates.anotherIncident;
    console.log(`  ${stage}: check end → webhook p50 / p95 / p99 / max ${fmt(s.latency)} (n=${s.latency.n}); last arrived ${s.lastArrivalAfterFlipMs} ms after the flip`);
    console.log(`    passes (began after the flip: notices, began → committed): ${s.passes.map((p) => `${p.at} ms: ${p.notices}${Number.isFinite(p.ms) ? `, ${p.ms} ms` : ''}`).join('; ')}`);
    for (const [segment, v] of Object.entries(s.segments)) console.log(`    ${segment}: ${fmt(v)}`);
    console.log(`    duplicates ${dup} (${JSON.stringify(s.duplicates)}), missed ${s.missed.length}${s.missed.length ? ` (${s.missed.slice(0, 10).join(', ')}${s.missed.length > 10 ? ', …' : ''})` : ''}, bad signatures ${s.badSignatures}`);
  }
  console.log(`  stored: ${JSON.stringify(r.stored)}; other notices ${r.otherNotices}; replicas' warnings and errors: ${r.complaints.length}`);
  for (const line of r.complaints.slice(0, 5)) console.log(`    ${line}`);
}
console.log('\n| replicas | pub/sub | trigger p50 / p95 / p99 / max | resolve p50 / p95 / p99 / max | duplicates | missed |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  const dup = (s: StageResult) => s.duplicates.sameMessageId + s.duplicates.sameIncidentAgain + s.duplicates.anotherIncident;
  console.log(`| ${r.replicas} | ${REDIS_URL ? 'Redis' : 'in-process'} | ${fmt(r.trigger.latency)} | ${fmt(r.resolve.latency)} | ${dup(r.trigger) + dup(r.resolve) + r.stored.extraDeliveries} | ${r.trigger.missed.length + r.resolve.missed.length} |`);
}
console.log(JSON.stringify({ services: SERVICES, seed: SEED, code, database: databaseNote, results }, null, 2));
const bad = results.some(
  (r) =>
    [r.trigger, r.resolve].some((s) => s.missed.length || s.badSignatures || s.duplicates.sameMessageId || s.duplicates.sameIncidentAgain || s.duplicates.anotherIncident) ||
    r.stored.extraDeliveries > 0 || r.stored.extraIncidents > 0,
);
process.exit(bad ? 1 : 0);
