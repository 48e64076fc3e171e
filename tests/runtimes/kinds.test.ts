/**
 * The shared suite every runtime kind passes: for each kind, a real runtime (a child process, a
 * local HTTP server, a command) whose status is read, that restarts, whose restart fails with its
 * reason, whose output stays bounded, and that is bounded in time. A case a kind cannot have says
 * why in the table instead of being left out.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RUNTIME_KINDS, getRuntimeKind } from '../../server/runtimes/registry.ts';
import { RestartFailed, type Runtime, type RuntimeState } from '../../server/runtimes/runtime.ts';
import { TRUNCATED } from '../../server/runtimes/line-buffer.ts';
import { startReferenceRuntime } from '../../examples/reference-runtime.ts';
import { until } from '../support/signals.ts';
import { node, startHttp, testContext } from './support/fixtures.ts';

/** A runtime made for one case, what it saw, and what to close after. */
interface Made {
  runtime: Runtime;
  states: RuntimeState[];
  cleanup: (() => Promise<void>)[];
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => {});
});

/** Makes a runtime of `kind` from file-style settings, started, its states recorded. */
function make(kind: string, settings: Record<string, unknown>): Made {
  const type = getRuntimeKind(kind);
  const context = testContext();
  const states: RuntimeState[] = [];
  const runtime = type.create(`${kind}-test`, type.validate(settings), { ...context, changed: () => states.push(runtime.status().state) });
  runtime.start();
  cleanups.push(() => runtime.stop());
  return { runtime, states, cleanup: [] };
}

/** Where each daemon LEAVE_DAEMON starts writes its pid: killed after each test, whatever it did. */
const DAEMON_PIDS = path.join(os.tmpdir(), `lookout-kinds-daemons-${process.pid}`);
/** Script text that starts a process in a new session (setsid) with this one's output, living until the test's end, and goes on. */
const LEAVE_DAEMON = `{ const d = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'inherit' }); d.unref(); require('node:fs').appendFileSync(${JSON.stringify(DAEMON_PIDS)}, d.pid + '\\n'); }`;
afterEach(() => {
  const pids = existsSync(DAEMON_PIDS) ? readFileSync(DAEMON_PIDS, 'utf8').split('\n').filter(Boolean) : [];
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  rmSync(DAEMON_PIDS, { force: true });
});

/** Line limits every bounded-output case uses. */
const LINES = 50;
const LINE_LENGTH = 100;
/** Time limit of every timing-out case, and how much later than it the answer may come. */
const LIMIT_MS = 300;
const SLACK_MS = 1500;

interface KindCases {
  /** A running runtime: its status says running. */
  running: () => Promise<Runtime>;
  /** A runtime to restart; `restarted` checks what shows it was restarted. */
  restart: () => Promise<{ made: Made; restarted: (before: ReturnType<Runtime['status']>) => void }>;
  /** A restart that fails, and what its reason must say. */
  restartFails: () => Promise<{ runtime: Runtime; reason: RegExp }>;
  /** A runtime that outputs too much: what is kept must be within bounds. */
  boundedOutput: (() => Promise<{ kept: () => Promise<string[]> }>) | { notApplicable: string };
  /** A runtime that never answers: the operation ends within LIMIT_MS (+ slack) with this reason. */
  timeout: () => Promise<{ run: () => Promise<unknown>; reason: RegExp }>;
}

const STAY_UP = 'process.on("SIGTERM", () => process.exit(0)); setInterval(() => {}, 1000); console.log("up " + process.pid)';

