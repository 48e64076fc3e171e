// Run by bin/typescript-cache.mjs in a child process, so that Node's type stripper is loaded here
// and not in the server. Reads `{ keep, jobs: [{ file, source, out, marker }] }` as JSON on stdin:
// each job's source (the text the parent read and named `out` by, so a file edited meanwhile
// cannot be kept under its old text's name) is stripped of its types with Node's
// `stripTypeScriptTypes` (lines and columns kept), followed by `marker`, and written to `out` in
// the cache directory given as the argument: whole under a temporary name, synced, then renamed,
// so that a reader (or a power cut) never leaves a part of one under its name. A source that does
// not strip (a syntax error) is left out: Node reports it, as it would, when it is loaded. Entries
// not in `keep` (texts since edited away) and temporary files are removed after a day.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import path from 'node:path';

const STALE_MS = 24 * 60 * 60 * 1000;

const cacheDir = path.resolve(process.argv[2] ?? '');
try {
  const { keep, jobs } = JSON.parse(readFileSync(0, 'utf8'));
  if (!Array.isArray(jobs) || !Array.isArray(keep)) throw new Error('expected { keep, jobs } as JSON on stdin');
  mkdirSync(cacheDir, { recursive: true });
  let failed = 0;
  for (const { source, out, marker } of jobs) {
    // Only into the cache directory, whatever the input says.
    if (typeof source !== 'string' || typeof out !== 'string' || typeof marker !== 'string' || path.dirname(path.resolve(out)) !== cacheDir) continue;
    let stripped;
    try {
      stripped = stripTypeScriptTypes(source, { mode: 'strip' });
    } catch {
      failed++;
      continue;
    }
    writeWhole(out, stripped + marker);
  }
  syncDirectory(cacheDir);
  prune(new Set(keep));
  if (failed) process.stderr.write(`${failed} file(s) did not strip; Node will report them when they are loaded\n`);
} catch (error) {
  // One line the parent can quote.
  process.stderr.write(`could not write the TypeScript cache in ${cacheDir}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

function writeWhole(out, text) {
  const temporary = `${out}.${process.pid}.tmp`;
  try {
    const fd = openSync(temporary, 'w');
    try {
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, out);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

function syncDirectory(dir) {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function prune(keep) {
  const now = Date.now();
  for (const name of readdirSync(cacheDir)) {
    if (keep.has(name) || !(name.endsWith('.js') || name.endsWith('.tmp'))) continue;
    const file = path.join(cacheDir, name);
    try {
      if (now - statSync(file).mtimeMs > STALE_MS) rmSync(file, { force: true });
    } catch {
      // gone already, or not ours to remove: left
    }
  }
}
