/**
 * The soak test of the transition stream (issue 10): two real `lookout serve` replicas on one
 * PostgreSQL and one Redis check 50 services that flap for a minute, while the test stalls the check
 * writes a few times (a lock on the checks table, as a slow disk or a long vacuum would). Every
 * transition the targets caused must be recorded once, stored again right after each stall, and
 * heard once by a subscriber on each replica.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Client } from 'graphql-ws';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisAvailable, redisUrl } from '../events/redis.ts';
import { wsClient } from '../support/graphql.ts';
import { createTestDatabase } from '../support/server.ts';
import { describeSegment, describeWindow, matchWindows, segmentsOf, storedBy, type Cadence, type Segment, type Stall, type StoredWindow } from './support/expected-transitions.ts';
import { FlappingTarget, planFlips, type PathLog } from './support/flapping-target.ts';
import { startReplica, until, type Replica } from './support/replica.ts';

const SERVICES = 50;
/** How long the targets flap. */
const RUN_MS = 60_000;
const INTERVAL_MS = 1000;
const TIMEOUT_MS = 800;
/** A claim lasts the timeout and a grace of min(5 s, max(1 s, interval - timeout)) (scheduler.ts). */
const CADENCE: Cadence = { intervalMs: INTERVAL_MS, timeoutMs: TIMEOUT_MS, claimMs: TIMEOUT_MS + Math.min(5000, Math.max(1000, INTERVAL_MS - TIMEOUT_MS)), threshold: 1 };
/** When (after the flapping starts) the check writes are stalled, and for how long. */
const STALLS = [
  { atMs: 9_000, holdMs: 3_000 },
  { atMs: 21_000, holdMs: 5_000 },
  { atMs: 34_000, holdMs: 4_000 },
  { atMs: 47_000, holdMs: 5_000 },
];
/** How soon a check, and a transition, must be stored: after the status began, or after the stall that held it. */
const STORED_WITHIN_MS = 5_000;
const SEED = Number(process.env.LOOKOUT_SOAK_SEED ?? Date.now() % 1_000_000);
const name = (i: number) => `flap-${String(i).padStart(2, '0')}`;
const sleepUntil = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));

interface Heard {
  service: string;
  previousStatus: string | null;
  status: string;
  at: number;
}

interface StallReport extends Stall {
  /** Rows in health_checks when the lock was taken and just before it was released. */
  rowsBefore: number;
  rowsAfter: number;
  /** Most connections seen waiting to insert checks while it was held (one writer per replica). */
  waiters: number;
  /** When the first check begun after the stall was seen stored (ms after its end). */
  firstCheckAfterMs?: number;
}

let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let dir: string | undefined;
let target: FlappingTarget | undefined;
let sql: pg.Pool | undefined;
let replicas: Replica[] = [];
const clients: Client[] = [];

