/**
 * The update check and the fetch step on real git repositories made here: a newer version and its
 * changelog, nothing to do, and a clear refusal for each state a checkout cannot move from.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkForUpdate, MAX_CHANGELOG, redactCredentials, UpdateCheckError, type UpdateCheckReason, type UpdateSource } from '../../server/updates/git.ts';
import { fetchUpdate } from '../../server/updates/release.ts';
import { StepFailed } from '../../server/updates/step-command.ts';
import { collectingOutput, createGitFixture, git, type GitFixture } from './git-fixture.ts';

let repos: GitFixture;
let source: UpdateSource;

beforeEach(async () => {
  repos = await createGitFixture();
  source = { repoDir: repos.running, remote: 'origin', branch: 'main' };
});
afterEach(async () => {
  await repos.close();
});

const check = (s: UpdateSource = source) => checkForUpdate(s, { signal: AbortSignal.timeout(60_000) });

/** The check's refusal, asserted to be an UpdateCheckError of `reason`. */
async function refusal(reason: UpdateCheckReason, s: UpdateSource = source): Promise<UpdateCheckError> {
  const error = await check(s).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpdateCheckError);
  expect((error as UpdateCheckError).reason).toBe(reason);
  expect((error as UpdateCheckError).extensions.code).toBe('CONFLICT');
  return error as UpdateCheckError;
}

