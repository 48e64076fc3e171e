/**
 * The WebSocket Origin check compares whole origins (issue 9 item 12): it compared the host only,
 * so an `http://` page could open a socket for an `https://` public URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAllowedOrigin, type OriginPolicy } from '../../server/http/origin.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { openRawSocket } from '../support/raw-socket.ts';

const direct: OriginPolicy = { allowedOrigins: [] };
const behindTls: OriginPolicy = { publicUrl: 'https://lookout.example', allowedOrigins: ['https://lookout.example', 'http://localhost:5173'] };

describe('isAllowedOrigin', () => {
  it.each([
    // [case, origin, Host header, policy, allowed]
    ['no Origin (a script, not a browser)', undefined, 'localhost:4000', direct, true],
    ['its own origin, reached directly', 'http://localhost:4000', 'localhost:4000', direct, true],
    ['its own origin, upper case', 'HTTP://LocalHost:4000', 'localhost:4000', direct, true],
    ['an IPv6 host', 'http://[::1]:4000', '[::1]:4000', direct, true],
    ['https for a server reached over plain http (regression: scheme ignored)', 'https://localhost:4000', 'localhost:4000', direct, false],
    ['the right host on another port', 'http://localhost:8080', 'localhost:4000', direct, false],
    ['another host', 'http://evil.example:4000', 'localhost:4000', direct, false],
    ['the opaque origin of a sandboxed page or file', 'null', 'localhost:4000', direct, false],
    ['an origin with a path', 'http://localhost:4000/x', 'localhost:4000', direct, false],
    ['an origin with credentials', 'http://user@localhost:4000', 'localhost:4000', direct, false],
    ['not http(s)', 'ftp://localhost:4000', 'localhost:4000', direct, false],
    ['no Host header', 'http://localhost:4000', undefined, direct, false],
    ['a Host header that is not a host', 'http://localhost:4000', 'evil.example@localhost:4000', direct, false],
    ['the public URL', 'https://lookout.example', 'lookout.example', behindTls, true],
    ['the public URL, Host with its default port', 'https://lookout.example', 'lookout.example:443', behindTls, true],
    ['http:// for an https:// public URL (regression: scheme ignored)', 'http://lookout.example', 'lookout.example', behindTls, false],
    ['the public host on another port', 'https://lookout.example:8443', 'lookout.example:8443', behindTls, false],
    ['http:// on the public host through another port', 'http://lookout.example:8080', 'lookout.example:8080', behindTls, false],
    ['an allowed origin (a Vite dev server)', 'http://localhost:5173', 'localhost:4000', behindTls, true],
    ['direct access by address while a public URL is set', 'http://10.0.0.5:4000', '10.0.0.5:4000', behindTls, true],
    ['https:// on the direct address (not what the server speaks)', 'https://10.0.0.5:4000', '10.0.0.5:4000', behindTls, false],
  ] as const)('%s → %s', (_case, origin, host, policy, allowed) => {
    expect(isAllowedOrigin(origin, host, policy)).toBe(allowed);
  });
});

describe('WebSocket upgrades behind an https public URL', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false, config: { publicUrl: 'https://lookout.example' } });
  });
  afterAll(() => ts?.close());

  const upgrade = async (origin: string) => {
    const socket = await openRawSocket(ts.wsUrl, { headers: { origin, host: 'lookout.example' } }).catch((error: Error) => error.message);
    if (typeof socket === 'string') return socket;
    socket.ws.close();
    return 'open';
  };

  it('refuses an http:// page on the public host with 403 (regression: the scheme was ignored)', async () => {
    expect(await upgrade('http://lookout.example')).toBe('upgrade refused: 403');
  });

  it('accepts the public URL’s own origin', async () => {
    expect(await upgrade('https://lookout.example')).toBe('open');
  });
});
