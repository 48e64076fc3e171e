/**
 * The steps that make a new version ready beside the running one: its own git worktree at the new
 * commit, its dependencies, its dashboard, and its CLI (migrations). Each step streams the output
 * of what it runs and throws `StepFailed` saying why when it fails; none touches the running
 * version's directory (node_modules is shared only through hard links, never written through).
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../config.ts';
import { childEnvironment } from '../runtimes/run-command.ts';
import { fetchLatest, gitCommonDir, gitEnvironment, listWorktrees, UpdateCheckError, type UpdateSource } from './git.ts';
import { runStepCommand, StepFailed, type StepOutput } from './step-command.ts';

/** Default bounds of the steps (each can be given its own). */
export const STEP_TIMEOUTS = {
  worktree: 120_000,
  install: 15 * 60_000,
  build: 10 * 60_000,
} as const;

/** The install command when package-lock.json changed. */
export const DEFAULT_INSTALL_COMMAND = ['npm', 'ci', '--no-audit', '--no-fund'] as const;

/** Caches that tools write in place inside node_modules: not shared with the running version. */
const UNSHARED_CACHES = ['.vite', '.cache', '.vitest'];

/** Variables npm needs to reach its registry from behind a proxy or a private CA. */
const NPM_PASSED_ON = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy', 'NODE_EXTRA_CA_CERTS', 'npm_config_registry', 'NPM_CONFIG_REGISTRY'];

export type { StepOutput } from './step-command.ts';

/**
 * The fetch step: fetches `<remote>/<branch>` (git's output lines go to `out`) and returns its
 * commit. Throws StepFailed with the check's reasons (no remote, unreachable, no such branch).
 */
export async function fetchUpdate(source: UpdateSource, out: StepOutput, options: { timeoutMs?: number } = {}): Promise<string> {
  try {
    const { commit } = await fetchLatest(source, { signal: out.signal, timeoutMs: options.timeoutMs, onLine: (l) => out.line(l) });
    out.line(`${source.remote}/${source.branch} is at ${commit}`);
    return commit;
  } catch (error) {
    if (error instanceof UpdateCheckError) throw new StepFailed(error.message);
    throw error;
  }
}

/** A release's directory under `releasesDir`: the first 12 characters of its commit. */
export function releaseRootFor(releasesDir: string, commit: string): string {
  return path.join(path.resolve(releasesDir), commit.slice(0, 12));
}

/**
 * Checks out `commit` as a detached worktree `<releasesDir>/<first 12 of sha>` and returns that
 * directory. A directory left there by an earlier failed attempt is removed first.
 */
export async function prepareRelease(source: UpdateSource, commit: string, releasesDir: string, out: StepOutput, options: { timeoutMs?: number } = {}): Promise<string> {
  if (!/^[0-9a-f]{40,64}$/.test(commit)) throw new StepFailed(`"${commit}" is not a full commit id`);
  const root = releaseRootFor(releasesDir, commit);
  await guardNotRunning(source, root);
  const timeoutMs = options.timeoutMs ?? STEP_TIMEOUTS.worktree;
  const gitStep = (args: string[], name: string) => runStepCommand(['git', ...args], out, { cwd: source.repoDir, env: gitEnvironment(), timeoutMs, name });
  await fs.mkdir(path.dirname(root), { recursive: true });
  if (existsSync(root)) {
    out.line(`removing ${root}, left by an earlier attempt`);
    await gitStep(['worktree', 'remove', '--force', '--force', root], 'git worktree remove').catch((error: Error) => out.line(`(${error.message}; deleting the directory instead)`));
    await fs.rm(root, { recursive: true, force: true });
  }
  // A worktree whose directory is gone is still registered until pruned, and `add` refuses its path.
  await gitStep(['worktree', 'prune'], 'git worktree prune');
  await gitStep(['worktree', 'add', '--detach', root, commit], 'git worktree add');
  return root;
}

/**
 * Makes the release's node_modules. When package-lock.json is byte-identical to the running
 * version's, hard-links the running version's node_modules (a copy across filesystems); otherwise
 * runs the install command (default `npm ci --no-audit --no-fund`) in the release.
 */
