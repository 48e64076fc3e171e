/**
 * The steps that make a new version ready beside the running one, on real git worktrees and real
 * child processes: the worktree at the commit (replacing a leftover), node_modules linked or
 * installed, the release's CLI streamed and bounded in time, and `migrate --down-to` on a real
 * database.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../server/config.ts';
import { childEnvironment } from '../../server/runtimes/run-command.ts';
import type { UpdateSource } from '../../server/updates/git.ts';
import { buildDashboard, installDependencies, prepareRelease, releaseRootFor, removeRelease, runReleaseCli } from '../../server/updates/release.ts';
import { StepFailed } from '../../server/updates/step-command.ts';
import { createTestDatabase } from '../support/server.ts';
import { until } from '../support/signals.ts';
import { collectingOutput, createGitFixture, git, type GitFixture } from './git-fixture.ts';

let repos: GitFixture;
let source: UpdateSource;
let releasesDir: string;

beforeEach(async () => {
  repos = await createGitFixture();
  source = { repoDir: repos.running, remote: 'origin', branch: 'main' };
  releasesDir = path.join(repos.dir, 'releases');
});
afterEach(async () => {
  await repos.close();
});

async function failure(promise: Promise<unknown>): Promise<StepFailed> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StepFailed);
  return error as StepFailed;
}

/** A release directory whose bin/lookout.mjs is `script`. */
function fakeRelease(script: string): string {
  const root = path.join(repos.dir, 'fake-release');
  mkdirSync(path.join(root, 'bin'), { recursive: true });
  writeFileSync(path.join(root, 'bin', 'lookout.mjs'), script);
  return root;
}

