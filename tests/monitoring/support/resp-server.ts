/**
 * A tiny Redis stand-in speaking real RESP over TCP: PING, AUTH (with `requirepass`-style and ACL
 * user checks), SELECT and QUIT, with an optional reply delay and a canned error for failure cases.
 * Enough of the protocol for the redis checker, read the same way a Redis server reads it.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { TestCertificate } from './certificates.ts';

export interface RespServerOptions {
  /** When set, every command but AUTH is refused until AUTH succeeds. */
  password?: string;
  /** ACL user name AUTH must carry (`AUTH user pass`); `default` when absent. */
  username?: string;
  /** Delay before each reply. */
  delayMs?: number;
  /** Reply to PING with this error instead of PONG (e.g. `LOADING Redis is loading the dataset in memory`). */
  pingError?: string;
  /** Databases SELECT accepts (0..databases-1). */
  databases?: number;
  /** Serve TLS (what `rediss://` connects to). */
  certificate?: TestCertificate;
}

/** A running RESP server. */
export interface RespServer {
  port: number;
  /** Commands received, upper-cased, with their arguments. */
  commands: string[][];
  close(): Promise<void>;
}

export async function startRespServer(options: RespServerOptions = {}): Promise<RespServer> {
  const commands: string[][] = [];
  const sockets = new Set<net.Socket>();
  const onConnection = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let authenticated = options.password === undefined;
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (let parsed = parseCommand(buffer); parsed; parsed = parseCommand(buffer)) {
        buffer = buffer.subarray(parsed.length);
        const [name = '', ...args] = parsed.args;
        commands.push([name.toUpperCase(), ...args]);
        const reply = answer(name.toUpperCase(), args);
        const write = () => {
          if (!socket.destroyed) socket.write(reply);
          if (name.toUpperCase() === 'QUIT') socket.end();
        };
        if (options.delayMs) setTimeout(write, options.delayMs);
        else write();
      }
    });

    function answer(name: string, args: string[]): string {
      if (name === 'AUTH') {
        const [user, pass] = args.length === 2 ? args : ['default', args[0]];
        if (options.password === undefined) return '-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n';
        if (user !== (options.username ?? 'default') || pass !== options.password) return '-WRONGPASS invalid username-password pair or user is disabled.\r\n';
        authenticated = true;
        return '+OK\r\n';
      }
      if (!authenticated) return '-NOAUTH Authentication required.\r\n';
      switch (name) {
        case 'PING':
          return options.pingError ? `-${options.pingError}\r\n` : '+PONG\r\n';
        case 'SELECT':
          return Number(args[0]) < (options.databases ?? 16) ? '+OK\r\n' : '-ERR DB index is out of range\r\n';
        case 'QUIT':
          return '+OK\r\n';
        default:
          return `-ERR unknown command '${name}'\r\n`;
      }
    }
  };
  const server = options.certificate ? tls.createServer({ cert: options.certificate.cert, key: options.certificate.key }, onConnection) : net.createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    commands,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Parses one RESP array of bulk strings (or an inline command) from the start of `buffer`. */
function parseCommand(buffer: Buffer): { args: string[]; length: number } | null {
  const lineEnd = buffer.indexOf('\r\n');
  if (lineEnd === -1) return null;
  if (buffer[0] !== 0x2a /* '*' */) {
    return { args: buffer.subarray(0, lineEnd).toString().trim().split(/\s+/), length: lineEnd + 2 };
  }
  const count = Number(buffer.subarray(1, lineEnd).toString());
  const args: string[] = [];
  let offset = lineEnd + 2;
  for (let i = 0; i < count; i++) {
    const headerEnd = buffer.indexOf('\r\n', offset);
    if (headerEnd === -1 || buffer[offset] !== 0x24 /* '$' */) return null;
    const size = Number(buffer.subarray(offset + 1, headerEnd).toString());
    const start = headerEnd + 2;
    if (buffer.length < start + size + 2) return null;
    args.push(buffer.subarray(start, start + size).toString());
    offset = start + size + 2;
  }
  return { args, length: offset };
}
