/**
 * A client that asks for the dashboard (`GET /`), `POST /graphql` and, when asked, `/health` every
 * `everyMs` over keep-alive until stopped, counting every request and each failure with its reason:
 * what a user and a monitor see while Lookout restarts or updates itself (the count must stay 0).
 */
export interface Poller {
  failures: string[];
  requests(): number;
  stop(): Promise<void>;
}

export function startPoller(baseUrl: string, options: { everyMs: number; health?: boolean }): Poller {
  const failures: string[] = [];
  let requests = 0;
  let running = true;
  const one = async (what: string, request: () => Promise<Response>) => {
    requests++;
    try {
      const response = await request();
      const body = await response.text();
      // /health answers 503 with its verdict when a critical service is down: an answer, not a failure.
      const verdict = what === 'GET /health' && response.status === 503 && /"status":"down"/.test(body);
      if (!response.ok && !verdict) failures.push(`${what}: HTTP ${response.status}`);
    } catch (error) {
      failures.push(`${what}: ${(error as Error).message} ${String((error as { cause?: unknown }).cause ?? '')}`);
    }
  };
  const loop = (async () => {
    while (running) {
      await Promise.all([
        options.health ? one('GET /health', () => fetch(`${baseUrl}/health`)) : null,
        one('GET /', () => fetch(`${baseUrl}/`)),
        one('POST /graphql', () => fetch(`${baseUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) })),
        // The poller's pace, not a wait for something: it asks again every everyMs.
        new Promise((resolve) => setTimeout(resolve, options.everyMs)),
      ]);
    }
  })();
  return {
    failures,
    requests: () => requests,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
