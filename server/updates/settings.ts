/**
 * How updates are done, from Lookout's environment: which remote and branch are "latest", where new
 * versions are prepared, and how long the slow steps may take. Read once at start; a bad value
 * stops the start naming the variable.
 */
import path from 'node:path';
import { BadInputError } from '../errors.ts';
import { parseDuration } from '../duration.ts';

export interface UpdateSettings {
  /** LOOKOUT_UPDATE_REMOTE (default origin). */
  remote: string;
  /** LOOKOUT_UPDATE_BRANCH (default main). */
  branch: string;
  /** LOOKOUT_RELEASES_DIR (default <data dir>/releases): each new version's own checkout. */
  releasesDir: string;
  /** LOOKOUT_UPDATE_READY_TIMEOUT (default 2m): how long the new version may take to be ready. */
  readyTimeoutMs: number;
  /** LOOKOUT_UPDATE_DRAIN_TIMEOUT (default 10m): how long a drain waits for running operation runs. */
  drainTimeoutMs: number;
  /** LOOKOUT_UPDATE_STEP_TIMEOUT (default 15m): the longest install, build or migration. */
  stepTimeoutMs: number;
}

const GIT_NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/;

function duration(env: NodeJS.ProcessEnv, name: string, fallback: string): number {
  const ms = parseDuration(env[name] || fallback, name);
  if (ms < 1000 || ms > 86_400_000) throw new BadInputError(name, `${name} must be from 1s to 24h, got ${env[name]}.`);
  return ms;
}

export function updateSettings(dataDir: string, env: NodeJS.ProcessEnv = process.env): UpdateSettings {
  const remote = env.LOOKOUT_UPDATE_REMOTE || 'origin';
  const branch = env.LOOKOUT_UPDATE_BRANCH || 'main';
  for (const [name, value] of [['LOOKOUT_UPDATE_REMOTE', remote], ['LOOKOUT_UPDATE_BRANCH', branch]] as const) {
    if (!GIT_NAME.test(value) || value.includes('..')) throw new BadInputError(name, `${name} must be a git remote or branch name (letters, digits, ".", "_", "/" or "-"), got ${JSON.stringify(value.slice(0, 60))}.`);
  }
  return {
    remote,
    branch,
    releasesDir: path.resolve(env.LOOKOUT_RELEASES_DIR || path.join(dataDir, 'releases')),
    readyTimeoutMs: duration(env, 'LOOKOUT_UPDATE_READY_TIMEOUT', '2m'),
    drainTimeoutMs: duration(env, 'LOOKOUT_UPDATE_DRAIN_TIMEOUT', '10m'),
    stepTimeoutMs: duration(env, 'LOOKOUT_UPDATE_STEP_TIMEOUT', '15m'),
  };
}
