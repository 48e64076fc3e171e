/**
 * One incident: what it is and where it stands, its transitions as a timeline, and every notice
 * sent for it with every attempt (status code, error, latency, when). Live from `alertChanged`.
 */
import { For, Match, Show, Switch, createSignal } from 'solid-js';
import { A, useParams } from '@solidjs/router';
import { graphql } from '../graphql';
import type { AlertDetailQuery } from '../graphql/graphql.ts';
import { PageHeader } from '../components/PageHeader.tsx';
import { Badge, type Tone } from '../components/Badge.tsx';
import { FormErrorMessage } from '../components/Forms.tsx';
import { StatusBadge } from '../components/monitoring/StatusBadge.tsx';
import { serviceHref } from '../components/monitoring/ServiceCard.tsx';
import { AcknowledgeButton } from '../components/alerting/AcknowledgeButton.tsx';
import { AlertStateBadge, SeverityBadge } from '../components/alerting/AlertBadges.tsx';
import { onAlertChanged } from '../lib/alerts.ts';
import { client } from '../lib/urql.ts';
import { formError, type FormError } from '../lib/errors.ts';
import { formatDateTime, formatDuration } from '../lib/format.ts';
import { formatLatency } from '../lib/status.ts';
import { now } from '../lib/ticker.ts';

const AlertDetailDoc = graphql(`
  query AlertDetail($id: Int!) {
    alert(id: $id) {
      ...AlertListFields
      openedAt
      reminders
      transitions {
        previousStatus
        status
        reason
        at
      }
      deliveries {
        id
        channel
        event
        messageId
        state
        attempts
        maxAttempts
        nextAttemptAt
        createdAt
        sentAt
        lastError
        log {
          attempt
          startedAt
          latencyMs
          ok
          statusCode
          error
          detail
        }
      }
    }
  }
`);

type Alert = NonNullable<AlertDetailQuery['alert']>;
type Delivery = Alert['deliveries'][number];

const DELIVERY_TONES: Record<string, Tone> = { SENT: 'ok', PENDING: 'warn', FAILED: 'bad' };
const EVENT_LABELS: Record<string, string> = { trigger: 'Triggered', remind: 'Reminder', acknowledge: 'Acknowledged', resolve: 'Resolved' };

export function AlertDetailPage() {
  const params = useParams<{ id: string }>();
  return (
    <Show when={params.id} keyed>
      {(id) => <AlertDetailView id={Number(id)} />}
    </Show>
  );
}

function AlertDetailView(props: { id: number }) {
  const [alert, setAlert] = createSignal<Alert | null>(null);
  const [loaded, setLoaded] = createSignal(false);
  const [error, setError] = createSignal<FormError | null>(null);
  const reload = async () => {
    if (!Number.isInteger(props.id)) return void setLoaded(true);
    const result = await client.query(AlertDetailDoc, { id: props.id }).toPromise();
    setError(formError(result.error));
    if (result.data) setAlert(result.data.alert ?? null);
    setLoaded(true);
  };
  void reload();
  onAlertChanged(reload, undefined, (change) => change.id === props.id);

  return (
    <Switch>
      <Match when={!loaded()}>
        <p class="muted">Loading incident #{props.id}…</p>
      </Match>
      <Match when={error() && !alert()}>
        <FormErrorMessage error={error()} testid="alert-detail-error" />
      </Match>
      <Match when={!alert()}>
        <section class="card no-access" data-testid="alert-not-found">
          <h1>No incident #{props.id}</h1>
          <p>
            Its service may have been deleted since. Back to <A href="/alerts">Alerts</A>.
          </p>
        </section>
      </Match>
      <Match when={alert()}>
        {(a) => (
          <div class="alert-detail" data-testid="alert-detail" data-alert-id={a().id} data-state={a().state}>
            <PageHeader
              title={`${a().displayName}: incident #${a().id}`}
              description={
                <>
                  <A href="/alerts">Alerts</A> / <A href={serviceHref(a().service)}>{a().service}</A>
                </>
              }
              actions={<AcknowledgeButton alert={a()} onDone={() => void reload()} />}
            />
            <AlertFacts alert={a()} />
            <section class="card" data-testid="alert-transitions-card">
              <h2>Timeline</h2>
              <ol class="alert-timeline" data-testid="alert-transitions">
                <For each={a().transitions} fallback={<li class="muted">No transitions recorded.</li>}>
                  {(t) => (
                    <li class="alert-timeline__item" data-testid="alert-transition" data-status={t.status}>
                      <span class="alert-timeline__at nowrap" title={t.at}>
                        {formatDateTime(t.at)}
                      </span>
                      <span class="alert-timeline__change">
                        <Show when={t.previousStatus}>
                          <StatusBadge status={t.previousStatus} /> →{' '}
                        </Show>
                        <StatusBadge status={t.status} />
                      </span>
                      <span class="alert-timeline__reason">{t.reason}</span>
                    </li>
                  )}
                </For>
                <Show when={a().acknowledgedAt}>
                  <li class="alert-timeline__item" data-testid="alert-transition-ack">
                    <span class="alert-timeline__at nowrap">{formatDateTime(a().acknowledgedAt)}</span>
                    <span class="alert-timeline__change">
                      <Badge tone="info">Acknowledged</Badge>
                    </span>
                    <span class="alert-timeline__reason">by {a().acknowledgedBy}</span>
                  </li>
                </Show>
              </ol>
            </section>
            <section class="card" data-testid="alert-deliveries-card">
              <h2>Notices sent</h2>
              <p class="muted">The Alerts page always shows an incident; these are the channels told of it, each attempt recorded.</p>
              <For each={a().deliveries} fallback={<p class="muted" data-testid="alert-no-deliveries">{a().suppressedBy ? `Nobody was told: ${a().suppressedBy}.` : a().notifiedAt ? 'No notices.' : 'No channel told yet (within the escalation delay, or no channel set).'}</p>}>
                {(d) => <DeliveryBlock delivery={d} />}
              </For>
            </section>
          </div>
        )}
      </Match>
    </Switch>
  );
}

