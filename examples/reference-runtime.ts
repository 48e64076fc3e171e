/**
 * A runtime that owns its API, the runtime side of ticket 005's contract, in one file: Lookout's
 * `http` runtime kind reads its state and restarts it through these two endpoints.
 *
 *   GET  /external/system/status   → 200 { name, state, pid, version, commit, startedAt, restarts, lastError, uptimeSeconds, ticks }
 *   POST /external/system/restart  → 200 { ok: true, status } once its work loop runs again
 *                                    (409 while a restart is under way)
 *
 *   npx node examples/reference-runtime.ts --port 7070 [--host 127.0.0.1] [--name otto] [--restart-delay 500]
 *
 * With RUNTIME_TOKEN set (or the `token` option), both endpoints want `Authorization: Bearer <it>`
 * and answer 401 without it (Lookout sends it from the runtime entry's `token_env`).
 *
 * The "work" is a loop that ticks every second; a restart stops the loop, waits the restart delay
 * (a real runtime would drain its jobs and reload here), and starts it again. The process itself
 * stays up: the contract restarts the runtime's work, not necessarily its process.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

type State = 'running' | 'starting' | 'restarting' | 'stopped' | 'crashed' | 'unknown';

export interface ReferenceRuntimeOptions {
  port: number;
  host?: string;
  name?: string;
  /** How long a restart keeps the loop stopped, in ms. */
  restartDelayMs?: number;
  /** One tick of work, in ms. */
  tickMs?: number;
  /** A bearer token both endpoints require (default: RUNTIME_TOKEN, if set). */
  token?: string;
}

export interface ReferenceRuntime {
  /** http://host:port */
  url: string;
  close(): Promise<void>;
}

/** The status body: the fields Lookout's `http` kind reads (others are ignored by it). */
export interface StatusBody {
  name: string;
  state: State;
  pid: number;
  version: string;
  commit: string | null;
  startedAt: string | null;
  restarts: number;
  lastError: string | null;
  uptimeSeconds: number;
  ticks: number;
}

const VERSION = '1.0.0';

export async function startReferenceRuntime(o: ReferenceRuntimeOptions): Promise<ReferenceRuntime> {
  const token = o.token ?? process.env.RUNTIME_TOKEN?.trim() ?? '';
  let state: State = 'starting';
  let startedAt: Date | null = null;
  let restarts = 0;
  let ticks = 0;
  let loop: NodeJS.Timeout | undefined;

  const startLoop = () => {
    loop = setInterval(() => ticks++, o.tickMs ?? 1000);
    startedAt = new Date();
    state = 'running';
  };
  const status = (): StatusBody => ({
    name: o.name ?? 'reference',
    state,
    pid: process.pid,
    version: VERSION,
    commit: process.env.RUNTIME_COMMIT ?? null,
    startedAt: startedAt?.toISOString() ?? null,
    restarts,
    lastError: null,
    uptimeSeconds: startedAt && state === 'running' ? Math.round((Date.now() - startedAt.getTime()) / 100) / 10 : 0,
    ticks,
  });
  const send = (res: ServerResponse, code: number, body: unknown) => {
    res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const restart = async () => {
    state = 'restarting';
    clearInterval(loop);
    await new Promise((resolve) => setTimeout(resolve, o.restartDelayMs ?? 500));
    restarts++;
    startLoop();
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume(); // the body, if any, is not needed
    const path = new URL(req.url ?? '/', 'http://runtime').pathname;
    if (token && !safeEqual(req.headers.authorization ?? '', `Bearer ${token}`)) return send(res, 401, { error: 'a bearer token is required' });
    if (path === '/external/system/status') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'use GET' });
      return send(res, 200, status());
    }
    if (path === '/external/system/restart') {
      if (req.method !== 'POST') return send(res, 405, { error: 'use POST' });
      if (state === 'restarting') return send(res, 409, { error: 'a restart is already under way', status: status() });
      restart().then(
        () => send(res, 200, { ok: true, status: status() }),
        (error: Error) => send(res, 500, { ok: false, error: error.message, status: status() }),
      );
      return;
    }
    send(res, 404, { error: 'not found: the contract has GET /external/system/status and POST /external/system/restart' });
  });
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, host, () => resolve());
  });
  startLoop();
  const { port } = server.address() as { port: number };
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        clearInterval(loop);
        state = 'stopped';
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// Run as a program: `npx node examples/reference-runtime.ts --port N`.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '7070' }, host: { type: 'string', default: '127.0.0.1' }, name: { type: 'string' }, 'restart-delay': { type: 'string', default: '500' } },
  });
  const port = Number(values.port);
  const restartDelayMs = Number(values['restart-delay']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a port number (0 for any free one), got ${values.port}`);
    process.exit(2);
  }
  if (!Number.isFinite(restartDelayMs) || restartDelayMs < 0) {
    console.error(`--restart-delay must be milliseconds, got ${values['restart-delay']}`);
    process.exit(2);
  }
  const runtime = await startReferenceRuntime({ port, host: values.host, name: values.name, restartDelayMs });
  console.log(`reference runtime listening on ${runtime.url}`);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      console.log(`${signal}: stopping`);
      void runtime.close().then(() => process.exit(0));
    });
  }
}
