/**
 * A TCP server that answers a connection with an endless stream, as fast as the client reads it:
 * `start` first (say, a message header declaring a huge length), then bytes that never end a line
 * or a message. What a hostile or broken target looks like to a checker that reads replies.
 */
import net from 'node:net';

export interface FloodingServer {
  port: number;
  /** Bytes written so far (what the client read, and what the kernels' buffers hold). */
  sent(): number;
  /** Settles when the client let go of its connection. */
  closed: Promise<void>;
  close(): Promise<void>;
}

/** `afterFirstData`: wait for the client's first bytes (a start-up message) before flooding. */
export async function startFloodingServer(start: Buffer = Buffer.alloc(0), { afterFirstData = false } = {}): Promise<FloodingServer> {
  let sent = 0;
  let connectionClosed!: () => void;
  const closed = new Promise<void>((resolve) => (connectionClosed = resolve));
  const server = net.createServer((socket) => {
    const chunk = Buffer.alloc(16 * 1024, 'x');
    const pump = () => {
      while (!socket.destroyed) {
        const more = socket.write(chunk);
        sent += chunk.length; // written, whether or not it is still buffered
        if (!more) return void socket.once('drain', pump);
      }
    };
    const flood = () => {
      socket.write(start);
      sent += start.length;
      pump();
    };
    socket.on('error', () => {});
    socket.on('close', () => connectionClosed());
    if (afterFirstData) socket.once('data', flood);
    else flood();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    sent: () => sent,
    closed,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
