/**
 * GET /metrics. prom-client renders the registry (process metrics, counters, histograms, the
 * scrape-time aggregates); `lookout_service_status`, five series per service, is written after it
 * page by page, straight from the database to the socket.
 *
 * It was one of the registry's metrics: at 100,000 services prom-client built 500,000 value objects
 * and one 32 MB string, **2.4–2.6 s of the event loop in one piece** per scrape (4.5–6 s on a busy
 * machine), while checks came due (with a scrape every 15 s, the scheduler's lag p99 was ≤ 5 s). Now each page of services is
 * one short read and one write of ~5 lines per service, and the loop turns between pages (other
 * requests and checks run), waiting for the client to take what was written (a slow reader holds
 * no database connection and no more than one page of text).
 */
import type http from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { answerWithin, type SqlClient } from '../db/sql.ts';
import { reportDatabaseError } from '../db/pool.ts';
import type { Logger } from '../logger.ts';
import type { Status } from '../monitoring/status.ts';
import type { Metrics } from './metrics.ts';

/**
 * The labels of lookout_service_status. Every service has one series per label, exactly one of
 * them 1 (so `sum by (service)` is 1): its status after the failure/recovery thresholds (what
 * /health and the API say), `pending` before its first check, `paused` while paused (whatever
 * status it had before; paused wins, as in the overview's counts). Alerting on status="down"
 * therefore never fires for a paused service.
 */
export const SERVICE_STATUS_LABELS = ['healthy', 'degraded', 'down', 'pending', 'paused'] as const;

const NAME = 'lookout_service_status';
const HELP =
  'Status of each service after its failure/recovery thresholds, read from the database at scrape time: 1 for the current one of healthy, degraded, down, pending (not checked yet), paused; 0 for the others.';

/** Services per page: one read, then ~5 lines (~330 bytes) per service written before the loop turns. */
export const STATUS_PAGE_SIZE = 1000;
/** Each page waits this long for the database; when the first does not answer, the status series are left out of that scrape. */
const STATUS_QUERY_TIMEOUT_MS = 2000;
/**
 * One page of services after the id `$1`. The bound is on both tables' keys: with it on the
 * services' only, PostgreSQL's merge join read service_states from its first row for every page
 * (page 50 of 100 read 51,000 rows: 9 ms, not 2), so a scrape read 5 million rows at 100,000.
 */
export const STATUS_PAGE_SQL = `select s.id, s.name, st.status, s.paused from services s join service_states st on st.service_id = s.id
  where s.id > $1 and st.service_id > $1 and s.id <= $3 order by s.id limit $2`;
/**
 * The newest service id when a scrape begins: its pages stop there. A service deleted and created
 * again under its name during a scrape gets a new id, past the pages already written: without the
 * bound it was written twice, and Prometheus refuses a scrape with a series twice.
 */
const LAST_ID_SQL = 'select coalesce(max(id), 0)::int as id from services';
/** Scrapes served at once by one replica (Prometheus pairs scrape twice); more get 503 with Retry-After. */
export const MAX_CONCURRENT_SCRAPES = 4;
/** A scrape not taken by its client within this long is cut (a reader that stops reading holds its slot no longer). */
export const SCRAPE_DEADLINE_MS = 30_000;

/** Where the status series come from, and where failures are told. */
export interface MetricsSource {
  sql: SqlClient;
  logger: Logger;
}

const inFlight = new WeakMap<Metrics, number>();

/** Said in place of lookout_service_status to a scraper that may not list services. */
export const SERVICE_STATUS_WITHHELD = `# ${'lookout_service_status'} (each service by name) is sent to scrapers with an API token (Authorization: Bearer …), or to all with LOOKOUT_METRICS_PUBLIC=true\n`;

/**
 * Answers GET /metrics (see the module comment). `listServices`: whether the scraper may read every
 * service's name and status (an API token, or LOOKOUT_METRICS_PUBLIC): the names are what a badge
 * or a status page keeps to the services it shows, so that the list cannot be probed.
 */
