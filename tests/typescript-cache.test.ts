/**
 * bin/typescript-cache.mjs: a code directory's TypeScript stripped once, in a child process, and
 * loaded from the cache, so that Lookout's processes never load Node's stripper (~13 MB each).
 * Each test copies the two bin files into a scratch code directory with a few modules of its own
 * and runs real Node processes there (the cache lives in that directory's node_modules/.cache).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { workerExecArgv } from '../server/supervisor/worker-process.ts';

const run = promisify(execFile);
const projectRoot = path.resolve(import.meta.dirname, '..');
const reporter = path.join(projectRoot, 'tests', 'support', 'report-loaded.mjs');

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

/** A scratch code directory: the cache's two files, a package of ES modules, and `files` (path → text). */
function codeDirectory(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'lookout-ts-cache-'));
  dirs.push(root);
  mkdirSync(path.join(root, 'bin'));
  for (const name of ['typescript-cache.mjs', 'strip-types.mjs']) copyFileSync(path.join(projectRoot, 'bin', name), path.join(root, 'bin', name));
  writeFileSync(path.join(root, 'package.json'), JSON.stringify({ type: 'module' }));
  mkdirSync(path.join(root, 'node_modules'));
  write(root, files);
  return root;
}

function write(root: string, files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
}

const cacheDir = (root: string) => path.join(root, 'node_modules', '.cache', 'lookout-typescript');
const cached = (root: string) => (existsSync(cacheDir(root)) ? readdirSync(cacheDir(root)) : []);
/** Whether the entry `name` is one of the texts in the code directory now (it ends with the hash of one). */
function cachedNow(root: string, name: string): boolean {
  const text = readFileSync(path.join(cacheDir(root), name), 'utf8');
  const sources = ['server/main.ts', 'server/lib.ts', 'schema/answer.ts'].map((f) => readFileSync(path.join(root, f), 'utf8'));
  return sources.some((source) => text.endsWith(`${createHash('sha256').update(process.version).update('\0').update(source).digest('hex')}\n`));
}

interface Ran {
  stdout: string;
  stderr: string;
  code: number;
  /** Whether Node's stripper was loaded in the process run (its own report line). */
  stripperLoaded: boolean;
}

