/**
 * The `http` checker (http and https): one request, redirects followed hop by hop, then the status,
 * body and JSON expectations, and the TLS certificate's expiry. Built on node:http rather than
 * fetch so each step can be timed and the peer certificate read.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { isDeepStrictEqual } from 'node:util';
import { BadInputError } from '../../errors.ts';
import type { Checker, CheckResult, CheckStep } from './checker.ts';
import { parseJsonPath, readJsonPath } from './json-path.ts';
import { describeNetworkError, StepClock } from './network.ts';
import { describe, OptionReader } from './options.ts';
import { agentFor, requestOptionsOf, targetUrl } from './http-connections.ts';

/** Normalised options of an `http` check. */
export type HttpOptions = {
  method: string;
  headers?: Record<string, string>;
  body?: string;
  /** Codes and ranges, written `"200-299"` or `"404"`. */
  expectedStatus: string[];
  bodyContains?: string;
  json?: { path: string; equals?: unknown };
  followRedirects: boolean;
  /** A certificate expiring within this many days makes the check degraded (0: never). */
  certExpiryDays: number;
  insecure: boolean;
};

/** Hops followed before a chain of redirects counts as a loop. */
export const MAX_REDIRECTS = 5;
/** Body bytes read at most: enough for any health page, bounded for a misconfigured download. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
/**
 * Interim (1xx) responses read before the final one at most: a real server sends one or two (100
 * Continue, 103 Early Hints); a server streaming `102 Processing` forever would keep the check
 * parsing them until its timeout. (Each one's headers are bounded by node:http's maxHeaderSize.)
 */
export const MAX_INTERIM_RESPONSES = 10;
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);
const DAY_MS = 86_400_000;
const USER_AGENT = 'Lookout health check';
const DEFAULT_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'user-agent': USER_AGENT });
/** Headers that identify the caller and must not follow a redirect to another origin. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const STATUS_ITEM = /^([1-5])xx$|^(\d{3})(?:\s*-\s*(\d{3}))?$/;

interface Hop {
  statusCode: number;
  location?: string;
  bytes: number;
  truncated: boolean;
  body?: Buffer;
  certificate?: CertificateInfo;
}

interface CertificateInfo {
  subject: string;
  issuer: string;
  validTo: Date;
}

/** A TLS connection's certificate does not change while it lives: read it once per socket. */
const certificates = new WeakMap<TLSSocket, CertificateInfo>();

