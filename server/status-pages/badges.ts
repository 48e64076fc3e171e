/**
 * Shields-style SVG badges (a grey label, a coloured message): a service's status and its uptime
 * over 24 h, 7 d or 30 d. Text widths are estimated per character (no font on the server), close
 * enough for the 11 px Verdana the badge asks for.
 */
import { escapeHtml, formatPercent } from './render.ts';
import type { PublicService, PublicStatus } from './snapshot.ts';

export const BADGE_RANGES = ['24h', '7d', '30d'] as const;
export type BadgeRange = (typeof BADGE_RANGES)[number];

const STATUS_BADGE: Record<PublicStatus, { text: string; color: string }> = {
  operational: { text: 'up', color: '#4c1' },
  degraded: { text: 'degraded', color: '#dfb317' },
  outage: { text: 'down', color: '#e05d44' },
  maintenance: { text: 'maintenance', color: '#007ec6' },
  unknown: { text: 'unknown', color: '#9f9f9f' },
};

function uptimeColor(ratio: number | null): string {
  if (ratio === null) return '#9f9f9f';
  if (ratio >= 0.999) return '#4c1';
  if (ratio >= 0.99) return '#97ca00';
  if (ratio >= 0.95) return '#dfb317';
  if (ratio >= 0.9) return '#fe7d37';
  return '#e05d44';
}

/** Approximate width in px of `text` in 11 px Verdana. */
function textWidth(text: string): number {
  let width = 0;
  for (const c of text) width += /[ il.,:;'|!]/.test(c) ? 3.5 : /[mwMW%@]/.test(c) ? 10 : /[A-Z0-9]/.test(c) ? 7.5 : 6.5;
  return Math.ceil(width);
}

/** A flat badge with `label` on grey and `message` on `color`. */
export function badgeSvg(label: string, message: string, color: string): string {
  const lw = textWidth(label) + 10;
  const mw = textWidth(message) + 10;
  const w = lw + mw;
  const l = escapeHtml(label);
  const m = escapeHtml(message);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${l}: ${m}"><title>${l}: ${m}</title>
<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>
<clipPath id="r"><rect width="${w}" height="20" rx="3" fill="#fff"/></clipPath>
<g clip-path="url(#r)"><rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${mw}" height="20" fill="${color}"/><rect width="${w}" height="20" fill="url(#s)"/></g>
<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">
<text x="${lw / 2}" y="15" fill="#010101" fill-opacity=".3">${l}</text><text x="${lw / 2}" y="14">${l}</text>
<text x="${lw + mw / 2}" y="15" fill="#010101" fill-opacity=".3">${m}</text><text x="${lw + mw / 2}" y="14">${m}</text></g></svg>
`;
}

/** The status badge of a service: its display name, then up / degraded / down / maintenance / unknown. */
export function statusBadge(service: PublicService): string {
  const { text, color } = STATUS_BADGE[service.status];
  return badgeSvg(service.name, text, color);
}

/** The uptime badge of a service over `range`. */
export function uptimeBadge(service: PublicService, range: BadgeRange): string {
  const ratio = service.uptime[range];
  return badgeSvg(`uptime ${range}`, ratio === null ? 'no data' : formatPercent(ratio), uptimeColor(ratio));
}
