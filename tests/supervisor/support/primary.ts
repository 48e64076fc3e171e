/**
 * A real `lookout serve` (the supervisor's primary and its worker) as a child process of the test,
 * on a free port with its own data directory and a bootstrap admin token; up once its worker
 * listens and /health answers (/health/ready waits for an operations worker the tests do not run). Everything it prints is kept (bounded) for the assertions and failure messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort } from '../../runtimes/support/fixtures.ts';
import { until } from '../../support/signals.ts';

const root = path.resolve(import.meta.dirname, '../../..');
/** What of the output is kept: the last 2 MB. */
const KEPT_OUTPUT_CHARS = 2_000_000;

export interface Primary {
  url: string;
  wsUrl: string;
  port: number;
  adminToken: string;
  dataDir: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: string | null }>;
  output(): string;
  /** The last `chars` characters of the output, for a failure message. */
  tail(chars?: number): string;
  /** SIGTERM (then SIGKILL after `graceMs`); resolves with how it exited, its data directory removed. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: string | null }>;
}

/** Starts `lookout serve` with `env` on top of a clean environment; `DATABASE_URL` absent means embedded. */
export async function startPrimary(env: Record<string, string>, startTimeoutMs = 25_000): Promise<Primary> {
  const port = await freePort();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-supervisor-'));
  // The embedded PostgreSQL runs as the unprivileged postgres user when the tests run as root.
  await fs.chmod(dataDir, 0o755);
  const adminToken = `lko_test_${randomBytes(16).toString('hex')}`;
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(LOOKOUT_|DATABASE_URL$|REDIS_URL$|PORT$|HOST$)/.test(name)));
  const child = spawn(process.execPath, [path.join(root, 'bin', 'lookout.mjs'), 'serve'], {
    env: { ...inherited, PORT: String(port), HOST: '127.0.0.1', LOOKOUT_DATA_DIR: dataDir, LOOKOUT_BOOTSTRAP_TOKEN: adminToken, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > KEPT_OUTPUT_CHARS) output = output.slice(-KEPT_OUTPUT_CHARS / 2);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const primary: Primary = {
    url,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    port,
    adminToken,
    dataDir,
    child,
    exited,
    output: () => output,
    tail: (chars = 4000) => `\n--- lookout output (tail) ---\n${output.slice(-chars)}`,
    async stop(graceMs = 40_000) {
      if (!gone()) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
        await fs.rm(dataDir, { recursive: true, force: true }).catch(() => {});
      }
    },
  };
  const ready = async () => {
    if (gone()) throw new Error(`lookout serve exited (${child.exitCode ?? child.signalCode}) before it served${primary.tail()}`);
    if (!output.includes('"msg":"the worker listens"')) return false;
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(3000) }).catch(() => null)) !== null;
  };
  try {
    // Within the hooks' and tests' time: a start that fails must still be stopped here.
    await until(ready, 'its worker listens and /health answers', startTimeoutMs, 100);
  } catch (error) {
    await primary.stop(2000);
    throw new Error(`${(error as Error).message}${primary.tail()}`);
  }
  return primary;
}

/** A process's parent pid (from /proc), or null once it is gone. */
export function parentPid(pid: number): number | null {
  try {
    return Number(/^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  } catch {
    return null;
  }
}
