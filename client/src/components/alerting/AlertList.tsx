/**
 * Incidents as a list of rows that reflow on a phone: severity, service, state, reason, since
 * when, who acknowledged it or why nobody was paged, and the Acknowledge button for operators.
 * Each row opens its incident.
 */
import { For, Show, type JSX } from 'solid-js';
import { A } from '@solidjs/router';
import { alertHref, type AlertRow } from '../../lib/alerts.ts';
import { formatAgo, formatDateTime, formatDuration } from '../../lib/format.ts';
import { now } from '../../lib/ticker.ts';
import { StatusBadge } from '../monitoring/StatusBadge.tsx';
import { AcknowledgeButton } from './AcknowledgeButton.tsx';
import { AlertStateBadge, SeverityBadge } from './AlertBadges.tsx';

export function AlertList(props: { alerts: readonly AlertRow[]; empty: JSX.Element; testid: string; onChanged: (alert: AlertRow) => void; showService?: boolean }) {
  return (
    <ul class="alert-list" data-testid={props.testid}>
      <For each={props.alerts} fallback={<li class="alert-list__empty">{props.empty}</li>}>
        {(alert) => <AlertListRow alert={alert} onChanged={props.onChanged} showService={props.showService ?? true} />}
      </For>
    </ul>
  );
}

function AlertListRow(props: { alert: AlertRow; onChanged: (alert: AlertRow) => void; showService: boolean }) {
  const a = () => props.alert;
  const lasted = () => (a().resolvedAt ? Date.parse(a().resolvedAt!) : now()) - Date.parse(a().startedAt);
  return (
    <li class={`alert-row alert-row--${a().state === 'OPEN' ? a().severity.toLowerCase() : 'resolved'}`} data-testid="alert-row" data-alert-id={a().id} data-service={a().service} data-state={a().state} data-acknowledged={a().acknowledged ? 'true' : 'false'}>
      <div class="alert-row__main">
        <div class="alert-row__title">
          <SeverityBadge severity={a().severity} />
          <A href={alertHref(a().id)} class="alert-row__link" data-testid="alert-open">
            {props.showService ? a().displayName : `Incident #${a().id}`}
          </A>
          <Show when={props.showService && a().displayName !== a().service}>
            <span class="caps mono">{a().service}</span>
          </Show>
        </div>
        <p class="alert-row__reason" data-testid="alert-reason">
          {a().reason}
        </p>
        <div class="alert-row__meta">
          <AlertStateBadge alert={a()} />
          <StatusBadge status={a().status} />
          <span title={a().startedAt} data-testid="alert-since">
            <Show when={a().state === 'OPEN'} fallback={<>{formatDateTime(a().startedAt)}, lasted {formatDuration(lasted())}</>}>
              since {formatDateTime(a().startedAt)} ({formatDuration(lasted())})
            </Show>
          </span>
          <Show when={a().suppressedBy}>
            <span class="alert-row__note" data-testid="alert-suppressed">
              Nobody paged: {a().suppressedBy}
            </span>
          </Show>
          <Show when={a().acknowledgedBy}>
            <span class="alert-row__note" data-testid="alert-acknowledged-by" title={a().acknowledgedAt ?? undefined}>
              Acknowledged by {a().acknowledgedBy} {formatAgo(a().acknowledgedAt, now())}
            </span>
          </Show>
        </div>
      </div>
      <div class="alert-row__actions">
        <AcknowledgeButton alert={a()} onDone={props.onChanged} />
      </div>
    </li>
  );
}
