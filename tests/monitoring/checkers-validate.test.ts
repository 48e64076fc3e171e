/** validate() of every kind: defaults filled, each wrong target or option refused with its field named. */
import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../server/errors.ts';
import { CHECKER_KINDS, checkers, getChecker } from '../../server/monitoring/checkers/registry.ts';

/** A valid definition of each kind, and what validate makes of it. */
const VALID: Record<string, { target: string; options?: Record<string, unknown>; normalised: { target: string; options: Record<string, unknown> } }> = {
  http: {
    target: 'https://example.com/health',
    normalised: { target: 'https://example.com/health', options: { method: 'GET', followRedirects: true, expectedStatus: ['200-299'], certExpiryDays: 14, insecure: false } },
  },
  tcp: { target: '[::1]:5432', normalised: { target: '[::1]:5432', options: {} } },
  websocket: { target: 'wss://example.com/socket', options: { send: 'ping' }, normalised: { target: 'wss://example.com/socket', options: { send: 'ping', insecure: false } } },
  postgres: { target: 'self', normalised: { target: 'self', options: { maxConnectionUse: 0.9 } } },
  redis: { target: 'redis://:pw@cache:6380/1', normalised: { target: 'redis://:pw@cache:6380/1', options: { insecure: false } } },
  filesystem: { target: '/var/lib/app/', normalised: { target: '/var/lib/app/', options: { degradedBelowPercent: 10, downBelowPercent: 3 } } },
  host: {
    target: 'localhost',
    normalised: { target: 'localhost', options: { cpuDegradedPercent: 90, memoryDegradedPercent: 90, memoryDownPercent: 98, diskDegradedPercent: 90, diskDownPercent: 97 } },
  },
  'event-bus': { target: 'lookout', normalised: { target: 'lookout', options: {} } },
  heartbeat: { target: '', options: { period: 900_000 }, normalised: { target: 'push', options: { period: '15m', grace: '1m' } } },
  command: { target: '/usr/lib/nagios/plugins/check_load -w 5', normalised: { target: '/usr/lib/nagios/plugins/check_load -w 5', options: { args: [], shell: false } } },
  lookout: { target: 'lookout', normalised: { target: 'lookout', options: { eventLoopLagDegradedMs: 200, eventLoopLagDownMs: 1000, rssDegradedMb: 1024, rssDownMb: 2048 } } },
};