export async function installDependencies(
  currentRoot: string,
  releaseRoot: string,
  out: StepOutput,
  options: { command?: string[]; timeoutMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? STEP_TIMEOUTS.install;
  const target = path.join(releaseRoot, 'node_modules');
  // Its real directory: were the running version's node_modules a symlink, `cp -al` would copy the
  // link, and the caches removed below would be removed from the running version through it.
  const runningLink = path.join(currentRoot, 'node_modules');
  const running = existsSync(runningLink) ? realpathSync(runningLink) : runningLink;
  if (!existsSync(releaseRoot)) throw new StepFailed(`cannot install dependencies: the release directory ${releaseRoot} does not exist`);
  if (existsSync(currentRoot) && samePath(realpathSync(currentRoot), realpathSync(releaseRoot))) {
    throw new StepFailed(`cannot install dependencies: the release directory ${releaseRoot} is the running version's`);
  }
  await fs.rm(target, { recursive: true, force: true });
  if (sameLockFile(currentRoot, releaseRoot) && existsSync(running)) {
    out.line(`package-lock.json is unchanged: linking node_modules from the running version (${running})`);
    try {
      await runStepCommand(['cp', '-al', running, target], out, { cwd: releaseRoot, timeoutMs, name: 'cp -al' });
    } catch (error) {
      if (out.signal.aborted || !/cross-device|Invalid cross|EXDEV/i.test((error as Error).message)) throw error;
      out.line('the releases directory is on another filesystem: copying node_modules instead');
      await fs.rm(target, { recursive: true, force: true });
      await runStepCommand(['cp', '-a', running, target], out, { cwd: releaseRoot, timeoutMs, name: 'cp -a' });
    }
    for (const cache of UNSHARED_CACHES) await fs.rm(path.join(target, cache), { recursive: true, force: true });
    return;
  }
  const command = options.command ?? [...DEFAULT_INSTALL_COMMAND];
  out.line(`package-lock.json differs from the running version's: running ${command.map((a) => path.basename(a)).join(' ')}`);
  const passed: Record<string, string> = {};
  for (const name of NPM_PASSED_ON) if (process.env[name] !== undefined) passed[name] = process.env[name]!;
  await runStepCommand(command, out, { cwd: releaseRoot, env: childEnvironment(passed), timeoutMs, name: options.command ? undefined : 'npm ci' });
}

/** Both checkouts have a package-lock.json, byte for byte the same. */
function sameLockFile(currentRoot: string, releaseRoot: string): boolean {
  try {
    return readFileSync(path.join(currentRoot, 'package-lock.json')).equals(readFileSync(path.join(releaseRoot, 'package-lock.json')));
  } catch {
    return false;
  }
}

/** Builds the release's dashboard into its dist/client: what `npm run build:client` runs. */
export async function buildDashboard(releaseRoot: string, out: StepOutput, options: { timeoutMs?: number } = {}): Promise<void> {
  const vite = path.join(releaseRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite)) throw new StepFailed(`cannot build the dashboard: ${vite} is missing (the install step did not provide vite)`);
  await runStepCommand([process.execPath, vite, 'build', '--config', 'client/vite.config.ts'], out, {
    cwd: releaseRoot,
    timeoutMs: options.timeoutMs ?? STEP_TIMEOUTS.build,
    name: 'vite build',
  });
}

/** Runs the release's own `lookout` command (`migrate`, `migrate --down-to …`) and resolves when it exits 0. */
export async function runReleaseCli(releaseRoot: string, args: string[], out: StepOutput, options: { env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<void> {
  const cli = path.join(releaseRoot, 'bin', 'lookout.mjs');
  if (!existsSync(cli)) throw new StepFailed(`cannot run lookout ${args.join(' ')}: ${cli} is missing`);
  await runStepCommand([process.execPath, cli, ...args], out, { cwd: releaseRoot, env: options.env, timeoutMs: options.timeoutMs, name: `lookout ${args.join(' ')}` });
}

/**
 * Removes a release's worktree, and its registration, after a failed or superseded update; a
 * missing one is fine. Refuses the running checkout, the repository's main worktree, and any
 * directory that is not one of its worktrees.
 */
export async function removeRelease(source: UpdateSource, releaseRoot: string, options: { timeoutMs?: number } = {}): Promise<void> {
  const root = path.resolve(releaseRoot);
  await guardNotRunning(source, root);
  const worktrees = await listWorktrees(source.repoDir);
  const real = existsSync(root) ? realpathSync(root) : root;
  if (worktrees[0] !== undefined && samePath(worktrees[0], real)) throw new StepFailed(`${root} is the repository's main checkout: it is never removed`);
  const silent: StepOutput = { line: () => {}, signal: AbortSignal.timeout(options.timeoutMs ?? STEP_TIMEOUTS.worktree) };
  const gitStep = (args: string[], name: string) =>
    runStepCommand(['git', ...args], silent, { cwd: source.repoDir, env: gitEnvironment(), timeoutMs: options.timeoutMs ?? STEP_TIMEOUTS.worktree, name });
  const registered = worktrees.some((w) => samePath(w, real));
  if (existsSync(root)) {
    if (!registered && !isWorktreeOf(root, await gitCommonDir(source.repoDir))) throw new StepFailed(`${root} is not a worktree of ${source.repoDir}: left in place`);
    if (registered) await gitStep(['worktree', 'remove', '--force', '--force', root], 'git worktree remove').catch(() => {});
    await fs.rm(root, { recursive: true, force: true });
  }
  await gitStep(['worktree', 'prune'], 'git worktree prune');
}

/** Refuses the checkout that is running (the source's and this process's own code). */
async function guardNotRunning(source: UpdateSource, root: string): Promise<void> {
  const real = existsSync(root) ? realpathSync(root) : root;
  for (const running of [source.repoDir, projectRoot]) {
    if (existsSync(running) && samePath(realpathSync(running), real)) throw new StepFailed(`${root} is the running version's directory: it is never replaced or removed`);
  }
}

/** A directory whose `.git` file points into this repository's worktrees (one `git worktree prune` forgot). */
function isWorktreeOf(dir: string, commonDir: string): boolean {
  try {
    const pointer = readFileSync(path.join(dir, '.git'), 'utf8').match(/^gitdir:\s*(.+)$/m)?.[1]?.trim();
    if (!pointer) return false;
    return path.resolve(dir, pointer).startsWith(path.join(realpathSync(commonDir), 'worktrees') + path.sep);
  } catch {
    return false;
  }
}

function samePath(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}
