/**
 * One service: status and definition, latency chart over status bands and the status timeline over
 * one zoomable range (24 h / 6 h / 1 h, never before the service's first check, so a new service
 * fills them; pick a block to list its checks), uptime for 24 h / 7 d / 30 d ("since …" for a
 * younger service), recent checks, and for operators
 * recheck, diagnose and pause / resume; for admins Restart and a following Logs viewer where its
 * config entry names them. Live from the service's own subscriptions.
 */
import { For, Match, Show, Switch, createSignal } from 'solid-js';
import { useParams } from '@solidjs/router';
import { Capability } from '../../../server/auth/capabilities.ts';
import { PageHeader } from '../components/PageHeader.tsx';
import { FormErrorMessage } from '../components/Forms.tsx';
import { ServiceFacts } from '../components/monitoring/ServiceFacts.tsx';
import { ServiceActions } from '../components/monitoring/ServiceActions.tsx';
import { ServiceLogs } from '../components/monitoring/ServiceLogs.tsx';
import { CheckRunResult, type CheckRunView } from '../components/monitoring/CheckRunResult.tsx';
import { LatencyChart } from '../components/monitoring/LatencyChart.tsx';
import { pointsFor } from '../lib/latency-points.ts';
import { TimeAxis, TimelineBar } from '../components/monitoring/TimelineBar.tsx';
import { WindowChecks } from '../components/monitoring/WindowChecks.tsx';
import { CheckTable } from '../components/monitoring/CheckTable.tsx';
import { ServiceAlertSettings, ServiceIncidents } from '../components/alerting/ServiceAlertSettings.tsx';
import { createServiceDetail, type ServiceDetail } from '../lib/service-detail.ts';
import { can } from '../lib/session.ts';
import { formatUptime } from '../lib/status.ts';
import { now } from '../lib/ticker.ts';
import type { Window } from '../lib/uptime.ts';
import { formatDateTime, timeZoneLabel } from '../lib/format.ts';
import { usePageTitle } from '../lib/document-title.ts';

const MINUTE = 60_000;
const HOUR = 3600_000;
const DAY = 86400_000;
/** The zoom levels of the chart and timeline. */
const ZOOMS = [
  { key: '24h', label: '24 h', ms: DAY },
  { key: '6h', label: '6 h', ms: 6 * HOUR },
  { key: '1h', label: '1 h', ms: HOUR },
] as const;
/** The shortest range shown, so a service checked for the first time a moment ago is not a line. */
const MIN_RANGE = 5 * MINUTE;

/**
 * The start of the range shown: `zoom` before `to`, but not before the service's first check (a
 * minute of margin), and at least MIN_RANGE before `to`.
 */
