/**
 * What the system status shows beside the runtimes, kept to what is cheap to know: Lookout's own
 * metadata (version, commit, start, Node, database, replicas seen) and the services' states in
 * counts. One query each; the commit is read once.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { overviewCounts, type ServiceCounts } from '../monitoring/overview.ts';

export interface LookoutMetadata {
  version: string;
  /** From LOOKOUT_COMMIT, or the checkout's .git (null when neither is there). */
  commit: string | null;
  startedAt: Date;
  nodeVersion: string;
  pid: number;
  hostname: string;
  /** `embedded` (under LOOKOUT_DATA_DIR) or `external` (DATABASE_URL). */
  databaseKind: 'embedded' | 'external';
  databaseVersion: string | null;
  /** Replicas that claimed checks or periodic jobs lately (this one at least). */
  replicasSeen: number;
  /** How events reach other replicas: `in-process` or `redis`. */
  pubsub: string;
}

/** The services' states in counts (paused ones counted apart, not in their last status). */
export type ServiceStates = ServiceCounts;

const commits = new Map<string, string | null>();

/** The commit Lookout runs: LOOKOUT_COMMIT, or HEAD of the checkout at `root` (a ref followed once); cached. */
export function currentCommit(root: string): string | null {
  const fromEnv = process.env.LOOKOUT_COMMIT?.trim();
  if (fromEnv && /^[0-9a-f]{7,40}$/i.test(fromEnv)) return fromEnv;
  if (commits.has(root)) return commits.get(root)!;
  let commit: string | null = null;
  try {
    const git = path.join(root, '.git');
    const head = readFileSync(path.join(git, 'HEAD'), 'utf8').trim();
    const ref = /^ref: (refs\/[\w./-]+)$/.exec(head)?.[1];
    if (!ref) commit = /^[0-9a-f]{40}$/.test(head) ? head : null;
    else {
      try {
        commit = readFileSync(path.join(git, ref), 'utf8').trim();
      } catch {
        const packed = readFileSync(path.join(git, 'packed-refs'), 'utf8');
        commit = packed.split('\n').find((line) => line.endsWith(` ${ref}`))?.split(' ')[0] ?? null;
      }
    }
  } catch {
    commit = null; // not a checkout (a package, an image): LOOKOUT_COMMIT says it there
  }
  commits.set(root, commit);
  return commit;
}

/** How recently a replica must have claimed work to count as seen. */
const SEEN_WITHIN = '2 minutes';

export async function lookoutMetadata(
  sql: pg.Pool,
  self: { version: string; startedAt: Date; root: string; embedded: boolean; pubsub: string },
): Promise<LookoutMetadata> {
  const { rows } = await sql.query<{ version: string; replicas: number }>(
    `select current_setting('server_version') as version,
            (select count(distinct owner)::int from (
               select claimed_by as owner from service_states where claimed_until > now() - interval '${SEEN_WITHIN}'
               union select claimed_by from periodic_jobs where claimed_until > now() - interval '${SEEN_WITHIN}') o
             where owner is not null) as replicas`,
  );
  return {
    version: self.version,
    commit: currentCommit(self.root),
    startedAt: self.startedAt,
    nodeVersion: process.version,
    pid: process.pid,
    hostname: hostname(),
    databaseKind: self.embedded ? 'embedded' : 'external',
    databaseVersion: rows[0]?.version ?? null,
    replicasSeen: Math.max(1, rows[0]?.replicas ?? 0),
    pubsub: self.pubsub,
  };
}

/** The services' states in counts: the overview's summary of every service. */
export async function serviceStates(sql: pg.Pool): Promise<ServiceStates> {
  const { total, healthy, degraded, down, pending, paused } = (await overviewCounts(sql, {})).summary;
  return { total, healthy, degraded, down, pending, paused };
}