/** The process runs (a zombie waiting for its new parent, PID 1 here, to reap it has ended). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('prepareRelease', () => {
  it('checks out the commit as a detached worktree named after it, beside the running checkout', async () => {
    const commit = repos.push('Release 1.1.0', { 'package.json': repos.packageJson('1.1.0') });
    git(repos.running, 'fetch', '--quiet', 'origin');
    const out = collectingOutput();
    const root = await prepareRelease(source, commit, releasesDir, out);

    expect(root).toBe(path.join(releasesDir, commit.slice(0, 12)));
    expect(git(root, 'rev-parse', 'HEAD')).toBe(commit);
    expect(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version).toBe('1.1.0');
    expect(git(repos.running, 'worktree', 'list', '--porcelain')).toContain(`worktree ${root}`);
    // The running checkout did not move.
    expect(JSON.parse(readFileSync(path.join(repos.running, 'package.json'), 'utf8')).version).toBe('1.0.0');
  });

  it('replaces what an earlier failed attempt left: a registered worktree, or a bare directory', async () => {
    const commit = repos.push('Release 1.1.0', { 'package.json': repos.packageJson('1.1.0') });
    git(repos.running, 'fetch', '--quiet', 'origin');
    const first = await prepareRelease(source, commit, releasesDir, collectingOutput());
    writeFileSync(path.join(first, 'half-installed'), 'left over');

    const out = collectingOutput();
    const again = await prepareRelease(source, commit, releasesDir, out);
    expect(again).toBe(first);
    expect(out.lines[0]).toBe(`removing ${first}, left by an earlier attempt`);
    expect(existsSync(path.join(again, 'half-installed'))).toBe(false);
    expect(git(again, 'rev-parse', 'HEAD')).toBe(commit);

    // A directory git no longer knows (its registration pruned).
    await removeRelease(source, again);
    mkdirSync(again, { recursive: true });
    writeFileSync(path.join(again, 'junk'), 'x');
    const third = await prepareRelease(source, commit, releasesDir, collectingOutput());
    expect(existsSync(path.join(third, 'junk'))).toBe(false);
    expect(git(third, 'rev-parse', 'HEAD')).toBe(commit);
  });

  it('fails with git\'s reason for a commit the repository does not have', async () => {
    const error = await failure(prepareRelease(source, 'a'.repeat(40), releasesDir, collectingOutput()));
    expect(error.message).toMatch(/^git worktree add exited with code \d+: .*(invalid reference|not a valid)/i);
  });
});

describe('removeRelease', () => {
  it('removes the worktree and its registration, and ignores one that is already gone', async () => {
    const commit = git(repos.running, 'rev-parse', 'HEAD');
    const root = await prepareRelease(source, commit, releasesDir, collectingOutput());
    await removeRelease(source, root);
    expect(existsSync(root)).toBe(false);
    expect(git(repos.running, 'worktree', 'list', '--porcelain')).not.toContain(root);
    await expect(removeRelease(source, root)).resolves.toBeUndefined();
  });

  it('never removes the running checkout, nor a directory that is not one of its worktrees', async () => {
    expect((await failure(removeRelease(source, repos.running))).message).toContain('is the running version');
    const stranger = path.join(repos.dir, 'stranger');
    mkdirSync(stranger);
    expect((await failure(removeRelease(source, stranger))).message).toContain('is not a worktree of');
    expect(existsSync(stranger)).toBe(true);
    expect(existsSync(path.join(repos.running, 'package.json'))).toBe(true);
  });
});

describe('installDependencies', () => {
  let release: string;
  beforeEach(async () => {
    release = await prepareRelease(source, git(repos.running, 'rev-parse', 'HEAD'), releasesDir, collectingOutput());
    mkdirSync(path.join(repos.running, 'node_modules', 'left-pad', '.bin'), { recursive: true });
    mkdirSync(path.join(repos.running, 'node_modules', '.vite'), { recursive: true });
    writeFileSync(path.join(repos.running, 'node_modules', 'left-pad', 'index.js'), 'module.exports = 1;');
  });

  it('hard-links the running version\'s node_modules when package-lock.json is the same', async () => {
    const out = collectingOutput();
    await installDependencies(repos.running, release, out, { command: [process.execPath, '-e', 'process.exit(7)'] });
    const linked = statSync(path.join(release, 'node_modules', 'left-pad', 'index.js'));
    expect(linked.ino).toBe(statSync(path.join(repos.running, 'node_modules', 'left-pad', 'index.js')).ino);
    expect(out.lines[0]).toMatch(/^package-lock.json is unchanged: linking node_modules from the running version/);
    // A cache a tool would write in place is not shared.
    expect(existsSync(path.join(release, 'node_modules', '.vite'))).toBe(false);
    expect(existsSync(path.join(repos.running, 'node_modules', '.vite'))).toBe(true);
  });

  it("hard-links the real directory when the running version's node_modules is a symlink, and leaves its caches alone (regression: the link was copied and the caches were removed through it)", async () => {
    const real = path.join(repos.dir, 'shared-node_modules');
    renameSync(path.join(repos.running, 'node_modules'), real);
    symlinkSync(real, path.join(repos.running, 'node_modules'));
    try {
      await installDependencies(repos.running, release, collectingOutput(), { command: [process.execPath, '-e', 'process.exit(7)'] });
      expect(lstatSync(path.join(release, 'node_modules')).isSymbolicLink()).toBe(false);
      expect(statSync(path.join(release, 'node_modules', 'left-pad', 'index.js')).ino).toBe(statSync(path.join(real, 'left-pad', 'index.js')).ino);
      expect(existsSync(path.join(release, 'node_modules', '.vite'))).toBe(false);
      expect(existsSync(path.join(real, '.vite'))).toBe(true);
    } finally {
      rmSync(path.join(repos.running, 'node_modules'));
      renameSync(real, path.join(repos.running, 'node_modules'));
    }
  });

  it('runs the install command in the release when package-lock.json differs, streaming its lines', async () => {
    writeFileSync(path.join(release, 'package-lock.json'), '{"lockfileVersion": 3, "packages": {"x": {}}}\n');
    const out = collectingOutput();
    const script = "console.log('installing in ' + process.cwd()); require('fs').mkdirSync('node_modules/fresh', { recursive: true });";
    await installDependencies(repos.running, release, out, { command: [process.execPath, '-e', script] });
    expect(out.lines[0]).toMatch(/^package-lock.json differs from the running version's: running /);
    expect(out.lines).toContain(`installing in ${release}`);
    expect(existsSync(path.join(release, 'node_modules', 'fresh'))).toBe(true);
    expect(existsSync(path.join(release, 'node_modules', 'left-pad'))).toBe(false);
  });

  it('fails with the command\'s exit code and last line', async () => {
    writeFileSync(path.join(release, 'package-lock.json'), '{}\n');
    const script = "console.error('npm ERR! code E404'); console.error('npm ERR! 404 Not Found - left-pad@9.9.9'); process.exit(1);";
    const error = await failure(installDependencies(repos.running, release, collectingOutput(), { command: [process.execPath, '-e', script] }));
    expect(error.message).toMatch(/exited with code 1: npm ERR! 404 Not Found - left-pad@9\.9\.9$/);
  });
});

describe('installDependencies into the running directory', () => {
  it('refuses, leaving the running node_modules alone', async () => {
    mkdirSync(path.join(repos.running, 'node_modules', 'kept'), { recursive: true });
    const error = await failure(installDependencies(repos.running, repos.running, collectingOutput()));
    expect(error.message).toContain("is the running version's");
    expect(existsSync(path.join(repos.running, 'node_modules', 'kept'))).toBe(true);
  });
});

describe('buildDashboard', () => {
  it('fails clearly when the release has no vite', async () => {
    const root = fakeRelease('');
    const error = await failure(buildDashboard(root, collectingOutput()));
    expect(error.message).toContain(`cannot build the dashboard: ${path.join(root, 'node_modules', 'vite', 'bin', 'vite.js')} is missing`);
  });
});

describe('runReleaseCli', () => {
  it('streams the release CLI\'s lines as they come and resolves when it exits 0', async () => {
    const go = path.join(repos.dir, 'go');
    const root = fakeRelease(`
      import { existsSync } from 'node:fs';
      console.log('args: ' + process.argv.slice(2).join(' ') + ' in ' + process.cwd() + ' with ' + process.env.DATABASE_URL);
      console.error('waiting for the test');
      const wait = setInterval(() => { if (existsSync(${JSON.stringify(go)})) { clearInterval(wait); console.log('done'); } }, 20);
    `);
    // The CLI goes on only once the test has seen its first lines: they came while it ran.
    const out = collectingOutput((line) => line === 'waiting for the test' && writeFileSync(go, ''));
    await runReleaseCli(root, ['migrate', '--check'], out, { env: childEnvironment({ DATABASE_URL: 'postgres://db/x' }), timeoutMs: 30_000 });
    expect(out.lines).toEqual([`args: migrate --check in ${root} with postgres://db/x`, 'waiting for the test', 'done']);
  });

  it('reports a non-zero exit with its last line', async () => {
    const root = fakeRelease("console.log('applying Migration2027_x'); console.error('relation \"x\" already exists'); process.exit(3);");
    const error = await failure(runReleaseCli(root, ['migrate'], collectingOutput(), { env: childEnvironment({}), timeoutMs: 30_000 }));
    expect(error.message).toBe('lookout migrate exited with code 3: relation "x" already exists');
  });

  it('cuts lines at 2,000 characters', async () => {
    const root = fakeRelease("console.log('x'.repeat(5000));");
    const out = collectingOutput();
    await runReleaseCli(root, [], out, { env: childEnvironment({}), timeoutMs: 30_000 });
    expect(out.lines[0].startsWith('x'.repeat(2000))).toBe(true);
    expect(out.lines[0].length).toBeLessThan(2100);
  });

  it('kills a release CLI that runs past its timeout, with the processes it started', async () => {
    const root = fakeRelease(`
      import { spawn } from 'node:child_process';
      const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      console.log('grandchild ' + child.pid);
      setInterval(() => {}, 1000);
    `);
    let grandchild = 0;
    const out = collectingOutput((line) => {
      if (line.startsWith('grandchild ')) grandchild = Number(line.slice('grandchild '.length));
    });
    const error = await failure(runReleaseCli(root, ['migrate'], out, { env: childEnvironment({}), timeoutMs: 1500 }));
    expect(error.message).toBe('lookout migrate timed out after 1500 ms: grandchild ' + grandchild);
    expect(grandchild).toBeGreaterThan(0);
    await until(() => !alive(grandchild), `the grandchild ${grandchild} is gone`);
  });

  it('stops when its output\'s signal is aborted', async () => {
    const root = fakeRelease("console.log('started'); setInterval(() => {}, 1000);");
    const out = collectingOutput((line) => line === 'started' && out.controller.abort());
    const error = await failure(runReleaseCli(root, ['migrate'], out, { env: childEnvironment({}), timeoutMs: 60_000 }));
    expect(error.message).toBe('lookout migrate was cancelled: started');
  });

  it('fails clearly when the release has no bin/lookout.mjs', async () => {
    const error = await failure(runReleaseCli(repos.dir, ['migrate'], collectingOutput(), { env: childEnvironment({}), timeoutMs: 1000 }));
    expect(error.message).toContain(`${path.join(repos.dir, 'bin', 'lookout.mjs')} is missing`);
  });
});

describe('lookout migrate --down-to (this tree\'s CLI on a real database)', () => {
  it('reverts the migrations applied after the one named, then migrates up again', { timeout: 180_000 }, async () => {
    const database = await createTestDatabase();
    try {
      const env = childEnvironment({ DATABASE_URL: database.url, LOG_LEVEL: 'warn' });
      const cli = async (...args: string[]) => {
        const out = collectingOutput();
        await runReleaseCli(projectRoot, args, out, { env, timeoutMs: 120_000 });
        return out.lines;
      };
      await cli('migrate');
      const applied = await cli('migrate', '--list-applied');
      expect(applied.length).toBeGreaterThan(2);
      expect(applied.every((name) => /^Migration\d{14}_\w+$/.test(name))).toBe(true);

      const reverted = await cli('migrate', '--down-to', applied.at(-2)!);
      expect(reverted).toEqual(['Reverted:', `  ${applied.at(-1)}`]);
      expect(await cli('migrate', '--list-applied')).toEqual(applied.slice(0, -1));

      const notApplied = await failure(cli('migrate', '--down-to', applied.at(-1)!));
      expect(notApplied.message).toContain(`The migration "${applied.at(-1)}" is not applied`);

      await cli('migrate');
      expect(await cli('migrate', '--list-applied')).toEqual(applied);
    } finally {
      await database.drop();
    }
  });
});

it('names a release directory after the first 12 characters of its commit', () => {
  expect(releaseRootFor('/srv/releases', 'abcdef0123456789abcdef0123456789abcdef01')).toBe('/srv/releases/abcdef012345');
});
