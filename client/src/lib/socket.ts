/**
 * The dashboard's one WebSocket (graphql-transport-ws on /graphql). It authenticates with the
 * session cookie when it connects, so it is restarted after sign-in and sign-out. It stays open
 * while the page is open (not lazy) so the connection indicator tells the truth, and it retries
 * forever with a backoff capped at 3 s so the page recovers soon after the server is back; the
 * subscriptions a stopping server completed start again on the next server (`subscribeLive`).
 */
import { createClient, type Client, type FormattedExecutionResult, type Sink, type SubscribePayload } from 'graphql-ws';
import { databaseFailed, socketClosed, socketConnecting, socketOpened } from './connection.ts';

const MAX_RETRY_WAIT_MS = 3000;

/** 250 ms, 500 ms, 1 s, 2 s, then every 3 s, with a little jitter so tabs do not stampede. */
async function cappedBackoff(retries: number): Promise<void> {
  const wait = Math.min(MAX_RETRY_WAIT_MS, 250 * 2 ** retries) * (0.8 + Math.random() * 0.2);
  await new Promise((resolve) => setTimeout(resolve, wait));
}

function socketUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss:' : 'ws:'}//${host}/graphql`;
}

/** Set while we close the socket on purpose, so the close does not read as an outage. */
let restarting = false;

export const wsClient: Client = createClient({
  url: socketUrl,
  lazy: false,
  retryAttempts: Infinity,
  retryWait: cappedBackoff,
  // Every close is worth a retry: the server may be restarting or the network flapping.
  shouldRetry: () => true,
  // Pings notice a silently dead connection (laptop sleep, proxy timeout) within ~20 s.
  keepAlive: 10_000,
  onNonLazyError: () => {},
  // No `connecting` handler: retries emit it too, and a retry is still an outage.
  on: {
    connected: () => socketOpened(),
    closed: (event) => {
      if (restarting) return socketConnecting();
      socketClosed();
      // 1013 "try again later": the server is up but could not check the caller in its database.
      if ((event as { code?: number } | null)?.code === 1013) databaseFailed();
    },
  },
});

/**
 * Reconnects with the current cookies (after sign-in or sign-out). Live subscriptions carry on
 * over the new socket, now with the new identity.
 */
export function restartSocket(): void {
  restarting = true;
  try {
    wsClient.terminate();
  } finally {
    restarting = false;
  }
}

/**
 * Subscribes over the shared socket until `unsubscribe` is called. A server that shuts down
 * completes every subscription before it closes the socket: such a subscription starts again once
 * the socket is connected to the next server, so a page keeps its live data across a restart.
 */
export function subscribeLive<Data = Record<string, unknown>, Extensions = unknown>(payload: SubscribePayload, sink: Sink<FormattedExecutionResult<Data, Extensions>>): () => void {
  let stopped = false;
  let completed = false;
  const complete = () => {
    if (!completed) sink.complete();
    completed = true;
  };
  let dispose = () => {};
  let awaitingReconnect: (() => void) | undefined;
  /** Starts again once the socket is connected (to the next server, or again). */
  const startOnReconnect = () => {
    awaitingReconnect = wsClient.on('connected', () => {
      awaitingReconnect?.();
      awaitingReconnect = undefined;
      if (!stopped) start();
    });
  };
  const start = () => {
    dispose = wsClient.subscribe<Data, Extensions>(payload, {
      next: (value) => sink.next(value),
      error: (error) => {
        // The server ended it because this page did not read its events fast enough: it missed
        // some. Reconnecting makes every page refetch what it shows, and this starts again.
        if (!stopped && fellBehind(error)) {
          restartSocket();
          return start(); // over the new socket (its other subscriptions carry on there by themselves)
        }
        sink.error(error);
      },
      complete: () => {
        if (stopped) return complete();
        startOnReconnect();
      },
    });
  };
  start();
  return () => {
    stopped = true;
    awaitingReconnect?.();
    dispose();
    complete();
  };
}

/** The server's FELL_BEHIND: graphql-ws hands an `error` message's errors over as an array. */
function fellBehind(error: unknown): boolean {
  return Array.isArray(error) && error.some((e) => (e as { extensions?: { code?: unknown } } | null)?.extensions?.code === 'FELL_BEHIND');
}
