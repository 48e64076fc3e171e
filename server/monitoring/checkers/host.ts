/**
 * The `host` checker: CPU, memory and disk use of the machine Lookout runs on (readings in
 * server/system/host-readings.ts). A host at full CPU is busy, not down: CPU alone makes it
 * degraded at most, while memory or disk running out can make it down.
 */
import os from 'node:os';
import { BadInputError } from '../../errors.ts';
import { CpuMeter, diskUse, memoryUse } from '../../system/host-readings.ts';
import { worst, type Status } from '../status.ts';
import type { Checker } from './checker.ts';
import { describe, OptionReader, requireOrdered, round2, statusAbove } from './options.ts';

/**
 * Normalised options of a `host` check, in percent used (degraded/down when strictly above). CPU
 * has a degraded threshold only: a machine busy with work is not a machine that is down.
 */
export type HostOptions = {
  cpuDegradedPercent: number;
  memoryDegradedPercent: number;
  memoryDownPercent: number;
  diskDegradedPercent: number;
  diskDownPercent: number;
};

/** The only target: this checker sees the machine it runs on and no other. */
export const LOCAL_HOST_TARGET = 'localhost';

const CPU_DEGRADED = 90;
/** Default pairs; disk matches the filesystem checker's 10% / 3% free. */
const PAIRS = [
  { name: 'memory', label: 'memory', degraded: 90, down: 98 },
  { name: 'disk', label: 'disk', degraded: 90, down: 97 },
] as const;

/**
 * CPU use since the previous host check, over 1 s at least: the first check after a start used to
 * average 200 ms of Lookout's own start-up and read as a spike. One meter for every host check of
 * the process (they all see the same machine).
 */
const cpuMeter = new CpuMeter();

/** Checks CPU, memory and data-directory disk use of this machine against degraded/down thresholds. */
export const hostChecker: Checker<HostOptions> = {
  kind: 'host',
  description: 'Checks CPU, memory and disk use of the machine Lookout runs on (disk: the volume of its data directory). CPU alone makes it degraded at most.',

  validate(target, options) {
    const value = String(target ?? '').trim().toLowerCase();
    if (value !== LOCAL_HOST_TARGET) throw new BadInputError('target', `target must be "${LOCAL_HOST_TARGET}" (a host check sees only the machine Lookout runs on), got ${describe(target)}.`);
    const read = new OptionReader('host', options);
    read.percent('cpuDegradedPercent', CPU_DEGRADED);
    // Accepted so that definitions written before CPU stopped making a host down still load; it has
    // no effect and is not kept.
    read.custom('cpuDownPercent', (raw, field) => {
      if (raw !== undefined && (typeof raw !== 'number' || !Number.isFinite(raw) || raw < 0 || raw > 100)) throw new BadInputError(field, `${field} must be a number from 0 to 100, got ${describe(raw)}.`);
      return undefined;
    });
    for (const metric of PAIRS) {
      const degraded = read.percent(`${metric.name}DegradedPercent`, metric.degraded);
      const down = read.percent(`${metric.name}DownPercent`, metric.down);
      requireOrdered({ name: `${metric.name}DegradedPercent`, value: degraded }, { name: `${metric.name}DownPercent`, value: down }, 'rising');
    }
    return { target: value, options: read.finish<HostOptions>() };
  },

  async check(service, { signal, host }) {
    const [cpu, memory, disk] = await Promise.all([cpuMeter.percent(signal), memoryUse(), diskUse(host.dataDir)]);
    const problems: string[] = [];
    const cpuThreshold = service.options.cpuDegradedPercent;
    let status: Status = statusAbove(cpu, cpuThreshold, Infinity);
    if (status !== 'healthy') problems.push(`CPU ${cpu}% used (degraded above ${cpuThreshold}%)`);
    const readings = { memory: memory.percent, disk: disk.percent };
    for (const metric of PAIRS) {
      const value = readings[metric.name];
      const degraded = service.options[`${metric.name}DegradedPercent`];
      const down = service.options[`${metric.name}DownPercent`];
      const metricStatus = statusAbove(value, degraded, down);
      if (metricStatus !== 'healthy') problems.push(`${metric.label} ${value}% used (${metricStatus} above ${metricStatus === 'down' ? down : degraded}%)`);
      status = worst(status, metricStatus);
    }
    return {
      status,
      error: problems.length ? problems.join('; ') : null,
      details: {
        cpuPercent: cpu,
        cpuCores: os.availableParallelism(),
        loadAverage: os.loadavg().map(round2),
        memoryPercent: memory.percent,
        memoryUsedBytes: memory.used,
        memoryTotalBytes: memory.total,
        diskPercent: disk.percent,
        diskFreeBytes: disk.free,
        diskTotalBytes: disk.total,
        diskPath: disk.path,
      },
    };
  },
};
