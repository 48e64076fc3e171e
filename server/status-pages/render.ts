/**
 * A status page as server-rendered HTML: one small self-contained document (inline CSS, no
 * script, no dashboard bundle), readable on a phone, light or dark as the reader's system is.
 * Every text in it comes from the public snapshot and is escaped.
 */
import type { PublicService, PublicStatus, StatusPageSnapshot } from './snapshot.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

const HEADLINE: Record<PublicStatus, string> = {
  operational: 'All systems operational',
  degraded: 'Some systems degraded',
  outage: 'Major outage',
  maintenance: 'Under maintenance',
  unknown: 'Status not known yet',
};

const LABEL: Record<PublicStatus, string> = { operational: 'Operational', degraded: 'Degraded', outage: 'Outage', maintenance: 'Maintenance', unknown: 'No data' };

/** `99.95%`, `100%`, or `–` without data. */
export function formatPercent(ratio: number | null): string {
  if (ratio === null) return '–';
  if (ratio >= 1) return '100%';
  return `${(Math.floor(ratio * 10000) / 100).toFixed(2)}%`;
}

/** 24-hour UTC, as everything on the page says. */
const formatInstant = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/** One letter per day's class: 100 services × 90 days are 9,000 bars, so each is kept short. */
const dayClass = (uptime: number | null) => (uptime === null ? 'n' : uptime >= 0.999 ? 'g' : uptime >= 0.95 ? 'f' : 'b');

function serviceRow(s: PublicService): string {
  const ninety = s.days.filter((d) => d.uptime !== null);
  const average = ninety.length ? ninety.reduce((sum, d) => sum + d.uptime!, 0) / ninety.length : null;
  const bars = s.days
    .map((d) => {
      const text = d.uptime === null ? `${d.date}: no data` : `${d.date}: ${formatPercent(d.uptime)}${d.downMinutes ? `, ${d.downMinutes} min down` : ''}`;
      return `<i class="${dayClass(d.uptime)}" title="${text}"></i>`;
    })
    .join('');
  return `<li class="service">
  <div class="service-head"><span class="service-name">${escapeHtml(s.name)}</span><span class="chip ${s.status}">${LABEL[s.status]}</span></div>
  <div class="bars" role="img" aria-label="${escapeHtml(`${s.name}: daily uptime over the last ${s.days.length} days, ${formatPercent(average)} on average`)}">${bars}</div>
  <div class="bars-legend"><span>${s.days.length} days ago</span><span>${formatPercent(s.uptime['30d'])} over 30 days · ${formatPercent(average)} over ${s.days.length} days</span><span>Today</span></div>
</li>`;
}

