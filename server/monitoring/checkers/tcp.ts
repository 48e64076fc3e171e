/** The `tcp` checker: a service is up when something accepts a TCP connection on its port. */
import net from 'node:net';
import type { Checker } from './checker.ts';
import { describeNetworkError, formatHostPort, parseHostPort, StepClock } from './network.ts';
import { OptionReader } from './options.ts';

/** `tcp` takes no options: connecting is the whole check. */
export type TcpOptions = Record<string, never>;

/** Connects to `host:port` (IPv6 as `[::1]:port`) and closes at once; steps `dns` and `connect`. */
export const tcpChecker: Checker<TcpOptions> = {
  kind: 'tcp',
  description: 'Opens a TCP connection to host:port and closes it.',

  validate(target, options) {
    const address = parseHostPort(String(target ?? '').trim(), 'target');
    return { target: formatHostPort(address), options: new OptionReader('tcp', options).finish<TcpOptions>() };
  },

  async check(service, { signal }) {
    const { host, port } = parseHostPort(service.target, 'target');
    const where = formatHostPort({ host, port });
    const clock = new StepClock();
    const socket = net.connect({ host, port, signal });
    let looked = net.isIP(host) !== 0;
    if (looked) clock.mark('dns', true, 'IP address: no lookup');
    socket.once('lookup', (error, address) => {
      looked = true;
      if (!error) clock.mark('dns', true, address);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      clock.mark('connect', true, `${socket.remoteAddress}:${socket.remotePort}`);
      return { status: 'healthy', error: null, details: { address: socket.remoteAddress }, steps: clock.steps };
    } catch (error) {
      const message = describeNetworkError(error, where);
      clock.fail(looked ? 'connect' : 'dns', message);
      return { status: 'down', error: message, details: {}, steps: clock.steps };
    } finally {
      socket.destroy();
    }
  },
};