/** A TCP port on 127.0.0.1 that nothing listens on (it was just closed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('checkForUpdate', () => {
  it('finds the newer version on the remote branch and lists the commits in between, newest first', async () => {
    const current = git(repos.running, 'rev-parse', 'HEAD');
    const fix = repos.push('Fix the status grid on phones');
    const release = repos.push('Release 1.1.0', { 'package.json': repos.packageJson('1.1.0') });

    const result = await check();

    expect(result).toMatchObject({
      currentVersion: '1.0.0',
      currentCommit: current,
      latestVersion: '1.1.0',
      latestCommit: release,
      updateAvailable: true,
      changelogTruncated: false,
      remote: 'origin',
      branch: 'main',
      remoteUrl: repos.remote,
    });
    expect(result.changelog.map((c) => [c.commit, c.subject, c.author])).toEqual([
      [release, 'Release 1.1.0', 'Ada Tester'],
      [fix, 'Fix the status grid on phones', 'Ada Tester'],
    ]);
    expect(result.changelog[0].at).toBeInstanceOf(Date);
    expect(Number.isNaN(result.changelog[0].at!.getTime())).toBe(false);
    // Only fetched: the running checkout is still where it was.
    expect(git(repos.running, 'rev-parse', 'HEAD')).toBe(current);
  });

  it('says no update is available when HEAD is the remote branch', async () => {
    const result = await check();
    expect(result.updateAvailable).toBe(false);
    expect(result.changelog).toEqual([]);
    expect(result.latestCommit).toBe(result.currentCommit);
    expect(result.latestVersion).toBe('1.0.0');
  });

  it(`lists at most ${MAX_CHANGELOG} commits and says the changelog was cut`, async () => {
    for (let i = 1; i <= MAX_CHANGELOG + 1; i++) git(path.join(repos.dir, 'author'), 'commit', '--quiet', '--allow-empty', '-m', `Change ${i}`);
    git(path.join(repos.dir, 'author'), 'push', '--quiet', repos.remote, 'HEAD:refs/heads/main');
    const result = await check();
    expect(result.changelog).toHaveLength(MAX_CHANGELOG);
    expect(result.changelogTruncated).toBe(true);
    expect(result.changelog[0].subject).toBe(`Change ${MAX_CHANGELOG + 1}`);
  });

  it('refuses a directory that is not a git checkout, and one that does not exist', async () => {
    const plain = path.join(repos.dir, 'plain');
    mkdirSync(plain);
    const error = await refusal('NOT_A_GIT_CHECKOUT', { ...source, repoDir: plain });
    expect(error.message).toMatch(new RegExp(`^${plain} is not a git checkout \\(not a git repository`));
    const missing = await refusal('NOT_A_GIT_CHECKOUT', { ...source, repoDir: path.join(repos.dir, 'gone') });
    expect(missing.message).toContain('the directory does not exist');
  });

  it('refuses a remote the checkout does not have, naming the ones it has', async () => {
    const error = await refusal('NO_REMOTE', { ...source, remote: 'upstream' });
    expect(error.message).toContain('no remote named "upstream" (its remotes are origin)');
    expect(error.message).toContain('git remote add upstream');
  });

  it('refuses a branch the remote does not have', async () => {
    const error = await refusal('NO_REMOTE_BRANCH', { ...source, branch: 'stable' });
    expect(error.message).toContain('has no branch "stable"');
  });

  it('refuses remote and branch names git would read as options', async () => {
    const error = await refusal('INVALID_SOURCE', { ...source, branch: '--upload-pack=touch pwned' });
    expect(error.message).toContain('is not a plain git name');
  });

  it("reports an unreachable remote (a path that does not exist) with git's own reason", async () => {
    git(repos.running, 'remote', 'set-url', 'origin', path.join(repos.dir, 'nowhere.git'));
    const error = await refusal('REMOTE_UNREACHABLE');
    expect(error.message).toContain(`Cannot fetch from the remote "origin" (${path.join(repos.dir, 'nowhere.git')})`);
    expect(error.message).toMatch(/does not appear to be a git repository/);
  });

  it('reports an unreachable remote (a closed local port) without its credentials', async () => {
    const port = await closedPort();
    git(repos.running, 'remote', 'set-url', 'origin', `http://lookout:s3cret-token@127.0.0.1:${port}/lookout.git`);
    const error = await refusal('REMOTE_UNREACHABLE');
    expect(error.message).toContain(`(http://127.0.0.1:${port}/lookout.git)`);
    expect(error.message).toMatch(/Failed to connect|Could not connect|Connection refused/i);
    expect(JSON.stringify({ message: error.message, extensions: error.extensions })).not.toContain('s3cret');
  });

  it('refuses local changes to tracked files, naming them; untracked files do not count', async () => {
    mkdirSync(path.join(repos.running, 'dist'));
    writeFileSync(path.join(repos.running, 'dist', 'index.html'), '<html></html>');
    writeFileSync(path.join(repos.running, 'notes.txt'), 'untracked');
    expect((await check()).updateAvailable).toBe(false);

    writeFileSync(path.join(repos.running, 'package.json'), repos.packageJson('9.9.9'));
    await fs.rm(path.join(repos.running, '.gitignore'));
    const error = await refusal('LOCAL_CHANGES');
    expect(error.message).toContain('local changes to 2 tracked files (.gitignore, package.json)');
    expect(error.message).not.toContain('notes.txt');
    expect(error.message).not.toContain('dist');
  });

  it('refuses history that diverged, saying how many commits the remote lacks', async () => {
    repos.push('Upstream change');
    git(repos.running, 'commit', '--quiet', '--allow-empty', '-m', 'A local commit');
    const error = await refusal('DIVERGED');
    expect(error.message).toContain('HEAD has 1 commit that origin/main lacks (and lacks 1 of its)');
    expect(error.extensions).toMatchObject({ ahead: 1, behind: 1 });
  });

  it('is cancelled by its signal', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await checkForUpdate(source, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpdateCheckError);
    expect((error as UpdateCheckError).reason).toBe('CANCELLED');
  });
});

describe('fetchUpdate', () => {
  it("fetches the remote branch and returns its commit, saying what it fetched", async () => {
    const latest = repos.push('Release 1.1.0', { 'package.json': repos.packageJson('1.1.0') });
    const out = collectingOutput();
    expect(await fetchUpdate(source, out)).toBe(latest);
    expect(out.lines[0]).toBe(`git fetch origin main (${repos.remote})`);
    expect(out.lines.at(-1)).toBe(`origin/main is at ${latest}`);
  });

  it('fails with StepFailed when the remote cannot be reached', async () => {
    git(repos.running, 'remote', 'set-url', 'origin', path.join(os.tmpdir(), 'lookout-no-such-remote.git'));
    const error = await fetchUpdate(source, collectingOutput()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepFailed);
    expect((error as Error).message).toMatch(/^Cannot fetch from the remote "origin" .*does not appear to be a git repository/);
  });
});

describe('redactCredentials', () => {
  it('drops user names and passwords from URLs and leaves the rest', () => {
    expect(redactCredentials("fatal: unable to access 'https://x-token:ghp_abc@github.com/a/b.git/': failed")).toBe("fatal: unable to access 'https://github.com/a/b.git/': failed");
    expect(redactCredentials('git@github.com:a/b.git')).toBe('git@github.com:a/b.git');
    expect(redactCredentials('ssh://deploy@host/repo')).toBe('ssh://host/repo');
  });

  it('drops a password with @ in it whole, and credential-named query values (regression: "https://alice:p@ssS3cret@host" answered as "https://ssS3cret@host")', () => {
    expect(redactCredentials("unable to access 'https://alice:p@ssS3cret@git.example/a.git/'")).toBe("unable to access 'https://git.example/a.git/'");
    expect(redactCredentials('https://git.example/a.git?access_token=S3cretTok&x=1')).toBe('https://git.example/a.git?access_token=[redacted]&x=1');
  });
});