/** Runs `node --import <root>/bin/typescript-cache.mjs <root>/<entry>` with the stripper reporter. */
async function runEntry(root: string, entry: string, env: Record<string, string> = {}): Promise<Ran> {
  const args = ['--import', path.join(root, 'bin', 'typescript-cache.mjs'), '--import', reporter, path.join(root, entry)];
  let result: { stdout: string; stderr: string; code: number };
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 });
    result = { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    result = { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
  const report = /loaded-report pid=\d+ stripper=(true|false)/.exec(result.stderr);
  if (!report) throw new Error(`no stripper report from the process:\n${result.stderr}`);
  return { ...result, stripperLoaded: report[1] === 'true' };
}

const MODULES = {
  'server/main.ts': [
    "import { greet, fail } from './lib.ts';",
    "import { answer } from '../schema/answer.ts';",
    'const name: string = process.argv[2] ?? "world";',
    'console.log(greet(name), answer());',
    "if (process.env.FAIL) { try { fail(); } catch (error) { console.log((error as Error).stack); } }",
  ].join('\n'),
  'server/lib.ts': [
    'export interface Greeting {',
    '  text: string;',
    '}',
    'type Unused = { a: number; b: string };',
    'export function greet(name: string): string {',
    '  const g: Greeting = { text: `hello ${name}` };',
    '  return g.text;',
    '}',
    'export function fail(): never {',
    '  const why: Unused | null = null;',
    "  throw new Error(`failed here ${String(why as unknown)}`);",
    '}',
  ].join('\n'),
  'schema/answer.ts': 'export const answer = (): number => 42;\n',
};

describe('the TypeScript cache (bin/typescript-cache.mjs)', () => {
  it('fills a cold cache in a child process and loads every module from it: the process itself never loads the stripper', async () => {
    const root = codeDirectory(MODULES);
    const ran = await runEntry(root, 'server/main.ts');
    expect(ran.code).toBe(0);
    expect(ran.stdout.trim()).toBe('hello world 42');
    expect(ran.stripperLoaded).toBe(false);
    // One entry per source under server/ and schema/, nothing half-written.
    expect(cached(root)).toHaveLength(3);
    expect(cached(root).every((f) => f.endsWith('.js'))).toBe(true);

    const again = await runEntry(root, 'server/main.ts');
    expect(again.stdout.trim()).toBe('hello world 42');
    expect(again.stripperLoaded).toBe(false);
    expect(cached(root)).toHaveLength(3);
  });

  it('keeps every line and column: a stack trace points at the source (types are blanked out, not removed)', async () => {
    const root = codeDirectory(MODULES);
    const ran = await runEntry(root, 'server/main.ts', { FAIL: '1' });
    expect(ran.stripperLoaded).toBe(false);
    // `throw new Error(...)` is on line 11 of lib.ts, `new` at column 9.
    expect(ran.stdout).toContain(`${path.join(root, 'server', 'lib.ts')}:11:9`);
    expect(ran.stdout).toContain(`${path.join(root, 'server', 'main.ts')}:5:`);
  });

  it('serves an edited file as edited: entries are named by the text, so none is ever stale', async () => {
    const root = codeDirectory(MODULES);
    expect((await runEntry(root, 'server/main.ts')).stdout.trim()).toBe('hello world 42');
    write(root, { 'schema/answer.ts': 'export const answer = (): number => 43;\n' });
    const ran = await runEntry(root, 'server/main.ts');
    expect(ran.stdout.trim()).toBe('hello world 43');
    expect(ran.stripperLoaded).toBe(false);
    expect(cached(root)).toHaveLength(4);
    // Back to the first text: its entry is still there and is used.
    write(root, { 'schema/answer.ts': 'export const answer = (): number => 42;\n' });
    expect((await runEntry(root, 'server/main.ts')).stdout.trim()).toBe('hello world 42');
    expect(cached(root)).toHaveLength(4);
  });

  it('leaves to Node what it cannot cache: a cache directory that cannot be made is one warning, and the code still runs', async () => {
    const root = codeDirectory(MODULES);
    // A file where the cache directory's parent should be.
    writeFileSync(path.join(root, 'node_modules', '.cache'), 'not a directory');
    const ran = await runEntry(root, 'server/main.ts');
    expect(ran.code).toBe(0);
    expect(ran.stdout.trim()).toBe('hello world 42');
    expect(ran.stripperLoaded).toBe(true);
    const warnings = ran.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string; cache: string; reason: string });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, cache: cacheDir(root) });
    expect(warnings[0]!.msg).toMatch(/could not keep the stripped TypeScript/);
    expect(warnings[0]!.reason).toMatch(/ENOTDIR|EEXIST/);
  });

  it('a file that does not parse is left out of the cache: the others are kept, and Node reports it when it is loaded', async () => {
    const root = codeDirectory({ ...MODULES, 'server/broken.ts': 'export const x: = ;\n' });
    const ran = await runEntry(root, 'server/main.ts');
    expect(ran.code).toBe(0);
    expect(ran.stdout.trim()).toBe('hello world 42');
    expect(ran.stripperLoaded).toBe(false);
    expect(cached(root)).toHaveLength(3);

    write(root, { 'server/uses-broken.ts': "import { x } from './broken.ts';\nconsole.log(x);\n" });
    const broken = await runEntry(root, 'server/uses-broken.ts');
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toMatch(/broken\.ts/);
    expect(broken.stderr).toMatch(/SyntaxError|ERR_INVALID_TYPESCRIPT_SYNTAX/);
  });

  it('starts at once from a cold cache in several processes: each runs, and the cache ends whole', async () => {
    const root = codeDirectory(MODULES);
    const runs = await Promise.all([1, 2, 3].map(() => runEntry(root, 'server/main.ts')));
    for (const ran of runs) {
      expect(ran.stdout.trim()).toBe('hello world 42');
      expect(ran.stripperLoaded).toBe(false);
    }
    expect(cached(root)).toHaveLength(3);
    expect(cached(root).every((f) => f.endsWith('.js'))).toBe(true);
  });

  it('never uses a damaged entry (regression: an empty one was served, and `lookout` did nothing): it is stripped again, and Node strips that file meanwhile', async () => {
    const root = codeDirectory(MODULES);
    await runEntry(root, 'server/main.ts');
    const entries = cached(root).map((name) => path.join(cacheDir(root), name));
    for (const [i, entry] of entries.entries()) writeFileSync(entry, i === 0 ? '' : readFileSync(entry, 'utf8').slice(0, -20));
    const ran = await runEntry(root, 'server/main.ts');
    expect(ran.code).toBe(0);
    expect(ran.stdout.trim()).toBe('hello world 42');
    expect(ran.stripperLoaded).toBe(false);
    expect(cached(root)).toHaveLength(3);
    for (const entry of entries) expect(readFileSync(entry, 'utf8')).toMatch(/\n\/\/ lookout-typescript-cache [0-9a-f]{64}\n$/);
  });

  it('with the cache in NODE_OPTIONS, fills a cold cache with one child (regression: each child imported it again and spawned another, without end)', async () => {
    const root = codeDirectory(MODULES);
    const hook = path.join(root, 'bin', 'typescript-cache.mjs');
    const ran = await runEntry(root, 'server/main.ts', { NODE_OPTIONS: `--import ${hook}` });
    expect(ran.code).toBe(0);
    expect(ran.stdout.trim()).toBe('hello world 42');
    expect(ran.stripperLoaded).toBe(false);
    expect(cached(root)).toHaveLength(3);
  });

  it('says a cache it cannot write once per run: not again in a process it starts, nor in a worker thread, which does not fill it either', async () => {
    const root = codeDirectory({
      ...MODULES,
      'server/spawner.ts': [
        "import { execFileSync } from 'node:child_process';",
        "import { Worker } from 'node:worker_threads';",
        "const hook: string = new URL('../bin/typescript-cache.mjs', import.meta.url).pathname;",
        "execFileSync(process.execPath, ['--import', hook, new URL('./main.ts', import.meta.url).pathname], { stdio: 'inherit' });",
        "const thread = new Worker(new URL('./main.ts', import.meta.url), { execArgv: ['--import', hook] });",
        "await new Promise((resolve) => thread.on('exit', resolve));",
      ].join('\n'),
    });
    writeFileSync(path.join(root, 'node_modules', '.cache'), 'not a directory');
    const ran = await runEntry(root, 'server/spawner.ts');
    expect(ran.code).toBe(0);
    expect(ran.stdout.trim().split('\n')).toEqual(['hello world 42', 'hello world 42']);
    expect(ran.stderr.split('\n').filter((l) => l.includes('could not keep the stripped TypeScript'))).toHaveLength(1);
  });

  it('drops, when it strips again, the entries of texts edited away and the temporary files left for a day; a younger one is kept', async () => {
    const root = codeDirectory(MODULES);
    await runEntry(root, 'server/main.ts');
    const first = new Set(cached(root));
    write(root, { 'schema/answer.ts': 'export const answer = (): number => 43;\n' });
    await runEntry(root, 'server/main.ts');
    const [edited] = cached(root).filter((name) => first.has(name) && !cachedNow(root, name));
    expect(edited).toBeDefined();
    const dayAndMore = new Date(Date.now() - 25 * 60 * 60 * 1000);
    utimesSync(path.join(cacheDir(root), edited!), dayAndMore, dayAndMore);
    writeFileSync(path.join(cacheDir(root), 'left.js.123.tmp'), 'half');
    utimesSync(path.join(cacheDir(root), 'left.js.123.tmp'), dayAndMore, dayAndMore);
    writeFileSync(path.join(cacheDir(root), 'young.js.124.tmp'), 'half');
    // Another edit: the child runs, and prunes.
    write(root, { 'schema/answer.ts': 'export const answer = (): number => 44;\n' });
    expect((await runEntry(root, 'server/main.ts')).stdout.trim()).toBe('hello world 44');
    const now = cached(root);
    expect(now).not.toContain(edited);
    expect(now).not.toContain('left.js.123.tmp');
    expect(now).toContain('young.js.124.tmp');
    // 42's and 43's entries: one dropped (a day old), the other kept (young), and 44's added.
    expect(now.filter((n) => n.endsWith('.js'))).toHaveLength(4);
  });

  it('is off with LOOKOUT_TYPESCRIPT_CACHE=off: Node strips, nothing is cached', async () => {
    const root = codeDirectory(MODULES);
    const ran = await runEntry(root, 'server/main.ts', { LOOKOUT_TYPESCRIPT_CACHE: 'off' });
    expect(ran.stdout.trim()).toBe('hello world 42');
    expect(ran.stripperLoaded).toBe(true);
    expect(cached(root)).toEqual([]);
  });

  it('the primary imports the cache into each worker it forks from a code directory that has one, and not from an older one without it', () => {
    const withCache = codeDirectory(MODULES);
    expect(workerExecArgv(withCache, ['--max-semi-space-size=2'])).toEqual(['--max-semi-space-size=2', '--import', `file://${path.join(withCache, 'bin', 'typescript-cache.mjs')}`]);
    const older = codeDirectory(MODULES);
    rmSync(path.join(older, 'bin', 'typescript-cache.mjs'));
    expect(workerExecArgv(older, ['--max-semi-space-size=2'])).toEqual(['--max-semi-space-size=2']);
  });
});
