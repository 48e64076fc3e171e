/**
 * The `lookout` checker: the control plane watching itself — event-loop lag (a blocked loop stops
 * every API call and check at once) and resident memory (a leak ends in the OOM killer).
 */
import { BadInputError } from '../../errors.ts';
import { openLoopDelayWindow, type LoopDelayWindow } from '../../system/loop-delay.ts';
import { worst } from '../status.ts';
import type { Checker } from './checker.ts';
import { describe, OptionReader, requireOrdered, round2, statusAbove } from './options.ts';

/** Normalised options of a `lookout` check. */
export type LookoutOptions = {
  eventLoopLagDegradedMs: number;
  eventLoopLagDownMs: number;
  rssDegradedMb: number;
  rssDownMb: number;
};

/** The only target: this Lookout process. */
export const LOOKOUT_TARGET = 'lookout';
const BYTES_PER_MB = 1024 * 1024;

let lagWindow: LoopDelayWindow | undefined;

/**
 * The lag since the previous check (the process's one sampler, server/system/loop-delay.ts), so a
 * lag spike is reported once, in the window it happened. Opened on first use.
 */
function readLag() {
  lagWindow ??= openLoopDelayWindow();
  const lag = lagWindow.read();
  return { p99Ms: lag.p99Ms, maxMs: lag.maxMs, meanMs: lag.meanMs, samples: lag.samples };
}

/** Checks this process's event-loop lag (p99 since the last check) and resident memory. */
export const lookoutChecker: Checker<LookoutOptions> = {
  kind: 'lookout',
  description: 'Checks the Lookout process itself: event-loop lag (p99 since the previous check) and resident memory.',

  validate(target, options) {
    const value = String(target ?? '').trim().toLowerCase();
    if (value !== LOOKOUT_TARGET) throw new BadInputError('target', `target must be "${LOOKOUT_TARGET}" (this Lookout process), got ${describe(target)}.`);
    const read = new OptionReader('lookout', options);
    const lagDegraded = read.number('eventLoopLagDegradedMs', 200, { min: 1 });
    const lagDown = read.number('eventLoopLagDownMs', 1000, { min: 1 });
    requireOrdered({ name: 'eventLoopLagDegradedMs', value: lagDegraded }, { name: 'eventLoopLagDownMs', value: lagDown }, 'rising');
    const rssDegraded = read.number('rssDegradedMb', 1024, { min: 1 });
    const rssDown = read.number('rssDownMb', 2048, { min: 1 });
    requireOrdered({ name: 'rssDegradedMb', value: rssDegraded }, { name: 'rssDownMb', value: rssDown }, 'rising');
    return { target: value, options: read.finish<LookoutOptions>() };
  },

  async check(service) {
    const lag = readLag();
    const rssMb = round2(process.memoryUsage.rss() / BYTES_PER_MB);
    const options = service.options;
    const lagStatus = statusAbove(lag.p99Ms, options.eventLoopLagDegradedMs, options.eventLoopLagDownMs);
    const rssStatus = statusAbove(rssMb, options.rssDegradedMb, options.rssDownMb);
    const problems: string[] = [];
    if (lagStatus !== 'healthy') problems.push(`event-loop lag p99 ${lag.p99Ms} ms (${lagStatus} above ${lagStatus === 'down' ? options.eventLoopLagDownMs : options.eventLoopLagDegradedMs} ms)`);
    if (rssStatus !== 'healthy') problems.push(`resident memory ${rssMb} MB (${rssStatus} above ${rssStatus === 'down' ? options.rssDownMb : options.rssDegradedMb} MB)`);
    return {
      status: worst(lagStatus, rssStatus),
      error: problems.length ? problems.join('; ') : null,
      details: { eventLoopLagP99Ms: lag.p99Ms, eventLoopLagMaxMs: lag.maxMs, eventLoopLagMeanMs: lag.meanMs, lagSamples: lag.samples, rssMb, heapUsedMb: round2(process.memoryUsage().heapUsed / BYTES_PER_MB) },
    };
  },
};