/** Definitions each kind must refuse: [target, options, field named, what the message says]. */
const INVALID: Record<string, [string, Record<string, unknown>, string, RegExp][]> = {
  http: [
    ['example.com', {}, 'target', /http:\/\/ or https:\/\/ URL/],
    ['ftp://example.com/', {}, 'target', /got a ftp: URL/],
    ['http://x/', { method: 'GET /' }, 'options.method', /HTTP method/],
    ['http://x/', { headers: { 'bad header': 'v' } }, 'options.headers', /not a valid header name/],
    ['http://x/', { headers: { 'x-a': 'v\r\ninjected: 1' } }, 'options.headers', /line breaks/],
    ['http://x/', { expectedStatus: '200-600' }, 'options.expectedStatus', /100-599/],
    ['http://x/', { expectedStatus: ['ok'] }, 'options.expectedStatus', /such as 200, "200-299" or "2xx"/],
    ['http://x/', { expectedStatus: [] }, 'options.expectedStatus', /empty list/],
    ['http://x/', { json: { path: 'a..b' } }, 'options.json', /path must be a path/],
    ['http://x/', { json: { path: 'a', equal: 1 } }, 'options.json', /unknown key "equal"/],
    ['http://x/', { followRedirects: 'yes' }, 'options.followRedirects', /true or false/],
    ['http://x/', { certExpiryDays: -1 }, 'options.certExpiryDays', /at least 0/],
    ['http://x/', { method: 'head', bodyContains: 'ok' }, 'options.bodyContains', /HEAD response has no body/],
    ['http://x/', { bodycontains: 'x' }, 'options.bodycontains', /Unknown option "bodycontains".*bodyContains/],
  ],
  tcp: [
    ['example.com', {}, 'target', /port is missing/],
    ['example.com:99999', {}, 'target', /1-65535/],
    ['::1:80', {}, 'target', /IPv6 as "\[::1\]:port"/],
    ['exa mple.com:80', {}, 'target', /not a host name/],
    ['example.com:80', { timeout: 5 }, 'options.timeout', /this kind takes no options/],
  ],
  websocket: [
    ['http://example.com/', {}, 'target', /ws:\/\/ or wss:\/\/ URL/],
    ['ws://x/', { send: 42 }, 'options.send', /must be a string/],
    ['ws://x/', { expected: 'pong' }, 'options.expected', /Unknown option "expected".*expect/],
  ],
  postgres: [
    ['mysql://db/app', {}, 'target', /postgres:\/\/ URL or "self"/],
    ['localhost:5432', {}, 'target', /postgres:\/\/ URL/],
    ['self', { maxConnectionUse: 90 }, 'options.maxConnectionUse', /at most 1/],
  ],
  redis: [
    ['redis://cache/db0', {}, 'target', /database must be a number/],
    ['cache:notaport', {}, 'target', /host:port/],
    ['redis://cache', { password: 'x' }, 'options.password', /Unknown option/],
  ],
  filesystem: [
    ['data/dir', {}, 'target', /absolute directory path/],
    ['/data', { degradedBelowPercent: 2, downBelowPercent: 5 }, 'options.degradedBelowPercent', /must be at least options.downBelowPercent/],
    ['/data', { downBelowPercent: 101 }, 'options.downBelowPercent', /at most 100/],
  ],
  host: [
    ['db.internal', {}, 'target', /must be "localhost"/],
    ['localhost', { memoryDegradedPercent: 99, memoryDownPercent: 90 }, 'options.memoryDegradedPercent', /at most options.memoryDownPercent/],
    ['localhost', { cpuDownPercent: 101 }, 'options.cpuDownPercent', /from 0 to 100/],
    ['localhost', { memoryDownPercent: '95%' }, 'options.memoryDownPercent', /must be a number/],
  ],
  'event-bus': [['redis', {}, 'target', /must be "lookout"/]],
  heartbeat: [
    ['push', { period: 'often' }, 'options.period', /duration/],
    ['push', { grace: 0 }, 'options.grace', /longer than zero/],
    ['push', { interval: '5m' }, 'options.interval', /use period, grace/],
  ],
  command: [
    ['', {}, 'target', /command line/],
    ['check "unclosed', {}, 'target', /unclosed " quote/],
    ['check', { args: '-w 5' }, 'options.args', /list of strings/],
  ],
  lookout: [
    ['other', {}, 'target', /must be "lookout"/],
    ['lookout', { rssDegradedMb: 4096 }, 'options.rssDegradedMb', /at most options.rssDownMb/],
  ],
};

function refusal(run: () => unknown): BadInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof BadInputError) return error;
    throw error;
  }
  throw new Error('validate accepted it');
}

describe('checker validation', () => {
  for (const kind of CHECKER_KINDS) {
    describe(kind, () => {
      const checker = checkers[kind];

      it('fills defaults, and accepts its own output unchanged', () => {
        const { target, options, normalised } = VALID[kind];
        const result = checker.validate(target, options ?? {});
        expect(result).toEqual(normalised);
        expect(checker.validate(result.target, result.options)).toEqual(result);
      });

      for (const [target, options, field, message] of INVALID[kind] ?? []) {
        it(`refuses ${JSON.stringify(target)} ${JSON.stringify(options)}, naming ${field}`, () => {
          const error = refusal(() => checker.validate(target, options));
          expect(error.field).toBe(field);
          expect(error.message).toMatch(message);
          expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
        });
      }

      it('refuses options that are not an object', () => {
        expect(refusal(() => checker.validate(VALID[kind].target, [] as never)).field).toBe('options');
      });
    });
  }

  it('has a valid and an invalid example for every kind', () => {
    expect(Object.keys(VALID).sort()).toEqual([...CHECKER_KINDS].sort());
    expect(Object.keys(INVALID).sort()).toEqual([...CHECKER_KINDS].sort());
  });

  it('knows every kind by name and refuses others, naming kind', () => {
    for (const kind of CHECKER_KINDS) expect(getChecker(kind).kind).toBe(kind);
    const error = refusal(() => getChecker('ping'));
    expect(error.field).toBe('kind');
    expect(error.message).toBe(`Unknown kind "ping"; use one of ${CHECKER_KINDS.join(', ')}.`);
    expect(() => getChecker('toString')).toThrow(BadInputError);
  });

  it('marks only command as config-only, and validate runs nothing', () => {
    expect(CHECKER_KINDS.filter((kind) => checkers[kind].configOnly)).toEqual(['command']);
    // A command that would fail (or harm) if run is accepted as it is: validate only parses it.
    expect(checkers.command.validate('/no/such/program --flag "quoted arg"', { shell: false }).target).toBe('/no/such/program --flag "quoted arg"');
    expect(checkers.command.validate('touch /tmp/lookout-should-not-exist && false', { shell: true }).options).toEqual({ args: [], shell: true });
  });
});