const STYLE = `
:root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--text:#1b1f24;--muted:#5b6470;--line:#dde1e6;--good:#2e9d57;--fair:#d4a017;--bad:#c53030;--maint:#2f6fd6;--none:#c9ced6}
@media (prefers-color-scheme:dark){:root{--bg:#111418;--card:#1a1e24;--text:#e8eaed;--muted:#a3abb5;--line:#2c323a;--none:#3a414b}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--text);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:880px;margin:0 auto;padding:24px 16px 48px}h1{font-size:1.6rem;margin:0 0 4px}h2{font-size:1.05rem;margin:28px 0 8px}
.description{color:var(--muted);margin:0 0 16px;white-space:pre-line}
.banner{border-radius:8px;padding:14px 16px;font-weight:600;color:#fff;margin:16px 0}
.banner.operational{background:var(--good)}.banner.degraded{background:var(--fair);color:#1b1f24}.banner.outage{background:var(--bad)}.banner.maintenance{background:var(--maint)}.banner.unknown{background:var(--none);color:var(--text)}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:4px 16px;margin:0 0 12px}
ul{list-style:none;margin:0;padding:0}.service{padding:12px 0;border-top:1px solid var(--line)}.service:first-child{border-top:0}
.service-head{display:flex;justify-content:space-between;gap:12px;align-items:center;margin-bottom:6px}.service-name{font-weight:600;overflow-wrap:anywhere}
.chip{font-size:.8rem;font-weight:600;border-radius:999px;padding:1px 10px;white-space:nowrap}
.chip.operational{color:var(--good)}.chip.degraded{color:var(--fair)}.chip.outage{color:var(--bad)}.chip.maintenance{color:var(--maint)}.chip.unknown{color:var(--muted)}
.bars{display:flex;gap:1px;height:28px}.bars i{flex:1 1 0;min-width:0;border-radius:1px;background:var(--none)}
.bars i.g{background:var(--good)}.bars i.f{background:var(--fair)}.bars i.b{background:var(--bad)}
.bars-legend{display:flex;justify-content:space-between;gap:8px;color:var(--muted);font-size:.75rem;margin-top:4px}
.notice{padding:10px 0;border-top:1px solid var(--line)}.notice:first-child{border-top:0}.notice strong{display:block}.muted{color:var(--muted)}
footer{color:var(--muted);font-size:.8rem;margin-top:24px}
@media (max-width:520px){.bars-legend span:first-child,.bars-legend span:last-child{display:none}h1{font-size:1.35rem}}
@media (prefers-color-scheme:dark){.chip.outage{color:#ff8a80}}
`;

/** "Major outage" only when every service is down; one down among others working is partial. */
function headline(s: StatusPageSnapshot): string {
  const all = s.groups.flatMap((g) => g.services);
  return s.status === 'outage' && all.some((x) => x.status !== 'outage') ? 'Partial outage' : HEADLINE[s.status];
}

/** The page's HTML document. */
export function renderStatusPage(s: StatusPageSnapshot, refreshSeconds: number): string {
  const incidents = s.incidents.length
    ? `<h2>Current incidents</h2><div class="card"><ul>${s.incidents
        .map((i) => `<li class="notice"><strong>${escapeHtml(i.service)}: ${i.impact === 'major' ? 'major outage' : 'degraded performance'}</strong><span class="muted">Since ${formatInstant(i.since)} · ${i.acknowledged ? 'Identified, we are working on it' : 'Investigating'}</span></li>`)
        .join('')}</ul></div>`
    : '';
  const maintenance = s.maintenance.length
    ? `<h2>Maintenance</h2><div class="card"><ul>${s.maintenance
        .map((m) => `<li class="notice"><strong>${escapeHtml(m.title)}${m.active ? ' (in progress)' : ' (scheduled)'}</strong><span class="muted">${formatInstant(m.start)} – ${formatInstant(m.end)} · ${escapeHtml(m.services.join(', '))}</span></li>`)
        .join('')}</ul></div>`
    : '';
  const groups = s.groups.map((g) => `<h2>${escapeHtml(g.name)}</h2><div class="card"><ul>${g.services.map(serviceRow).join('')}</ul></div>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${Math.max(30, refreshSeconds * 3)}">
<title>${escapeHtml(s.title)} status</title><style>${STYLE}</style></head>
<body><main>
<h1>${escapeHtml(s.title)}</h1>${s.description ? `<p class="description">${escapeHtml(s.description)}</p>` : ''}
<div class="banner ${s.status}" role="status">${headline(s)}</div>
${incidents}${maintenance}${groups || '<p class="muted">No services on this page yet.</p>'}
<footer>Updated ${formatInstant(s.generatedAt)} · daily bars are UTC days · <a href="/status/${escapeHtml(s.slug)}.json">JSON</a></footer>
</main></body></html>
`;
}

/** The 404 page for an unknown slug: says so, names nothing else. */
export function renderNotFound(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Status page not found</title><style>${STYLE}</style></head>
<body><main><h1>Status page not found</h1><p class="description">There is no status page at this address. Check the link you were given.</p></main></body></html>
`;
}
