/**
 * Alerting on the dashboard: the incident fields every list shows, how severity and state read,
 * and `onAlertChanged`, which turns the `alertChanged` subscription into "refresh what you show"
 * (at most once a second, however many deliveries and transitions arrive, and again after a
 * reconnect, when changes may have been missed).
 */
import { onCleanup } from 'solid-js';
import { graphql } from '../graphql';
import type { AlertListFieldsFragment } from '../graphql/graphql.ts';
import type { Tone } from '../components/Badge.tsx';
import { client } from './urql.ts';
import { onReconnected } from './connection.ts';
import { createRefreshThrottle } from './refresh-throttle.ts';

graphql(`
  fragment AlertListFields on Alert {
    id
    service
    displayName
    state
    severity
    status
    reason
    startedAt
    acknowledged
    acknowledgedAt
    acknowledgedBy
    resolvedAt
    resolution
    suppressedBy
    notifiedAt
    nextNoticeAt
    channels
  }
`);

export type AlertRow = AlertListFieldsFragment;

export const AlertsDoc = graphql(`
  query Alerts($filter: AlertFilter) {
    alerts(filter: $filter) {
      ...AlertListFields
    }
  }
`);

export const AcknowledgeAlertDoc = graphql(`
  mutation AcknowledgeAlert($id: Int!) {
    acknowledgeAlert(id: $id) {
      ...AlertListFields
    }
  }
`);

const AlertChangedDoc = graphql(`
  subscription AlertChanged($service: String) {
    alertChanged(service: $service) {
      id
      service
      state
    }
  }
`);

/** However many incidents change, what shows them is fetched again at most this often. */
const LIVE_REFRESH_GAP_MS = 1000;

/**
 * Calls `refresh` (throttled) whenever an incident of `service` (any service when omitted)
 * opens, changes or resolves, and after the connection comes back. Ends with the calling component.
 */
export function onAlertChanged(refresh: () => Promise<void>, service?: string, only?: (change: { id: number; service: string }) => boolean): void {
  const request = createRefreshThrottle(refresh, LIVE_REFRESH_GAP_MS);
  const subscription = client.subscription(AlertChangedDoc, { service: service ?? null }).subscribe((result) => {
    const change = result.data?.alertChanged;
    if (change && (!only || only(change))) request();
  });
  onReconnected(request);
  onCleanup(() => subscription.unsubscribe());
}

export const SEVERITY_LABELS: Record<string, string> = { CRITICAL: 'Critical', WARNING: 'Warning' };

export function severityTone(severity: string): Tone {
  return severity === 'CRITICAL' ? 'bad' : 'warn';
}

/** What an incident's state badge says: open, acknowledged, suppressed, or resolved. */
export function alertStateLabel(alert: Pick<AlertRow, 'state' | 'acknowledged' | 'suppressedBy'>): { label: string; tone: Tone } {
  if (alert.state === 'RESOLVED') return { label: 'Resolved', tone: 'ok' };
  if (alert.suppressedBy) return { label: 'Suppressed', tone: 'neutral' };
  if (alert.acknowledged) return { label: 'Acknowledged', tone: 'info' };
  return { label: 'Open', tone: 'bad' };
}

export const alertHref = (id: number) => `/alerts/${id}`;
