/**
 * The errors of a GraphQL WebSocket (ws-connection.ts): what a client is told when its credentials
 * went, its document could not be read, or something unexpected happened (logged here in full,
 * masked for the client), as GraphQLErrors of the graphql that graphql-ws checks against.
 */
import { GraphQLError } from 'graphql';
import type { Logger } from '../logger.ts';

export function revokedError(): GraphQLError {
  return new GraphQLError('The credentials of this connection were revoked or have expired.', { extensions: { code: 'UNAUTHENTICATED' } });
}

/** The caller of a new socket could not be resolved (the database did not answer): not the client's fault. */
export class TryAgainLater extends Error {
  constructor(cause: unknown) {
    super('try again later', { cause });
  }
}

/** Why a document could not be read: its own syntax error, or too deep for the parser. */
export function documentError(logger: Logger, error: unknown): GraphQLError {
  if (isGraphQLErrorLike(error)) return asGraphQLError(error);
  if (error instanceof RangeError) return new GraphQLError('The document is nested too deeply to be read.', { extensions: { code: 'BAD_USER_INPUT' } });
  return unexpected(logger, error, 'a WebSocket document could not be read');
}

/** An unexpected error: logged in full here, masked for the client. */
export function unexpected(logger: Logger, error: unknown, message: string): GraphQLError {
  logger.error({ err: error }, message);
  return new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

function isGraphQLErrorLike(error: unknown): error is GraphQLError {
  return error instanceof GraphQLError || (error instanceof Error && 'extensions' in error && 'locations' in error);
}

/** graphql-ws answers with errors only if they are GraphQLErrors of its own graphql (instanceof). */
export function asGraphQLError(error: Pick<GraphQLError, 'message' | 'extensions' | 'nodes' | 'source' | 'positions' | 'path'>): GraphQLError {
  if (error instanceof GraphQLError) return error;
  return new GraphQLError(error.message, { extensions: error.extensions, nodes: error.nodes, source: error.source, positions: error.positions, path: error.path });
}
