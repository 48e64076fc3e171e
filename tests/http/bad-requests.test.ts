import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { loadConfig } from '../../server/config.ts';
import { HEADERS_TIMEOUT_MS, MAX_PIPELINED } from '../../server/http.ts';
import { errorsLoggedDuring, expectServerAnswers, rawExchange, uploadUntilAnswered } from './raw-http.ts';

const UPGRADE = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
const LIMIT = loadConfig({}).maxBodyBytes;
const TOO_LARGE = `The request body is larger than ${LIMIT} bytes, the limit (LOOKOUT_MAX_BODY_BYTES).`;
const HUGE = 64 * 1024 * 1024;

/** Nothing of a stack trace or of the request's own text comes back. */
function expectNoEcho(raw: string, ...inputs: string[]) {
  expect(raw).not.toMatch(/\bat .+:\d+:\d+|TypeError|URIError|RangeError/);
  for (const input of inputs) expect(raw).not.toContain(input);
}

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ runScheduler: false });
});
afterAll(() => ts?.close());

describe('bad request targets, headers and connections', () => {
  it('answers 400 to a request line whose target is not a URL (regression: GET //[ stopped the server)', async () => {
    const logged = await errorsLoggedDuring(ts, async () => {
      for (const target of ['//[', '//[/graphql', 'http://[::1/', 'http://[/graphql']) {
        const response = await rawExchange(ts.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        expect(response.status, target).toBe(400);
        expect(response.raw).toContain('the target or Host header is not a valid URL');
        expectNoEcho(response.raw.split('\r\n\r\n')[1], target);
      }
    });
    expect(logged).toEqual([]);
    await expectServerAnswers(ts);
  });

  it('answers 400 to an absolute target with a user or password, or of another scheme (regression: REST paths answered 500 and logged a stack)', async () => {
    const logged = await errorsLoggedDuring(ts, async () => {
      for (const target of ['http://a:b@x/admin/health', 'http://a@x/graphql', 'http://a:b@x/', 'file:///etc/passwd', 'ftp://x/health', 'ws://x/graphql']) {
        const response = await rawExchange(ts.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        expect(response.status, target).toBe(400);
        expect(response.raw).toContain('the target or Host header is not a valid URL');
      }
    });
    expect(logged).toEqual([]);
    await expectServerAnswers(ts);
  });

  it('answers a request that asks to upgrade to another protocol as the HTTP/1.1 request it is (regression: curl --http2 got an empty 404 on every path)', async () => {
    for (const upgrade of ['h2c', 'foo']) {
      const response = await rawExchange(ts.port, `GET /health HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings, close\r\nUpgrade: ${upgrade}\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n`);
      expect(response.status, upgrade).toBe(200);
      expect(response.raw).toMatch(/"status":"(healthy|degraded|down)"/);
    }
    // A WebSocket upgrade elsewhere than /graphql is still refused.
    const elsewhere = await rawExchange(ts.port, `GET /health HTTP/1.1\r\nHost: x\r\n${UPGRADE}\r\n`);
    expect(elsewhere.status).toBe(404);
  });

  it('answers 400 to two Host headers, or one that is not ASCII (regression: both were served, routed by the first)', async () => {
    for (const headers of ['Host: a\r\nHost: b\r\n', 'Host: \u00e9vil.example\r\n']) {
      const response = await rawExchange(ts.port, `GET /health HTTP/1.1\r\n${headers}Connection: close\r\n\r\n`);
      expect(response.status, headers).toBe(400);
    }
    const one = await rawExchange(ts.port, 'GET /health HTTP/1.1\r\nHost: lookout.example:4000\r\nConnection: close\r\n\r\n');
    expect(one.status).toBe(200);
  });

  it('answers 400 to a Host header that is not a host (regression: /graphql answered 500 with a stack trace)', async () => {
    for (const [path, host] of [['/graphql?query=%7BserverTime%7D', '['], ['/graphql?query=%7BserverTime%7D', 'x:99999'], ['/graphql', 'a@b'], ['/', 'x/y']]) {
      const response = await rawExchange(ts.port, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      expect(response.status, host).toBe(400);
      expectNoEcho(response.raw);
    }
    await expectServerAnswers(ts);
  });

  it('refuses and closes a WebSocket upgrade whose target is not a URL (regression: the upgrade path threw outside any handler)', async () => {
    const bad = await rawExchange(ts.port, `GET //[ HTTP/1.1\r\nHost: x\r\n${UPGRADE}\r\n`);
    expect(bad.status).toBe(400);
    expect(bad.closed).toBe(true);
    const badHost = await rawExchange(ts.port, `GET /graphql HTTP/1.1\r\nHost: [\r\n${UPGRADE}\r\n`);
    expect(badHost.status).toBe(400);
    expect(badHost.closed).toBe(true);
    const elsewhere = await rawExchange(ts.port, `GET /not-graphql HTTP/1.1\r\nHost: x\r\n${UPGRADE}\r\n`);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.closed).toBe(true);
    await expectServerAnswers(ts);
  });

  it("answers malformed request lines and headers with Node's 400 (431 when too long) and keeps serving", async () => {
    const cases: [string, number][] = [
      ['GARBAGE\r\n\r\n', 400],
      ['GET / HTTP/9.9\r\nHost: x\r\n\r\n', 400],
      ['GET / HTTP/1.1\r\n\r\n', 400], // HTTP/1.1 without Host
      ['GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n', 400],
      ['POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400],
      ['POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
      ['GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', 400],
      [`GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
      [`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`, 431],
    ];
    for (const [request, status] of cases) {
      const response = await rawExchange(ts.port, request);
      expect(response.status, request.slice(0, 40)).toBe(status);
      expect(response.closed).toBe(true);
    }
    await expectServerAnswers(ts);
  });

  it('survives a client that resets the connection halfway through a body', async () => {
    const logged = await errorsLoggedDuring(ts, async () => {
      for (const path of ['/graphql', '/ping/abcdefgh1234', '/']) {
        const socket = net.connect(ts.port, '127.0.0.1');
        const closed = new Promise((resolve) => socket.on('close', resolve));
        socket.on('error', () => {});
        socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":`, () => socket.resetAndDestroy());
        await closed;
      }
      await expectServerAnswers(ts);
    });
    expect(logged).toEqual([]);
  });

  it(`closes a connection whose headers take longer than ${HEADERS_TIMEOUT_MS / 1000} s (slow loris)`, { timeout: HEADERS_TIMEOUT_MS + 10_000 }, async () => {
    const response = await rawExchange(ts.port, 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ', HEADERS_TIMEOUT_MS + 5_000);
    expect(response.closed).toBe(true);
    expect(response.status).toBe(408);
    expect(response.elapsedMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
    await expectServerAnswers(ts);
  });

  it('answers GET /%ff with 400 (regression: the dashboard route answered 500)', async () => {
    const logged = await errorsLoggedDuring(ts, async () => {
      for (const path of ['/%ff', '/assets/%e0%a4%a', '/%00']) {
        const response = await fetch(`${ts.url}${path}`);
        expect(response.status, path).toBe(400);
        expect(await response.text()).toBe('Bad request: the path is not valid percent-encoded UTF-8, or holds a NUL.\n');
      }
    });
    expect(logged).toEqual([]);
    await expectServerAnswers(ts);
  });
});

describe('request bodies over the limit', () => {
  it('defaults to a 4 MiB limit', () => {
    expect(LIMIT).toBe(4 * 1024 * 1024);
    expect(ts.config.maxBodyBytes).toBe(LIMIT);
    expect(loadConfig({ LOOKOUT_MAX_BODY_BYTES: '65536' }).maxBodyBytes).toBe(65536);
    expect(() => loadConfig({ LOOKOUT_MAX_BODY_BYTES: 'lots' })).toThrow(/LOOKOUT_MAX_BODY_BYTES must be a non-negative whole number/);
  });

  it('answers a body declared over the limit with 413 before it is sent (regression: a 10 MB body was read whole, echoed back and froze the server)', async () => {
    for (const path of ['/graphql', '/ping/abcdefgh1234', '/']) {
      const head = `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${HUGE}\r\n\r\n`;
      const result = await uploadUntilAnswered(ts.port, head, { total: HUGE });
      expect(result.status, path).toBe(413);
      expect(result.raw).toContain(TOO_LARGE);
      expect(result.raw).not.toContain('[[[[');
      expect(result.sentWhenAnswered).toBeLessThan(HUGE / 4);
    }
    await expectServerAnswers(ts);
  });

  it('answers a chunked body with 413 as soon as it passes the limit, on the routes that do not read bodies', async () => {
    for (const path of ['/ping/abcdefgh1234', '/']) {
      const head = `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
      const result = await uploadUntilAnswered(ts.port, head, { total: HUGE, chunked: true });
      expect(result.status, path).toBe(413);
      expect(result.raw).toContain(TOO_LARGE);
      expect(result.raw).not.toContain('[[[[');
      expect(result.sentWhenAnswered).toBeLessThan(HUGE / 4);
    }
    await expectServerAnswers(ts);
  });

  it('refuses an upload announced with Expect: 100-continue without asking for its body', async () => {
    const head = `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${HUGE}\r\nExpect: 100-continue\r\n\r\n`;
    const result = await uploadUntilAnswered(ts.port, head, { total: 0 });
    expect(result.status).toBe(413);
    expect(result.raw).not.toContain('100 Continue');
    await expectServerAnswers(ts);
  });
});

describe('requests pipelined on one connection', () => {
  const answers = (raw: string) => raw.match(/HTTP\/1\.1 \d{3} /g)?.length ?? 0;

  it(`closes a connection with more than ${MAX_PIPELINED} requests under way, starting none past them (regression: 30,000 pipelined GET / opened 20,000 files and took the database's connections)`, async () => {
    for (const path of ['/', '/health', '/api/openapi.json']) {
      const flood = `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`.repeat(2000);
      const result = await rawExchange(ts.port, flood, 15_000);
      expect(result.closed, path).toBe(true);
      expect(answers(result.raw), path).toBeLessThanOrEqual(MAX_PIPELINED);
    }
    await expectServerAnswers(ts);
  });

  it('answers requests pipelined a few at a time, in order', async () => {
    const result = await rawExchange(ts.port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(8) + 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(result.closed).toBe(true);
    expect(answers(result.raw)).toBe(9);
  });
});
