/**
 * `<dataDir>/current-release`: the code directory Lookout's workers run from after an update
 * switched to it. One line, an absolute path. The primary reads it when it starts (a missing or
 * broken one is logged and the project root is used) and writes it when a worker from another
 * directory took over.
 */
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.ts';

export const CURRENT_RELEASE_FILE = 'current-release';

/** Whether `root` looks like a Lookout code directory (one a worker can be started from). */
export function isLookoutRoot(root: string): boolean {
  return existsSync(path.join(root, 'server', 'cli.ts'));
}

/** The root named by `<dataDir>/current-release` when it is usable, else `fallback` (the project root). */
export function readCurrentRelease(dataDir: string, fallback: string, logger: Logger): string {
  const file = path.join(dataDir, CURRENT_RELEASE_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') logger.warn({ file, err: String(error) }, 'could not read the current release; running the project root');
    return fallback;
  }
  const named = text.split('\n')[0]!.trim().slice(0, 4096);
  const root = path.resolve(dataDir, named);
  if (!named || !isLookoutRoot(root)) {
    logger.warn({ file, root: named || null }, `${file} does not name a Lookout directory (one with server/cli.ts); running ${fallback}`);
    return fallback;
  }
  return root;
}

/** Records `root` as the current release (written whole, then renamed over the old one). */
export async function writeCurrentRelease(dataDir: string, root: string): Promise<void> {
  const file = path.join(dataDir, CURRENT_RELEASE_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  // The data directory may not exist yet (with DATABASE_URL and the releases elsewhere, nothing made it).
  await fs.mkdir(dataDir, { recursive: true });
  await fs.writeFile(temporary, `${path.resolve(root)}\n`);
  await fs.rename(temporary, file);
}