describe.skipIf(!redisAvailable)('two lookout serve replicas on one PostgreSQL and Redis, 50 services flapping', () => {
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await fs.mkdtemp(path.join('/tmp', 'lookout-soak-'));
    target = await FlappingTarget.start(SERVICES);
    const configFile = path.join(dir, 'lookout.yaml');
    const services = Array.from({ length: SERVICES }, (_, i) => `  - { name: ${name(i)}, kind: http, target: "${target!.url(i)}", interval: ${INTERVAL_MS}ms, timeout: ${TIMEOUT_MS}ms, failure_threshold: ${CADENCE.threshold}, recovery_threshold: ${CADENCE.threshold} }`);
    // Only the flapping services: the replicas' own self-monitoring is not what this judges.
    await fs.writeFile(configFile, ['builtin_services: false', 'services:', ...services, 'startup:', '  optional: [worker_online]', ''].join('\n'));
    const env = {
      DATABASE_URL: db.url,
      LOOKOUT_CONFIG: configFile,
      LOOKOUT_BOOTSTRAP_TOKEN: `lko_soak_${randomBytes(12).toString('hex')}`,
      REDIS_URL: redisUrl,
      // Parallel runs on one Redis server must not hear each other's events.
      LOOKOUT_REDIS_PREFIX: `soak-${randomBytes(6).toString('hex')}`,
      LOG_LEVEL: 'info',
    };
    // Started together, as a deployment's replicas are: both migrate and sync the config file.
    const started = await Promise.allSettled(['a', 'b'].map((r) => startReplica(`replica-${r}`, { ...env, LOOKOUT_DATA_DIR: path.join(dir!, r) })));
    replicas = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    sql = new pg.Pool({ connectionString: db.url, max: 4 });
    for (const replica of replicas) clients.push(wsClient(replica, { token: env.LOOKOUT_BOOTSTRAP_TOKEN }));
  }, 90_000);

  afterAll(async () => {
    for (const client of clients) await client.dispose();
    await Promise.all(replicas.map((r) => r.stop()));
    await target?.close();
    await sql?.end();
    await db?.drop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  }, 30_000);

  it('records each transition the targets caused exactly once through four stalls of the check writes, stores again right after each, and a subscriber on each replica hears each once (regression: a batch with two transitions of one service stopped the writer; two claims of one stored state recorded one transition twice)', async () => {
    const pool = sql!;
    const flap = target!;
    console.log(`soak seed ${SEED} (LOOKOUT_SOAK_SEED=${SEED} plans the same flips)`);

    // Every service has its first window (its first check) before anything flips.
    await until(async () => ((await pool.query(`select count(distinct service_id)::int as n from uptime_records`)).rows[0].n === SERVICES ? true : undefined), 'every service has its first window', 20_000);

    // A subscriber on each replica, collecting every transition it hears.
    const heard: Heard[][] = replicas.map(() => []);
    const subscriptionErrors: string[] = [];
    clients.forEach((client, r) =>
      client.subscribe<{ serviceStatusChanged: { service: string; previousStatus: string | null; status: string; at: string } }>(
        { query: 'subscription { serviceStatusChanged { service previousStatus status at } }' },
        {
          next: ({ data, errors }) => {
            if (errors?.length) subscriptionErrors.push(`${replicas[r].name}: ${JSON.stringify(errors)}`);
            const e = data?.serviceStatusChanged;
            if (e) heard[r].push({ service: e.service, previousStatus: e.previousStatus?.toLowerCase() ?? null, status: e.status.toLowerCase(), at: Date.parse(e.at) });
          },
          error: (error) => subscriptionErrors.push(`${replicas[r].name}: ${error instanceof Error ? error.message : JSON.stringify(error)}`),
          complete: () => subscriptionErrors.push(`${replicas[r].name}: the subscription completed`),
        },
      ),
    );
    // Both subscriptions are live once both hear a first flip (the canary: flap-00 goes down).
    flap.flip(0);
    const canaryAt = flap.logs[0].flips[0].at;
    await until(async () => (heard.every((events) => events.some((e) => e.service === name(0) && e.status === 'down' && e.at >= canaryAt - TIMEOUT_MS)) ? true : undefined), 'both subscribers hear flap-00 go down', 15_000);

    const { runStart, stalls, seenAt, unsettled } = await flapAndStall(pool, flap, db!.url);
    const { rows } = await pool.query<{ id: string; service: string; status: string; started_at: Date; recorded_at: Date }>(
      `select u.id::text, s.name as service, u.status, u.started_at, u.recorded_at
         from uptime_records u join services s on s.id = u.service_id order by s.name, u.started_at, u.id`,
    );
    const windows = new Map<string, StoredWindow[]>();
    for (const r of rows) {
      const list = windows.get(r.service) ?? windows.set(r.service, []).get(r.service)!;
      list.push({ id: r.id, status: r.status, startedAt: r.started_at.getTime(), recordedAt: r.recorded_at.getTime(), seenAt: seenAt.get(r.id) });
    }
    const key = (service: string, status: string, at: number) => `${service}|${status}|${at}`;
    // Every transition after each service's first check (stored before the subscribers came): the
    // canary, which both heard, then the run's. Each subscriber must hear every one.
    const mustHear = [...windows].flatMap(([service, list]) => list.slice(1).map((w) => key(service, w.status, w.startedAt)));
    const heardAll = () => heard.every((events) => { const keys = new Set(events.map((e) => key(e.service, e.status, e.at))); return mustHear.every((k) => keys.has(k)); });
    await until(async () => (heardAll() ? true : undefined), 'both subscribers heard every stored transition', 5_000).catch(() => {});

    // Every section is checked (soft expectations), so a failing run tells all it found.
    // 0. The writers kept up: every service had a check stored after the flapping stopped.
    expect.soft(unsettled, 'services with no check stored within 15 s after the flapping stopped').toEqual([]);
    // 1. The stalls were stalls: a writer waited on the lock, and nothing was inserted meanwhile. (Both
    // replicas' writers are not always caught waiting: a replica keeps the claims of the services whose
    // results it holds, so during a stall one replica may be checking every service.)
    const stallSummary = stalls.map((s, i) => `stall ${i + 1}: ${s.end - s.start} ms, ${s.waiters} writer(s) waiting, ${s.rowsAfter - s.rowsBefore} rows inserted meanwhile, first new check stored ${s.firstCheckAfterMs === undefined ? 'not within 15 s' : `${s.firstCheckAfterMs} ms after`}`);
    console.log(stallSummary.join('\n'));
    for (const s of stalls) {
      expect.soft(s.waiters, stallSummary.join('\n')).toBeGreaterThanOrEqual(1);
      expect.soft(s.rowsAfter, stallSummary.join('\n')).toBe(s.rowsBefore);
      // 2. Checks are stored again right after each stall.
      expect.soft(s.firstCheckAfterMs ?? Infinity, stallSummary.join('\n')).toBeLessThanOrEqual(STORED_WITHIN_MS);
    }

    // 3. Per service: the windows are the target's statuses, once each, in order, stored in time.
    const problems: string[] = [];
    const late: string[] = [];
    const perStall = stalls.map(() => ({ flips: 0, storedAfter: 0, worstMs: 0 }));
    let transitions = 0;
    let unseenShort = 0;
    // Services whose checks saw something the target never answered (a check timed out on the loaded
    // machine): their windows follow those checks, not the target, so they are held only to "no
    // status twice in a row"; a run where many are like that is a run that proves too little.
    const { rows: blurredRows } = await pool.query<{ name: string }>(
      `select distinct s.name from health_checks h join services s on s.id = h.service_id where h.error is not null and h.error !~ '\\m500\\M'`,
    );
    const blurred = new Set(blurredRows.map((r) => r.name));
    const repeated: string[] = [];
    for (let i = 0; i < SERVICES; i++) {
      const service = name(i);
      const segments = segmentsOf(flap.logs[i], stalls, CADENCE);
      const stored = windows.get(service) ?? [];
      transitions += stored.length - 1;
      if (blurred.has(service)) {
        const twice = stored.findIndex((w, k) => k > 0 && w.status === stored[k - 1].status);
        if (twice > 0) repeated.push(`${service}: ${describeWindow(stored[twice - 1])} then ${describeWindow(stored[twice])}`);
        continue;
      }
      const match = matchWindows(segments, stored, TIMEOUT_MS);
      unseenShort += segments.filter((s) => !s.mustSee && !match.segmentOf.includes(s.index)).length;
      if (match.problems.length) problems.push(await explain(pool, service, match, segments, stored, flap.logs[i]));
      match.segmentOf.forEach((k, w) => {
        const segment = segments[k];
        if (!segment || segment.start < runStart) return;
        const window = stored[w];
        const deadline = storedBy(segment.start, stalls, STORED_WITHIN_MS);
        if (segment.mustSee && (window.seenAt === undefined || window.seenAt > deadline)) {
          late.push(`${service}: ${describeWindow(window)} seen stored at ${window.seenAt ? new Date(window.seenAt).toISOString() : 'never'}, due by ${new Date(deadline).toISOString()} (${describeSegment(segment)})`);
        }
        stalls.forEach((stall, s) => {
          if (!segment.mustSee || segment.start < stall.start || segment.start > stall.end) return;
          perStall[s].flips++;
          if (window.seenAt !== undefined && window.seenAt > stall.end) perStall[s].storedAfter++;
          perStall[s].worstMs = Math.max(perStall[s].worstMs, (window.seenAt ?? Infinity) - stall.end);
        });
      });
    }
    console.log(
      `${blurred.size} service(s) judged only for repeats (a check of theirs timed out)\n` +
      `${transitions} transitions recorded for ${flap.logs.reduce((n, l) => n + l.flips.length, 0)} flips (${unseenShort} flips too short to be seen went unseen)\n` +
        perStall.map((p, s) => `stall ${s + 1}: ${p.flips} flips during it, ${p.storedAfter} of their windows stored after it, the last ${p.worstMs} ms after its end`).join('\n'),
    );
    expect.soft(problems.length, `services whose windows are not the target's statuses, the first 8:\n${problems.slice(0, 8).join('\n\n')}`).toBe(0);
    expect.soft(repeated, 'a status recorded twice in a row (one transition recorded twice)').toEqual([]);
    expect.soft(blurred.size, `services whose checks timed out instead of seeing the target (too many: the run proves too little): ${[...blurred].join(', ')}`).toBeLessThanOrEqual(SERVICES / 5);
    expect.soft(late.length, `windows stored late, the first 20:\n${late.slice(0, 20).join('\n')}`).toBe(0);
    for (const [s, p] of perStall.entries()) {
      // Flips during a stall: their windows were stored after it (with their checks), within a few seconds.
      expect.soft(p.flips, `stall ${s + 1} saw no flip`).toBeGreaterThan(0);
      expect.soft(p.storedAfter, `stall ${s + 1}: windows of flips during it stored after its end`).toBe(p.flips);
      expect.soft(p.worstMs, `stall ${s + 1}: the last window of a flip during it, ms after its end`).toBeLessThanOrEqual(STORED_WITHIN_MS);
    }

    // Not asserted (no one builds the transition cursor yet; the issue names `recorded_at` + id as one):
    // how many windows became visible only after a window that sorts after them had been seen. A
    // consumer reading "every transition after the last one I saw" by that order would skip them.
    console.log(`cursor check: ${cursorSkips(rows, seenAt)}`);

    // 4. Each replica's subscriber heard each transition exactly once, and nothing that was not stored.
    const previousOf = new Map<string, string | null>();
    for (const [service, list] of windows) list.forEach((w, i) => previousOf.set(key(service, w.status, w.startedAt), i ? list[i - 1].status : null));
    expect.soft(subscriptionErrors).toEqual([]);
    heard.forEach((events, r) => {
      const counts = new Map<string, number>();
      for (const e of events) counts.set(key(e.service, e.status, e.at), (counts.get(key(e.service, e.status, e.at)) ?? 0) + 1);
      const missing = mustHear.filter((k) => !counts.has(k));
      const twice = [...counts].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`);
      const unstored = events.filter((e) => !previousOf.has(key(e.service, e.status, e.at))).map((e) => key(e.service, e.status, e.at));
      const wrongPrevious = events.filter((e) => previousOf.has(key(e.service, e.status, e.at)) && previousOf.get(key(e.service, e.status, e.at)) !== e.previousStatus);
      const found = { missing, twice, unstored, wrongPrevious: wrongPrevious.map((e) => `${key(e.service, e.status, e.at)} after ${e.previousStatus}`) };
      const what = `${replicas[r].name} heard ${events.length} transitions; the first 10 of each:\n${JSON.stringify(Object.fromEntries(Object.entries(found).map(([k, v]) => [k, v.slice(0, 10)])), null, 1)}`;
      expect.soft(Object.fromEntries(Object.entries(found).map(([k, v]) => [k, v.length])), what).toEqual({ missing: 0, twice: 0, unstored: 0, wrongPrevious: 0 });
    });

    // 5. Both replicas ran throughout, and nothing was logged as fatal.
    for (const replica of replicas) {
      const warnings = replica.warnings();
      if (warnings.length) console.log(`${replica.name} logged ${warnings.length} warning(s) or error(s), the first:\n${warnings.slice(0, 5).map((l) => l.slice(0, 400)).join('\n')}`);
      expect.soft(replica.child.exitCode, replica.name).toBeNull();
      expect.soft(warnings.filter((line) => line.includes('"level":60')), replica.name).toEqual([]);
    }
  }, 110_000);
});

/** Windows that a reader going by (recorded_at, id), or by id alone, would have skipped: seen stored after one that sorts after them. */
function cursorSkips(rows: { id: string; recorded_at: Date }[], seenAt: Map<string, number>): string {
  const seen = rows.filter((r) => seenAt.has(r.id)).sort((a, b) => seenAt.get(a.id)! - seenAt.get(b.id)!);
  const count = (after: (a: (typeof rows)[number], b: (typeof rows)[number]) => boolean) =>
    seen.filter((w) => seen.some((v) => seenAt.get(v.id)! < seenAt.get(w.id)! && after(v, w))).length;
  const byRecordedAt = count((v, w) => v.recorded_at.getTime() > w.recorded_at.getTime() || (v.recorded_at.getTime() === w.recorded_at.getTime() && BigInt(v.id) > BigInt(w.id)));
  const byId = count((v, w) => BigInt(v.id) > BigInt(w.id));
  return `${byRecordedAt} of ${seen.length} windows appeared after one with a later (recorded_at, id), ${byId} after one with a higher id`;
}

/**
 * A service's problems with what it takes to judge them: the target's statuses, the windows, every
 * stored check (time, status, and the transaction that stored it: xmin), and for each status that
 * was not recorded, the requests the target answered with it and the stored checks that saw it.
 */
async function explain(pool: pg.Pool, service: string, match: ReturnType<typeof matchWindows>, segments: Segment[], stored: StoredWindow[], log: PathLog): Promise<string> {
  const { rows } = await pool.query<{ at: Date; status: number; xmin: string; error: string | null }>(
    'select h.checked_at as at, h.status, h.xmin::text as xmin, h.error from health_checks h join services s on s.id = h.service_id where s.name = $1 order by h.checked_at',
    [service],
  );
  // A down check that is not the target's 500 (a timeout on a loaded machine, say) shows its error.
  const why = (error: string | null) => (error && !/\b500\b/.test(error) ? ` "${error.slice(0, 80)}"` : '');
  const checks = rows.map((c) => ({ at: c.at.getTime(), status: ['healthy', 'degraded', 'down'][c.status], text: `${c.at.toISOString().slice(11, 23)} ${['H', 'G', 'D'][c.status]} (tx ${c.xmin})${why(c.error)}` }));
  const seenBy = match.unrecorded.map((k) => {
    const s = segments[k];
    const saw = checks.filter((c) => c.status === s.status && c.at >= s.start - TIMEOUT_MS && c.at <= s.end);
    const answered = log.answers.filter((a) => a.at >= s.start && a.at < s.end).length;
    return `  segment #${k}: the target answered ${answered} request(s) ${s.status} in it; ${saw.length} stored check(s) saw it${saw.length ? `: ${saw.map((c) => c.text).join(', ')}` : ''}`;
  });
  return [
    `${service}: ${match.problems.join('; ')}`,
    ...seenBy,
    `  target: ${segments.map(describeSegment).join(' | ')}`,
    `  windows: ${stored.map(describeWindow).join(' | ')}`,
    `  checks stored: ${checks.map((c) => c.text).join(', ')}`,
  ].join('\n');
}

/**
 * The run: the targets flap for RUN_MS while the check writes are stalled (STALLS), and the test
 * notes when each window is first seen stored; then it waits until every service has a check begun
 * after the last flip stored (its last status is then recorded too) and names those that do not.
 */
async function flapAndStall(pool: pg.Pool, flap: FlappingTarget, url: string) {
  const seenAt = new Map<string, number>();
  let watching = true;
  const watchWindows = (async () => {
    for (;;) {
      const last = !watching; // a look begun after it was told to stop sees everything stored until then
      const { rows } = await pool.query<{ id: string }>('select id::text from uptime_records');
      const now = Date.now();
      for (const { id } of rows) if (!seenAt.has(id)) seenAt.set(id, now);
      if (last) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  const runStart = Date.now();
  const stalls: StallReport[] = [];
  const afterStalls: Promise<void>[] = [];
  let unsettled: string[] = [];
  try {
    flap.run(planFlips(SERVICES, RUN_MS, SEED));
    for (const { atMs, holdMs } of STALLS) {
      await sleepUntil(runStart + atMs);
      const stall = await stallCheckWrites(pool, url, holdMs);
      stalls.push(stall);
      const newCheck = () => pool.query('select 1 from health_checks where checked_at > $1 limit 1', [new Date(stall.end)]);
      afterStalls.push(
        until(async () => ((await newCheck()).rowCount ? true : undefined), 'a check begun after the stall is stored', 15_000)
          .then(() => void (stall.firstCheckAfterMs = Date.now() - stall.end))
          .catch(() => {}),
      );
    }
    await sleepUntil(runStart + RUN_MS);
    flap.hold();
    const runEnd = new Date();
    await Promise.all(afterStalls);
    const missing = async () =>
      (await pool.query<{ name: string }>('select name from services s where not exists (select 1 from health_checks h where h.service_id = s.id and h.checked_at > $1) order by name', [runEnd])).rows.map((r) => r.name);
    unsettled = await until(async () => ((await missing()).length ? undefined : []), 'every service has a check begun after the flapping stopped', 15_000).catch(missing);
  } finally {
    flap.hold();
    watching = false;
    await watchWindows;
  }
  return { runStart, stalls, seenAt, unsettled };
}

/**
 * Stalls the check writes for `holdMs`: a transaction holds the checks table in EXCLUSIVE mode
 * (reads go on, inserts wait). Reports how many writers it kept waiting and whether a row got in.
 */
async function stallCheckWrites(pool: pg.Pool, url: string, holdMs: number): Promise<StallReport> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin');
    // The partitioned parent: every insert goes through it and takes its lock first.
    await client.query('lock table health_checks in exclusive mode');
    const start = Date.now();
    const rowCount = async () => (await client.query<{ n: number }>('select count(*)::int as n from health_checks')).rows[0].n;
    const rowsBefore = await rowCount();
    let waiters = 0;
    while (waiters < 2 && Date.now() < start + holdMs - 250) {
      const { rows } = await pool.query<{ n: number }>("select count(distinct pid)::int as n from pg_locks where relation = 'health_checks'::regclass and not granted");
      waiters = Math.max(waiters, rows[0].n);
      if (waiters < 2) await new Promise((r) => setTimeout(r, 100));
    }
    await sleepUntil(start + holdMs);
    const rowsAfter = await rowCount();
    await client.query('commit');
    return { start, end: Date.now(), rowsBefore, rowsAfter, waiters };
  } finally {
    await client.end().catch(() => {});
  }
}
