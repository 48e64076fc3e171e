/**
 * Error messages quote the client's input (`Cannot query field "…"`, `Variable "$x" got invalid
 * value "…"`): quoted parts are cut to a few dozen characters and the whole to a few hundred, so
 * an error never carries a request back at length.
 */
import type { Plugin } from 'graphql-yoga';

const MAX_QUOTED = 64;
const MAX_MESSAGE = 500;

/** A long quoted part (JSON-escaped, as graphql-js quotes values) ends in "…" after MAX_QUOTED characters. */
const LONG_QUOTED = new RegExp(`"((?:[^"\\\\]|\\\\.){${MAX_QUOTED + 1},})"`, 'g');

export function boundedErrorMessage(message: string): string {
  const quotesCut = message.length <= MAX_QUOTED ? message : message.replace(LONG_QUOTED, (_, quoted: string) => `"${quoted.slice(0, MAX_QUOTED)}…"`);
  return quotesCut.length <= MAX_MESSAGE ? quotesCut : `${quotesCut.slice(0, MAX_MESSAGE)}…`;
}

/** Cuts the message of `error` in place (graphql-js errors are passed on, not copied). */
export function boundErrorMessage(error: Error): void {
  const message = boundedErrorMessage(error.message);
  if (message !== error.message) error.message = message;
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


