/**
 * Lookout's own checkout as git sees it: is a newer version on the configured remote and branch,
 * what changed, and can this checkout move to it (no local changes, no diverged history)? Every
 * git call is bounded in time and output, never waits for a password, and no message carries the
 * remote's credentials.
 */
import { maskCredentials } from '../secret-text.ts';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { LookoutError } from '../errors.ts';
import { childEnvironment, runCommand } from '../runtimes/run-command.ts';
import { StepFailed } from './step-command.ts';

/** Where updates come from: the running checkout, and the remote branch it follows. */
export interface UpdateSource {
  repoDir: string;
  /** A remote of `repoDir`, e.g. `origin`. */
  remote: string;
  /** A branch of that remote, e.g. `main`. */
  branch: string;
}

export interface ChangelogEntry {
  commit: string;
  subject: string;
  author: string;
  /** Null when git cannot read it (a malformed commit). */
  at: Date | null;
}

export interface UpdateCheck {
  /** package.json's version at HEAD of the checkout. */
  currentVersion: string;
  currentCommit: string;
  /** package.json's version at the remote branch (null when it cannot be read). */
  latestVersion: string | null;
  latestCommit: string;
  /** The remote branch is a descendant of HEAD and differs from it. */
  updateAvailable: boolean;
  /** Commits HEAD..latest, newest first, at most `MAX_CHANGELOG`. */
  changelog: ChangelogEntry[];
  changelogTruncated: boolean;
  remote: string;
  branch: string;
  /** The remote's URL without user name or password. */
  remoteUrl: string;
  checkedAt: Date;
}

/** The most commits a check lists. */
export const MAX_CHANGELOG = 200;
/** Default bound of `git fetch`. */
export const FETCH_TIMEOUT_MS = 60_000;
/** Bound of a local git command (rev-parse, status, log). */
const LOCAL_TIMEOUT_MS = 20_000;
/** How many locally changed files an error names. */
const NAMED_CHANGES = 5;

/** Why a check cannot answer, as `extensions.reason`. */
export type UpdateCheckReason =
  | 'INVALID_SOURCE'
  | 'NOT_A_GIT_CHECKOUT'
  | 'NO_REMOTE'
  | 'NO_REMOTE_BRANCH'
  | 'REMOTE_UNREACHABLE'
  | 'LOCAL_CHANGES'
  | 'DIVERGED'
  | 'GIT_FAILED'
  | 'CANCELLED';

/**
 * The checkout cannot be checked or moved: says what is wrong and what to do. Its code is CONFLICT
 * (the request is fine, the checkout's state is not); `extensions.reason` tells the cases apart.
 */
export class UpdateCheckError extends LookoutError {
  readonly reason: UpdateCheckReason;
  constructor(reason: UpdateCheckReason, message: string, extensions: Record<string, unknown> = {}) {
    super('CONFLICT', message, { reason, ...extensions });
    this.reason = reason;
  }

  static notACheckout(repoDir: string, why: string): UpdateCheckError {
    return new UpdateCheckError('NOT_A_GIT_CHECKOUT', `${repoDir} is not a git checkout (${why}): Lookout updates itself from git only when it runs from a clone of its repository. Install it with git clone, or update it the way it was installed (a Docker image: pull the new image).`);
  }

  static noRemote(remote: string, remotes: string[]): UpdateCheckError {
    const known = remotes.length ? `its remotes are ${remotes.join(', ')}` : 'it has no remote at all';
    return new UpdateCheckError('NO_REMOTE', `The checkout has no remote named "${remote}" (${known}): add it with \`git remote add ${remote} <url>\` or configure the remote to update from.`, { remotes });
  }

  static noRemoteBranch(remote: string, branch: string, url: string): UpdateCheckError {
    return new UpdateCheckError('NO_REMOTE_BRANCH', `The remote "${remote}" (${url}) has no branch "${branch}": configure the branch to update from.`);
  }

  static unreachable(remote: string, url: string, reason: string): UpdateCheckError {
    return new UpdateCheckError('REMOTE_UNREACHABLE', `Cannot fetch from the remote "${remote}" (${url}): ${reason}. Check the network and the remote's URL (git remote -v), then check again.`, { gitMessage: reason });
  }

  static localChanges(files: string[], total: number): UpdateCheckError {
    const more = total > files.length ? ` and ${total - files.length} more` : '';
    return new UpdateCheckError(
      'LOCAL_CHANGES',
      `The checkout has local changes to ${total} tracked file${total === 1 ? '' : 's'} (${files.join(', ')}${more}): an update would lose or conflict with them. Commit them upstream, or discard them (git checkout -- <file>), then check again.`,
      { files, total },
    );
  }

