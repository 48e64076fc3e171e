/**
 * The urql client: queries and mutations over HTTP (with the CSRF header read from the cookie at
 * request time), subscriptions over the shared WebSocket. No document cache: an operations
 * dashboard shows what the server says now, and a new sign-in never sees the previous user's data.
 */
import { Client, fetchExchange, mapExchange, subscriptionExchange, type CombinedError } from '@urql/core';
import { csrfHeaders } from './csrf.ts';
import { databaseAnswered, databaseFailed, httpFailed, httpSucceeded, whenProbingDatabase } from './connection.ts';
import { SessionQuery } from './session-query.ts';
import { subscribeLive } from './socket.ts';

/** fetch that reports reachability: a thrown fetch or a gateway error means Lookout is not answering. */
async function reportingFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(input, init);
  } catch (error) {
    if (!(error instanceof DOMException && error.name === 'AbortError')) httpFailed();
    throw error;
  }
  if (response.status === 502 || response.status === 503 || response.status === 504) httpFailed();
  else httpSucceeded();
  return response;
}

let unauthenticated: () => void = () => {};

/** Called when an HTTP operation says the caller is not signed in (e.g. the session expired). */
export function whenUnauthenticated(handler: () => void): void {
  unauthenticated = handler;
}

function isUnauthenticated(error: CombinedError): boolean {
  return error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
}

/** The server answered, but could not reach its database (server/http/yoga.ts). */
function isDatabaseUnavailable(error: CombinedError): boolean {
  return error.graphQLErrors.some((e) => e.extensions?.code === 'SERVICE_UNAVAILABLE');
}

export const client = new Client({
  url: '/graphql',
  preferGetMethod: false,
  requestPolicy: 'network-only',
  fetch: reportingFetch,
  fetchOptions: () => ({ credentials: 'same-origin', headers: csrfHeaders() }),
  exchanges: [
    mapExchange({
      onError: (error) => {
        if (isUnauthenticated(error)) unauthenticated();
        if (isDatabaseUnavailable(error)) databaseFailed();
      },
      onResult: (result) => {
        // A query or mutation answered without a database error: the database answers again.
        if (result.operation.kind !== 'subscription' && result.data && !result.error) databaseAnswered();
      },
    }),
    fetchExchange,
    subscriptionExchange({
      forwardSubscription: (request) => ({
        subscribe: (sink) => ({ unsubscribe: subscribeLive({ ...request, query: request.query ?? '' }, sink) }),
      }),
    }),
  ],
});

// While the database is unreachable, `me` is asked every few seconds: its answer clears the banner.
whenProbingDatabase(() => void client.query(SessionQuery, {}).toPromise());
