/**
 * Prometheus metrics: process metrics and GraphQL request counts and durations. One registry per
 * server instance, so several servers in one process (tests) do not mix their numbers.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  graphqlRequests: Counter<'operation' | 'outcome'>;
  graphqlDuration: Histogram<'operation'>;
  httpRequests: Counter<'route' | 'status'>;
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
  };
}
