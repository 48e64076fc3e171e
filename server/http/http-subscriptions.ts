/**
 * Subscriptions are served over WebSocket only. graphql-yoga would also stream them over HTTP
 * (server-sent events), but such a stream keeps the caller of the request that opened it for as
 * long as it lasts, revoked or not; on a socket the caller is kept current (ws-callers.ts).
 */
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RequestContext } from '../context.ts';

export function useSubscriptionsOverWebSocketOnly(): Plugin<RequestContext> {
  return {
    onSubscribe({ args, setResultAndStopExecution }) {
      if (args.contextValue.transport !== 'http') return;
      setResultAndStopExecution({
        errors: [
          new GraphQLError('Subscriptions are served over WebSocket only (graphql-transport-ws on /graphql), not over HTTP.', {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          }),
        ],
      });
    },
  };
}
