/**
 * Error messages quote the client's input (`Cannot query field "…"`, `Variable "$x" got invalid
 * value "…"`): quoted parts are cut to a few dozen characters and the whole to a few hundred, so
 * an error never carries a request back at length. Parse and validation errors also drop their
 * stack frames, which held what produced them alive as long as yoga caches them.
 */
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { GraphQLError } from 'graphql';

const MAX_QUOTED = 64;
const MAX_MESSAGE = 500;

/**
 * `message` with every run of more than MAX_QUOTED characters between two quotes cut to MAX_QUOTED
 * and "…" (JSON-escaped quotes do not end a run), and the whole to MAX_MESSAGE. Runs are taken
 * between consecutive quotes, not as pairs: graphql-js does not quote object keys, so a key with a
 * quote in it (`{ a": "…" }`) would pair with a value's opening quote and leave the value whole. One
 * pass that jumps from quote to quote (indexOf) and stops once the answer is full: a message quoting
 * a 4 MB value costs microseconds (a regular expression over the whole message held the event loop
 * for ~270 ms on such a message; bench/fuzz found it). Text before the first quote and after the
 * last is left as it is, within MAX_MESSAGE.
 */
export function boundedErrorMessage(message: string): string {
  if (message.length <= MAX_QUOTED) return message;
  let quote = closingQuote(message, 0);
  if (quote < 0) return bounded(message);
  let out = message.slice(0, Math.min(quote + 1, MAX_MESSAGE + 1));
  while (out.length <= MAX_MESSAGE) {
    const next = closingQuote(message, quote + 1);
    if (next < 0) {
      out += message.slice(quote + 1, quote + 1 + MAX_MESSAGE + 1 - out.length);
      break;
    }
    out += next - quote - 1 > MAX_QUOTED ? `${message.slice(quote + 1, quote + 1 + MAX_QUOTED)}…"` : message.slice(quote + 1, next + 1);
    quote = next;
  }
  return bounded(out);
}

const bounded = (text: string) => (text.length <= MAX_MESSAGE ? text : `${text.slice(0, MAX_MESSAGE)}…`);

/** The index of the first quote from `from` not escaped by a backslash (an odd run of them), or -1. */
function closingQuote(text: string, from: number): number {
  for (let quote = text.indexOf('"', from); quote >= 0; quote = text.indexOf('"', quote + 1)) {
    let backslashes = 0;
    while (quote - 1 - backslashes >= from && text.charCodeAt(quote - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return quote;
  }
  return -1;
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
 * Replaces the stack of `error` with its first line, so that it holds no stack frames. V8 keeps a
 * new error's frames unformatted until `stack` is read, and each frame holds its function and
 * receiver: a validation error kept the rule's visitor, the ValidationContext and the whole parsed
 * document; a syntax error kept the Parser and its Lexer. Yoga caches these errors (by document
 * text, and by parsed document), so 250 cached mistakes kept ~12 MB alive after bench/fuzz. The
 * frames of a client's mistake tell nothing anyway; assigning through V8's setter formats nothing.
 */
export function dropStackFrames(error: Error): void {
  const firstLine = `${error.name}: ${boundedErrorMessage(error.message)}`;
  try {
    error.stack = firstLine;
  } catch {
    // A stack made read-only (or with a getter only): replaced when it may be, else left as it is.
    if (Object.getOwnPropertyDescriptor(error, 'stack')?.configurable) {
      Object.defineProperty(error, 'stack', { value: firstLine, writable: true, configurable: true, enumerable: false });
    }
  }
}

/**
 * Parse and validation errors reach the client without passing the error mask (HTTP and WebSocket
 * alike) and are cached by yoga with their documents: their messages are bounded here (yoga's
 * maskError bounds the rest with `boundErrorMessage`), and they keep no stack frames.
 */
export function useBoundedRequestErrors(): Plugin {
  const bound = (error: Error) => {
    boundErrorMessage(error);
    dropStackFrames(error);
  };
  return {
    onParse: () => ({ result }) => {
      if (result instanceof Error) bound(result);
    },
    onValidate: () => ({ result }) => {
      for (const error of result) bound(error);
    },
  };
}
