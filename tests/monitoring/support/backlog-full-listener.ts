/**
 * A listening port whose TCP connect never completes: a child process listens with a backlog of one
 * and is then stopped (SIGSTOP), so once its accept queue is full the kernel drops new SYNs — the
 * closest a test can get, without root, to a firewall that silently drops packets. Resuming the
 * child (SIGCONT) drains the queue, and a waiting connect completes on the kernel's SYN retry (~1 s).
 */
import { spawn } from 'node:child_process';
import net from 'node:net';

/** A stopped listener and the connections that fill its queue. */
export interface BacklogFullListener {
  port: number;
  /** Lets the listener accept again (the pending connects complete on their next SYN retry). */
  resume(): void;
  close(): void;
}

const LISTENER = "const s = require('node:net').createServer(() => {}).listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => console.log(s.address().port))";
/** How long a connect may take before the queue counts as full (local connects take ~1 ms). */
const HANG_AFTER_MS = 150;

export async function startBacklogFullListener(): Promise<BacklogFullListener> {
  const child = spawn(process.execPath, ['-e', LISTENER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (data) => resolve(Number(String(data).trim())));
    child.once('error', reject);
  });
  process.kill(child.pid!, 'SIGSTOP');
  const fillers: net.Socket[] = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    fillers.push(socket);
    const connected = await new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(true));
      setTimeout(() => resolve(false), HANG_AFTER_MS);
    });
    if (!connected) break;
  }
  return {
    port,
    resume: () => process.kill(child.pid!, 'SIGCONT'),
    close: () => {
      for (const socket of fillers) socket.destroy();
      child.kill('SIGKILL');
    },
  };
}
