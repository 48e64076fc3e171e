// Lookout's TypeScript, stripped once and kept: imported (or `--import`ed) before any of
// server/, schema/ or migrations/ is, it has Node load each of their .ts files from a cache of its
// stripped JavaScript, so the process never loads Node's own type stripper (amaro, a WebAssembly
// build of swc: ~13 MB of memory in every process that has stripped one file, measured here).
//
// - The cache is node_modules/.cache/lookout-typescript/, one file per source, named by the hash
//   of the source's text and the Node version: an edited file is simply another entry, never a
//   stale one. Reading it back is checked the same way at each load.
// - The files missing from it are stripped by a short-lived child process (bin/strip-types.mjs)
//   with Node's `stripTypeScriptTypes`, the very function Node strips with at run time: it blanks
//   the types out, so every line and column (and so every stack trace) is the source's.
// - Anything the cache cannot serve (no write access, a file added since, a syntax error) is left
//   to Node, which strips it as before: slower to start and heavier, never wrong.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const rootUrl = pathToFileURL(root).href.replace(/\/?$/, '/');
/** Where the stripped files are kept (one directory per code directory: an update's release has its own). */
export const cacheDir = path.join(root, 'node_modules', '.cache', 'lookout-typescript');
/** The directories a server process loads TypeScript from. */
const SOURCE_DIRS = ['server', 'schema', 'migrations'];
/** How long the child that strips may take before this start gives up on it (and Node strips). */
const STRIP_TIMEOUT_MS = 120_000;

/** The cache file for a source's text. */
export function cacheFile(source) {
  return path.join(cacheDir, `${createHash('sha256').update(process.version).update('\0').update(source).digest('hex').slice(0, 40)}.js`);
}

/** Every .ts file (not .d.ts) under the source directories, skipping node_modules and dot directories. */
function sourceFiles() {
  const files = [];
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(full);
    }
  };
  for (const dir of SOURCE_DIRS) walk(path.join(root, dir));
  return files;
}

/** One warning line on stderr, shaped like Lookout's log lines (the logger is not loaded yet). */
function warn(msg, detail) {
  process.stderr.write(`${JSON.stringify({ level: 40, time: Date.now(), pid: process.pid, ...detail, msg })}\n`);
}

/** Strips, in a child process, the sources the cache lacks. */
function fillCache() {
  const missing = [];
  for (const file of sourceFiles()) {
    let source;
    try {
      source = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const out = cacheFile(source);
    if (!existsSync(out)) missing.push({ file, source, out });
  }
  if (missing.length === 0) return;
  const strip = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', fileURLToPath(new URL('strip-types.mjs', import.meta.url)), cacheDir], {
    input: JSON.stringify(missing),
    encoding: 'utf8',
    timeout: STRIP_TIMEOUT_MS,
    maxBuffer: 1024 * 1024,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (strip.error || strip.status !== 0) {
    const reason = strip.error ? String(strip.error.message) : (strip.stderr || `exit ${strip.status ?? strip.signal}`).trim().slice(-500);
    warn('could not keep the stripped TypeScript: Node strips it in this process instead (about 13 MB more memory)', { cache: cacheDir, reason });
  }
}

/** Node's load step, served from the cache for the code directory's own TypeScript modules. */
function load(url, context, nextLoad) {
  if (!url.startsWith(rootUrl) || !url.endsWith('.ts') || url.includes('/node_modules/') || (context.format !== undefined && context.format !== 'module-typescript')) {
    return nextLoad(url, context);
  }
  let stripped;
  try {
    stripped = readFileSync(cacheFile(readFileSync(fileURLToPath(url), 'utf8')), 'utf8');
  } catch {
    return nextLoad(url, context);
  }
  return { format: 'module', source: stripped, shortCircuit: true };
}

if (process.env.LOOKOUT_TYPESCRIPT_CACHE !== 'off') {
  fillCache();
  registerHooks({ load });
}
