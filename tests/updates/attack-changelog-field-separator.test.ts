/**
 * A hostile remote's commit whose author name holds the changelog's field separator (\x1f, which
 * git keeps in names): the check must still give each commit its own author, time and subject, not
 * shift the fields (the time became "Mallory", an Invalid Date, and the whole updateCheck failed).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { checkForUpdate } from '../../server/updates/git.ts';
import { createGitFixture, git, type GitFixture } from './git-fixture.ts';

let repos: GitFixture;
beforeEach(async () => {
  repos = await createGitFixture();
});
afterEach(() => repos.close());

it('reads a changelog whose author name and subject hold \\x1f and other control characters', async () => {
  const author = path.join(repos.dir, 'author');
  git(author, '-c', 'user.name=Eve\x1fMallory', 'commit', '--quiet', '--allow-empty', '-m', 'sub\x1fject\x07bell');
  git(author, 'push', '--quiet', repos.remote, 'HEAD:refs/heads/main');
  const check = await checkForUpdate({ repoDir: repos.running, remote: 'origin', branch: 'main' }, { signal: AbortSignal.timeout(30_000) });
  expect(check.changelog).toHaveLength(1);
  const [entry] = check.changelog;
  expect(entry.author).toBe('Eve\x1fMallory');
  expect(entry.subject).toBe('sub\x1fject\x07bell');
  expect(Number.isNaN(entry.at!.getTime())).toBe(false);
  expect(entry.commit).toMatch(/^[0-9a-f]{40}$/);
});

it('reads a changelog with a commit whose author line holds a NUL: its time is null, the rest is read (regression: git printed "%aI" for the date, and updateCheck failed whole with INTERNAL_SERVER_ERROR)', async () => {
  const author = path.join(repos.dir, 'author');
  const tree = git(author, 'rev-parse', 'HEAD^{tree}');
  const parent = git(author, 'rev-parse', 'HEAD');
  const file = path.join(repos.dir, 'hostile-commit');
  await fs.writeFile(file, `tree ${tree}\nparent ${parent}\nauthor Eve\0Mallory <eve@example.com> 1700000000 +0000\ncommitter Eve <eve@example.com> 1700000000 +0000\n\nhostile\n`);
  const sha = execFileSync('git', ['hash-object', '-t', 'commit', '-w', '--literally', file], { cwd: author, encoding: 'utf8' }).trim();
  git(author, 'push', '--quiet', repos.remote, `${sha}:refs/heads/main`);
  const check = await checkForUpdate({ repoDir: repos.running, remote: 'origin', branch: 'main' }, { signal: AbortSignal.timeout(30_000) });
  expect(check.changelog).toHaveLength(1);
  expect(check.changelog[0].commit).toBe(sha);
  expect(check.changelog[0].at).toBeNull();
});
