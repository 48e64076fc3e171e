/**
 * A TCP proxy to a real server that a test can cut, as a network or a stopped database would: while
 * cut, open connections are torn down and new ones are closed as soon as they arrive (and counted,
 * with when they came, so a test can see how often a client retried).
 */
import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** Tears down every connection and refuses new ones until `restore`. */
  cut(): void;
  restore(): void;
  /** When each connection refused while cut arrived (ms since the epoch). */
  refusedAt: number[];
  close(): Promise<void>;
}

export async function startTcpProxy(host: string, port: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const refusedAt: number[] = [];
  let cut = false;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  };
  const server = net.createServer((client) => {
    track(client);
    if (cut) {
      refusedAt.push(Date.now());
      return void client.destroy();
    }
    const upstream = net.connect(port, host);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    refusedAt,
    cut() {
      cut = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      cut = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
