// Lookout's TypeScript, stripped once and kept: imported (or `--import`ed) before any of
// server/, schema/ or migrations/ is, it has Node load each of their .ts files from a cache of its
// stripped JavaScript, so the process never loads Node's own type stripper (amaro, a WebAssembly
// build of swc: ~13 MB of memory in every process that has stripped one file, measured here).
//
// - The cache is node_modules/.cache/lookout-typescript/, one file per source, named by the hash
//   of the source's text and the Node version: an edited file is simply another entry, never a
//   stale one. Each entry ends with a comment naming that whole hash, and is used only when it
//   does (a truncated or damaged entry is stripped again, and until then Node strips that file).
// - The files missing from it are stripped by a short-lived child process (bin/strip-types.mjs)
//   with Node's `stripTypeScriptTypes`, the very function Node strips with at run time: it blanks
//   the types out, so every line and column (and so every stack trace) is the source's. The
//   child writes each entry whole (synced, then renamed) and drops entries of texts gone for a day.
// - Anything the cache cannot serve (no write access, a file added since, a syntax error) is left
//   to Node, which strips it as before: slower to start and heavier, never wrong. A cache that
//   cannot be written is said once per run (a worker does not say it again after its primary);
//   `node bin/typescript-cache.mjs`, run by the owner of node_modules, fills it (the Dockerfile
//   does so when it builds the image).
// - In a worker thread (which inherits `--import`) only the hook is registered: its process has
//   filled the cache already.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, closeSync, constants, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { registerHooks } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';

const root = fileURLToPath(new URL('..', import.meta.url));
const rootUrl = pathToFileURL(root).href.replace(/\/?$/, '/');
/** Where the stripped files are kept (one directory per code directory: an update's release has its own). */
const cacheDir = path.join(root, 'node_modules', '.cache', 'lookout-typescript');
/** The directories a server process loads TypeScript from. */
const SOURCE_DIRS = ['server', 'schema', 'migrations'];
/** How long the child that strips may take before this start gives up on it (and Node strips). */
const STRIP_TIMEOUT_MS = 120_000;

/** Set once a process of this run has said the cache cannot be written (its workers inherit it). */
const WARNED_ENV = 'LOOKOUT_TYPESCRIPT_CACHE_WARNED';

/** The cache entry for a source's text: its file, and the comment it must end with to be used. */
function cacheEntry(source) {
  const key = createHash('sha256').update(process.version).update('\0').update(source).digest('hex');
  return { file: path.join(cacheDir, `${key.slice(0, 40)}.js`), marker: `\n// lookout-typescript-cache ${key}\n` };
}

/** The stripped text of an entry, or null when it is missing or not whole. */
function readEntry({ file, marker }) {
  try {
    const text = readFileSync(file, 'utf8');
    return text.endsWith(marker) ? text : null;
  } catch {
    return null;
  }
}

/** Whether an entry is there and whole (it ends with its marker), reading only its end. */
function entryWhole({ file, marker }) {
  try {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      const end = Buffer.alloc(marker.length); // the marker is ASCII: as many bytes as characters
      return size >= end.length && readSync(fd, end, 0, end.length, size - end.length) === end.length && end.toString('latin1') === marker;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** Whether this process may create or write the cache directory (its nearest existing ancestor). */
function writable(dir) {
  for (let at = dir; ; at = path.dirname(at)) {
    if (existsSync(at)) {
      try {
        accessSync(at, constants.W_OK);
        return true;
      } catch {
        return false;
      }
    }
    if (path.dirname(at) === at) return false;
  }
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
  const keep = [];
  for (const file of sourceFiles()) {
    let source;
    try {
      source = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const entry = cacheEntry(source);
    keep.push(path.basename(entry.file));
    if (!entryWhole(entry)) missing.push({ file, source, out: entry.file, marker: entry.marker });
  }
  if (missing.length === 0) return;
  let reason = null;
  if (!writable(cacheDir)) reason = `${cacheDir} cannot be written by this user`;
  else {
    const strip = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', fileURLToPath(new URL('strip-types.mjs', import.meta.url)), cacheDir], {
      input: JSON.stringify({ keep, jobs: missing }),
      encoding: 'utf8',
      timeout: STRIP_TIMEOUT_MS,
      maxBuffer: 1024 * 1024,
      stdio: ['pipe', 'pipe', 'pipe'],
      // The child must not import this module again (NODE_OPTIONS may say to), nor strip in a chain.
      env: { ...process.env, LOOKOUT_TYPESCRIPT_CACHE: 'off' },
    });
    if (strip.error) reason = String(strip.error.message);
    else if (strip.status !== 0) reason = (strip.stderr.split('\n').find((line) => line.trim()) ?? `exit ${strip.status ?? strip.signal}`).trim().slice(0, 500);
  }
  if (reason === null || process.env[WARNED_ENV] === cacheDir) return;
  process.env[WARNED_ENV] = cacheDir;
  warn('could not keep the stripped TypeScript: Node strips it in each process instead (about 13 MB more memory each); `node bin/typescript-cache.mjs` run by the owner of node_modules fills it', { cache: cacheDir, reason });
}

/** Node's load step, served from the cache for the code directory's own TypeScript modules. */
function load(url, context, nextLoad) {
  if (!url.startsWith(rootUrl) || !url.endsWith('.ts') || url.includes('/node_modules/') || (context.format !== undefined && context.format !== 'module-typescript')) {
    return nextLoad(url, context);
  }
  let source;
  try {
    source = readFileSync(fileURLToPath(url), 'utf8');
  } catch {
    return nextLoad(url, context);
  }
  const stripped = readEntry(cacheEntry(source));
  return stripped === null ? nextLoad(url, context) : { format: 'module', source: stripped, shortCircuit: true };
}

if (!['off', 'false', '0'].includes(process.env.LOOKOUT_TYPESCRIPT_CACHE ?? '')) {
  if (isMainThread) fillCache();
  registerHooks({ load });
}