export async function serveMetrics(res: http.ServerResponse, metrics: Metrics, listServices = true): Promise<void> {
  const scrapes = inFlight.get(metrics) ?? 0;
  if (scrapes >= MAX_CONCURRENT_SCRAPES) {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5', 'cache-control': 'no-store' });
    return void res.end(`too many scrapes of /metrics at once (at most ${MAX_CONCURRENT_SCRAPES}): retry in 5 s\n`);
  }
  inFlight.set(metrics, scrapes + 1);
  const deadline = setTimeout(() => cut(res), SCRAPE_DEADLINE_MS);
  try {
    const registry = await metrics.registry.metrics();
    res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
    if (!(await send(res, registry))) return;
    if (!listServices) {
      if (!(await send(res, SERVICE_STATUS_WITHHELD))) return;
    } else if (!(await writeServiceStatus(res, metrics.source))) return;
    res.end();
  } finally {
    clearTimeout(deadline);
    inFlight.set(metrics, (inFlight.get(metrics) ?? 1) - 1);
  }
}

/**
 * Writes lookout_service_status page by page (keyset on the service id), so every replica reports
 * every service with the status /health and the API report, and deleted services disappear. If
 * the database does not answer the first page, the series are left out (not stale) and the rest
 * of /metrics stands; if it fails on a later one, the response is cut, so the scraper sees a
 * failed scrape rather than some services missing. False when the response is gone.
 */
async function writeServiceStatus(res: http.ServerResponse, { sql, logger }: MetricsSource): Promise<boolean> {
  let after = 0;
  let last = 0;
  for (let page = 0; ; page++) {
    let rows: { id: number; name: string; status: Status | null; paused: boolean }[];
    try {
      if (page === 0) last = (await answerWithin(sql.query<{ id: number }>(LAST_ID_SQL), STATUS_QUERY_TIMEOUT_MS)).rows[0].id;
      ({ rows } = await answerWithin(
        sql.query<{ id: number; name: string; status: Status | null; paused: boolean }>(STATUS_PAGE_SQL, [after, STATUS_PAGE_SIZE, last]),
        STATUS_QUERY_TIMEOUT_MS,
      ));
    } catch (err) {
      reportDatabaseError(logger, err, 'metrics: could not read service statuses');
      if (page === 0) return true;
      return cut(res);
    }
    if (res.destroyed) return false;
    let text = page === 0 ? `# HELP ${NAME} ${escapeHelp(HELP)}\n# TYPE ${NAME} gauge\n` : '';
    for (const row of rows) {
      const current = row.paused ? 'paused' : (row.status ?? 'pending');
      const prefix = `${NAME}{service="${escapeLabel(row.name)}",status="`;
      for (const label of SERVICE_STATUS_LABELS) text += `${prefix}${label}"} ${label === current ? 1 : 0}\n`;
    }
    if (!(await send(res, text))) return false;
    if (rows.length < STATUS_PAGE_SIZE) return true;
    after = rows.at(-1)!.id;
    await nextTurn(); // other requests and due checks run between pages
  }
}

/**
 * Ends a scrape that cannot be whole. Chunked (HTTP/1.1), the missing last chunk tells the scraper;
 * over HTTP/1.0 (nginx's default to its upstreams) the body simply ends with the connection, so a
 * line left open first makes the text unparseable rather than short of some services.
 */
function cut(res: http.ServerResponse): false {
  if (!res.destroyed) res.write('\nlookout_scrape_cut{');
  res.destroy();
  return false;
}

/** Writes `chunk` and waits until the client has taken it; false when the response is gone. */
function send(res: http.ServerResponse, chunk: string): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  if (res.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => () => {
      res.off('drain', drained);
      res.off('close', closed);
      resolve(ok);
    };
    const drained = done(true);
    const closed = done(false);
    res.on('drain', drained);
    res.on('close', closed);
  });
}

/** A label value in Prometheus' text format: backslash, double quote and line feed escaped. */
export const escapeLabel = (value: string): string => value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
const escapeHelp = (value: string): string => value.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