  static diverged(remote: string, branch: string, ahead: number, behind: number): UpdateCheckError {
    return new UpdateCheckError(
      'DIVERGED',
      `The checkout's history diverged from ${remote}/${branch}: HEAD has ${ahead} commit${ahead === 1 ? '' : 's'} that ${remote}/${branch} lacks${behind ? ` (and lacks ${behind} of its)` : ''}. Push them upstream or reset the checkout to ${remote}/${branch}, then check again.`,
      { ahead, behind },
    );
  }
}

/** What a git command printed (each stream bounded) and how it ended. */
interface GitResult {
  ok: boolean;
  stdout: string[];
  stderr: string[];
  /** Lines of stdout beyond those kept. */
  stdoutDropped: number;
  /** One line: how it failed (empty when ok). */
  failure: string;
}

interface GitOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Lines of stdout kept (first ones). */
  maxLines?: number;
  onLine?: (line: string) => void;
}

/** Variables git needs to reach a remote without ever asking anyone for anything. */
const GIT_PASSED_ON = ['SSH_AUTH_SOCK', 'GIT_SSH', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy', 'GIT_SSL_CAINFO'];

/** git's environment: no terminal prompt, ssh in batch mode, C locale (messages Lookout reads). */
export function gitEnvironment(): NodeJS.ProcessEnv {
  const passed: Record<string, string> = {};
  for (const name of GIT_PASSED_ON) if (process.env[name] !== undefined) passed[name] = process.env[name]!;
  return childEnvironment({
    ...passed,
    GIT_TERMINAL_PROMPT: '0',
    GCM_INTERACTIVE: 'never',
    GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes',
    LC_ALL: 'C',
    LANGUAGE: 'C',
  });
}

/** Runs git in `repoDir`; never throws. */
async function git(repoDir: string, args: string[], options: GitOptions = {}): Promise<GitResult> {
  const maxLines = options.maxLines ?? 1000;
  const stdout: string[] = [];
  const stderr: string[] = [];
  let stdoutDropped = 0;
  const result = await runCommand(['git', ...args], { timeoutMs: options.timeoutMs ?? LOCAL_TIMEOUT_MS, maxLines: 20, maxLineLength: 4000 }, options.signal, {
    cwd: repoDir,
    env: gitEnvironment(),
    onLine: (line, stream) => {
      options.onLine?.(redactCredentials(line));
      if (stream === 'stderr') {
        if (stderr.length < 50) stderr.push(redactCredentials(line));
      } else if (stdout.length < maxLines) stdout.push(line);
      else stdoutDropped++;
    },
  });
  const ok = result.code === 0 && !result.timedOut && !result.spawnError;
  let failure = '';
  if (!ok) {
    if (result.spawnError) failure = result.spawnError;
    else if (result.timedOut) failure = `git ${args[0]} timed out after ${options.timeoutMs ?? LOCAL_TIMEOUT_MS} ms`;
    else if (options.signal?.aborted) failure = `git ${args[0]} was cancelled`;
    else failure = gitReason(stderr) || `git ${args[0]} ${result.signal ? `was killed by ${result.signal}` : `exited with code ${result.code}`}`;
  }
  return { ok, stdout, stderr, stdoutDropped, failure };
}

/** git's own reason, short: its `fatal:`/`error:` lines (or its last line), prefixes dropped. */
function gitReason(stderr: string[]): string {
  const errors = stderr.filter((l) => /^(fatal|error):/.test(l));
  const chosen = (errors.length ? errors.slice(0, 2) : stderr.filter((l) => l.trim()).slice(-1)).map((l) => l.replace(/^(fatal|error):\s*/, '').trim());
  const text = chosen.join('; ');
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}

/** Drops the user name and password of every URL in `text` (`https://user:token@host` → `https://host`). */
export function redactCredentials(text: string): string {
  // Passwords (one with `@` in it too) and credential-named query values first, then the user part.
  return maskCredentials(text).replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@'"]*@/gi, '$1');
}

/** Remote and branch names go on git's command line: only plain names, so neither is read as an option. */
function checkSourceNames(source: UpdateSource): void {
  const plain = /^[A-Za-z0-9_][A-Za-z0-9._/-]*$/;
  for (const [what, value] of [
    ['remote', source.remote],
    ['branch', source.branch],
  ] as const) {
    if (!plain.test(value) || value.includes('..') || value.includes('//') || value.endsWith('/') || value.endsWith('.lock')) {
      throw new UpdateCheckError('INVALID_SOURCE', `The ${what} name "${value}" is not a plain git name (letters, digits, . _ / -): configure the ${what} to update from.`);
    }
  }
}

/** Checks that `repoDir` is the root of a git checkout with at least one commit; returns its real path. */
async function openCheckout(repoDir: string, signal?: AbortSignal): Promise<string> {
  if (!existsSync(repoDir)) throw UpdateCheckError.notACheckout(repoDir, 'the directory does not exist');
  const top = await git(repoDir, ['rev-parse', '--show-toplevel'], { signal });
  throwIfCancelled(signal);
  if (!top.ok) throw UpdateCheckError.notACheckout(repoDir, top.failure);
  const real = realpathSync(repoDir);
  if (path.resolve(top.stdout[0] ?? '') !== real) throw UpdateCheckError.notACheckout(repoDir, `it is inside the checkout ${top.stdout[0]}, not its root`);
  return real;
}

/** The remote's URL, credentials dropped; throws NO_REMOTE when there is no such remote. */
async function remoteUrl(repoDir: string, remote: string, signal?: AbortSignal): Promise<string> {
  const url = await git(repoDir, ['remote', 'get-url', '--', remote], { signal });
  throwIfCancelled(signal);
  if (url.ok) return redactCredentials(url.stdout[0] ?? '');
  const remotes = await git(repoDir, ['remote'], { signal, maxLines: 20 });
  throw UpdateCheckError.noRemote(remote, remotes.ok ? remotes.stdout.filter(Boolean) : []);
}

/**
 * Fetches `<remote>/<branch>` into its remote-tracking ref and returns the commit it points at.
 * Throws NO_REMOTE_BRANCH or REMOTE_UNREACHABLE with git's reason.
 */
async function fetchBranch(source: UpdateSource, url: string, options: GitOptions): Promise<string> {
  const tracking = `refs/remotes/${source.remote}/${source.branch}`;
  const fetched = await git(source.repoDir, ['fetch', '--quiet', '--no-tags', '--no-recurse-submodules', '--', source.remote, `+refs/heads/${source.branch}:${tracking}`], {
    ...options,
    timeoutMs: options.timeoutMs ?? FETCH_TIMEOUT_MS,
  });
  throwIfCancelled(options.signal);
  if (!fetched.ok) {
    if (fetched.stderr.some((l) => /couldn't find remote ref/i.test(l))) throw UpdateCheckError.noRemoteBranch(source.remote, source.branch, url);
    throw UpdateCheckError.unreachable(source.remote, url, fetched.failure);
  }
  return revParse(source.repoDir, `${tracking}^{commit}`, options.signal);
}

async function revParse(repoDir: string, rev: string, signal?: AbortSignal): Promise<string> {
  const parsed = await git(repoDir, ['rev-parse', '--verify', '--quiet', rev], { signal });
  throwIfCancelled(signal);
  const sha = parsed.stdout[0]?.trim() ?? '';
  if (!parsed.ok || !/^[0-9a-f]{40,64}$/.test(sha)) {
    throw new UpdateCheckError('GIT_FAILED', `git cannot resolve ${rev} in ${repoDir}${parsed.failure ? `: ${parsed.failure}` : ''}.`);
  }
  return sha;
}

/** The number of commits in `range` (`a..b`). */
async function countCommits(repoDir: string, range: string, signal?: AbortSignal): Promise<number> {
  const counted = await git(repoDir, ['rev-list', '--count', range, '--'], { signal });
  throwIfCancelled(signal);
  if (!counted.ok) throw new UpdateCheckError('GIT_FAILED', `git cannot count the commits ${range}: ${counted.failure}.`);
  return Number(counted.stdout[0]);
}

/** package.json's `version` at `commit`, or null when there is none or it does not parse. */
async function versionAt(repoDir: string, commit: string, signal?: AbortSignal): Promise<string | null> {
  const shown = await git(repoDir, ['show', `${commit}:package.json`], { signal, maxLines: 5000 });
  if (!shown.ok || shown.stdoutDropped) return null;
  try {
    const version = (JSON.parse(shown.stdout.join('\n')) as { version?: unknown }).version;
    return typeof version === 'string' && version.length <= 100 ? version : null;
  } catch {
    return null;
  }
}

async function changelogBetween(repoDir: string, from: string, to: string, signal?: AbortSignal): Promise<{ entries: ChangelogEntry[]; truncated: boolean }> {
  // NUL separates the fields: a name or a subject may hold any other control character (\x1f too),
  // but never NUL; the fixed-shape fields come first so that the free text is the rest.
  const log = await git(repoDir, ['log', `--max-count=${MAX_CHANGELOG + 1}`, '--no-show-signature', '--format=%H%x00%aI%x00%an%x00%s', `${from}..${to}`, '--'], {
    signal,
    maxLines: MAX_CHANGELOG + 1,
  });
  throwIfCancelled(signal);
  if (!log.ok) throw new UpdateCheckError('GIT_FAILED', `git cannot list the commits ${from}..${to}: ${log.failure}.`);
  const entries = log.stdout.filter(Boolean).map((line) => {
    const [commit, at, author = '', ...subject] = line.split('\0');
    // A hostile commit (a NUL in its author line) makes git print the format's text instead of the
    // date: such a date is null, not an Invalid Date that failed the whole check when serialized.
    const date = new Date(at);
    return { commit, author, at: Number.isNaN(date.getTime()) ? null : date, subject: subject.join('\0') };
  });
  return { entries: entries.slice(0, MAX_CHANGELOG), truncated: entries.length > MAX_CHANGELOG };
}

/** Throws LOCAL_CHANGES when tracked files differ from HEAD (untracked files, like dist/ or data, do not count). */
async function refuseLocalChanges(repoDir: string, signal?: AbortSignal): Promise<void> {
  const status = await git(repoDir, ['--no-optional-locks', 'status', '--porcelain', '--untracked-files=no'], { signal, maxLines: 1000 });
  throwIfCancelled(signal);
  if (!status.ok) throw new UpdateCheckError('GIT_FAILED', `git cannot read the checkout's status: ${status.failure}.`);
  const changed = status.stdout.filter((l) => l.trim());
  if (changed.length) {
    throw UpdateCheckError.localChanges(
      changed.slice(0, NAMED_CHANGES).map((l) => l.slice(3)),
      changed.length + status.stdoutDropped,
    );
  }
}

function throwIfCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw new UpdateCheckError('CANCELLED', 'The update check was cancelled.');
}

/**
 * Fetches the remote branch and compares it with HEAD: versions, whether an update is available,
 * and the commits in between. Refuses (UpdateCheckError) when the checkout could not move to it.
 */
export async function checkForUpdate(source: UpdateSource, options: { signal: AbortSignal; timeoutMs?: number }): Promise<UpdateCheck> {
  const { signal } = options;
  checkSourceNames(source);
  const repoDir = await openCheckout(source.repoDir, signal);
  const url = await remoteUrl(repoDir, source.remote, signal);
  const currentCommit = await revParse(repoDir, 'HEAD^{commit}', signal);
  await refuseLocalChanges(repoDir, signal);
  const latestCommit = await fetchBranch({ ...source, repoDir }, url, { signal, timeoutMs: options.timeoutMs });
  const ahead = await countCommits(repoDir, `${latestCommit}..${currentCommit}`, signal);
  const behind = await countCommits(repoDir, `${currentCommit}..${latestCommit}`, signal);
  if (ahead > 0) throw UpdateCheckError.diverged(source.remote, source.branch, ahead, behind);
  const { entries, truncated } = behind > 0 ? await changelogBetween(repoDir, currentCommit, latestCommit, signal) : { entries: [], truncated: false };
  return {
    currentVersion: (await versionAt(repoDir, currentCommit, signal)) ?? 'unknown',
    currentCommit,
    latestVersion: behind > 0 ? await versionAt(repoDir, latestCommit, signal) : await versionAt(repoDir, currentCommit, signal),
    latestCommit,
    updateAvailable: behind > 0,
    changelog: entries,
    changelogTruncated: truncated,
    remote: source.remote,
    branch: source.branch,
    remoteUrl: url,
    checkedAt: new Date(),
  };
}

/**
 * Fetches the remote branch of a checkout that may move to it (the update's fetch step): returns
 * its commit and the remote's URL (credentials dropped). Throws UpdateCheckError like the check.
 */
export async function fetchLatest(source: UpdateSource, options: { signal: AbortSignal; timeoutMs?: number; onLine?: (line: string) => void }): Promise<{ commit: string; remoteUrl: string }> {
  checkSourceNames(source);
  const repoDir = await openCheckout(source.repoDir, options.signal);
  const url = await remoteUrl(repoDir, source.remote, options.signal);
  options.onLine?.(`git fetch ${source.remote} ${source.branch} (${url})`);
  const commit = await fetchBranch({ ...source, repoDir }, url, options);
  return { commit, remoteUrl: url };
}

/** The main worktree of the repository at `repoDir` and every linked worktree (real paths). */
export async function listWorktrees(repoDir: string): Promise<string[]> {
  const listed = await git(repoDir, ['worktree', 'list', '--porcelain'], { maxLines: 10_000 });
  if (!listed.ok) throw new StepFailed(`git cannot list the worktrees of ${repoDir}: ${listed.failure}`);
  return listed.stdout.filter((l) => l.startsWith('worktree ')).map((l) => l.slice('worktree '.length));
}

/** The repository's shared git directory (the main checkout's `.git`, also from a linked worktree). */
export async function gitCommonDir(repoDir: string): Promise<string> {
  const dir = await git(repoDir, ['rev-parse', '--git-common-dir']);
  if (!dir.ok) throw new StepFailed(`git cannot find the repository of ${repoDir}: ${dir.failure}`);
  return path.resolve(repoDir, dir.stdout[0] ?? '.git');
}
