/**
 * Shared by the benchmarks: a database (a fresh one on DATABASE_URL's server, dropped at cleanup; or
 * embedded in a temp dir) and bulk services.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../server/logger.ts';
import { loadConfig } from '../../server/config.ts';
import { openDatabase, type Database } from '../../server/db/orm.ts';
import { scratchDatabase } from '../../tests/support/scratch-database.ts';

/**
 * The benchmark's database. On DATABASE_URL's server it is a new database, not DATABASE_URL's own:
 * the benchmarks used that one as it was, leaving 10,000 services and Lookout's tables in it (and a
 * second run then failed on the names).
 */
export async function benchDatabase(): Promise<{ db: Database; dataDir: string; cleanup(): Promise<void> }> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-bench-'));
  const scratch = process.env.DATABASE_URL ? await scratchDatabase(process.env.DATABASE_URL, 'lookout_bench') : null;
  // LOOKOUT_EMBEDDED_SHARED_BUFFERS_MB applies to the bench's embedded PostgreSQL as to `npm start`'s.
  const db = await openDatabase({ databaseUrl: scratch?.url, dataDir, embeddedSharedBuffersMb: loadConfig().embeddedSharedBuffersMb }, { logger: createLogger('warn') });
  return {
    db,
    dataDir,
    cleanup: async () => {
      await db.close();
      await scratch?.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Inserts `count` HTTP services pointing at `url` (with their state rows), due now. */
export async function insertHttpServices(db: Database, count: number, url: string, intervalMs: number, prefix = 'bench'): Promise<void> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);
  for (let i = 0; i < names.length; i += 2000) {
    const chunk = names.slice(i, i + 2000);
    await db.sql.query(
      `with s as (
         insert into services (name, display_name, kind, target, options, interval_ms, timeout_ms, degraded_latency_ms,
                               failure_threshold, recovery_threshold, critical, tags, depends_on, paused, source, created_at, updated_at)
         select n, n, 'http', $2 || '/' || n, '{"method":"GET","followRedirects":true,"maxRedirects":5,"expectedStatus":["200-299"],"certExpiryDays":14,"insecure":false}'::jsonb,
                $3, 5000, null, 2, 1, false, '{bench}', '{}', false, 'api', now(), now()
           from unnest($1::text[]) as n
         returning id)
       insert into service_states (service_id, pending_count, recent_latencies, next_due_at, last_ping_failed)
       select id, 0, '{}', now() + random() * ($3 || ' milliseconds')::interval, false from s`,
      [chunk, url, intervalMs],
    );
  }
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** CPU time (ms) used so far by all processes whose command line contains `needle`. */
export async function cpuOfProcesses(needle: string): Promise<number> {
  const ticks = 100; // USER_HZ on Linux
  let total = 0;
  for (const pid of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmd = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmd.includes(needle)) continue;
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += ((Number(fields[11]) + Number(fields[12])) / ticks) * 1000; // utime + stime
  }
  return total;
}

/**
 * The Node options `npm start` gives `lookout serve` (read from package.json, so benchmarks measure
 * what users run); those of the checkout at `root` when given (a before-and-after comparison runs
 * each version with its own).
 */
export async function startNodeOptions(root = path.join(import.meta.dirname, '../..')): Promise<string[]> {
  const pkg = JSON.parse(await fs.readFile(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.split(/\s+/);
  return words.slice(1, words.indexOf('bin/lookout.mjs')).filter((w) => w.startsWith('--'));
}

/** A whole-number command-line option from `min` to `max`, or exit 2 naming it, with the bench's usage. */
export function wholeNumberOption(usage: string, name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name} must be a whole number from ${min} to ${max}, got "${text}"\n\n${usage}`);
    process.exit(2);
  }
  return n;
}