const cases: Record<string, KindCases> = {
  process: {
    running: async () => {
      const { runtime } = make('process', { command: process.execPath, args: ['-e', STAY_UP] });
      await until(() => runtime.status().state === 'running', 'the process runs');
      return runtime;
    },
    restart: async () => {
      const made = make('process', { command: process.execPath, args: ['-e', STAY_UP], start_period: '100ms' });
      await until(() => made.runtime.status().state === 'running', 'the process runs');
      return { made, restarted: (before) => expect(made.runtime.status().pid).not.toBe(before.pid) };
    },
    restartFails: async () => {
      const { runtime } = make('process', { command: '/nonexistent/lookout-runtime', restart: 'never' });
      await until(() => runtime.status().state === 'crashed', 'the start fails');
      return { runtime, reason: /command not found: \/nonexistent\/lookout-runtime/ };
    },
    boundedOutput: async () => {
      const script = `for (let i = 0; i < 500; i++) console.log(i + " " + "x".repeat(10000)); process.stderr.write("y".repeat(300000)); setInterval(() => {}, 1000)`;
      const { runtime } = make('process', { command: process.execPath, args: ['-e', script], log_lines: LINES, max_line_length: LINE_LENGTH });
      await until(async () => ((await runtime.logs(LINES, AbortSignal.timeout(1000))) ?? [])[LINES - 1]?.startsWith('499 '), 'the last line is kept');
      return { kept: async () => (await runtime.logs(10_000, AbortSignal.timeout(1000))) ?? [] };
    },
    timeout: async () => {
      // Ignores SIGTERM: the restart must not wait for it longer than the stop grace.
      const { runtime } = make('process', { command: process.execPath, args: ['-e', 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000); console.log("stubborn")'], stop_grace: `${LIMIT_MS}ms`, start_period: '0ms' });
      await until(async () => ((await runtime.logs(1, AbortSignal.timeout(1000))) ?? [])[0] === 'stubborn', 'the process handles SIGTERM');
      const before = runtime.status().pid;
      return {
        run: async () => {
          await runtime.restart(AbortSignal.timeout(10_000));
          expect(runtime.status().pid).not.toBe(before);
          expect(runtime.status().lastExit?.signal).toBe('SIGKILL');
          throw new Error('killed after the grace');
        },
        reason: /killed after the grace/,
      };
    },
  },

  http: {
    running: async () => {
      const reference = await startReferenceRuntime({ port: 0, restartDelayMs: 50 });
      cleanups.push(() => reference.close());
      const { runtime } = make('http', { url: reference.url });
      await runtime.refresh(AbortSignal.timeout(5000));
      expect(runtime.status()).toMatchObject({ version: '1.0.0', pid: process.pid, restarts: 0 });
      return runtime;
    },
    restart: async () => {
      const reference = await startReferenceRuntime({ port: 0, restartDelayMs: 50 });
      cleanups.push(() => reference.close());
      const made = make('http', { url: reference.url });
      await made.runtime.refresh(AbortSignal.timeout(5000));
      return { made, restarted: (before) => expect(made.runtime.status().startedAt!.getTime()).toBeGreaterThan(before.startedAt!.getTime()) };
    },
    restartFails: async () => {
      const server = await startHttp((req, res) => {
        if (req.method === 'POST') return void res.writeHead(500).end('{"error":"the job queue is locked"}');
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ state: 'running', startedAt: new Date().toISOString() }));
      });
      cleanups.push(() => server.close());
      const { runtime } = make('http', { url: server.url });
      return { runtime, reason: /^HTTP 500: .*the job queue is locked/ };
    },
    boundedOutput: async () => {
      const server = await startHttp((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = 'z'.repeat(64 * 1024);
        let sent = 0;
        // 64 MiB, streamed: Lookout must read its bounded start and hang up.
        const more = () => {
          while (sent < 1024 && res.write(chunk)) sent++;
          if (sent < 1024) res.once('drain', more);
          else res.end();
        };
        more();
      });
      cleanups.push(() => server.close());
      const { runtime } = make('http', { url: server.url });
      return {
        kept: async () => {
          const status = await runtime.refresh(AbortSignal.timeout(5000));
          expect(status.state).toBe('unknown');
          expect(status.lastError).toMatch(/not JSON/);
          return [status.lastError!];
        },
      };
    },
    timeout: async () => {
      const server = await startHttp(() => {}); // takes the request, never answers
      cleanups.push(() => server.close());
      const { runtime } = make('http', { url: server.url, timeout: `${LIMIT_MS}ms` });
      return {
        run: async () => {
          const status = await runtime.refresh(AbortSignal.timeout(10_000));
          expect(status.state).toBe('unknown');
          throw new Error(status.lastError!);
        },
        reason: new RegExp(`no answer from 127\\.0\\.0\\.1:\\d+ within ${LIMIT_MS} ms`),
      };
    },
  },

  command: {
    running: async () => {
      const { runtime } = make('command', { restart: node('process.exit(0)'), status: node('console.log("active")') });
      await runtime.refresh(AbortSignal.timeout(5000));
      return runtime;
    },
    restart: async () => {
      const made = make('command', { restart: node('process.exit(0)'), status: node('console.log("active")') });
      await made.runtime.refresh(AbortSignal.timeout(5000));
      return { made, restarted: () => expect(made.runtime.status().startedAt).not.toBeNull() };
    },
    restartFails: async () => {
      const { runtime } = make('command', { restart: node('console.error("Job for billing-api.service failed."); process.exit(1)'), status: node('console.log("active")') });
      return { runtime, reason: /^exited with code 1: Job for billing-api\.service failed\.$/ };
    },
    boundedOutput: async () => {
      const script = `for (let i = 0; i < 5000; i++) console.log(i + " " + "x".repeat(10000))`;
      const { runtime } = make('command', { restart: node('process.exit(0)'), logs: node(script), max_lines: LINES, max_line_length: LINE_LENGTH });
      return { kept: async () => (await runtime.logs(10_000, AbortSignal.timeout(20_000))) ?? [] };
    },
    timeout: async () => {
      // It also leaves a process in a session of its own holding its output, which the group kill
      // does not reach (regression: the restart waited for that output to end, for good).
      const { runtime } = make('command', { restart: node(LEAVE_DAEMON + 'setInterval(() => {}, 1000)'), timeout: `${LIMIT_MS}ms` });
      return { run: () => runtime.restart(AbortSignal.timeout(10_000)), reason: new RegExp(`^timed out after ${LIMIT_MS} ms`) };
    },
  },
};

