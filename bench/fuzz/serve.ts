/**
 * A real `lookout serve` for bench/fuzz, in its own process (so that a crash is a crash): started
 * with `npm start`'s Node options, watched for its exit and its logged errors, measured from /proc,
 * stopped with SIGTERM, and checked for an embedded PostgreSQL left running afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../server/config.ts';
import { processTree } from '../checks/tree.ts';
import { startNodeOptions } from '../support/setup.ts';
import { scratchDatabase } from '../../tests/support/scratch-database.ts';

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  port: number;
  adminToken: string;
  /** Set once the process has exited: its code or signal, and when. */
  exit: { code: number | null; signal: string | null; at: number } | null;
  /** Log lines at error level (50) and fatal (60), as pino prints them. */
  logged: { errors: number; fatal: number; lastLines: string[] };
  /** VmRSS in bytes, or null once the process is gone. */
  rss(): Promise<number | null>;
  /** The pids of the Node processes under the supervisor: the worker that serves. */
  workers(): Promise<number[]>;
  /** SIGTERM, then SIGKILL after `graceMs`; how long it took and whether it had to be killed. */
  stop(graceMs: number): Promise<{ ms: number; killed: boolean }>;
  /** Removes what the run created; reports an embedded PostgreSQL still running after the process ended. */
  cleanup(): Promise<{ orphanedPostgres: boolean }>;
}

/** A fresh database on DATABASE_URL's server when set; otherwise `lookout serve` runs its embedded one. */
async function databaseFor(): Promise<{ url?: string; drop(): Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base) return { drop: async () => {} };
  return scratchDatabase(base, 'lookout_fuzz');
}

export async function startServe(): Promise<ServeProcess> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-bench-fuzz-'));
  const database = await databaseFor();
  const adminToken = `lko_bench_fuzz_${randomBytes(12).toString('hex')}`;
  // FUZZ_EXTRA_OPTIONS: Node options beyond npm start's (e.g. --cpu-prof --cpu-prof-dir=DIR; the worker inherits them).
  const extra = (process.env.FUZZ_EXTRA_OPTIONS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...(await startNodeOptions()), ...extra, path.join(projectRoot, 'bin/lookout.mjs'), 'serve', '--build-client-if-missing'], {
    env: {
      ...process.env, ...(database.url && { DATABASE_URL: database.url }), LOOKOUT_DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: '0',
      LOG_LEVEL: 'warn', NODE_ENV: 'production', LOOKOUT_BOOTSTRAP_TOKEN: adminToken,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logged = { errors: 0, fatal: 0, lastLines: [] as string[] };
  let exit: ServeProcess['exit'] = null;
  child.once('exit', (code, signal) => (exit = { code, signal, at: Date.now() }));
  let output = '';
  const onLine = (line: string) => {
    if (!line.trim()) return;
    const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 0);
    if (level >= 60) logged.fatal++;
    else if (level >= 50) logged.errors++;
    if (level >= 50 || !line.startsWith('{')) logged.lastLines = [...logged.lastLines.slice(-19), line.slice(0, 2000)];
  };
  let pending = '';
  // FUZZ_SERVER_LOG: a file that gets everything the server prints (e.g. with FUZZ_EXTRA_OPTIONS=--trace-gc).
  const logFile = process.env.FUZZ_SERVER_LOG;
  const read = (chunk: Buffer) => {
    if (logFile) appendFileSync(logFile, chunk);
    // Always read what it prints (a pipe nobody reads would stall it); keep only the tail.
    const text = pending + chunk.toString();
    const lines = text.split('\n');
    pending = lines.pop() ?? '';
    if (output.length < 100_000) output += text;
    lines.forEach(onLine);
  };
  child.stdout!.on('data', read);
  child.stderr!.on('data', read);
  const url = await new Promise<string>((resolve, reject) => {
    const poll = setInterval(() => {
      const link = /Create the first admin: (\S+)/.exec(output)?.[1];
      if (link) {
        clearInterval(poll);
        resolve(new URL(link).origin);
      } else if (exit) {
        clearInterval(poll);
        reject(new Error(`lookout serve stopped before serving:\n${output.slice(-5000)}`));
      }
    }, 50);
  });

  const handle: ServeProcess = {
    child, url, port: Number(new URL(url).port), adminToken, logged,
    get exit() {
      return exit;
    },
    /**
     * VmRSS of Lookout's Node processes: the supervisor and the worker that serves (regression: only
     * the supervisor was read, ~100 MB whatever the worker held). An embedded PostgreSQL is not counted.
     */
    async rss() {
      try {
        let total = 0;
        for (const pid of await processTree(child.pid!)) {
          const status = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
          if (/^Name:\s+node\b/m.test(status)) total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
        }
        return total || null;
      } catch {
        return null;
      }
    },
    async workers() {
      const pids: number[] = [];
      for (const pid of await processTree(child.pid!).catch(() => [])) {
        const status = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
        if (pid !== child.pid && /^Name:\s+node\b/m.test(status)) pids.push(pid);
      }
      return pids;
    },
    async stop(graceMs) {
      const started = Date.now();
      if (exit) return { ms: 0, killed: false };
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      let killed = false;
      const force = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(force);
      return { ms: Date.now() - started, killed };
    },
    async cleanup() {
      // An embedded PostgreSQL whose lookout process is gone is an orphan: say so, then stop it by its pid.
      const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
      let orphanedPostgres = false;
      if (existsSync(pidFile)) {
        const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
        const alive = (() => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
          } catch {
            return false;
          }
        })();
        if (alive) {
          orphanedPostgres = true;
          process.kill(pid, 'SIGINT'); // fast shutdown
          for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 100));
        }
      }
      await database.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
      return { orphanedPostgres };
    },
  };
  return handle;
}
