/**
 * Prometheus metrics: process metrics, GraphQL request counts and durations, and monitoring
 * (check durations, scheduler lag; the status per service is written by metrics-endpoint.ts). One
 * registry per server instance, so several servers in one process (tests) do not mix their numbers.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from '../logger.ts';
import { answerWithin, type SqlClient } from '../db/sql.ts';
import { reportDatabaseError } from '../db/pool.ts';
import type { MetricsSource } from './metrics-endpoint.ts';
import type { SchedulerStats } from '../monitoring/scheduler.ts';
import { openLoopDelayWindow, type LoopDelayReading } from './loop-delay.ts';

export interface Metrics {
  registry: Registry;
  graphqlRequests: Counter<'operation' | 'outcome'>;
  graphqlDuration: Histogram<'operation'>;
  httpRequests: Counter<'route' | 'status'>;
  /** Where lookout_service_status is read from at each scrape (metrics-endpoint.ts writes it). */
  source: MetricsSource;
  checkDuration: Histogram<'kind'>;
  schedulerLag: Histogram;
}

/** What the scrape-time series read (lookout_service_status: metrics-endpoint.ts). */
export type { MetricsSource };

export function createMetrics(source: MetricsSource): Metrics {
  const registry = new Registry();
  // prom-client's own event-loop sampler is left all but idle (once a minute) and its lag series
  // replaced by ones read from the process's one sampler (loopDelayMetrics).
  collectDefaultMetrics({ register: registry, prefix: 'lookout_', eventLoopMonitoringPrecision: 60_000 });
  loopDelayMetrics(registry);
  return {
    registry,
    graphqlRequests: new Counter({
      name: 'lookout_graphql_requests_total',
      help: 'GraphQL operations executed, by operation type and outcome.',
      labelNames: ['operation', 'outcome'],
      registers: [registry],
    }),
    graphqlDuration: new Histogram({
      name: 'lookout_graphql_request_duration_seconds',
      help: 'Time to execute GraphQL queries and mutations (subscriptions: until the first event).',
      labelNames: ['operation'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: 'lookout_http_requests_total',
      help: 'HTTP requests by route and status code.',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
    source,
    checkDuration: new Histogram({
      name: 'lookout_check_duration_seconds',
      help: 'Duration of checks run by this replica, by kind.',
      labelNames: ['kind'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    schedulerLag: new Histogram({
      name: 'lookout_scheduler_lag_seconds',
      help: 'How late checks start after they were due.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

/**
 * Feeds the per-replica monitoring metrics (check durations, scheduler lag) from the scheduler.
 * The status per service is not fed from here: it is read from the database at scrape time.
 */
export function monitoringStats(metrics: Metrics): SchedulerStats {
  return {
    onLag: (lagMs) => metrics.schedulerLag.observe(lagMs / 1000),
    onCheck: (kind, durationMs) => metrics.checkDuration.observe({ kind }, durationMs / 1000),
  };
}

/** What the result writer tells of results it holds (database slow or down) and had to drop. */
export interface ResultWriterStats {
  readonly heldResults: number;
  readonly droppedResults: number;
}

/** Reads the result writer's held and dropped counts at each scrape. */
export function watchResultWriter(metrics: Metrics, writer: ResultWriterStats): void {
  new Gauge({
    name: 'lookout_check_results_held',
    help: 'Check results this replica holds because they could not be stored yet (the database is slow or down); bounded.',
    registers: [metrics.registry],
    collect() {
      this.set(writer.heldResults);
    },
  });
  let reported = 0;
  new Counter({
    name: 'lookout_check_results_dropped_total',
    help: 'Check results this replica dropped: the oldest beyond its bound during a long database outage, or a service whose rows the database kept refusing.',
    registers: [metrics.registry],
    collect() {
      const dropped = writer.droppedResults;
      if (dropped > reported) this.inc(dropped - reported);
      reported = dropped;
    },
  });
}

const ALERTING_QUERY_TIMEOUT_MS = 2000;

/**
 * Alerting as read from the database at scrape time (so every replica reports the same): open
 * incidents by severity, deliveries waiting in the outbox and the age of the oldest, failed ones.
 */
export function watchAlerting(metrics: Metrics, sql: SqlClient, logger: Logger): void {
  let read: Promise<{ open: { severity: string; n: number }[]; pending: number; oldestS: number; failed: number } | null> | undefined;
  // One read per scrape, shared by the gauges below.
  const readOnce = () =>
    (read ??= answerWithin(
      (async () => {
        const { rows: open } = await sql.query<{ severity: string; n: number }>(`select severity, count(*)::int as n from alert_incidents where state = 'open' group by severity`);
        const { rows: [outbox] } = await sql.query<{ pending: number; oldest_s: number | null; failed: number }>(
          `select count(*) filter (where state = 'pending')::int as pending,
                  extract(epoch from (now() - min(created_at) filter (where state = 'pending')))::float8 as oldest_s,
                  count(*) filter (where state = 'failed')::int as failed
             from alert_deliveries`,
        );
        return { open, pending: outbox.pending, oldestS: Math.max(0, outbox.oldest_s ?? 0), failed: outbox.failed };
      })(),
      ALERTING_QUERY_TIMEOUT_MS,
    )
      .catch((err: unknown) => {
        reportDatabaseError(logger, err, 'metrics: could not read alerting');
        return null;
      })
      .finally(() => setImmediate(() => (read = undefined))));
  new Gauge({
    name: 'lookout_alerts_open',
    help: 'Open incidents, by severity.',
    labelNames: ['severity'],
    registers: [metrics.registry],
    async collect() {
      const state = await readOnce();
      this.reset();
      if (!state) return;
      for (const severity of ['warning', 'critical']) this.set({ severity }, state.open.find((o) => o.severity === severity)?.n ?? 0);
    },
  });
  new Gauge({
    name: 'lookout_alert_deliveries_pending',
    help: 'Notices waiting in the outbox (due or backing off).',
    registers: [metrics.registry],
    async collect() {
      const state = await readOnce();
      if (state) this.set(state.pending);
    },
  });
  new Gauge({
    name: 'lookout_alert_delivery_oldest_pending_seconds',
    help: 'Age of the oldest notice still waiting in the outbox (0 when none is).',
    registers: [metrics.registry],
    async collect() {
      const state = await readOnce();
      if (state) this.set(state.oldestS);
    },
  });
  new Gauge({
    name: 'lookout_alert_deliveries_failed',
    help: 'Notices given up on after their last attempt (or refused for good by their receiver).',
    registers: [metrics.registry],
    async collect() {
      const state = await readOnce();
      if (state) this.set(state.failed);
    },
  });
}

/** Messages from Redis that did not fit their channel (another program publishing there), by channel. */
export function watchPubSub(metrics: Metrics, pubsub: { readonly droppedMessages: ReadonlyMap<string, number> }): void {
  const reported = new Map<string, number>();
  new Counter({
    name: 'lookout_pubsub_messages_dropped_total',
    help: 'Messages from Redis dropped because they were not an event of their channel, by channel.',
    labelNames: ['channel'],
    registers: [metrics.registry],
    collect() {
      for (const [channel, dropped] of pubsub.droppedMessages) {
        const before = reported.get(channel) ?? 0;
        if (dropped > before) this.inc({ channel }, dropped - before);
        reported.set(channel, dropped);
      }
    },
  });
}

const LAG_SERIES = { min: 'minMs', max: 'maxMs', mean: 'meanMs', stddev: 'stddevMs', p50: 'p50Ms', p90: 'p90Ms', p99: 'p99Ms' } as const;

/**
 * lookout_nodejs_eventloop_lag_{min,max,mean,stddev,p50,p90,p99}_seconds since the previous scrape,
 * from the process's one sampler (server/system/loop-delay.ts): how late the loop ran, ~0 when it
 * is idle. prom-client's series of the same names reported each sample's whole delay, its sampling
 * interval included (~10 ms at its default; ~100 ms once sampling every 100 ms to save wake-ups,
 * which read as 100 ms of lag), from a second sampler waking the process as often as the check's.
 */
function loopDelayMetrics(registry: Registry): void {
  const window = openLoopDelayWindow();
  let reading: LoopDelayReading | null = null;
  for (const [key, field] of Object.entries(LAG_SERIES)) {
    const name = `lookout_nodejs_eventloop_lag_${key}_seconds`;
    const help = (registry.getSingleMetric(name) as { help?: string } | undefined)?.help ?? `The ${key} event-loop lag.`;
    registry.removeSingleMetric(name);
    new Gauge({
      name,
      help: `${help} Since the previous scrape, the sampling interval left out.`,
      registers: [registry],
      collect() {
        // Metrics are collected in the order they were registered: the first reads the window for all.
        if (key === 'min') reading = window.read();
        this.set((reading?.[field] ?? 0) / 1000);
      },
    });
  }
}
