/**
 * bin/typescript-cache.mjs: a code directory's TypeScript stripped once, in a child process, and
 * loaded from the cache, so that Lookout's processes never load Node's stripper (~13 MB each).
 * Each test copies the two bin files into a scratch code directory with a few modules of its own
 * and runs real Node processes there (the cache lives in that directory's node_modules/.cache).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
