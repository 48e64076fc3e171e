/**
 * Measures the CPU an http check costs the control plane: N checks (default 2,000, 50 at a time)
 * through runCheck against a keep-alive server in a child process, so the server's own CPU is not
 * counted. Run: `node tests/monitoring/support/measure-http-cpu.ts [checks] [concurrency]`.
 */
import { spawn } from 'node:child_process';
import { getChecker } from '../../../server/monitoring/checkers/registry.ts';
import { runCheck } from '../../../server/monitoring/checkers/run.ts';

const SERVER = "const s = require('node:http').createServer({ keepAliveTimeout: 60000 }, (q, r) => r.end('{\"status\":\"ok\"}')).listen(0, '127.0.0.1', () => console.log(s.address().port))";

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 2000);
  const concurrency = Number(process.argv[3] ?? 50);
  const server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => server.stdout.once('data', (data) => resolve(Number(String(data).trim()))));
  const checker = getChecker('http');
  const host = { dataDir: '/tmp', now: () => new Date() };
  const measure = async (label: string, options: Record<string, unknown>, count: number) => {
    const service = { name: 'bench', kind: 'http', ...checker.validate(`http://127.0.0.1:${port}/health`, options), timeoutMs: 5000, degradedLatencyMs: 1000 };
    let next = 0;
    let unhealthy = 0;
    const worker = async () => {
      while (next < count) {
        next += 1;
        const result = await runCheck(checker, service, { diagnose: false, host });
        if (result.status !== 'healthy') unhealthy += 1;
      }
    };
    const cpu = process.cpuUsage();
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    const used = process.cpuUsage(cpu);
    const wallMs = performance.now() - started;
    const perCheck = (used.user + used.system) / 1000 / count;
    console.log(`${label}: ${count} checks, concurrency ${concurrency}: ${perCheck.toFixed(3)} ms CPU per check (user ${(used.user / 1000 / count).toFixed(3)}, system ${(used.system / 1000 / count).toFixed(3)}), ${(wallMs / count).toFixed(3)} ms wall per check, ${unhealthy} not healthy`);
  };
  // The first few thousand checks run while V8 is still optimising the path; report both phases.
  await measure('cold (first run)', {}, total);
  await measure('warm-up', {}, 5 * total);
  for (let round = 1; round <= 3; round++) {
    await measure(`plain GET, round ${round}`, {}, total);
    await measure(`GET + json, round ${round}`, { json: { path: 'status', equals: 'ok' } }, total);
  }
  server.kill();
}

await main();
