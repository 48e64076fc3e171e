/**
 * The `host` checker: CPU, memory and disk use of the machine Lookout runs on. Every reading is the
 * cheapest one measured (see `readers` below): this check runs inside the control plane, so it must
 * never block the event loop or spawn a process per check.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { BadInputError } from '../../errors.ts';
import { worst, type Status } from '../status.ts';
import type { Checker } from './checker.ts';
import { describe, OptionReader, requireOrdered, round2, statusAbove } from './options.ts';

/** Normalised options of a `host` check: pairs of thresholds, in percent used (degraded/down when strictly above). */
export type HostOptions = {
  cpuDegradedPercent: number;
  cpuDownPercent: number;
  memoryDegradedPercent: number;
  memoryDownPercent: number;
  diskDegradedPercent: number;
  diskDownPercent: number;
};

/** The only target: this checker sees the machine it runs on and no other. */
export const LOCAL_HOST_TARGET = 'localhost';
/** Shortest window CPU use is averaged over; closer samples reuse the last reading. */
export const CPU_SAMPLE_MS = 200;

/** Default pairs; disk matches the filesystem checker's 10% / 3% free. */
const METRICS = [
  { name: 'cpu', label: 'CPU', degraded: 90, down: 99 },
  { name: 'memory', label: 'memory', degraded: 90, down: 98 },
  { name: 'disk', label: 'disk', degraded: 90, down: 97 },
] as const;

interface CpuSample {
  at: number;
  idle: number;
  total: number;
}

let previousCpu: CpuSample | undefined;
let lastCpuPercent: number | undefined;

/** Checks CPU, memory and data-directory disk use of this machine against degraded/down thresholds. */
export const hostChecker: Checker<HostOptions> = {
  kind: 'host',
  description: 'Checks CPU, memory and disk use of the machine Lookout runs on (disk: the volume of its data directory).',

  validate(target, options) {
    const value = String(target ?? '').trim().toLowerCase();
    if (value !== LOCAL_HOST_TARGET) throw new BadInputError('target', `target must be "${LOCAL_HOST_TARGET}" (a host check sees only the machine Lookout runs on), got ${describe(target)}.`);
    const read = new OptionReader('host', options);
    for (const metric of METRICS) {
      const degraded = read.percent(`${metric.name}DegradedPercent`, metric.degraded);
      const down = read.percent(`${metric.name}DownPercent`, metric.down);
      requireOrdered({ name: `${metric.name}DegradedPercent`, value: degraded }, { name: `${metric.name}DownPercent`, value: down }, 'rising');
    }
    return { target: value, options: read.finish<HostOptions>() };
  },

  async check(service, { signal, host }) {
    const [cpu, memory, disk] = await Promise.all([cpuPercent(signal), memoryUse(), diskUse(host.dataDir)]);
    const readings = { cpu, memory: memory.percent, disk: disk.percent };
    let status: Status = 'healthy';
    const problems: string[] = [];
    for (const metric of METRICS) {
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

/**
 * CPU use in percent, averaged since the previous sample (so over the check interval). Computed from
 * `os.cpus()` counters (0.06 ms) rather than `si.currentLoad()`, which runs `cat /proc/stat | grep`
 * through execSync and blocks the event loop ~5 ms per call. The first call samples for 200 ms.
 */
async function cpuPercent(signal: AbortSignal): Promise<number> {
  let now = sampleCpu();
  if (!previousCpu) {
    previousCpu = now;
    await delay(CPU_SAMPLE_MS, undefined, { signal });
    now = sampleCpu();
  } else if (now.at - previousCpu.at < CPU_SAMPLE_MS && lastCpuPercent !== undefined) {
    return lastCpuPercent;
  }
  const total = now.total - previousCpu.total;
  const busy = total - (now.idle - previousCpu.idle);
  previousCpu = now;
  lastCpuPercent = total > 0 ? round2((busy / total) * 100) : 0;
  return lastCpuPercent;
}

function sampleCpu(): CpuSample {
  let idle = 0;
  let total = 0;
  for (const { times } of os.cpus()) {
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.idle + times.irq;
  }
  return { at: performance.now(), idle, total };
}

/** Memory in use, counting reclaimable cache as free (`available`): si.mem() reads /proc/meminfo asynchronously (0.4 ms). */
async function memoryUse(): Promise<{ percent: number; used: number; total: number }> {
  const { default: si } = await import('systeminformation'); // loaded on the first host check only
  const memory = await si.mem();
  const used = memory.total - memory.available;
  return { percent: round2((used / memory.total) * 100), used, total: memory.total };
}

/**
 * Disk use of the volume holding the data directory, as `df` counts it (blocks reserved for root
 * excluded). One statfs call (0.1 ms) instead of si.fsSize(), which spawns `df` (10 ms).
 */
async function diskUse(dataDir: string): Promise<{ percent: number; free: number; total: number; path: string }> {
  let dir = path.resolve(dataDir);
  // The data directory may not exist yet; its nearest existing parent is on the same volume.
  for (;;) {
    try {
      const space = await fs.statfs(dir);
      const used = (space.blocks - space.bfree) * space.bsize;
      const free = space.bavail * space.bsize;
      const percent = used + free > 0 ? round2((used / (used + free)) * 100) : 0;
      return { percent, free, total: space.blocks * space.bsize, path: dir };
    } catch (error) {
      const parent = path.dirname(dir);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === dir) throw error;
      dir = parent;
    }
  }
}
