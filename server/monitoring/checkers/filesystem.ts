/**
 * The `filesystem` checker: a directory has free space and really accepts writes. A full disk and a
 * read-only remount are the two ways a volume silently stops a service, so both are checked.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { BadInputError } from '../../errors.ts';
import type { Checker } from './checker.ts';
import { StepClock } from './network.ts';
import { describe, OptionReader, requireOrdered, round2, throwIfAborted } from './options.ts';

/** Normalised options of a `filesystem` check. */
export type FilesystemOptions = {
  /** Free space (% of the volume) below which the check is degraded. */
  degradedBelowPercent: number;
  /** Free space (% of the volume) below which the check is down. */
  downBelowPercent: number;
};

/**
 * The target that means "the data directory of the replica that runs the check" (the built-in
 * `filesystem` service): each replica has its own, so no path of one replica is stored for all.
 */
export const DATA_DIR_TARGET = 'data-dir';

/** Probe files start with this, so a leftover one (after a crash mid-probe) explains itself. */
export const PROBE_PREFIX = '.lookout-probe-';
const ERRNO_WORDS: Record<string, string> = {
  ENOENT: 'does not exist',
  ENOTDIR: 'is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'I/O error',
};

/** Checks free space on a directory's volume and writes, syncs, reads back and deletes a probe file there. */
export const filesystemChecker: Checker<FilesystemOptions> = {
  kind: 'filesystem',
  description: 'Checks free space of a directory\'s volume and that a file can be written, synced, read back and deleted there.',

  validate(target, options) {
    const value = String(target ?? '').trim();
    if (value !== DATA_DIR_TARGET && !path.isAbsolute(value)) throw new BadInputError('target', `target must be an absolute directory path such as /var/lib/app (or "${DATA_DIR_TARGET}": Lookout's own data directory), got ${describe(target)}.`);
    const read = new OptionReader('filesystem', options);
    const degraded = read.percent('degradedBelowPercent', 10);
    const down = read.percent('downBelowPercent', 3);
    requireOrdered({ name: 'degradedBelowPercent', value: degraded }, { name: 'downBelowPercent', value: down }, 'falling');
    return { target: value === DATA_DIR_TARGET ? value : path.normalize(value), options: read.finish<FilesystemOptions>() };
  },

  async check(service, { signal, host }) {
    const dir = service.target === DATA_DIR_TARGET ? host.dataDir : service.target;
    const clock = new StepClock();
    let step = 'stat';
    try {
      const stat = await fs.stat(dir);
      if (!stat.isDirectory()) return { status: 'down', error: `${dir} is not a directory`, details: {} };
      const space = await fs.statfs(dir);
      clock.mark('stat');
      throwIfAborted(signal);
      step = 'probe';
      const probeStarted = performance.now();
      await probe(dir, signal);
      const probeMs = round2(performance.now() - probeStarted);
      clock.mark('probe');
      const totalBytes = space.blocks * space.bsize;
      const freeBytes = space.bavail * space.bsize;
      // Pseudo file systems (proc, some overlays) report no blocks: there is no space to judge.
      if (totalBytes === 0) return { status: 'healthy', error: null, details: { probeMs }, steps: clock.steps };
      const freePercent = round2((freeBytes / totalBytes) * 100);
      const details = { freeBytes, totalBytes, freePercent, probeMs };
      const { degradedBelowPercent, downBelowPercent } = service.options;
      const status = freePercent < downBelowPercent ? 'down' : freePercent < degradedBelowPercent ? 'degraded' : 'healthy';
      const error = status === 'healthy' ? null : `${freePercent}% free on ${dir} (${formatBytes(freeBytes)} of ${formatBytes(totalBytes)}; ${status} below ${status === 'down' ? downBelowPercent : degradedBelowPercent}%)`;
      return { status, error, details, steps: clock.steps };
    } catch (error) {
      const message = describeFsError(error, dir, step);
      clock.fail(step, message);
      return { status: 'down', error: message, details: {}, steps: clock.steps };
    }
  },
};

/** Writes a small file, fsyncs it (so a dying disk fails here, not in the page cache), reads it back, deletes it. */
async function probe(dir: string, signal: AbortSignal): Promise<void> {
  const content = randomBytes(16).toString('hex');
  const file = path.join(dir, `${PROBE_PREFIX}${process.pid}-${content.slice(0, 8)}`);
  const handle = await fs.open(file, 'wx');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    throwIfAborted(signal);
    const back = await fs.readFile(file, { encoding: 'utf8', signal });
    if (back !== content) throw new Error(`the probe file read back differs from what was written in ${dir}`);
  } finally {
    await fs.rm(file, { force: true });
  }
}

function describeFsError(error: unknown, dir: string, step: string): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  const words = code ? ERRNO_WORDS[code] : undefined;
  if (step === 'stat' && words) return `${dir} ${words}`;
  if (words) return `cannot write to ${dir}: ${words} (${code})`;
  return error instanceof Error ? error.message : String(error);
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value >= 10 || unit === 0 ? 0 : 1)} ${units[unit]}`;
}
