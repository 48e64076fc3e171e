/**
 * One service on the Overview grid, live: it reads the service's data from the grid and the
 * shared ticker for its relative times. Kept lean for a thousand cards: a plain <a> (the router
 * handles it, with no per-link work), no <Show>, and every changing text and attribute bound as a
 * property (`textContent`, `points`) rather than a child expression, so that Solid updates the
 * whole card from one effect that writes only what changed, not a dozen effects per card.
 * A down or degraded card says why in words (touch and keyboard users see no tooltip), and a
 * failed check shows no latency.
 */
import type { Accessor } from 'solid-js';
import type { GridService } from '../../lib/service-grid.ts';
import { STATUS_LABELS, formatUptime, statusKey } from '../../lib/status.ts';
import { shownLatency, statusReason } from '../../lib/check-outcome.ts';
import { formatAgo, formatDuration, lastParsedTime } from '../../lib/format.ts';
import { sparklinePoints } from '../../lib/sparkline.ts';
import { now } from '../../lib/ticker.ts';

export function serviceHref(name: string): string {
  return `/services/${encodeURIComponent(name)}`;
}

/** `sparkline`: whether to draw the latency line (the grid draws them only where the browser renders). */
export function ServiceCard(props: { service: Accessor<GridService>; sparkline: boolean }) {
  const s = props.service;
  // The grid is keyed by name, so a card's name never changes: read it once, outside the effect.
  const name = s().name;
  const href = serviceHref(name);
  const key = () => statusKey(s().status, s().paused);
  // The ticker re-reads these every second; the times they parse change far less often.
  const statusSince = lastParsedTime();
  const lastChecked = lastParsedTime();
  const since = () => {
    const { statusSince: at, paused } = s();
    return at && !paused ? `for ${formatDuration(now() - statusSince(at))}` : '';
  };
  const checked = () => {
    const at = s().lastCheckedAt;
    return at ? `checked ${formatAgo(lastChecked(at), now())}` : 'not checked yet';
  };
  return (
    <a
      href={href}
      class={`service-card service-card--${key()}`}
      data-testid="service-card"
      data-service={name}
      data-status={key()}
      data-critical={s().critical ? 'critical' : undefined}
      title={s().lastError ?? s().target}
    >
      {/* The "critical" marker is drawn from data-critical by CSS: no extra node per card. */}
      <span class="service-card__title" textContent={s().displayName} />
      <span class="service-card__name" textContent={s().displayName !== name ? name : ''} />
      <span class="service-card__status">
        <span class="service-card__label" data-testid="service-status" textContent={STATUS_LABELS[key()]} />
        <span textContent={since()} />
      </span>
      <span class="service-card__reason" data-testid="service-reason" textContent={statusReason(s())} />
      <span class="service-card__metrics">
        <span class="service-card__latency" data-testid="service-latency" title="Latency of the last check (none when it failed)" textContent={shownLatency(s())} />
        <span title="Uptime over the last 24 h" textContent={`${formatUptime(s().uptime24h)} · 24 h`} />
      </span>
      <svg class="sparkline" viewBox="0 0 100 24" preserveAspectRatio="none" aria-hidden="true">
        <polyline points={props.sparkline ? sparklinePoints(s().recentLatencies) : undefined} />
      </svg>
      <span class="service-card__checked" data-testid="service-checked" textContent={checked()} />
    </a>
  );
}
