/**
 * A real `lookout serve` child process (the project's Node, the CLI's entry point), started with the
 * environment a replica of a deployment gets, and considered up once it says it serves and
 * /health/ready answers 200.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../../server/db/embedded.ts';

const root = path.resolve(import.meta.dirname, '../../..');

export interface Replica {
  name: string;
  /** http://127.0.0.1:<port> */
  url: string;
  /** ws://127.0.0.1:<port>/graphql */
  wsUrl: string;
  child: ChildProcess;
  /** Everything it printed so far (JSON log lines). */
  output(): string;
  /** Lines logged at warn level or above. */
  warnings(): string[];
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Polls `probe` every 100 ms until it returns a value (not undefined), or throws after `ms`. */
export async function until<T>(probe: () => Promise<T | undefined>, what: string, ms: number, detail: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${what}${detail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts `lookout serve` with `env` added to this process's environment, on a free port. */
export async function startReplica(name: string, env: Record<string, string>): Promise<Replica> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(root, 'bin', 'lookout.mjs'), 'serve'], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const replica: Replica = {
    name,
    url,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    child,
    output: () => output,
    warnings: () =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .filter((line) => ((JSON.parse(line) as { level?: number }).level ?? 0) >= 40),
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  const tail = () => `\n--- ${name} output (tail) ---\n${output.slice(-4000)}`;
  try {
    const exitedEarly = () => child.exitCode !== null || child.signalCode !== null;
    const state = await until(async () => (output.includes('Lookout is serving') ? 'serving' : exitedEarly() ? 'exited' : undefined), `${name} serves`, 60_000, tail);
    if (state === 'exited') throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before serving${tail()}`);
    await until(async () => ((await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(3000) })).status === 200 ? true : undefined), `${name} answers 200 on /health/ready`, 30_000, tail);
  } catch (error) {
    await replica.stop(1000);
    throw error;
  }
  return replica;
}
