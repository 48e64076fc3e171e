/**
 * A hostile remote's commit whose author name holds the changelog's field separator (\x1f, which
 * git keeps in names): the check must still give each commit its own author, time and subject, not
 * shift the fields (the time became "Mallory", an Invalid Date, and the whole updateCheck failed).
 */
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
  expect(Number.isNaN(entry.at.getTime())).toBe(false);
  expect(entry.commit).toMatch(/^[0-9a-f]{40}$/);
});
