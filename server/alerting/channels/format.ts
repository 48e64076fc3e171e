/**
 * The words of a notice for people, shared by Slack, PagerDuty and email so a page, a chat message
 * and a mail tell the same thing: a title ("api is down") and a one-paragraph summary. Every text
 * from outside (names, a checker's reason quoting a remote error) is cleaned of control characters
 * and bounded here, once.
 */
import type { Notice } from './channel.ts';

/** Characters of a reason kept at most: a checker's error can quote a whole remote page. */
export const REASON_LIMIT = 1000;
const NAME_LIMIT = 200;

/** One line of text from outside: control characters (and line breaks) become spaces, bounded. */
export function oneLine(text: string, limit: number): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  return clean.length > limit ? `${clean.slice(0, limit - 1)}…` : clean;
}

/** The service as people call it: its display name, else its name. */
export function serviceName(notice: Notice): string {
  return oneLine(notice.incident.displayName || notice.incident.service, NAME_LIMIT) || oneLine(notice.incident.service, NAME_LIMIT);
}

export function reasonOf(notice: Notice): string {
  return oneLine(notice.incident.reason, REASON_LIMIT);
}

/** How long an incident lasted, the two largest units: `4m 12s`, `2h 5m`, `3d 1h`, `12s`. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const parts: [number, string][] = [
    [Math.floor(seconds / 86400), 'd'],
    [Math.floor((seconds % 86400) / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'm'],
    [seconds % 60, 's'],
  ];
  const first = parts.findIndex(([value]) => value > 0);
  if (first === -1) return '0s';
  return parts
    .slice(first, first + 2)
    .filter(([value]) => value > 0)
    .map(([value, unit]) => `${value}${unit}`)
    .join(' ');
}

/** How long the incident has lasted up to its resolution (or the notice). */
export function incidentDuration(notice: Notice): string | null {
  const start = Date.parse(notice.incident.startedAt);
  const end = Date.parse(notice.incident.resolvedAt ?? notice.at);
  return Number.isFinite(start) && Number.isFinite(end) ? formatElapsed(end - start) : null;
}

function statusWord(notice: Notice): string {
  return notice.incident.status === 'healthy' ? 'unhealthy' : notice.incident.status;
}

/** One line saying what happened: `api is down`, `api recovered after 4m 12s`. */
export function noticeTitle(notice: Notice): string {
  const name = serviceName(notice);
  switch (notice.event) {
    case 'trigger':
      return `${name} is ${statusWord(notice)}`;
    case 'remind':
      return `${name} is still ${statusWord(notice)}`;
    case 'acknowledge': {
      const by = notice.incident.acknowledgedBy ? oneLine(notice.incident.acknowledgedBy, NAME_LIMIT) : '';
      return by ? `${name}: acknowledged by ${by}` : `${name}: acknowledged`;
    }
    case 'resolve': {
      const lasted = incidentDuration(notice);
      return lasted ? `${name} recovered after ${lasted}` : `${name} recovered`;
    }
    case 'test':
      return 'Test notice from Lookout';
  }
}

/** The label a subject or a chat message leads with: the severity while it matters, else what happened. */
export function noticeLabel(notice: Notice): string {
  switch (notice.event) {
    case 'trigger':
    case 'remind':
      return notice.incident.severity.toUpperCase();
    case 'acknowledge':
      return 'ACKNOWLEDGED';
    case 'resolve':
      return 'RESOLVED';
    case 'test':
      return 'TEST';
  }
}

/** An email subject: `[Lookout] CRITICAL: api is down`, `[Lookout] RESOLVED: api`. */
export function noticeSubject(notice: Notice): string {
  const text = notice.event === 'trigger' || notice.event === 'remind' || notice.event === 'test' ? noticeTitle(notice) : serviceName(notice);
  return `[Lookout] ${noticeLabel(notice)}: ${text}`;
}

/** One paragraph for people: what happened, why, since when, and who is on it. */
export function noticeSummary(notice: Notice): string {
  if (notice.event === 'test') {
    return 'This is a test notice from Lookout, sent to check that this channel works. No service is affected.';
  }
  const incident = notice.incident;
  const sentences = [`${noticeTitle(notice)}.`];
  const service = oneLine(incident.service, NAME_LIMIT);
  if (service !== serviceName(notice)) sentences.push(`Service ${service}.`);
  // The reason is often a sentence of its own: no second full stop.
  const reason = reasonOf(notice).replace(/[.\s]+$/, '');
  if (notice.event === 'resolve') {
    if (reason) sentences.push(`It was ${incident.severity}: ${reason}.`);
  } else if (reason) {
    sentences.push(`Reason: ${reason}.`);
  }
  sentences.push(`Severity ${incident.severity}; started ${incident.startedAt}.`);
  if (notice.event !== 'acknowledge' && incident.acknowledgedAt) {
    sentences.push(`Acknowledged${incident.acknowledgedBy ? ` by ${oneLine(incident.acknowledgedBy, NAME_LIMIT)}` : ''} at ${incident.acknowledgedAt}.`);
  }
  if (notice.event === 'resolve' && incident.resolvedAt) sentences.push(`Resolved at ${incident.resolvedAt}.`);
  return sentences.join(' ');
}