/** Checks an http(s) URL: status, body, JSON field, redirects, certificate expiry. */
export const httpChecker: Checker<HttpOptions> = {
  kind: 'http',
  description: 'Requests an http(s) URL and checks the status, body, a JSON field and the TLS certificate.',

  validate(target, options) {
    let url: URL;
    try {
      url = new URL(String(target ?? '').trim());
    } catch {
      throw new BadInputError('target', `target must be an http:// or https:// URL, got ${describe(target)}.`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BadInputError('target', `target must be an http:// or https:// URL, got a ${url.protocol} URL.`);
    const read = new OptionReader('http', options);
    const method = read.string('method', 'GET', { pattern: TOKEN, expected: 'an HTTP method such as GET, HEAD or POST' }).toUpperCase();
    read.stringMap('headers', (name, value) => (!TOKEN.test(name) ? 'not a valid header name' : /[\r\n\0]/.test(value) ? 'the value must not contain line breaks' : null));
    read.string('body');
    const followRedirects = read.boolean('followRedirects', true);
    read.custom('expectedStatus', (value, field) => readExpectedStatus(value ?? (followRedirects ? '200-299' : '200-399'), field));
    const bodyContains = read.string('bodyContains');
    const json = read.custom('json', readJsonExpectation);
    if (method === 'HEAD' && (bodyContains !== undefined || json !== undefined)) {
      throw new BadInputError(bodyContains !== undefined ? 'options.bodyContains' : 'options.json', 'A HEAD response has no body to look into; use GET, or drop the body expectation.');
    }
    read.number('certExpiryDays', 14, { min: 0, max: 3650 });
    read.boolean('insecure', false);
    return { target: url.toString(), options: { ...read.finish<HttpOptions>(), method } };
  },

  async check(service, { signal, diagnose }) {
    const options = service.options;
    const clock = new StepClock();
    let url = targetUrl(service.target);
    let method = options.method;
    let body = options.body;
    // Headers are never changed in place (a redirect elsewhere makes new ones), so the default ones are shared.
    let headers: Record<string, string> = options.headers && Object.keys(options.headers).length ? { 'user-agent': USER_AGENT, ...options.headers } : DEFAULT_HEADERS;
    const needsBody = options.bodyContains !== undefined || options.json !== undefined;
    let hop: Hop;
    let redirects = 0;
    for (;;) {
      try {
        hop = await exchange(url, { method, headers, body, insecure: options.insecure, needsBody, diagnose, signal, clock });
      } catch (error) {
        const message = describeNetworkError(error, url.host);
        return { status: 'down', error: message, details: { redirects }, steps: clock.steps };
      }
      if (!options.followRedirects || !REDIRECT_CODES.has(hop.statusCode) || !hop.location) break;
      const next = new URL(hop.location, url);
      if (redirects === MAX_REDIRECTS) return down(`more than ${MAX_REDIRECTS} redirects (last to ${next})`, hop, redirects, clock.steps);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') return down(`redirected to a ${next.protocol} URL (${next})`, hop, redirects, clock.steps);
      clock.mark('redirect', true, `${hop.statusCode} → ${next}`);
      // Browsers' rules: 303 always becomes a GET, and so do 301/302 after a POST.
      if (hop.statusCode === 303 || (method === 'POST' && (hop.statusCode === 301 || hop.statusCode === 302))) {
        method = 'GET';
        body = undefined;
      }
      if (next.origin !== url.origin) headers = withoutCredentials(headers);
      url = next;
      redirects += 1;
    }
    return evaluate(hop, options, redirects, url, service.target, clock.steps);
  },
};

function down(error: string, hop: Hop, redirects: number, steps: CheckStep[]): Omit<CheckResult, 'latencyMs'> {
  return { status: 'down', error, details: { statusCode: hop.statusCode, redirects, bytes: hop.bytes }, steps };
}

function evaluate(hop: Hop, options: HttpOptions, redirects: number, finalUrl: URL, target: string, steps: CheckStep[]): Omit<CheckResult, 'latencyMs'> {
  const details: Record<string, unknown> = { statusCode: hop.statusCode, redirects, bytes: hop.bytes };
  if (hop.truncated) details.truncated = true;
  if (redirects > 0 && finalUrl.toString() !== target) details.url = finalUrl.toString();
  const result = (status: CheckResult['status'], error: string | null) => ({ status, error, details, steps });

  if (!statusMatches(hop.statusCode, options.expectedStatus)) return result('down', `HTTP ${hop.statusCode} (expected ${options.expectedStatus.join(', ')})`);
  const text = hop.body?.toString('utf8');
  if (options.bodyContains !== undefined && !text?.includes(options.bodyContains)) {
    return result('down', `body does not contain ${JSON.stringify(options.bodyContains)}${hop.truncated ? ` in its first ${BODY_LIMIT_BYTES} bytes` : ''}`);
  }
  if (options.json) {
    const problem = checkJson(text ?? '', options.json);
    if (problem) return result('down', problem);
  }
  if (hop.certificate) {
    const daysLeft = Math.floor((hop.certificate.validTo.getTime() - Date.now()) / DAY_MS);
    Object.assign(details, {
      certExpiresAt: hop.certificate.validTo.toISOString(),
      daysLeft,
      certificate: { subject: hop.certificate.subject, issuer: hop.certificate.issuer },
    });
    if (daysLeft < 0) return result('down', `TLS certificate expired on ${hop.certificate.validTo.toISOString()}`);
    if (options.certExpiryDays > 0 && daysLeft < options.certExpiryDays) {
      return result('degraded', `TLS certificate expires in ${daysLeft} day${daysLeft === 1 ? '' : 's'} (${hop.certificate.validTo.toISOString()}; warning below ${options.certExpiryDays})`);
    }
  }
  return result('healthy', null);
}

interface ExchangeInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  insecure: boolean;
  needsBody: boolean;
  diagnose: boolean;
  signal: AbortSignal;
  clock: StepClock;
}

/**
 * One request and its response. A keep-alive connection the server closed while it sat idle fails
 * on reuse with a reset; that is not the service being down, so the request is tried once more.
 */
async function exchange(url: URL, init: ExchangeInit): Promise<Hop> {
  try {
    return await exchangeOnce(url, init, false);
  } catch (error) {
    if (!(error as { reusedSocket?: boolean }).reusedSocket || init.signal.aborted) throw error;
    return exchangeOnce(url, init, true);
  }
}

function exchangeOnce(url: URL, init: ExchangeInit, fresh: boolean): Promise<Hop> {
  const secure = url.protocol === 'https:';
  const transport = secure ? https : http;
  const { clock } = init;
  return new Promise<Hop>((resolve, reject) => {
    const request = transport.request({
      ...requestOptionsOf(url),
      method: init.method,
      headers: init.headers,
      agent: init.diagnose || fresh ? false : agentFor(url, init.insecure),
      rejectUnauthorized: !init.insecure,
      // Only TLS names a server; for http: node:http's agent would derive it from the Host header each time.
      ...(!secure && { servername: '' }),
    });
    // The check's signal tears the request down until it is over, and not after: by then its socket
    // may serve another check. (Cheaper than node:http's `signal` option, which watches the request's end.)
    const abort = () => request.destroy(init.signal.reason instanceof Error ? init.signal.reason : new Error('aborted'));
    const settled = () => init.signal.removeEventListener('abort', abort);
    if (init.signal.aborted) abort();
    else init.signal.addEventListener('abort', abort, { once: true });
    const progress = init.diagnose ? timeConnection(request, url, clock) : undefined;
    // Counted until the final response: past the bound the request is torn down, and the error is the check's
    // (never retried on a fresh connection, as a dropped keep-alive connection is).
    let interim = 0;
    let tooManyInterim: Error | undefined;
    request.on('information', () => {
      if (++interim <= MAX_INTERIM_RESPONSES || tooManyInterim) return;
      tooManyInterim = new Error(`more than ${MAX_INTERIM_RESPONSES} interim (1xx) responses`);
      request.destroy(tooManyInterim);
    });
    // `on`, not `once`: a socket torn down mid-body may report twice, and a second unhandled error would crash.
    request.on('error', (error) => {
      settled();
      if (request.reusedSocket && error !== tooManyInterim) Object.assign(error, { reusedSocket: true });
      if (progress && !progress.failed) {
        progress.failed = true;
        clock.fail(progress.step, describeNetworkError(error, url.host));
      }
      reject(error);
    });
    request.once('response', (response) => {
      if (init.diagnose) clock.mark('first byte', true, `HTTP ${response.statusCode}`);
      const hop: Hop = { statusCode: response.statusCode ?? 0, location: response.headers.location, bytes: 0, truncated: false };
      if (secure) hop.certificate = certificateOf(response.socket as TLSSocket);
      const chunks: Buffer[] | undefined = init.needsBody ? [] : undefined;
      response.on('data', (chunk: Buffer) => {
        const room = BODY_LIMIT_BYTES - hop.bytes;
        hop.bytes += Math.min(chunk.length, room);
        chunks?.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        // Past the limit the connection is dropped rather than drained: the rest could be gigabytes.
        if (chunk.length >= room) {
          hop.truncated = true;
          response.destroy();
          finish();
        }
      });
      response.once('end', finish);
      response.on('error', (error) => {
        settled();
        reject(error);
      });
      let done = false;
      function finish() {
        if (done) return;
        done = true;
        settled();
        if (chunks) hop.body = Buffer.concat(chunks);
        if (init.diagnose) clock.mark('body', true, `${hop.bytes} bytes${hop.truncated ? ' (truncated)' : ''}`);
        resolve(hop);
      }
    });
    request.end(init.body);
  });
}

/** Which step a diagnosed request is in, so a failure is pinned to it. */
interface Progress {
  step: string;
  failed: boolean;
}

/** Names the steps of a fresh connection from its socket's events (diagnosis only). */
function timeConnection(request: http.ClientRequest, url: URL, clock: StepClock): Progress {
  const progress: Progress = { step: 'dns', failed: false };
  request.once('socket', (socket) => {
    if (net.isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0) {
      clock.mark('dns', true, 'IP address: no lookup');
      progress.step = 'connect';
    }
    socket.once('lookup', (error, address) => {
      if (error) return;
      clock.mark('dns', true, address);
      progress.step = 'connect';
    });
    socket.once('connect', () => {
      clock.mark('connect', true, `${socket.remoteAddress}:${socket.remotePort}`);
      progress.step = url.protocol === 'https:' ? 'tls' : 'first byte';
    });
    socket.once('secureConnect', () => {
      const tls = socket as TLSSocket;
      clock.mark('tls', true, `${tls.getProtocol()} ${tls.getCipher()?.name ?? ''}`.trim());
      progress.step = 'first byte';
    });
  });
  return progress;
}

function certificateOf(socket: TLSSocket): CertificateInfo | undefined {
  let info = certificates.get(socket);
  if (!info && typeof socket.getPeerCertificate === 'function') {
    const peer = socket.getPeerCertificate();
    if (!peer || !peer.valid_to) return undefined;
    const name = (field: { CN?: string | string[] } | undefined) => [field?.CN ?? ''].flat().join(', ');
    const read: CertificateInfo = { subject: name(peer.subject), issuer: name(peer.issuer), validTo: new Date(peer.valid_to) };
    certificates.set(socket, read);
    return read;
  }
  return info;
}

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.includes(name.toLowerCase())));
}

