/**
 * A real `lookout serve` for the benchmarks that run replicas (bench/alerts, bench/fanout): `npm
 * start`'s Node options (and any extra ones), its own port, up once /health/ready answers 200; what it
 * logs at warn and above is kept as complaints.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../server/config.ts';
import { freePort } from '../../server/db/embedded.ts';
import { startNodeOptions } from './setup.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Replica {
  name: string;
  child: ChildProcess;
  url: string;
  /** Lines logged at warn level and above, and anything not JSON. */
  complaints: string[];
  stop(): Promise<void>;
}

/** A real `lookout serve` with `npm start`'s Node options, up once /health/ready answers 200. */
export async function startReplica(name: string, env: Record<string, string>, extraNodeOptions: string[] = []): Promise<Replica> {
  const port = await freePort();
  const child = spawn(process.execPath, [...(await startNodeOptions()), ...extraNodeOptions, path.join(projectRoot, 'bin/lookout.mjs'), 'serve'], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const complaints: string[] = [];
  let pending = '';
  const read = (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      // JSON lines at warn (40) and above; the setup link it prints (with its token) is left out.
      const level = line.startsWith('{') ? Number(/"level":(\d+)/.exec(line)?.[1] ?? 0) : line.includes('/setup#token=') || !line.trim() ? 0 : 40;
      if (level >= 40 && complaints.length < 200) complaints.push(line.slice(0, 1000));
    }
  };
  child.stdout!.on('data', read);
  child.stderr!.on('data', read);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const replica: Replica = {
    name, child, url, complaints,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before serving:\n${complaints.slice(-20).join('\n')}`);
    const ok = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status === 200, () => false);
    if (ok) return replica;
    if (Date.now() > deadline) {
      await replica.stop();
      throw new Error(`${name} did not answer 200 on /health/ready within 90 s:\n${complaints.slice(-20).join('\n')}`);
    }
    await sleep(100);
  }
}
