/**
 * The detail page's summary: status and how long, latency, last check and error, definition and
 * origin. A heartbeat service is pinged, not polled: no latency, and its schedule is the period and
 * grace it expects pings in (pending until period + grace have passed since it was created).
 */
import { For, Show } from 'solid-js';
import type { ServiceDetail } from '../../lib/service-detail.ts';
import { formatAgo, formatDateTime, formatDuration } from '../../lib/format.ts';
import { formatLatency } from '../../lib/status.ts';
import { now } from '../../lib/ticker.ts';
import { StatusBadge } from './StatusBadge.tsx';
import { PingUrl } from './PingUrl.tsx';

/** "API", "Config file /etc/lookout.yaml", "Built in". */
export function sourceLabel(source: string, sourcePath?: string | null): string {
  if (source === 'CONFIG') return sourcePath ? `Config file ${sourcePath}` : 'Config file';
  if (source === 'BUILTIN') return 'Built in (Lookout monitors itself)';
  return 'API (created in the dashboard or over GraphQL)';
}

/** "expects a ping every 1h, grace 5m" for a heartbeat, "every 30s, timeout 10.00 s" for the others. */
export function scheduleText(service: Pick<ServiceDetail, 'kind' | 'interval' | 'timeoutMs' | 'options' | 'failureThreshold' | 'recoveryThreshold'>): string {
  const rule = `down after ${service.failureThreshold}, up after ${service.recoveryThreshold} in a row`;
  if (service.kind === 'heartbeat') {
    const options = (service.options ?? {}) as { period?: string; grace?: string };
    return `expects a ping every ${options.period ?? '5m'}, grace ${options.grace ?? '1m'}; pending until the first ping or until period + grace have passed; ${rule}`;
  }
  return `every ${service.interval}, timeout ${formatLatency(service.timeoutMs)}; ${rule}`;
}

export function ServiceFacts(props: { service: ServiceDetail; lastReason: string | null }) {
  const s = () => props.service;
  return (
    <section class="card service-facts" data-testid="service-facts">
      <div class="service-facts__status">
        <StatusBadge status={s().status} paused={s().paused} testid="detail-status" />
        <Show when={s().statusSince && !s().paused}>
          <span class="muted">for {formatDuration(now() - Date.parse(s().statusSince!))}</span>
        </Show>
        <Show when={s().critical}>
          <span class="critical-mark" title="Critical: decides Lookout's overall health">critical</span>
        </Show>
        <Show when={s().kind !== 'heartbeat'}>
          <span class="service-facts__metric">
            <span class="stat__label">Latency</span>
            <span class="mono" data-testid="detail-latency">
              {s().status === 'DOWN' ? '—' : formatLatency(s().latencyMs)}
            </span>
          </span>
        </Show>
        <span class="service-facts__metric">
          <span class="stat__label">Last check</span>
          <span title={formatDateTime(s().lastCheckedAt)} data-testid="detail-checked">
            {s().lastCheckedAt ? formatAgo(s().lastCheckedAt, now()) : s().kind === 'heartbeat' ? 'not yet: waiting for the first ping' : 'not yet'}
          </span>
        </span>
      </div>
      <Show when={s().lastError}>
        <p class="field__error" data-testid="detail-error">
          {s().lastError}
        </p>
      </Show>
      <Show when={props.lastReason}>
        <p class="muted" data-testid="detail-reason">
          Last change: {props.lastReason}
        </p>
      </Show>
      <dl class="facts">
        <dt>Kind</dt>
        <dd class="mono" data-testid="detail-kind">{s().kind}</dd>
        <dt>Target</dt>
        <dd class="mono facts__wrap" data-testid="detail-target">{s().target}</dd>
        <dt>Source</dt>
        <dd data-testid="detail-source">{sourceLabel(s().source, s().sourcePath)}</dd>
        <dt>Schedule</dt>
        <dd data-testid="detail-schedule">{scheduleText(s())}</dd>
        <Show when={s().tags.length}>
          <dt>Tags</dt>
          <dd>
            <For each={s().tags}>{(tag) => <span class="tag">{tag}</span>}</For>
          </dd>
        </Show>
        <Show when={s().dependsOn.length}>
          <dt>Depends on</dt>
          <dd>
            <For each={s().dependsOn}>{(dep) => <a class="tag" href={`/services/${encodeURIComponent(dep)}`}>{dep}</a>}</For>
          </dd>
        </Show>
        <Show when={s().pingUrl}>
          <dt>Ping URL</dt>
          <dd>
            <PingUrl url={s().pingUrl!} />
          </dd>
        </Show>
      </dl>
    </section>
  );
}