/** Whether a status code is in any of the normalised `expectedStatus` items. */
export function statusMatches(code: number, expected: string[]): boolean {
  for (const item of expected) {
    const dash = item.indexOf('-');
    const low = Number(dash === -1 ? item : item.slice(0, dash));
    const high = dash === -1 ? low : Number(item.slice(dash + 1));
    if (code >= low && code <= high) return true;
  }
  return false;
}

function readExpectedStatus(value: unknown, field: string): string[] {
  const items = Array.isArray(value) ? value : [value];
  const expected = `${field} must be status codes or ranges such as 200, "200-299" or "2xx"`;
  if (items.length === 0) throw new BadInputError(field, `${expected}, got an empty list.`);
  return items.map((item) => {
    const match = STATUS_ITEM.exec(typeof item === 'number' ? String(item) : typeof item === 'string' ? item.trim() : '');
    if (!match) throw new BadInputError(field, `${expected}, got ${describe(item)}.`);
    const [low, high] = match[1] ? [Number(match[1]) * 100, Number(match[1]) * 100 + 99] : [Number(match[2]), Number(match[3] ?? match[2])];
    if (low < 100 || high > 599 || low > high) throw new BadInputError(field, `${expected}; ${describe(item)} is not a range of HTTP status codes (100-599).`);
    return low === high ? String(low) : `${low}-${high}`;
  });
}

function readJsonExpectation(value: unknown, field: string): HttpOptions['json'] {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadInputError(field, `${field} must be an object like { path: "status", equals: "ok" }, got ${describe(value)}.`);
  const { path, ...rest } = value as Record<string, unknown>;
  const extra = Object.keys(rest).filter((key) => key !== 'equals');
  if (extra.length) throw new BadInputError(field, `${field} has unknown key "${extra[0]}"; use path and equals.`);
  if (typeof path !== 'string' || !parseJsonPath(path)) throw new BadInputError(field, `${field}.path must be a path such as "status" or "checks.db[0].ok", got ${describe(path)}.`);
  return 'equals' in rest ? { path, equals: rest.equals } : { path };
}

function checkJson(text: string, expectation: NonNullable<HttpOptions['json']>): string | null {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return `body is not JSON (looking for ${expectation.path})`;
  }
  const actual = readJsonPath(document, parseJsonPath(expectation.path)!);
  if (actual === undefined) return `JSON field ${expectation.path} is missing`;
  if ('equals' in expectation && !isDeepStrictEqual(actual, expectation.equals)) {
    return `JSON field ${expectation.path} is ${describe(actual)}, expected ${describe(expectation.equals)}`;
  }
  return null;
}