describe('every runtime kind', () => {
  it('has a row in this suite', () => {
    expect(Object.keys(cases).sort()).toEqual([...RUNTIME_KINDS].sort());
  });

  describe.each(RUNTIME_KINDS.map((kind) => [kind, cases[kind]] as const))('%s', (_kind, c) => {
    it('reads a running runtime as running', async () => {
      const runtime = await c.running();
      expect(runtime.status().state).toBe('running');
      expect(runtime.status().lastError).toBeNull();
    });

    it('restarts: restarting meanwhile, then running again, one restart more', async () => {
      const { made, restarted } = await c.restart();
      const before = made.runtime.status();
      made.states.length = 0;
      await made.runtime.restart(AbortSignal.timeout(20_000));
      const after = made.runtime.status();
      expect(made.states[0]).toBe('restarting');
      expect(after.state).toBe('running');
      expect(after.restarts).toBe(before.restarts + 1);
      expect(after.lastError).toBeNull();
      restarted(before);
    });

    it('reports a failed restart with its reason', async () => {
      const { runtime, reason } = await c.restartFails();
      const failure = await runtime.restart(AbortSignal.timeout(20_000)).then(() => null, (error: unknown) => error);
      expect(failure).toBeInstanceOf(RestartFailed);
      expect((failure as Error).message).toMatch(reason);
      expect(runtime.status().lastError).toContain((failure as Error).message);
      expect(runtime.status().state).not.toBe('running');
      expect(runtime.status().state).not.toBe('restarting');
    });

    const bounded = c.boundedOutput;
    if ('notApplicable' in bounded) it.skip(`keeps its output bounded (${bounded.notApplicable})`, () => {});
    else {
      it(`keeps its output bounded (${LINES} lines of at most ${LINE_LENGTH} characters)`, async () => {
        const { kept } = await bounded();
        const lines = await kept();
        expect(lines.length).toBeGreaterThan(0);
        expect(lines.length).toBeLessThanOrEqual(LINES);
        for (const line of lines) expect(line.length).toBeLessThanOrEqual(Math.max(LINE_LENGTH + TRUNCATED.length, 600));
      });
    }

    it(`is bounded in time (${LIMIT_MS} ms)`, async () => {
      const { run, reason } = await c.timeout();
      const started = performance.now();
      const failure = await run().then(() => null, (error: unknown) => error as Error);
      expect(failure?.message).toMatch(reason);
      expect(performance.now() - started).toBeLessThan(LIMIT_MS + SLACK_MS);
    });
  });
});

