/**
 * The `lookout` checker: the control plane watching itself — event-loop lag (a blocked loop stops
 * every API call and check at once) and resident memory (a leak ends in the OOM killer).
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { BadInputError } from '../../errors.ts';
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
/** How often the loop is sampled (each sample wakes the process: 10 a second at 100 ms, as often as /metrics' own sampler); the histogram records each timer's full delay, so this is subtracted. */
export const LAG_RESOLUTION_MS = 100;
const NS_PER_MS = 1e6;
const BYTES_PER_MB = 1024 * 1024;

let histogram: IntervalHistogram | undefined;

/**
 * One histogram for the process, started on first use: each check reads the lag since the previous
 * check, then resets it, so a lag spike is reported once, in the window it happened.
 */
function lagHistogram(): IntervalHistogram {
  if (!histogram) {
    histogram = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
    histogram.enable();
  }
  return histogram;
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

function readLag(): { p99Ms: number; maxMs: number; meanMs: number; samples: number } {
  const h = lagHistogram();
  const samples = h.count;
  // No sample yet (first check right after start): no lag observed rather than the empty histogram's sentinels.
  const toLag = (ns: number) => (samples === 0 ? 0 : round2(Math.max(0, ns / NS_PER_MS - LAG_RESOLUTION_MS)));
  const result = { p99Ms: toLag(h.percentile(99)), maxMs: toLag(h.max), meanMs: toLag(h.mean), samples };
  h.reset();
  return result;
}
