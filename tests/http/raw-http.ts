/** HTTP/1.1 over a plain TCP socket, for requests no HTTP client would send, and a check that the server still serves. */
import net from 'node:net';
import { expect } from 'vitest';
import { gql } from '../support/graphql.ts';
import type { TestServer } from '../support/server.ts';

export interface RawResponse {
  /** Status of the first response line (0 when none came). */
  status: number;
  /** Everything the server sent. */
  raw: string;
  /** The server closed the connection (rather than the time running out). */
  closed: boolean;
  elapsedMs: number;
}

function statusOf(raw: string): number {
  return Number(/^HTTP\/1\.[01] (\d{3})/.exec(raw)?.[1] ?? 0);
}

/** Sends `request` as is and reads until the server closes the connection or `timeoutMs` passes. */
export function rawExchange(port: number, request: string, timeoutMs = 5000): Promise<RawResponse> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let raw = '';
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: statusOf(raw), raw, closed, elapsedMs: performance.now() - started });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (data) => (raw += data.toString('latin1')));
    socket.on('error', () => {}); // a reset after the answer: 'close' follows
    socket.on('close', () => finish(true));
  });
}

export interface UploadResult {
  status: number;
  raw: string;
  /** Body bytes written to the socket when the first byte of the answer arrived. */
  sentWhenAnswered: number;
  total: number;
}

/**
 * Sends `head`, then `total` bytes of body (raw or chunked) as fast as the socket takes them,
 * stopping at the first byte of an answer; resolves once the connection ends.
 */
export function uploadUntilAnswered(port: number, head: string, options: { total: number; chunked?: boolean; fill?: string }): Promise<UploadResult> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunk = Buffer.alloc(64 * 1024, options.fill ?? '[');
    const frame = options.chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk;
    let sent = 0;
    let sentWhenAnswered = -1;
    let raw = '';
    socket.on('data', (data) => {
      if (sentWhenAnswered < 0) sentWhenAnswered = sent;
      raw += data.toString('latin1');
    });
    socket.on('error', () => {}); // writing after the server closed: 'close' follows
    socket.on('close', () => resolve({ status: statusOf(raw), raw, sentWhenAnswered, total: options.total }));
    const pump = () => {
      while (sent < options.total && sentWhenAnswered < 0 && !socket.destroyed) {
        sent += chunk.length;
        if (!socket.write(frame)) return void socket.once('drain', pump);
      }
      if (sentWhenAnswered >= 0 || sent >= options.total) socket.end();
    };
    socket.write(head, pump);
  });
}

/** The server still answers an ordinary query. */
export async function expectServerAnswers(ts: TestServer): Promise<void> {
  const result = await gql<{ serverTime: string }>(ts, '{ serverTime }', {}, { token: ts.adminToken });
  expect(result.errors).toBeUndefined();
  expect(Date.parse(result.data!.serverTime)).not.toBeNaN();
}

/** Calls to the server's logger at error level or above while `run` runs. */
export async function errorsLoggedDuring(ts: TestServer, run: () => Promise<void>): Promise<unknown[][]> {
  const logger = ts.server.app.logger as unknown as Record<'error' | 'fatal', (...args: unknown[]) => void>;
  const original = { error: logger.error, fatal: logger.fatal };
  const calls: unknown[][] = [];
  logger.error = (...args) => void calls.push(args);
  logger.fatal = (...args) => void calls.push(args);
  try {
    await run();
  } finally {
    Object.assign(logger, original);
  }
  return calls;
}
