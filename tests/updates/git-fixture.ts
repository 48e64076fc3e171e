/**
 * Real git repositories for update tests: a bare "remote", an author's clone that pushes new
 * commits to it, and a clone that plays the running Lookout checkout. All under one temp dir.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StepOutput } from '../../server/updates/step-command.ts';

/** git without the caller's GIT_* variables (a hook's GIT_DIR would point elsewhere), as a fixed author. */
export function git(cwd: string, ...args: string[]): string {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_')));
  return execFileSync('git', ['-c', 'user.name=Ada Tester', '-c', 'user.email=ada@example.test', '-c', 'init.defaultBranch=main', '-c', 'advice.detachedHead=false', ...args], {
    cwd,
    env: { ...env, GIT_TERMINAL_PROMPT: '0' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

export interface GitFixture {
  dir: string;
  /** The bare repository the running checkout fetches from. */
  remote: string;
  /** The running checkout (a clone of `remote`, on main). */
  running: string;
  /** Commits files to the remote's main (through the author's clone); returns the new commit. */
  push(message: string, files?: Record<string, string>): string;
  /** A package.json of `version`. */
  packageJson(version: string): string;
  close(): Promise<void>;
}

/** A remote with one commit (version 1.0.0, a package-lock.json) and a running clone of it. */
export async function createGitFixture(): Promise<GitFixture> {
  const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-updates-')));
  const remote = path.join(dir, 'remote.git');
  const author = path.join(dir, 'author');
  const running = path.join(dir, 'running');
  const packageJson = (version: string) => `${JSON.stringify({ name: 'lookout', version, private: true }, null, 2)}\n`;
  git(dir, 'init', '--quiet', '--bare', remote);
  git(dir, 'init', '--quiet', author);
  const push = (message: string, files: Record<string, string> = {}) => {
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(author, name), text);
    git(author, 'add', '--all');
    git(author, 'commit', '--quiet', '--allow-empty', '-m', message);
    git(author, 'push', '--quiet', remote, 'HEAD:refs/heads/main');
    return git(author, 'rev-parse', 'HEAD');
  };
  push('Initial version', { 'package.json': packageJson('1.0.0'), 'package-lock.json': '{"lockfileVersion": 3, "packages": {}}\n', '.gitignore': 'node_modules/\ndist/\n' });
  git(dir, 'clone', '--quiet', remote, running);
  return { dir, remote, running, push, packageJson, close: () => fs.rm(dir, { recursive: true, force: true }) };
}

/** A step output that keeps its lines. */
export function collectingOutput(onLine?: (line: string) => void): StepOutput & { lines: string[]; controller: AbortController } {
  const controller = new AbortController();
  const lines: string[] = [];
  return {
    lines,
    controller,
    signal: controller.signal,
    line: (text) => {
      lines.push(text);
      onLine?.(text);
    },
  };
}
