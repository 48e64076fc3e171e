/**
 * One service: status and definition, 24 h latency chart over status bands, uptime for 24 h / 7 d /
 * 30 d, the status timeline (pick a window to list its checks), recent checks, and for operators
 * recheck, diagnose and pause / resume; for admins Restart and a following Logs viewer where its
 * config entry names them. Live from the service's own subscriptions.
 */
import { Match, Show, Switch, createSignal } from 'solid-js';
import { useParams } from '@solidjs/router';
import { Capability } from '../../../server/auth/capabilities.ts';
import { PageHeader } from '../components/PageHeader.tsx';
import { FormErrorMessage } from '../components/Forms.tsx';
import { ServiceFacts } from '../components/monitoring/ServiceFacts.tsx';
import { ServiceActions } from '../components/monitoring/ServiceActions.tsx';
import { ServiceLogs } from '../components/monitoring/ServiceLogs.tsx';
import { CheckRunResult, type CheckRunView } from '../components/monitoring/CheckRunResult.tsx';
import { LatencyChart } from '../components/monitoring/LatencyChart.tsx';
import { TimeAxis, TimelineBar } from '../components/monitoring/TimelineBar.tsx';
import { WindowChecks } from '../components/monitoring/WindowChecks.tsx';
import { CheckTable } from '../components/monitoring/CheckTable.tsx';
import { ServiceAlertSettings, ServiceIncidents } from '../components/alerting/ServiceAlertSettings.tsx';
import { createServiceDetail, type ServiceDetail } from '../lib/service-detail.ts';
import { can } from '../lib/session.ts';
import { formatUptime } from '../lib/status.ts';
import { now } from '../lib/ticker.ts';
import type { Window } from '../lib/uptime.ts';

const DAY = 86400_000;

export function ServiceDetailPage() {
  const params = useParams<{ name: string }>();
  // A new name (a link to a dependency) is a new page: keyed, so its state starts afresh.
  return (
    <Show when={params.name} keyed>
      {(name) => <ServiceDetailView name={name} />}
    </Show>
  );
}

function ServiceDetailView(props: { name: string }) {
  const detail = createServiceDetail(props.name);
  const [run, setRun] = createSignal<{ kind: 'recheck' | 'diagnose'; run: CheckRunView } | null>(null);
  const [picked, setPicked] = createSignal<Window | null>(null);
  const [logsOpen, setLogsOpen] = createSignal(false);

  return (
    <Switch>
      <Match when={!detail.state.loaded}>
        <p class="muted">Loading {props.name}…</p>
      </Match>
      <Match when={detail.state.error}>
        <FormErrorMessage error={detail.state.error} testid="detail-error-load" />
      </Match>
      <Match when={!detail.state.service}>
        <section class="card no-access" data-testid="service-not-found">
          <h1>No service named “{props.name}”</h1>
          <p>
            It may have been deleted or renamed. Back to the <a href="/">Overview</a>.
          </p>
        </section>
      </Match>
      <Match when={detail.state.service}>
        {(service) => (
          <>
            <PageHeader
              title={service().displayName}
              description={
                <>
                  <a href="/">Overview</a> / <span class="mono">{service().name}</span>
                </>
              }
              actions={
                <Show when={can(Capability.OperationsManage)}>
                  <ServiceActions
                    name={service().name}
                    paused={service().paused}
                    onRun={(kind, result) => setRun({ kind, run: result })}
                    onPausedChanged={() => void detail.reload()}
                    quickActions={service().quickActions}
                    logsOpen={logsOpen()}
                    onToggleLogs={() => setLogsOpen((open) => !open)}
                  />
                </Show>
              }
            />
            <Show when={run()}>{(r) => <CheckRunResult kind={r().kind} run={r().run} onDismiss={() => setRun(null)} />}</Show>
            <Show when={logsOpen() && service().quickActions?.logs}>
              <ServiceLogs service={service().name} onClose={() => setLogsOpen(false)} />
            </Show>
            <ServiceFacts service={service()} lastReason={detail.state.lastReason} />
            <UptimeStats uptime={service().uptime} />
            <section class="card" data-testid="latency-card">
              <div class="chart-head">
                <h2>Latency and status, last 24 h</h2>
                <span class="chart-legend">
                  <span class="legend legend--avg">avg</span>
                  <span class="legend legend--p95">p95</span>
                  <span class="legend legend--band-degraded">degraded</span>
                  <span class="legend legend--band-down">down</span>
                </span>
              </div>
              <LatencyChart points={service().latencySeries} windows={service().timeline} from={detail.state.from} to={detail.state.to} />
            </section>
            <section class="card" data-testid="timeline-card">
              <h2>Status timeline, last 24 h</h2>
              <p class="muted">Pick a block to see the checks recorded in it.</p>
              <TimelineBar
                windows={service().timeline}
                from={now() - DAY}
                to={now()}
                now={now()}
                selected={picked()}
                onSelect={setPicked}
                label={`Status of ${service().displayName} over the last 24 hours`}
              />
              <TimeAxis from={now() - DAY} to={now()} />
              <Show when={service().timeline.length === 0}>
                <p class="muted">No status recorded in the last 24 hours yet.</p>
              </Show>
              <Show when={picked()} keyed>
                {(window) => <WindowChecks service={service().name} window={window} onClose={() => setPicked(null)} />}
              </Show>
            </section>
            <section class="card card--flush" data-testid="recent-checks-card">
              <div class="card__head">
                <h2>Recent checks</h2>
                <span class="muted">newest first, live</span>
              </div>
              <CheckTable list={detail.checks} testid="recent-checks" empty="No checks recorded yet." />
            </section>
            <ServiceIncidents service={service().name} />
            <ServiceAlertSettings service={service().name} />
          </>
        )}
      </Match>
    </Switch>
  );
}

function UptimeStats(props: { uptime: ServiceDetail['uptime'] }) {
  const ranges = () => [
    { label: 'Uptime, 24 h', ratio: props.uptime.last24h.ratio, testid: 'uptime-24h' },
    { label: 'Uptime, 7 days', ratio: props.uptime.last7d.ratio, testid: 'uptime-7d' },
    { label: 'Uptime, 30 days', ratio: props.uptime.last30d.ratio, testid: 'uptime-30d' },
  ];
  return (
    <div class="grid grid--3">
      {ranges().map((r) => (
        <section class="card stat">
          <h2 class="stat__label">{r.label}</h2>
          <p class="stat__value" data-testid={r.testid}>
            {formatUptime(r.ratio)}
          </p>
        </section>
      ))}
    </div>
  );
}
