/**
 * One service on the Overview grid. It reads its fields straight from the grid's store, so a check
 * or a status change re-renders only the texts that changed; the relative times read the shared
 * ticker. Kept lean for a thousand cards: a plain <a> (the router handles it, with no per-link
 * work), conditional text instead of <Show>, one element per fact.
 */
import type { GridService } from '../../lib/service-grid.ts';
import { STATUS_LABELS, formatLatency, formatUptime, statusKey } from '../../lib/status.ts';
import { formatAgo, formatDuration } from '../../lib/format.ts';
import { now } from '../../lib/ticker.ts';
import { Sparkline } from './Sparkline.tsx';

export function serviceHref(name: string): string {
  return `/services/${encodeURIComponent(name)}`;
}

export function ServiceCard(props: { service: GridService }) {
  const s = props.service;
  // The grid is keyed by name, so a card's name never changes: read it once, outside any effect.
  const name = s.name;
  const href = serviceHref(name);
  const key = () => statusKey(s.status, s.paused);
  return (
    <a href={href} class={`service-card service-card--${key()}`} data-testid="service-card" data-service={name} data-status={key()} title={s.lastError ?? s.target}>
      <span class="service-card__title">
        {s.critical ? (
          <span class="service-card__critical" title="Critical: decides Lookout's overall health" data-testid="service-critical">
            critical
          </span>
        ) : null}
        {s.displayName}
      </span>
      <span class="service-card__name">{s.displayName !== name ? name : ''}</span>
      <span class="service-card__status">
        <span class="service-card__label" data-testid="service-status">
          {STATUS_LABELS[key()]}
        </span>
        {s.statusSince && !s.paused ? `for ${formatDuration(now() - Date.parse(s.statusSince))}` : ''}
      </span>
      <span class="service-card__metrics">
        <span class="service-card__latency" data-testid="service-latency" title="Latency of the last check">
          {formatLatency(s.latencyMs)}
        </span>
        <span title="Uptime over the last 24 h">{formatUptime(s.uptime24h)} · 24 h</span>
      </span>
      <Sparkline values={s.recentLatencies} />
      <span class="service-card__checked" data-testid="service-checked">
        {s.lastCheckedAt ? `checked ${formatAgo(s.lastCheckedAt, now())}` : 'not checked yet'}
      </span>
    </a>
  );
}
