/**
 * Prometheus metrics: process metrics, GraphQL request counts and durations, and monitoring
 * (status per service, check durations, scheduler lag). One registry per server instance, so
 * several servers in one process (tests) do not mix their numbers.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { HealthCheckEvent, StatusChangeEvent } from '../monitoring/results.ts';
import type { SchedulerStats } from '../monitoring/scheduler.ts';

export interface Metrics {
  registry: Registry;
  graphqlRequests: Counter<'operation' | 'outcome'>;
  graphqlDuration: Histogram<'operation'>;
  httpRequests: Counter<'route' | 'status'>;
  serviceStatus: Gauge<'service' | 'status'>;
  checkDuration: Histogram<'kind'>;
  schedulerLag: Histogram;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'lookout_' });
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
    serviceStatus: new Gauge({
      name: 'lookout_service_status',
      help: '1 for the status each service is in (labels: service, status), as last seen by this replica.',
      labelNames: ['service', 'status'],
      registers: [registry],
    }),
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

const STATUS_LABELS = ['healthy', 'degraded', 'down'] as const;

/** Feeds the monitoring metrics from the scheduler and the result writer. */
export function monitoringStats(metrics: Metrics): SchedulerStats & { onRecorded(checks: HealthCheckEvent[], transitions: StatusChangeEvent[]): void } {
  return {
    onLag: (lagMs) => metrics.schedulerLag.observe(lagMs / 1000),
    onCheck: (kind, durationMs) => metrics.checkDuration.observe({ kind }, durationMs / 1000),
    onRecorded: (checks) => {
      for (const check of checks) {
        for (const status of STATUS_LABELS) metrics.serviceStatus.set({ service: check.service, status }, status === check.status ? 1 : 0);
      }
    },
  };
}
