/**
 * One service for its detail page: definition, state, 24 h chart data, timeline and uptime in one
 * query, the recent checks as a pageable list, kept live by that service's subscriptions (a check
 * updates latency and the list; a status change updates the status and opens a timeline window).
 */
import { onCleanup } from 'solid-js';
import { createStore, produce } from 'solid-js/store';
import { graphql } from '../graphql';
import type { ServiceDetailQuery } from '../graphql/graphql.ts';
import { client } from './urql.ts';
import { onReconnected } from './connection.ts';
import { formError, type FormError } from './errors.ts';
import { createCheckList, type CheckList } from './check-list.ts';
import { MINUTE_POINTS_UP_TO_MS } from '../../../server/monitoring/latency-resolution.ts';

const ServiceDetailDoc = graphql(`
  query ServiceDetail($name: String!, $from: DateTime!, $recentFrom: DateTime!, $to: DateTime!) {
    service(name: $name) {
      name
      displayName
      kind
      target
      source
      sourcePath
      status
      statusSince
      lastCheckedAt
      latencyMs
      lastError
      paused
      critical
      interval
      intervalMs
      timeoutMs
      failureThreshold
      recoveryThreshold
      tags
      dependsOn
      pingUrl
      options
      monitoredSince
      quickActions {
        restart
        restartTarget
        logs
      }
      uptime {
        last24h {
          ratio
        }
        last7d {
          ratio
        }
        last30d {
          ratio
        }
      }
      latencySeries(from: $from, to: $to) {
        at
        avgMs
        p95Ms
      }
      minuteSeries: latencySeries(from: $recentFrom, to: $to) {
        at
        avgMs
        p95Ms
      }
      timeline(from: $from, to: $to) {
        status
        startedAt
        endedAt
      }
      recentChecks(first: 20) {
        ...CheckPageFields
      }
    }
  }
`);

const ServiceCheckRecorded = graphql(`
  subscription ServiceCheckRecorded($name: String!) {
    healthCheckRecorded(service: $name) {
      service
      checkedAt
      status
      latencyMs
      error
    }
  }
`);

const ServiceStatusChangedFor = graphql(`
  subscription ServiceStatusChangedFor($name: String!) {
    serviceStatusChanged(service: $name) {
      service
      status
      reason
      at
    }
  }
`);

export type ServiceDetail = NonNullable<ServiceDetailQuery['service']>;

const DAY = 86400_000;

interface DetailState {
  loaded: boolean;
  error: FormError | null;
  /** Null once loaded means there is no such service. */
  service: ServiceDetail | null;
  /** The chart and timeline range (ms). */
  from: number;
  to: number;
  /** Why the status last changed, while on the page. */
  lastReason: string | null;
}

export interface ServiceDetailModel {
  state: DetailState;
  checks: CheckList;
  reload: () => Promise<void>;
  /** Applies a changed definition or pause state returned by a mutation. */
  patch: (fields: Partial<ServiceDetail>) => void;
}

export function createServiceDetail(name: string): ServiceDetailModel {
  const [state, setState] = createStore<DetailState>({ loaded: false, error: null, service: null, from: 0, to: 0, lastReason: null });
  const checks = createCheckList(name);

  const reload = async () => {
    const to = Date.now();
    const from = to - DAY;
    // The day's chart comes per five minutes; the last 6 hours' per minute too, for the closer zooms
    // (server/monitoring/latency-resolution.ts).
    const recentFrom = to - MINUTE_POINTS_UP_TO_MS;
    const iso = (ms: number) => new Date(ms).toISOString();
    const result = await client.query(ServiceDetailDoc, { name, from: iso(from), recentFrom: iso(recentFrom), to: iso(to) }).toPromise();
    if (result.error && !result.data) return void setState({ loaded: true, error: formError(result.error) });
    const service = result.data?.service ?? null;
    setState({ loaded: true, error: null, service, from, to });
    if (service) checks.reset(service.recentChecks);
  };

  const recorded = client.subscription(ServiceCheckRecorded, { name }).subscribe((result) => {
    const check = result.data?.healthCheckRecorded;
    if (!check || !state.service) return;
    checks.prepend({ checkedAt: check.checkedAt, status: check.status, latencyMs: check.latencyMs, error: check.error ?? null });
    if (state.service.lastCheckedAt && state.service.lastCheckedAt > check.checkedAt) return;
    setState('service', { latencyMs: check.latencyMs, lastCheckedAt: check.checkedAt, lastError: check.error ?? null });
  });
  const changed = client.subscription(ServiceStatusChangedFor, { name }).subscribe((result) => {
    const change = result.data?.serviceStatusChanged;
    if (!change || !state.service) return;
    setState('lastReason', change.reason);
    setState(
      'service',
      produce((service) => {
        if (!service) return;
        service.status = change.status;
        service.statusSince = change.at;
        const open = service.timeline.at(-1);
        if (open && !open.endedAt) open.endedAt = change.at;
        service.timeline.push({ status: change.status.toLowerCase(), startedAt: change.at, endedAt: null });
      }),
    );
    // The new window reaches to now: stretch the range so it shows.
    setState('to', Math.max(state.to, Date.now()));
  });
  onCleanup(() => {
    recorded.unsubscribe();
    changed.unsubscribe();
  });

  void reload();
  onReconnected(() => void reload());

  return {
    state,
    checks,
    reload,
    patch: (fields) => setState('service', (service) => (service ? { ...service, ...fields } : service)),
  };
}
