/** How times and roles read on the dashboard: local time, to the second, in 24-hour form. */

const TIME = { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' } as const;

/**
 * A date formatter made on first use: the first Intl.DateTimeFormat loads the locale's data, tens
 * of milliseconds that would otherwise be spent at start-up, before the Overview's grid can show.
 */
function formatter(options: Intl.DateTimeFormatOptions): () => Intl.DateTimeFormat {
  let made: Intl.DateTimeFormat | undefined;
  return () => (made ??= new Intl.DateTimeFormat(undefined, options));
}

const thisYear = formatter({ month: 'short', day: 'numeric', ...TIME });
const otherYear = formatter({ year: 'numeric', month: 'short', day: 'numeric', ...TIME });

/** "Nov 22, 08:14:03" (with the year when it is not this year), or "—" when absent. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return (date.getFullYear() === new Date().getFullYear() ? thisYear : otherYear)().format(date);
}

/** The start of an id (uuid), enough to tell rows apart; the full id goes in a tooltip. */
export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

/** "platform.operations.view" → "operations.view": the prefix is the same for every capability. */
export function capabilityLabel(capability: string): string {
  return capability.replace(/^platform\./, '');
}

/**
 * "08:14:03" in the browser's time zone. Written out by hand rather than with Intl: the Overview
 * shows it (server clock, ops summary), and there the first Intl formatter would cost its start-up.
 */
export function formatClock(iso: string): string {
  const date = new Date(iso);
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** "3 min ago", "2 h ago", "5 d ago": for uptime and last-used columns. `at`: ISO time or epoch ms. */
export function formatAgo(at: string | number | null | undefined, now = Date.now()): string {
  if (at === null || at === undefined || at === '') return 'never';
  const seconds = Math.max(0, Math.round((now - new Date(at).getTime()) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

/**
 * A parser of ISO times that remembers its last answer: for texts the 1 s ticker redraws, whose
 * time changes far less often than every second (a thousand cards would parse two each, each tick).
 */
export function lastParsedTime(): (iso: string) => number {
  let last = '';
  let ms = NaN;
  return (iso) => {
    if (iso !== last) {
      last = iso;
      ms = Date.parse(iso);
    }
    return ms;
  };
}

/** "2 d 4 h", "3 h 12 min", "45 s": how long something has been running. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d} d ${h} h`;
  if (h) return `${h} h ${m} min`;
  if (m) return `${m} min ${s % 60} s`;
  return `${s} s`;
}

/** GraphQL role enum (ADMIN) as people say it (admin). */
export function roleLabel(role: string | null | undefined): string {
  return role ? role.toLowerCase() : 'custom';
}

const hourMinute = formatter({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const monthDay = formatter({ month: 'short', day: 'numeric' });

/** "14:05": an axis label within a day, always 24-hour (no "2pm"). `at`: epoch ms. */
export function formatHourMinute(at: number): string {
  return hourMinute().format(at);
}

/** "Dec 3": an axis label for ranges of days. `at`: epoch ms. */
export function formatMonthDay(at: number): string {
  return monthDay().format(at);
}

/** The browser's time zone as the dashboard names it: "Europe/Berlin (UTC+01:00)", or "UTC". */
export function timeZoneLabel(at: number = Date.now()): string {
  const zone = new Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
  const minutes = -new Date(at).getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const hh = String(Math.floor(Math.abs(minutes) / 60)).padStart(2, '0');
  const mm = String(Math.abs(minutes) % 60).padStart(2, '0');
  return zone === 'UTC' || zone === 'Etc/UTC' ? 'UTC' : `${zone} (UTC${sign}${hh}:${mm})`;
}
