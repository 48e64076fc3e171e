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
  // Texts as plain functions: one effect each, no extra memo for a condition.
  const nameLine = () => (s.displayName !== name ? name : '');
  const since = () => (s.statusSince && !s.paused ? `for ${formatDuration(now() - Date.parse(s.statusSince))}` : '');
  const checked = () => (s.lastCheckedAt ? `checked ${formatAgo(s.lastCheckedAt, now())}` : 'not checked yet');
  return (
    <a
      href={href}
      class={`service-card service-card--${key()}`}
      data-testid="service-card"
      data-service={name}
      data-status={key()}
      data-critical={s.critical ? 'critical' : undefined}
      title={s.lastError ?? s.target}
    >
      {/* The "critical" marker is drawn from data-critical by CSS: no extra node or effect per card. */}
      <span class="service-card__title">{s.displayName}</span>
      <span class="service-card__name">{nameLine()}</span>
      <span class="service-card__status">
        <span class="service-card__label" data-testid="service-status">
          {STATUS_LABELS[key()]}
        </span>
        {since()}
      </span>
      <span class="service-card__metrics">
        <span class="service-card__latency" data-testid="service-latency" title="Latency of the last check">
          {formatLatency(s.latencyMs)}
        </span>
        <span title="Uptime over the last 24 h">{formatUptime(s.uptime24h)} · 24 h</span>
      </span>
      <Sparkline values={s.recentLatencies} />
      <span class="service-card__checked" data-testid="service-checked">
        {checked()}
      </span>
    </a>
  );
}
