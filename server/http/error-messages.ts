/**
 * Error messages quote the client's input (`Cannot query field "…"`, `Variable "$x" got invalid
 * value "…"`): quoted parts are cut to a few dozen characters and the whole to a few hundred, so
 * an error never carries a request back at length.
 */
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { GraphQLError } from 'graphql';

const MAX_QUOTED = 64;
const MAX_MESSAGE = 500;

/** A long quoted part (JSON-escaped, as graphql-js quotes values) ends in "…" after MAX_QUOTED characters. */
const LONG_QUOTED = new RegExp(`"((?:[^"\\\\]|\\\\.){${MAX_QUOTED + 1},})"`, 'g');

export function boundedErrorMessage(message: string): string {
  const quotesCut = message.length <= MAX_QUOTED ? message : message.replace(LONG_QUOTED, (_, quoted: string) => `"${quoted.slice(0, MAX_QUOTED)}…"`);
  return quotesCut.length <= MAX_MESSAGE ? quotesCut : `${quotesCut.slice(0, MAX_MESSAGE)}…`;
}

/**
 * Cuts the message of `error` in place (graphql-js errors are passed on, not copied). Returns false
 * when the message cannot be changed: graphql-jit's coercion errors define it read-only and not
 * configurable (assigning to it threw, and the caller got INTERNAL_SERVER_ERROR).
 */
export function boundErrorMessage(error: Error): boolean {
  const message = boundedErrorMessage(error.message);
  if (message === error.message) return true;
  const own = Object.getOwnPropertyDescriptor(error, 'message');
  if (own && !own.writable && !own.configurable) return false;
  Object.defineProperty(error, 'message', { value: message, writable: true, configurable: true, enumerable: own?.enumerable ?? false });
  return true;
}

/** `error` with its message bounded: itself when that can be done in place, else a copy with its locations, path and extensions. */
export function withBoundedMessage(error: GraphQLError): GraphQLError {
  if (boundErrorMessage(error)) return error;
  const copy = createGraphQLError(boundedErrorMessage(error.message), { path: error.path, extensions: error.extensions, originalError: error.originalError ?? undefined });
  if (error.locations) Object.assign(copy, { locations: error.locations });
  return copy;
}

/**
 * Bounds the messages of parse and validation errors, which reach the client without passing the
 * error mask (HTTP and WebSocket alike); yoga's maskError bounds the rest with `boundErrorMessage`.
 */
export function useBoundedErrorMessages(): Plugin {
  return {
    onParse: () => ({ result }) => {
      if (result instanceof Error) boundErrorMessage(result);
    },
    onValidate: () => ({ result }) => {
      for (const error of result) boundErrorMessage(error);
    },
  };
}


