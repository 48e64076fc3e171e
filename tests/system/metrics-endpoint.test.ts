/**
 * GET /metrics writes lookout_service_status page by page after prom-client's registry, turning the
 * event loop between pages (regression: at 100,000 services one scrape built a 32 MB string in
 * 2.4–2.6 s of the loop in one piece, and with a scrape every 15 s the scheduler's lag p99 was
 * ≤ 5 s). Against the real server and PostgreSQL; the paging is also watched from inside,
 * with the endpoint on a server of the test's own.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { insertServices } from '../support/services.ts';
import { createLogger } from '../../server/logger.ts';
import { createMetrics } from '../../server/system/metrics.ts';
import { MAX_CONCURRENT_SCRAPES, STATUS_PAGE_SIZE, STATUS_PAGE_SQL, serveMetrics } from '../../server/system/metrics-endpoint.ts';

const SERVICES = Math.round(STATUS_PAGE_SIZE * 2.5);
/** A name a service could only get from the database by hand: quote, backslash, line feed. */
const ODD_NAME = 'odd "name" \\ with\nline';

/** `count` services named `prefix-000000` on. */
const insertNumbered = (sql: pg.Pool, count: number, prefix: string) =>
  insertServices(sql, Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(6, '0')}`));

/** lookout_service_status by service: status label → value. */
function parseStatus(text: string): Map<string, Record<string, number>> {
  const series = new Map<string, Record<string, number>>();
  for (const m of text.matchAll(/^lookout_service_status\{service="((?:[^"\\]|\\.)*)",status="([^"]*)"\} (\S+)$/gm)) {
    const name = m[1].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    series.set(name, { ...series.get(name), [m[2]]: Number(m[3]) });
  }
  return series;
}

/** Opens a scrape over a raw socket and resolves once its response has begun (the status line has come). */
function openScrape(port: number): Promise<{ socket: net.Socket; received: () => string; ended: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    let raw = '';
    let begun = false;
    const ended = new Promise<string>((r) => socket.on('close', () => r(raw)));
    socket.on('error', () => {});
    socket.on('data', (data) => {
      raw += data.toString('latin1');
      if (!begun && raw.includes('\r\n\r\n')) {
        begun = true;
        resolve({ socket, received: () => raw, ended });
      }
    });
    socket.on('close', () => begun || reject(new Error(`closed before a response: ${raw}`)));
  });
}

/** Resolves once `count` statements wait on a lock in `database`. */
async function lockWaiters(sql: pg.Pool, count: number): Promise<void> {
  for (;;) {
    const { rows } = await sql.query("select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");
    if (rows[0].n >= count) return;
    await new Promise((r) => setImmediate(r));
  }
}

describe('GET /metrics', () => {
  let ts: TestServer;
  let sql: pg.Pool;
  /** Every service in the database: the built-ins and those inserted here. */
  let total = 0;

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false, config: { metricsPublic: true } });
    sql = new pg.Pool({ connectionString: ts.databaseUrl, max: 4 });
    await insertNumbered(sql, SERVICES, 'svc');
    await insertServices(sql, ['down-one-000000'], { status: 'down' });
    await sql.query("update services set paused = true where name = 'svc-000007'");
    await sql.query("update services set name = $1 where name = 'svc-000008'", [ODD_NAME]);
    total = (await sql.query<{ n: number }>('select count(*)::int as n from services')).rows[0].n;
  });
  afterAll(async () => {
    await sql?.end();
    await ts?.close();
  });

  it('reports every service across pages, one series per status, exactly one of them 1, with names escaped', async () => {
    const response = await fetch(`${ts.url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    const series = parseStatus(text);
    expect(series.size).toBe(total);
    for (const [name, values] of series) {
      expect(Object.keys(values).sort(), name).toEqual(['degraded', 'down', 'healthy', 'paused', 'pending']);
      expect(Object.values(values).reduce((a, b) => a + b), name).toBe(1);
    }
    expect(series.get('svc-000001')?.pending).toBe(1);
    expect(series.get('svc-000007')?.paused).toBe(1);
    expect(series.get('down-one-000000')?.down).toBe(1);
    expect(series.get(ODD_NAME)?.pending).toBe(1);
    expect(text.match(/^# (HELP|TYPE) lookout_service_status /gm)).toHaveLength(2);
    // prom-client's part is whole before it, and nothing of it repeats.
    expect(text.match(/^# TYPE lookout_scheduler_lag_seconds histogram$/gm)).toHaveLength(1);
    expect(text.indexOf('lookout_scheduler_lag_seconds')).toBeLessThan(text.indexOf('lookout_service_status'));
  });

  it('writes each service once when one is deleted and created again under its name during the scrape (regression: written twice, which Prometheus refuses)', async () => {
    // Between the first page and the second, svc-000003 (on the first page) goes and comes back with a new id.
    let pages = 0;
    const source = Object.create(sql, {
      query: {
        value: async (text: string, values?: unknown[]) => {
          const result = await sql.query(text, values);
          if (text === STATUS_PAGE_SQL && ++pages === 1) {
            await sql.query("delete from services where name = 'svc-000003'");
            await insertServices(sql, ['svc-000003']);
          }
          return result;
        },
      },
    });
    const metrics = createMetrics({ sql: source, logger: createLogger('silent') });
    const server = http.createServer((_req, res) => void serveMetrics(res, metrics));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const text = await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`)).text();
      expect(pages).toBeGreaterThan(1);
      expect(text.match(/^lookout_service_status\{service="svc-000003",/gm)).toHaveLength(5);
      expect(parseStatus(text).size).toBe(total);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('answers HEAD with headers only and other methods with 405, reading nothing', async () => {
    const head = await fetch(`${ts.url}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toMatch(/^text\/plain/);
    expect((await fetch(`${ts.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('turns the event loop between pages of services (regression: 100,000 services were one 32 MB string built in one piece)', async () => {
    const metrics = createMetrics({ sql, logger: createLogger('silent') });
    const log: string[] = [];
    const server = http.createServer((_req, res) => {
      const write = res.write.bind(res) as (chunk: string) => boolean;
      res.write = ((chunk: string) => {
        log.push(chunk.includes('lookout_service_status{') ? 'page' : 'registry');
        setImmediate(() => log.push('turn'));
        return write(chunk);
      }) as typeof res.write;
      void serveMetrics(res, metrics);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const text = await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`)).text();
      expect(parseStatus(text).size).toBe(total);
      const pages = log.filter((e) => e === 'page').length;
      expect(pages).toBe(Math.ceil(total / STATUS_PAGE_SIZE));
      // Between any two writes the loop turned: no two pages were written in one piece.
      const writes = log.filter((e) => e !== 'turn');
      expect(writes[0]).toBe('registry');
      for (let i = 1; i < log.length; i++) if (log[i] !== 'turn') expect(log[i - 1], `before write ${i}`).toBe('turn');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('reads a page of service states from its key on, not from the first (regression: page 50 of 100 read 51,000 rows through the merge join)', async () => {
    const client = await sql.connect();
    try {
      // The merge join over both primary keys, as PostgreSQL chose it at 100,000 services.
      await client.query('begin');
      await client.query('set local enable_hashjoin = off');
      await client.query('set local enable_nestloop = off');
      await client.query('set local enable_seqscan = off');
      const { rows: [{ id }] } = await client.query<{ id: number }>('select id from services order by id offset $1 limit 1', [STATUS_PAGE_SIZE * 2]);
      const { rows } = await client.query(`explain (analyze, format json) ${STATUS_PAGE_SQL}`, [id, STATUS_PAGE_SIZE, 2 ** 31 - 1]);
      const scans: { 'Relation Name'?: string; 'Actual Rows': number }[] = [];
      const walk = (node: { Plans?: unknown[] } & Record<string, unknown>) => {
        if (node['Relation Name']) scans.push(node as never);
        for (const child of node.Plans ?? []) walk(child as never);
      };
      walk(rows[0]['QUERY PLAN'][0].Plan);
      const states = scans.find((n) => n['Relation Name'] === 'service_states');
      expect(states).toBeDefined();
      expect(states!['Actual Rows']).toBeLessThanOrEqual(STATUS_PAGE_SIZE + 1);
    } finally {
      await client.query('rollback');
      client.release();
    }
  });

  it(`serves ${MAX_CONCURRENT_SCRAPES} scrapes at once and answers one more with 503 and Retry-After; with the statuses unreadable, the rest of /metrics is served without them`, async () => {
    const lock = await sql.connect();
    try {
      await lock.query('begin');
      await lock.query('lock table service_states in access exclusive mode');
      const waiting = Array.from({ length: MAX_CONCURRENT_SCRAPES }, () => fetch(`${ts.url}/metrics`).then(async (r) => ({ status: r.status, text: await r.text() })));
      await lockWaiters(sql, MAX_CONCURRENT_SCRAPES);
      const extra = await fetch(`${ts.url}/metrics`);
      expect(extra.status).toBe(503);
      expect(extra.headers.get('retry-after')).toBe('5');
      expect(await extra.text()).toMatch(/too many scrapes of \/metrics at once/);
      // The database does not answer within 2 s: each is served, without the status series.
      for (const scrape of await Promise.all(waiting)) {
        expect(scrape.status).toBe(200);
        expect(scrape.text).toMatch(/^lookout_process_cpu_seconds_total /m);
        expect(scrape.text).not.toMatch(/lookout_service_status/);
      }
    } finally {
      await lock.query('rollback');
      lock.release();
    }
    // The slots are free again.
    expect(parseStatus(await (await fetch(`${ts.url}/metrics`)).text()).size).toBe(total);
  });

  it('cuts the response when a later page cannot be read, rather than leave services out', async () => {
    // Enough services that the response cannot all sit in the sockets' buffers: the server waits for the reader.
    await insertNumbered(sql, 60_000, 'bulk');
    try {
      const scrape = await openScrape(ts.port);
      // The first page has come (later pages wait for this reader): then the reader stops a while.
      while (!scrape.received().includes('lookout_service_status{')) await new Promise((r) => scrape.socket.once('data', r));
      scrape.socket.pause();
      const lock = await sql.connect();
      try {
        await lock.query('begin');
        await lock.query('lock table service_states in access exclusive mode');
        scrape.socket.resume();
        await lockWaiters(sql, 1);
        const raw = await scrape.ended;
        expect(raw).toMatch(/^HTTP\/1\.1 200/);
        expect(raw).toMatch(/lookout_service_status\{/);
        expect(raw.endsWith('0\r\n\r\n')).toBe(false); // no last chunk: the scraper sees a failed scrape
      } finally {
        await lock.query('rollback');
        lock.release();
      }
    } finally {
      await sql.query("delete from services where name like 'bulk-%'");
    }
    expect((await fetch(`${ts.url}/health`)).status).toBeLessThan(600);
  });
});
