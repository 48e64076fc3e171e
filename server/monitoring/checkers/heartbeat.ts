/**
 * The `heartbeat` (push) checker: nothing is polled; cron jobs and workers ping Lookout, and the
 * service is down when the pings stop, arrive late, or report failure.
 */
import { parseDuration, formatDuration } from '../../duration.ts';
import type { Checker } from './checker.ts';
import { OptionReader } from './options.ts';

/** Normalised options of a `heartbeat` check, as durations (`"5m"`). */
export type HeartbeatOptions = {
  /** How often the job pings. */
  period: string;
  /** How late a ping may be before the service is down. */
  grace: string;
};

/** A push service has no address; its target is always this. */
export const PUSH_TARGET = 'push';

/**
 * When a heartbeat service that was never pinged gets its first check: once period + grace have
 * passed since `since` (when it was created). Until then it has no status (pending), because a
 * job that pings every 5 minutes cannot have missed a ping 1 second after it was set up.
 */
export function firstHeartbeatCheckAt(options: Record<string, unknown>, since: Date): Date {
  const period = parseDuration(options.period ?? '5m', 'options.period');
  const grace = parseDuration(options.grace ?? '1m', 'options.grace');
  return new Date(since.getTime() + period + grace);
}

/** Down when no ping arrived within period + grace, or the last ping reported failure. */
export const heartbeatChecker: Checker<HeartbeatOptions> = {
  kind: 'heartbeat',
  description: 'Push check: cron jobs and workers ping Lookout; down when pings stop, come late or report failure.',

  validate(_target, options) {
    const read = new OptionReader('heartbeat', options);
    read.duration('period', '5m');
    read.duration('grace', '1m');
    // The target carries nothing for a push check; normalising it keeps stored definitions uniform.
    return { target: PUSH_TARGET, options: read.finish<HeartbeatOptions>() };
  },

  async check(service, { host }) {
    if (!host.lastHeartbeat) return { status: 'down', error: 'heartbeats are not available to checkers in this process', details: {} };
    const last = await host.lastHeartbeat(service.name);
    // Only checked without a ping once period + grace have passed since creation (firstHeartbeatCheckAt), or on request.
    if (!last) {
      return { status: 'down', error: 'no ping received yet', details: { lastPingAt: null }, latencyMs: 0 };
    }
    const details = { lastPingAt: last.at.toISOString() };
    if (last.failed) return { status: 'down', error: 'the job reported failure', details, latencyMs: 0 };
    const period = parseDuration(service.options.period, 'options.period');
    const grace = parseDuration(service.options.grace, 'options.grace');
    const age = host.now().getTime() - last.at.getTime();
    if (age > period + grace) {
      return { status: 'down', error: `no ping for ${formatAge(age)}; expected every ${service.options.period} (grace ${service.options.grace})`, details, latencyMs: 0 };
    }
    // The check reads a timestamp; its latency says nothing about the job, so it is reported as 0.
    return { status: 'healthy', error: null, details, latencyMs: 0 };
  },
};

/** A human age: `7m 12s`, `2h 5m`, `3d 4h` (two units at most, for messages). */
function formatAge(ms: number): string {
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of units) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    } else if (parts.length) break;
  }
  return parts.length ? parts.join(' ') : formatDuration(Math.round(ms));
}