describe('an http runtime with token_env', () => {
  const VARIABLE = 'LOOKOUT_TEST_OTTO_TOKEN';
  afterEach(() => {
    delete process.env[VARIABLE];
  });

  it('sends the bearer token from Lookout’s environment on status and restart; without it the runtime answers 401', async () => {
    const reference = await startReferenceRuntime({ port: 0, restartDelayMs: 50, token: 's3cret-otto-token' });
    cleanups.push(() => reference.close());
    const without = make('http', { url: reference.url });
    await without.runtime.refresh(AbortSignal.timeout(5000));
    expect(without.runtime.status()).toMatchObject({ state: 'unknown' });
    expect(without.runtime.status().lastError).toMatch(/HTTP 401/);

    process.env[VARIABLE] = 's3cret-otto-token';
    const withToken = make('http', { url: reference.url, token_env: VARIABLE });
    await withToken.runtime.refresh(AbortSignal.timeout(5000));
    expect(withToken.runtime.status()).toMatchObject({ state: 'running', version: '1.0.0' });
    const before = withToken.runtime.status();
    await withToken.runtime.restart(AbortSignal.timeout(10_000));
    expect(withToken.runtime.status().startedAt!.getTime()).toBeGreaterThan(before.startedAt!.getTime());
  });

  it('keeps the token out of what it reports when the runtime echoes it (regression: a 401 quoting its Authorization showed the token to viewers and in the audit log)', async () => {
    const echo = await startHttp((req, res) => {
      res.writeHead(401, { 'content-type': 'text/plain' });
      res.end(`invalid credentials: ${req.headers.authorization} (token ${String(req.headers.authorization).slice(7)})`);
    });
    cleanups.push(() => echo.close());
    process.env[VARIABLE] = 'echoed-SECRET-token-1234';
    const { runtime } = make('http', { url: echo.url, token_env: VARIABLE });
    await runtime.refresh(AbortSignal.timeout(5000));
    expect(runtime.status().lastError).toMatch(/^status answered HTTP 401: invalid credentials: \[redacted\] \(token \[redacted\]\)$/);
    const failure = await runtime.restart(AbortSignal.timeout(5000)).then(() => null, (error: Error) => error);
    expect(failure).toBeInstanceOf(RestartFailed);
    expect(failure!.message).toContain('HTTP 401');
    expect(failure!.message).not.toContain('SECRET');
    expect(runtime.status().lastError).not.toContain('SECRET');
  });

  it('refuses, naming the field, a variable that is not set, not a name, or not a token', () => {
    const validate = (token_env: unknown) => () => getRuntimeKind('http').validate({ url: 'http://127.0.0.1:7070', token_env });
    expect(validate(VARIABLE)).toThrow(`token_env: the environment variable ${VARIABLE} is not set (or empty) in Lookout's environment.`);
    expect(validate('not a name')).toThrow('token_env must name an environment variable (letters, digits and _), e.g. OTTO_TOKEN, got "not a name".');
    process.env[VARIABLE] = 'two words';
    expect(validate(VARIABLE)).toThrow(`token_env: ${VARIABLE} must hold a token of at most 4096 printable characters without spaces.`);
  });
});

describe('a command runtime whose command leaves a process holding its output', () => {
  it('reads the status once the status command exited (regression: the read, and every later one, hung while the daemon lived)', async () => {
    const { runtime } = make('command', { restart: node('process.exit(0)'), status: node(LEAVE_DAEMON + 'console.log("active")'), timeout: '10s' });
    const status = await runtime.refresh(AbortSignal.timeout(15_000));
    expect(status.state).toBe('running');
  });
});

describe('a process runtime whose output quotes its env', () => {
  it("keeps the env's credentials out of the last line its lastError quotes, which viewers read", async () => {
    const script = 'console.log("cannot connect to " + process.env.DATABASE_URL + " with token " + process.env.API_TOKEN); process.exit(3)';
    const { runtime } = make('process', { command: process.execPath, args: ['-e', script], restart: 'never', start_period: '10s', env: { DATABASE_URL: 'postgres://app:EnvDbPw123@127.0.0.1/app', API_TOKEN: 'EnvTok98765' } });
    // A restart that fails says why, with the last line of output.
    const failure = await runtime.restart(AbortSignal.timeout(15_000)).then(() => null, (error: Error) => error);
    expect(failure).toBeInstanceOf(RestartFailed);
    expect(failure!.message).not.toContain('EnvDbPw123');
    expect(failure!.message).not.toContain('EnvTok98765');
    const lastError = runtime.status().lastError!;
    expect(lastError).toContain('cannot connect to postgres://app:');
    expect(lastError).not.toContain('EnvDbPw123');
    expect(lastError).not.toContain('EnvTok98765');
  });
});
