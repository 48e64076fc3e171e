/**
 * Whether the dashboard can reach Lookout: the WebSocket's state (from graphql-ws events) and the
 * outcome of the last HTTP request. Pages subscribe to `onReconnected` to refresh what they show.
 */
import { createEffect, createSignal, on } from 'solid-js';

/** `connecting`: first connection or a deliberate restart; `open`: acknowledged; `closed`: lost. */
export type SocketState = 'connecting' | 'open' | 'closed';
export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting';

const [socketState, setSocketState] = createSignal<SocketState>('connecting');
const [httpFailing, setHttpFailing] = createSignal(false);
/** Counts recoveries: bumps each time the socket is back after it was lost. */
const [recoveries, setRecoveries] = createSignal(0);
/**
 * Set while Lookout answers but cannot reach its database (a GraphQL error with code
 * SERVICE_UNAVAILABLE, or a socket closed with 1013 "try again later"): the server is up, so the
 * dashboard says the database is the trouble rather than that Lookout is unreachable.
 */
const [databaseDown, setDatabaseDown] = createSignal(false);

/** True while the server's last answer was that its database cannot be reached (and the server itself answers). */
export function databaseUnreachable(): boolean {
  return databaseDown() && !httpFailing();
}

/** "live" only when the socket is acknowledged and HTTP answers; "reconnecting" once anything failed. */
export function connectionStatus(): ConnectionStatus {
  if (socketState() === 'closed' || httpFailing()) return 'reconnecting';
  return socketState() === 'open' ? 'live' : 'connecting';
}

/** The socket is being (re)opened on purpose, e.g. after sign-in: not an outage. */
export function socketConnecting(): void {
  setSocketState('connecting');
}

/** The server acknowledged the socket (graphql-ws `connected`). */
export function socketOpened(): void {
  const wasLost = socketState() === 'closed' || httpFailing();
  setSocketState('open');
  // The server checked the socket's credentials in its database: the database answers again.
  if (databaseDown()) {
    stopDatabaseProbe();
    setDatabaseDown(false);
    if (!wasLost) setRecoveries((n) => n + 1);
  }
  if (!wasLost) return;
  // The socket reached the same server, so HTTP is back too; pages refetch once.
  stopProbe();
  setHttpFailing(false);
  setRecoveries((n) => n + 1);
}

/** The socket closed or could not open: Lookout is unreachable until it reconnects. */
export function socketClosed(): void {
  setSocketState('closed');
}

let probe: ReturnType<typeof setInterval> | undefined;

/** An HTTP request could not reach the server: show the banner and probe until it answers. */
export function httpFailed(): void {
  if (httpFailing()) return;
  setHttpFailing(true);
  probe ??= setInterval(() => {
    fetch('/health', { cache: 'no-store' }).then(httpSucceeded, () => {});
  }, 3000);
}

function stopProbe(): void {
  clearInterval(probe);
  probe = undefined;
}

/** Any HTTP answer (even an error status) means the server is reachable. */
export function httpSucceeded(): void {
  stopProbe();
  if (!httpFailing()) return;
  setHttpFailing(false);
  if (socketState() === 'open') setRecoveries((n) => n + 1);
}

let databaseProbe: ReturnType<typeof setInterval> | undefined;
let askDatabase: () => void = () => {};

/** How to ask the server something that needs its database, to learn when it answers again (urql.ts). */
export function whenProbingDatabase(ask: () => void): void {
  askDatabase = ask;
}

function stopDatabaseProbe(): void {
  clearInterval(databaseProbe);
  databaseProbe = undefined;
}

/** The server answered that it cannot reach its database: say so, and ask again until it can. */
export function databaseFailed(): void {
  if (databaseDown()) return;
  setDatabaseDown(true);
  databaseProbe ??= setInterval(() => askDatabase(), 3000);
}

/** The server answered a request without a database error: pages refetch what they show once. */
export function databaseAnswered(): void {
  if (!databaseDown()) return;
  stopDatabaseProbe();
  setDatabaseDown(false);
  setRecoveries((n) => n + 1);
}

/** Runs `refresh` (inside the calling component) every time the connection comes back. */
export function onReconnected(refresh: () => void): void {
  createEffect(on(recoveries, () => refresh(), { defer: true }));
}
