/**
 * Readings of the machine Lookout runs on, shared by the `host` checker and the host-metrics
 * sampler: CPU use over a measured interval, memory in use, and disk use of a directory's volume.
 * Each is the cheapest reading measured: they run inside the control plane, so none blocks the
 * event loop or spawns a process.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** Shortest interval CPU use is measured over: a shorter one reads a burst (a start-up, a GC) as the machine's load. */
export const CPU_WINDOW_MS = 1000;

/** Cumulative CPU time of all cores (os.cpus() counters, in ms) at an instant. */
export interface CpuCounters {
  at: number;
  idle: number;
  total: number;
}

/** Reads the counters: 0.06 ms, unlike si.currentLoad(), which runs `cat /proc/stat` through execSync (~5 ms of blocked event loop). */
export function readCpuCounters(): CpuCounters {
  let idle = 0;
  let total = 0;
  for (const { times } of os.cpus()) {
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.idle + times.irq;
  }
  return { at: performance.now(), idle, total };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * CPU use in percent over the interval since its previous reading, and never over less than
 * `windowMs`: the first reading waits out a window from its own start instead of reporting the
 * average since boot (os.cpus() counters start there) or a burst of a few milliseconds. Each
 * consumer keeps its own meter, so one's readings do not shorten another's interval.
 */
export class CpuMeter {
  #previous: CpuCounters | undefined;
  readonly #windowMs: number;
  readonly #read: () => CpuCounters;

  constructor(options: { windowMs?: number; read?: () => CpuCounters } = {}) {
    this.#windowMs = options.windowMs ?? CPU_WINDOW_MS;
    this.#read = options.read ?? readCpuCounters;
  }

  /** Takes the reading the next interval starts from (e.g. at start-up), so the first `percent()` need not wait. */
  mark(): void {
    this.#previous = this.#read();
  }

  async percent(signal?: AbortSignal): Promise<number> {
    this.#previous ??= this.#read();
    let now = this.#read();
    const short = this.#windowMs - (now.at - this.#previous.at);
    if (short > 0) {
      await delay(short, undefined, { signal });
      now = this.#read();
    }
    const total = now.total - this.#previous.total;
    const busy = total - (now.idle - this.#previous.idle);
    this.#previous = now;
    return total > 0 ? Math.min(100, Math.max(0, round2((busy / total) * 100))) : 0;
  }
}

export interface MemoryUse {
  used: number;
  total: number;
  percent: number;
}

/** Memory in use, counting reclaimable cache as free (`available`): si.mem() reads /proc/meminfo asynchronously (0.4 ms). */
export async function memoryUse(): Promise<MemoryUse> {
  const { default: si } = await import('systeminformation'); // loaded on first use only
  const memory = await si.mem();
  const used = memory.total - memory.available;
  return { used, total: memory.total, percent: round2((used / memory.total) * 100) };
}

export interface DiskUse {
  used: number;
  free: number;
  total: number;
  percent: number;
  /** The directory measured: `dir`, or its nearest existing parent. */
  path: string;
}

/**
 * Disk use of the volume holding `dataDir`, as `df` counts it (blocks reserved for root excluded
 * from the percentage). One statfs call (0.1 ms) instead of si.fsSize(), which spawns `df` (10 ms).
 */
export async function diskUse(dataDir: string): Promise<DiskUse> {
  let dir = path.resolve(dataDir);
  // The data directory may not exist yet; its nearest existing parent is on the same volume.
  for (;;) {
    try {
      const space = await fs.statfs(dir);
      const used = (space.blocks - space.bfree) * space.bsize;
      const free = space.bavail * space.bsize;
      const percent = used + free > 0 ? round2((used / (used + free)) * 100) : 0;
      return { used, free, total: space.blocks * space.bsize, percent, path: dir };
    } catch (error) {
      const parent = path.dirname(dir);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === dir) throw error;
      dir = parent;
    }
  }
}
