/**
 * One local HTTP server standing in for many monitored services: each path answers 200 (healthy) or
 * 500 (down) and flips between the two on a schedule. It logs every flip and every request it
 * answered with its instant, so a test can say which transitions the targets really caused.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type TargetStatus = 'healthy' | 'down';

export interface Flip {
  at: number;
  status: TargetStatus;
}

export interface Answer {
  at: number;
  status: TargetStatus;
}

/** A path's history: when it started, each flip (the status it took), and each request it answered. */
export interface PathLog {
  startedAt: number;
  initial: TargetStatus;
  flips: Flip[];
  answers: Answer[];
}

/** A path's plan: the durations (ms) of its successive statuses after a first delay. */
export interface FlipPlan {
  firstAfterMs: number;
  durationsMs: number[];
}

/**
 * Plans flips for `paths` paths over `runMs`: first flips staggered over `staggerMs`, then statuses
 * lasting 2.5–6 s, with a short blip (250–700 ms, too short to be seen reliably) now and then. The
 * generator is seeded, so a failing run can be planned again from the seed it printed.
 */
export function planFlips(paths: number, runMs: number, seed: number, staggerMs = 3000): FlipPlan[] {
  let state = seed >>> 0;
  const random = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const between = (min: number, max: number) => Math.round(min + random() * (max - min));
  return Array.from({ length: paths }, (_, i) => {
    const firstAfterMs = Math.round(((i * 61) % paths) * (staggerMs / paths));
    const durationsMs: number[] = [];
    for (let at = firstAfterMs; at < runMs; ) {
      const ms = random() < 0.12 ? between(250, 700) : between(2500, 6000);
      if (at + ms >= runMs) break;
      durationsMs.push(ms);
      at += ms;
    }
    return { firstAfterMs, durationsMs };
  });
}

export class FlappingTarget {
  readonly logs: PathLog[];
  #status: TargetStatus[];
  #timers = new Set<NodeJS.Timeout>();
  #server: http.Server;

  private constructor(paths: number, server: http.Server) {
    const now = Date.now();
    this.logs = Array.from({ length: paths }, () => ({ startedAt: now, initial: 'healthy' as const, flips: [], answers: [] }));
    this.#status = Array.from({ length: paths }, () => 'healthy' as const);
    this.#server = server;
  }

  /** Starts the server on 127.0.0.1 with every path healthy. */
  static async start(paths: number): Promise<FlappingTarget> {
    const server = http.createServer();
    const target = new FlappingTarget(paths, server);
    server.on('request', (req, res) => target.#answer(req, res));
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return target;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** The URL of path `i`. */
  url(i: number): string {
    return `http://127.0.0.1:${this.port}/svc/${i}`;
  }

  statusOf(i: number): TargetStatus {
    return this.#status[i];
  }

  /** Flips path `i` now and logs it. */
  flip(i: number): void {
    const status = this.#status[i] === 'healthy' ? 'down' : 'healthy';
    this.#status[i] = status;
    this.logs[i].flips.push({ at: Date.now(), status });
  }

  /** Runs each path's plan from now on (plans[i] for path i). */
  run(plans: FlipPlan[]): void {
    const start = Date.now();
    plans.forEach((plan, i) => {
      let at = start + plan.firstAfterMs;
      const steps = [0, ...plan.durationsMs];
      const next = (step: number) => {
        if (step >= steps.length) return;
        at += steps[step];
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          this.flip(i);
          next(step + 1);
        }, Math.max(0, at - Date.now()));
        this.#timers.add(timer);
      };
      next(0);
    });
  }

  /** Stops flipping: every path keeps the status it has. */
  hold(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  async close(): Promise<void> {
    this.hold();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const match = /^\/svc\/(\d+)$/.exec(req.url ?? '');
    const i = match ? Number(match[1]) : -1;
    if (!(i in this.#status)) {
      res.writeHead(404).end();
      return;
    }
    const status = this.#status[i];
    this.logs[i].answers.push({ at: Date.now(), status });
    res.writeHead(status === 'healthy' ? 200 : 500, { 'content-type': 'text/plain' }).end(status);
  }
}