function AlertFacts(props: { alert: Alert }) {
  const a = () => props.alert;
  const lasted = () => (a().resolvedAt ? Date.parse(a().resolvedAt!) : now()) - Date.parse(a().startedAt);
  return (
    <section class="card" data-testid="alert-facts">
      <div class="alert-detail__badges">
        <SeverityBadge severity={a().severity} />
        <AlertStateBadge alert={a()} />
        <StatusBadge status={a().status} testid="alert-detail-status" />
      </div>
      <p class="alert-detail__reason">{a().reason}</p>
      <dl class="facts">
        <dt>Started</dt>
        <dd title={a().startedAt}>
          {formatDateTime(a().startedAt)} ({a().state === 'OPEN' ? 'for ' : 'lasted '}
          {formatDuration(lasted())})
        </dd>
        <Show when={a().resolvedAt}>
          <dt>Resolved</dt>
          <dd>
            {formatDateTime(a().resolvedAt)} {a().resolution ? `(${a().resolution})` : ''}
          </dd>
        </Show>
        <dt>Acknowledged</dt>
        <dd data-testid="alert-detail-ack">{a().acknowledgedBy ? `by ${a().acknowledgedBy}, ${formatDateTime(a().acknowledgedAt)}` : 'not yet'}</dd>
        <Show when={a().suppressedBy}>
          <dt>Nobody paged</dt>
          <dd data-testid="alert-detail-suppressed">{a().suppressedBy}</dd>
        </Show>
        <dt>Channels told</dt>
        <dd>{a().channels.length ? a().channels.join(', ') : <span class="muted">none yet</span>}</dd>
        <dt>First told</dt>
        <dd>{formatDateTime(a().notifiedAt)}</dd>
        <Show when={a().nextNoticeAt}>
          <dt>Next notice</dt>
          <dd>
            {formatDateTime(a().nextNoticeAt)} {a().notifiedAt ? '(reminder)' : '(escalation)'}
          </dd>
        </Show>
        <Show when={a().reminders}>
          <dt>Reminders</dt>
          <dd>{a().reminders}</dd>
        </Show>
      </dl>
    </section>
  );
}

function DeliveryBlock(props: { delivery: Delivery }) {
  const d = () => props.delivery;
  return (
    <div class="delivery" data-testid="alert-delivery" data-channel={d().channel} data-event={d().event} data-state={d().state}>
      <div class="delivery__head">
        <strong>{d().channel}</strong>
        <span>{EVENT_LABELS[d().event] ?? d().event}</span>
        <Badge tone={DELIVERY_TONES[d().state] ?? 'neutral'} testid="alert-delivery-state">
          {d().state}
        </Badge>
        <span class="muted">
          attempt {d().attempts} of {d().maxAttempts}
        </span>
        <Show when={d().state === 'PENDING' && d().nextAttemptAt}>
          <span class="muted">next at {formatDateTime(d().nextAttemptAt)}</span>
        </Show>
      </div>
      <div class="caps mono" title="The same on every attempt (the webhook-id header)">
        {d().messageId}
      </div>
      <Show when={d().lastError}>
        <p class="check-error" data-testid="alert-delivery-error">
          {d().lastError}
        </p>
      </Show>
      {/* Scrolls sideways on a phone: focusable and named, so a keyboard can scroll it too. */}
      <div class="delivery__attempts" tabindex="0" role="region" aria-label={`Delivery attempts to ${d().channel}`}>
        <table class="table table--compact" data-testid="alert-delivery-attempts">
          <thead>
            <tr>
              <th>#</th>
              <th>At</th>
              <th>Outcome</th>
              <th>Latency</th>
              <th>Answer</th>
            </tr>
          </thead>
          <tbody>
            <For each={d().log} fallback={<tr><td colSpan={5} class="table__empty">Not attempted yet.</td></tr>}>
              {(attempt) => (
                <tr data-testid="alert-delivery-attempt" data-ok={attempt.ok ? 'true' : 'false'}>
                  <td>{attempt.attempt}</td>
                  <td class="nowrap" title={attempt.startedAt}>
                    {formatDateTime(attempt.startedAt)}
                  </td>
                  <td class="nowrap">
                    <Badge tone={attempt.ok ? 'ok' : 'bad'}>{attempt.ok ? 'OK' : 'Failed'}</Badge>{' '}
                    <span data-testid="alert-attempt-status">{attempt.statusCode ?? '—'}</span>
                  </td>
                  <td class="nowrap">{formatLatency(attempt.latencyMs)}</td>
                  <td class="delivery__answer">
                    <Show when={attempt.error}>
                      <span class="check-error">{attempt.error}</span>{' '}
                    </Show>
                    <span class="muted">{attempt.detail}</span>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
    </div>
  );
}
