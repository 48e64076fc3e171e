/**
 * Receivers that behave badly: an HTTP receiver that never sends its headers, trickles a body that
 * never ends (after a 200 or a 500), resets the connection mid-answer, speaks plain HTTP to an
 * https:// URL; an SMTP server that drops the connection, never greets, or refuses RCPT. Each ends
 * as one recorded attempt bounded by the attempt's limit, with a clear error, retried or failed as
 * designed; and a receiver that hangs never holds back another channel's notices.
 */
import net from 'node:net';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Alerting } from '../../server/alerting/alerting.ts';
import { startHttpReceiver, startSmtpReceiver, type HttpReceiver, type SmtpReceiver } from './support/receivers.ts';
import { newWebhookSecret, passUntilCaughtUp, startFlippableTarget, startScenario, type AlertingScenario, type FlippableTarget } from './support/alerting.ts';

const SECRET = newWebhookSecret();
const LIMIT_MS = 1500;

interface Raw {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A TCP server that does `onConnection` with each socket (kept, so close() ends them all). */
async function startRaw(onConnection: (socket: net.Socket) => void): Promise<Raw> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers each request with `status` and then a body trickled a byte a second, never ended. */
const trickling = (status: number) =>
  startRaw((socket) => {
    socket.once('data', () => {
      socket.write(`HTTP/1.1 ${status} X\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n`);
      const timer = setInterval(() => socket.write('1\r\nx\r\n'), 1000);
      socket.on('close', () => clearInterval(timer));
    });
  });

const KINDS = ['silent', 'trickle200', 'trickle500', 'reset', 'tls', 'smtpdrop', 'smtpmute', 'smtprcpt'] as const;
type Kind = (typeof KINDS)[number];

let target: FlippableTarget;
let s: AlertingScenario;
const raws = {} as Record<Kind, Raw>;
let smtp: SmtpReceiver;
let stuck: HttpReceiver;
let quick: HttpReceiver;

beforeAll(async () => {
  target = await startFlippableTarget();
  [stuck, quick, smtp] = await Promise.all([startHttpReceiver(), startHttpReceiver(), startSmtpReceiver()]);
  smtp.rejectWith(550, 'No such user here', 'rcpt');
  stuck.hang();
  raws.silent = await startRaw((socket) => socket.resume()); // reads the request, never answers
  raws.trickle200 = await trickling(200);
  raws.trickle500 = await trickling(500);
  raws.reset = await startRaw((socket) => socket.once('data', () => {
    socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\npartial');
    setTimeout(() => socket.resetAndDestroy(), 20);
  }));
  const plain = http.createServer((_req, res) => res.end('plain'));
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  const plainPort = (plain.address() as AddressInfo).port;
  raws.tls = { url: `https://127.0.0.1:${plainPort}`, port: plainPort, close: () => new Promise<void>((resolve) => { plain.closeAllConnections(); plain.close(() => resolve()); }) };
  raws.smtpdrop = await startRaw((socket) => {
    socket.write('220 mail.example ESMTP\r\n');
    socket.once('data', () => socket.destroy());
  });
  raws.smtpmute = await startRaw((socket) => socket.resume()); // accepts the connection, never greets
  raws.smtprcpt = { url: '', port: smtp.port, close: async () => {} };
  const channel = (kind: Kind) =>
    kind.startsWith('smtp')
      ? `    - { name: ${kind}, kind: email, host: 127.0.0.1, port: ${raws[kind].port}, from: lookout@example.com, to: [ops@example.com] }`
      : `    - { name: ${kind}, kind: webhook, url: "${raws[kind].url}/hook", secret: "${SECRET}" }`;
  s = await startScenario(`
alerting:
  channels:
${KINDS.map(channel).join('\n')}
    - { name: stuck, kind: webhook, url: "${stuck.url}/hook", secret: "${SECRET}" }
    - { name: quick, kind: webhook, url: "${quick.url}/hook", secret: "${SECRET}" }
  defaults: { escalation_delay: 0s }
services:
${[...KINDS, 'stuck', 'quick'].map((name) => `  - { name: ${name}, kind: http, target: "${target.url(name)}", failure_threshold: 1, alerts: { channels: [${name}] } }`).join('\n')}
`);
  s.ts.server.app.alerting.attemptTimeoutMs = LIMIT_MS;
});
afterAll(async () => {
  await s?.close();
  await Promise.all([target?.close(), smtp?.close(), stuck?.close(), quick?.close(), ...Object.values(raws).map((r) => r.close())]);
});

const deliveryOf = async (service: string) => {
  const { alerts } = await s.gqlOk('query($s: String!) { alerts(filter: { service: $s }) { id } }', { s: service });
  const { alert } = await s.gqlOk('query($id: Int!) { alert(id: $id) { deliveries { channel state attempts lastError log { ok statusCode error latencyMs } } } }', { id: alerts[0].id });
  return alert.deliveries[0] as { channel: string; state: string; attempts: number; lastError: string | null; log: { ok: boolean; statusCode: number | null; error: string | null; latencyMs: number }[] };
};

describe('receivers behaving badly', () => {
  it('each costs one recorded attempt within the limit, with a clear error, retried or failed as designed', async () => {
    for (const kind of KINDS) {
      target.set(kind, false);
      expect(await s.check(kind)).toBe('down');
    }
    const started = performance.now();
    const { notices, sent } = await s.step();
    expect(notices).toBe(KINDS.length);
    expect(sent).toBe(KINDS.length);
    // All at once, each within its limit: the round took about one limit, not one per receiver.
    expect(performance.now() - started).toBeLessThan(LIMIT_MS * 3);
    const expected: Record<Kind, [state: string, error: RegExp | null]> = {
      silent: ['PENDING', /timed out/],
      trickle200: ['SENT', null], // the receiver said 200: what it streams after that does not undo it
      trickle500: ['PENDING', /HTTP 500|timed out/],
      reset: ['SENT', null], // 200 was said before the reset
      tls: ['PENDING', /127\.0\.0\.1/],
      smtpdrop: ['PENDING', /127\.0\.0\.1|connection|closed/i],
      smtpmute: ['PENDING', /timed out|greeting/i],
      smtprcpt: ['FAILED', /550/],
    };
    for (const kind of KINDS) {
      const delivery = await deliveryOf(kind);
      const [state, error] = expected[kind];
      expect({ kind, state: delivery.state, attempts: delivery.attempts }).toEqual({ kind, state, attempts: 1 });
      expect(delivery.log).toHaveLength(1);
      expect(delivery.log[0].latencyMs, kind).toBeLessThan(LIMIT_MS + 1000);
      if (error) {
        expect(delivery.log[0].error, kind).toMatch(error);
        expect(delivery.log[0].error!.length, kind).toBeLessThan(400);
        expect(delivery.log[0].error, kind).not.toMatch(/\n|at .*\.ts:\d+/);
      }
    }
  });

  it('regression: a receiver that never answers held back every other channel\'s notices for the whole attempt (the outbox waited for its whole batch before claiming again)', async () => {
    const app = s.ts.server.app;
    // A replica's outbox as `serve` runs it: its loops on, the attempt's limit far above the wait below.
    const replica = new Alerting({ orm: app.orm, sql: app.sql, pubsub: app.pubsub, clock: app.clock, logger: app.logger, run: true, passPollMs: 100, outboxPollMs: 100 });
    replica.attemptTimeoutMs = 10_000;
    replica.start();
    try {
      target.set('stuck', false);
      expect(await s.check('stuck')).toBe('down');
      await passUntilCaughtUp(app);
      await stuck.next(); // claimed and sent; it will not answer
      target.set('quick', false);
      expect(await s.check('quick')).toBe('down');
      await passUntilCaughtUp(app);
      const started = performance.now();
      const arrived = await quick.next();
      expect(JSON.parse(arrived.body).type).toBe('incident.triggered');
      // Not held behind the stuck attempt's 10 s limit (the margin is for a loaded machine).
      expect(performance.now() - started).toBeLessThan(9000);
    } finally {
      await stuck.close(); // ends the hanging attempt, so the replica stops at once
      await replica.stop();
    }
  });
});
