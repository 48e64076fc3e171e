/** The http checker in detail: expectations, redirects, TLS certificates, diagnosis and connection reuse. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../server/monitoring/checkers/checker.ts';
import { BODY_LIMIT_BYTES, MAX_REDIRECTS } from '../../server/monitoring/checkers/http.ts';
import { getChecker } from '../../server/monitoring/checkers/registry.ts';
import { runCheck } from '../../server/monitoring/checkers/run.ts';
import { selfSignedCertificate } from './support/certificates.ts';
import { startHttpFixture, type HttpFixture } from './support/http-server.ts';
import { closedPort } from './support/silent-server.ts';

let plain: HttpFixture;
let secure: HttpFixture;
let expiring: HttpFixture;
let expired: HttpFixture;
let other: HttpFixture;

beforeAll(async () => {
  [plain, secure, expiring, expired, other] = await Promise.all([
    startHttpFixture(),
    startHttpFixture(selfSignedCertificate(365)),
    startHttpFixture(selfSignedCertificate(3)),
    startHttpFixture(selfSignedCertificate(-2)),
    startHttpFixture(),
  ]);
});

afterAll(() => Promise.all([plain, secure, expiring, expired, other].map((server) => server?.close())));

async function check(target: string, options: Record<string, unknown> = {}, diagnose = false): Promise<CheckResult> {
  const normalised = getChecker('http').validate(target, options);
  const service = { name: 'web', kind: 'http', ...normalised, timeoutMs: 5000, degradedLatencyMs: null };
  return runCheck(getChecker('http'), service, { diagnose, host: { dataDir: '/tmp', now: () => new Date() } });
}

describe('http checker: expectations', () => {
  it('accepts 2xx and refuses 3xx-5xx by default after following redirects', async () => {
    expect((await check(`${plain.url}/status/204`)).status).toBe('healthy');
    expect(await check(`${plain.url}/status/404`)).toMatchObject({ status: 'down', error: 'HTTP 404 (expected 200-299)', details: { statusCode: 404 } });
  });

  it('accepts 3xx by default when redirects are not followed', async () => {
    const result = await check(`${plain.url}/redirect/1`, { followRedirects: false });
    expect(result).toMatchObject({ status: 'healthy', details: { statusCode: 302, redirects: 0 } });
  });

  it('matches expectedStatus lists of codes, ranges and classes', async () => {
    expect((await check(`${plain.url}/status/404`, { expectedStatus: [200, '404'] })).status).toBe('healthy');
    expect((await check(`${plain.url}/status/418`, { expectedStatus: '400-499' })).status).toBe('healthy');
    expect((await check(`${plain.url}/status/503`, { expectedStatus: ['2xx', '5xx'] })).status).toBe('healthy');
    const result = await check(`${plain.url}/status/500`, { expectedStatus: ['200-204', 301] });
    expect(result).toMatchObject({ status: 'down', error: 'HTTP 500 (expected 200-204, 301)' });
  });

  it('requires the body to contain bodyContains', async () => {
    expect((await check(`${plain.url}/ok`, { bodyContains: 'service is running' })).status).toBe('healthy');
    expect(await check(`${plain.url}/ok`, { bodyContains: 'maintenance' })).toMatchObject({ status: 'down', error: 'body does not contain "maintenance"' });
  });

  it('matches a JSON field by path, with or without a value', async () => {
    expect((await check(`${plain.url}/json`, { json: { path: 'status', equals: 'ok' } })).status).toBe('healthy');
    expect((await check(`${plain.url}/json`, { json: { path: 'checks.db[0]', equals: { name: 'primary', ok: true } } })).status).toBe('healthy');
    expect((await check(`${plain.url}/json`, { json: { path: 'checks.db[1].name' } })).status).toBe('healthy');
    expect(await check(`${plain.url}/json`, { json: { path: 'checks.db[1].ok', equals: true } })).toMatchObject({ status: 'down', error: 'JSON field checks.db[1].ok is false, expected true' });
    expect(await check(`${plain.url}/json`, { json: { path: 'checks.cache.ok' } })).toMatchObject({ status: 'down', error: 'JSON field checks.cache.ok is missing' });
    expect(await check(`${plain.url}/not-json`, { json: { path: 'status' } })).toMatchObject({ status: 'down', error: 'body is not JSON (looking for status)' });
  });

  it('sends the method, headers and body it is given', async () => {
    const result = await check(`${plain.url}/echo`, { method: 'post', headers: { 'x-probe': 'lookout' }, body: '{"ping":1}', json: { path: 'method', equals: 'POST' } });
    expect(result.status).toBe('healthy');
    const seen = plain.requests.findLast((request) => request.path === '/echo');
    expect(seen?.headers).toMatchObject({ 'x-probe': 'lookout', 'user-agent': 'Lookout health check' });
    expect((await check(`${plain.url}/echo`, { method: 'PUT', body: 'hello', json: { path: 'body', equals: 'hello' } })).status).toBe('healthy');
  });

  it('sends the URL\'s path, query and credentials on every check (each target is parsed once and its request options kept)', async () => {
    const target = `${plain.url.replace('http://', 'http://probe:p%40ss%3Aword@')}/echo?q=1&r=%2F`;
    for (let i = 0; i < 3; i++) expect((await check(target)).status).toBe('healthy');
    const seen = plain.requests.filter((request) => request.path === '/echo?q=1&r=%2F');
    expect(seen).toHaveLength(3);
    for (const request of seen) expect(request.headers.authorization).toBe(`Basic ${Buffer.from('probe:p@ss:word').toString('base64')}`);
  });

  it('checks an IPv6 literal target: the brackets are the URL\'s, not the host\'s', async (context) => {
    const v6 = await new Promise<http.Server | null>((resolve) => {
      const server = http.createServer((_req, res) => res.end('v6')).on('error', () => resolve(null));
      server.listen(0, '::1', () => resolve(server));
    });
    if (!v6) return context.skip('this machine has no IPv6 loopback (::1) to listen on');
    try {
      for (let i = 0; i < 2; i++) expect((await check(`http://[::1]:${(v6.address() as AddressInfo).port}/`, { bodyContains: 'v6' })).status).toBe('healthy');
    } finally {
      v6.closeAllConnections();
      v6.close();
    }
  });

  it(`reads at most ${BODY_LIMIT_BYTES} bytes of a body and says so`, async () => {
    const result = await check(`${plain.url}/big`, { bodyContains: 'b' });
    expect(result).toMatchObject({ status: 'down', details: { bytes: BODY_LIMIT_BYTES, truncated: true } });
    expect(result.error).toMatch(/in its first 1048576 bytes$/);
    expect(await check(`${plain.url}/big`)).toMatchObject({ status: 'healthy', details: { bytes: BODY_LIMIT_BYTES, truncated: true } });
  });

  it('reports a refused connection in plain words', async () => {
    const port = await closedPort();
    const result = await check(`http://127.0.0.1:${port}/`);
    expect(result).toMatchObject({ status: 'down', error: `connection refused by 127.0.0.1:${port} (nothing listening?)` });
  });
});

describe('http checker: redirects', () => {
  it('follows a chain of redirects, one step per hop', async () => {
    const result = await check(`${plain.url}/redirect/3`, { bodyContains: 'arrived' });
    expect(result).toMatchObject({ status: 'healthy', details: { statusCode: 200, redirects: 3, url: `${plain.url}/redirect/0` } });
    expect(result.steps?.map((step) => step.name)).toEqual(['redirect', 'redirect', 'redirect']);
    expect(result.steps?.[0].detail).toBe(`302 → ${plain.url}/redirect/2`);
  });

  it(`gives up after ${MAX_REDIRECTS} hops`, async () => {
    expect((await check(`${plain.url}/redirect/${MAX_REDIRECTS}`)).status).toBe('healthy');
    const result = await check(`${plain.url}/loop`);
    expect(result).toMatchObject({ status: 'down', error: `more than ${MAX_REDIRECTS} redirects (last to ${plain.url}/loop)` });
  });

  it('turns a POST into a GET after 303 and drops credentials when the origin changes', async () => {
    const to = encodeURIComponent(`${other.url}/echo`);
    const result = await check(`${plain.url}/to?status=303&url=${to}`, { method: 'POST', body: 'x', headers: { authorization: 'Bearer secret', 'x-keep': '1' }, json: { path: 'method', equals: 'GET' } });
    expect(result).toMatchObject({ status: 'healthy', details: { redirects: 1 } });
    const seen = other.requests.findLast((request) => request.path === '/echo');
    expect(seen?.headers.authorization).toBeUndefined();
    expect(seen?.headers['x-keep']).toBe('1');
  });

  it('refuses a redirect to another scheme', async () => {
    const result = await check(`${plain.url}/to?url=${encodeURIComponent('ftp://example.com/')}`);
    expect(result).toMatchObject({ status: 'down', error: 'redirected to a ftp: URL (ftp://example.com/)' });
  });
});

describe('http checker: TLS', () => {
  it('is down on a self-signed certificate unless insecure is set', async () => {
    const strict = await check(`${secure.url}/ok`);
    expect(strict.status).toBe('down');
    expect(strict.error).toMatch(/^TLS: self[- ]signed certificate/);
    const insecure = await check(`${secure.url}/ok`, { insecure: true });
    expect(insecure).toMatchObject({ status: 'healthy', details: { daysLeft: expect.any(Number), certificate: { subject: 'lookout-test', issuer: 'lookout-test' } } });
    expect(insecure.details.daysLeft).toBeGreaterThanOrEqual(363);
  });

  it('is degraded when the certificate expires within certExpiryDays, with the date and days left', async () => {
    const result = await check(`${expiring.url}/ok`, { insecure: true });
    expect(result.status).toBe('degraded');
    expect(result.details).toMatchObject({ daysLeft: 2, certExpiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(result.error).toMatch(/^TLS certificate expires in 2 days \(.+; warning below 14\)$/);
    expect((await check(`${expiring.url}/ok`, { insecure: true, certExpiryDays: 2 })).status).toBe('healthy');
    expect((await check(`${expiring.url}/ok`, { insecure: true, certExpiryDays: 0 })).status).toBe('healthy');
  });

  it('is down on an expired certificate, verified or not', async () => {
    expect((await check(`${expired.url}/ok`)).error).toMatch(/^TLS: certificate has expired/);
    expect((await check(`${expired.url}/ok`, { insecure: true })).error).toMatch(/^TLS certificate expired on /);
  });
});

describe('http checker: diagnosis and connections', () => {
  it('times dns, connect, first byte and body on a fresh connection', async () => {
    const port = new URL(plain.url).port;
    const result = await check(`http://localhost:${port}/ok`, {}, true);
    expect(result.status).toBe('healthy');
    expect(result.steps?.map((step) => step.name)).toEqual(['dns', 'connect', 'first byte', 'body']);
    expect(result.steps?.every((step) => step.ok && step.durationMs >= 0)).toBe(true);
  });

  it('adds a tls step for https, and records each hop of a redirect', async () => {
    const result = await check(`${secure.url}/redirect/1`, { insecure: true }, true);
    expect(result.status).toBe('healthy');
    expect(result.steps?.map((step) => step.name)).toEqual(['dns', 'connect', 'tls', 'first byte', 'body', 'redirect', 'dns', 'connect', 'tls', 'first byte', 'body']);
    expect(result.steps?.[2].detail).toMatch(/^TLSv1\.[23] /);
  });

  it('names the step that failed', async () => {
    const result = await check(`http://127.0.0.1:${await closedPort()}/`, {}, true);
    expect(result.steps?.map((step) => [step.name, step.ok])).toEqual([['dns', true], ['connect', false]]);
  });

  it('reuses one keep-alive connection across checks, and opens a fresh one to diagnose', async () => {
    const server = await startHttpFixture();
    try {
      for (let i = 0; i < 5; i++) expect((await check(`${server.url}/ok`)).status).toBe('healthy');
      expect(server.connections()).toBe(1);
      await check(`${server.url}/ok`, {}, true);
      expect(server.connections()).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('closes the connection of a check that timed out, and never one a later check uses (the abort is watched only while a request is under way)', async () => {
    // The first request of each connection hangs; later ones are answered.
    const opened: import('node:net').Socket[] = [];
    const closed: Promise<void>[] = [];
    const server = http.createServer((request, response) => {
      if (opened.indexOf(request.socket) === -1) {
        opened.push(request.socket);
        closed.push(new Promise((resolve) => request.socket.once('close', () => resolve())));
        if (opened.length === 1) return; // never answered
      }
      response.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const normalised = getChecker('http').validate(url, {});
      const timed = await runCheck(getChecker('http'), { name: 'web', kind: 'http', ...normalised, timeoutMs: 300, degradedLatencyMs: null }, { diagnose: false, host: { dataDir: '/tmp', now: () => new Date() } });
      expect(timed).toMatchObject({ status: 'down', error: 'timed out after 300 ms' });
      await closed[0]; // the hanging request's connection is torn down by the timeout
      // Checks settled one after another keep using one connection: settling a check does not close it.
      for (let i = 0; i < 5; i++) expect((await check(url)).status).toBe('healthy');
      expect(opened.length).toBe(2);
      expect(opened[1].destroyed).toBe(false);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('retries once on a fresh connection when the server drops a reused keep-alive one', async () => {
    // Each socket serves one request; a second request on it is answered by closing the socket,
    // exactly what a server's idle timeout racing a reuse looks like from the client.
    const served = new WeakMap<object, number>();
    const server = http.createServer((request, response) => {
      const count = (served.get(request.socket) ?? 0) + 1;
      served.set(request.socket, count);
      if (count > 1) return request.socket.destroy();
      response.end('fresh');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      expect((await check(url)).status).toBe('healthy');
      expect(await check(url, { bodyContains: 'fresh' })).toMatchObject({ status: 'healthy', error: null });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
