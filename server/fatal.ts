/**
 * What stops the process: an uncaught exception or an unhandled rejection is a bug, and a bug must
 * not leave work half done, so the process closes what it can and exits non-zero — except for a
 * GraphQL field error the executor dropped.
 *
 * The executor (graphql/graphql-js#3528, still so in @graphql-tools/executor) can leave a field's
 * promise unhandled when a sibling's error has already nulled their parent: the request has been
 * answered, with the sibling's error, and the dropped one concerns a part of the answer that was
 * thrown away. schema/field-errors.ts removes the cause it can (resolvers that throw synchronously);
 * this keeps any other (a value that fails to serialize, a null for a non-null field) from stopping
 * every request of the replica. Such an error carries the path the executor located it at; errors
 * outside GraphQL execution carry none and stay fatal.
 */
// The class's own module, not graphql's index: the same class (graphql's index.js requires this
// file), without loading all of graphql into `lookout serve`'s primary, which needs only this (4 MB
// less there).
import { GraphQLError } from 'graphql/error/GraphQLError.js';
import type { Logger } from './logger.ts';

/** A field error located by the GraphQL executor (it has a path in the answer). */
export function isDroppedFieldError(err: unknown): boolean {
  return err instanceof GraphQLError && Array.isArray(err.path);
}

/** Installs the process's handlers: `fatal` for a bug, a warning for a dropped field error. */
export function handleProcessFailures(logger: Pick<Logger, 'warn'>, fatal: (err: unknown) => void): void {
  // At most one warning every 10 s, with how many were left out: requests may repeat it at will.
  let lastWarned = -Infinity;
  let unsaid = 0;
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', (err: unknown) => {
    if (!isDroppedFieldError(err)) return fatal(err);
    const now = performance.now();
    if (now - lastWarned < 10_000) {
      unsaid++;
      return;
    }
    const e = err as GraphQLError;
    logger.warn(
      { path: e.path?.join('.'), code: e.extensions?.code, message: e.message.slice(0, 500), alsoSince: unsaid },
      'a GraphQL field error was left unhandled by the executor after its request was answered; ignored',
    );
    lastWarned = now;
    unsaid = 0;
  });
}
