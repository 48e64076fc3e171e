/** What the runtime tests share: a kind's context, node scripts as argv, local HTTP servers that answer as told, and /proc. */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RuntimeContext } from '../../../server/runtimes/runtime.ts';

/** A context whose changes a test can count. */
export function testContext(): RuntimeContext & { changes: number } {
  const context = {
    changes: 0,
    now: () => new Date(),
    changed: () => void context.changes++,
    logger: { warn: () => {}, info: () => {} },
  };
  return context;
}

/** An argv running `script` with this Node. */
export const node = (script: string): string[] => [process.execPath, '-e', script];

/** A local HTTP server answering each request with `handle`. */
export async function startHttp(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; server: Server; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A free local port (listened on and released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Whether a process is alive (a zombie, dead but not reaped, counts as gone). */
export function alive(pid: number): boolean {
  if (!existsSync(`/proc/${pid}`)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