export function rangeStart(to: number, zoomMs: number, monitoredSince: string | null | undefined): number {
  const since = monitoredSince ? Date.parse(monitoredSince) - MINUTE : -Infinity;
  return Math.min(to - MIN_RANGE, Math.max(to - zoomMs, since));
}

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
  const [zoom, setZoom] = createSignal<(typeof ZOOMS)[number]>(ZOOMS[0]);
  usePageTitle(() => `Service ${props.name}`);

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
            <UptimeStats uptime={service().uptime} monitoredSince={service().monitoredSince} />
            <div class="range-head">
              <div class="segmented" role="group" aria-label="Zoom of the chart and timeline" data-testid="zoom">
                <For each={ZOOMS}>
                  {(z) => (
                    <button
                      type="button"
                      class="segmented__option"
                      classList={{ 'segmented__option--active': zoom().key === z.key }}
                      aria-pressed={zoom().key === z.key}
                      onClick={() => setZoom(z)}
                      data-testid={`zoom-${z.key}`}
                    >
                      {z.label}
                    </button>
                  )}
                </For>
              </div>
              <span class="muted" data-testid="time-zone">
                Times in {timeZoneLabel()}
              </span>
            </div>
            <Show when={!isHeartbeat(service())}>
              <section class="card" data-testid="latency-card">
                <div class="chart-head">
                  <h2>Latency and status, {rangeLabel(zoom().ms, rangeStart(detail.state.to, zoom().ms, service().monitoredSince), detail.state.to)}</h2>
                  <span class="chart-legend">
                    <span class="legend legend--avg">avg</span>
                    <span class="legend legend--p95">p95</span>
                    <span class="legend legend--band-degraded">degraded</span>
                    <span class="legend legend--band-down">down</span>
                  </span>
                </div>
                <LatencyChart
                  points={pointsFor(detail.state.to - rangeStart(detail.state.to, zoom().ms, service().monitoredSince), {
                    day: service().latencySeries,
                    minutes: service().minuteSeries,
                  })}
                  windows={service().timeline}
                  from={rangeStart(detail.state.to, zoom().ms, service().monitoredSince)}
                  to={detail.state.to}
                  intervalMs={service().intervalMs}
                />
              </section>
            </Show>
            <section class="card" data-testid="timeline-card">
              <h2>Status timeline, {rangeLabel(zoom().ms, rangeStart(now(), zoom().ms, service().monitoredSince), now())}</h2>
              <p class="muted">Pick a block to see the checks recorded in it. Short changes close together are one block (its worst status); zoom in to tell them apart.</p>
              <TimelineBar
                windows={service().timeline}
                from={rangeStart(now(), zoom().ms, service().monitoredSince)}
                to={now()}
                now={now()}
                selected={picked()}
                onSelect={setPicked}
                label={`Status of ${service().displayName}, ${rangeLabel(zoom().ms, rangeStart(now(), zoom().ms, service().monitoredSince), now())}`}
              />
              <TimeAxis from={rangeStart(now(), zoom().ms, service().monitoredSince)} to={now()} />
              <Show when={service().timeline.length === 0}>
                <p class="muted">No status recorded in the last 24 hours yet.</p>
              </Show>
              <Show when={picked()} keyed>
                {(window) => <WindowChecks service={service().name} window={window} onClose={() => setPicked(null)} showLatency={!isHeartbeat(service())} />}
              </Show>
            </section>
            <section class="card card--flush" data-testid="recent-checks-card">
              <div class="card__head">
                <h2>Recent checks</h2>
                <span class="muted">newest first, live</span>
              </div>
              <CheckTable list={detail.checks} testid="recent-checks" empty="No checks recorded yet." showLatency={!isHeartbeat(service())} />
            </section>
            <ServiceIncidents service={service().name} />
            <ServiceAlertSettings service={service().name} />
          </>
        )}
      </Match>
    </Switch>
  );
}

/** A heartbeat service is pinged, not polled: a check's latency says nothing about it. */
function isHeartbeat(service: ServiceDetail): boolean {
  return service.kind === 'heartbeat';
}

/** "last 24 h", or "since 14:02" when the service is younger than the zoom. */
function rangeLabel(zoomMs: number, from: number, to: number): string {
  return to - from < zoomMs - MINUTE ? `since ${formatDateTime(new Date(from + MINUTE).toISOString())}` : `last ${ZOOMS.find((z) => z.ms === zoomMs)?.label ?? ''}`;
}

function UptimeStats(props: { uptime: ServiceDetail['uptime']; monitoredSince: string | null | undefined }) {
  /** "since Dec 3, 14:02:10" when the service was first checked within the range: the figure covers only that. */
  const since = (days: number) => {
    if (!props.monitoredSince) return null;
    return Date.parse(props.monitoredSince) > now() - days * DAY ? `since ${formatDateTime(props.monitoredSince)}` : null;
  };
  const ranges = () => [
    { label: 'Uptime, 24 h', ratio: props.uptime.last24h.ratio, since: since(1), testid: 'uptime-24h' },
    { label: 'Uptime, 7 days', ratio: props.uptime.last7d.ratio, since: since(7), testid: 'uptime-7d' },
    { label: 'Uptime, 30 days', ratio: props.uptime.last30d.ratio, since: since(30), testid: 'uptime-30d' },
  ];
  return (
    <div class="grid grid--3">
      <For each={ranges()}>
        {(r) => (
          <section class="card stat">
            <h2 class="stat__label">{r.label}</h2>
            <p class="stat__value" data-testid={r.testid}>
              {formatUptime(r.ratio)}
            </p>
            <Show when={r.since}>
              <p class="muted stat__since" data-testid={`${r.testid}-since`}>
                {r.since}
              </p>
            </Show>
          </section>
        )}
      </For>
    </div>
  );
}
