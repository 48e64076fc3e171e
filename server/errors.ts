/**
 * The one error family of Lookout. Capability code throws these; the GraphQL layer shows them to
 * callers as they are (with `extensions.code`), while any other error is masked.
 */
// The class's own module, not graphql's index: the same class (graphql's index.js requires this
// file), without loading all of graphql into `lookout serve`'s primary, which needs only this (4 MB
// less there).
import { GraphQLError } from 'graphql/error/GraphQLError.js';

export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'NOT_READY'
  | 'FELL_BEHIND';

/** Base class: a failure the caller is meant to read. */
export class LookoutError extends GraphQLError {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extensions } });
    this.code = code;
    this.name = new.target.name;
  }
}

export class UnauthenticatedError extends LookoutError {
  constructor(message = 'Sign in or send a valid API token (Authorization: Bearer <token>).') {
    super('UNAUTHENTICATED', message);
  }
}

export class ForbiddenError extends LookoutError {
  constructor(message = 'You do not have the capability this needs.', extensions: Record<string, unknown> = {}) {
    super('FORBIDDEN', message, extensions);
  }
}

/** Bad input: always names the offending field so forms and scripts can point at it. */
export class BadInputError extends LookoutError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('BAD_USER_INPUT', message, { field });
    this.field = field;
  }
}

/** Names a field of entry `index` of a batch argument (`runs[3].type`), or the bare field outside a batch. */
export type BatchField = (field: string) => string;
export function fieldPath(batchArgument: string | undefined, index: number): BatchField {
  return batchArgument === undefined ? (field) => field : (field) => `${batchArgument}[${index}].${field}`;
}

export class NotFoundError extends LookoutError {
  constructor(what: string, id: string) {
    super('NOT_FOUND', `${what} "${id}" does not exist.`);
  }
}

export class ConflictError extends LookoutError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super('CONFLICT', message, extensions);
  }
}

/** The platform is not ready (the start-up checklist blocks): names the failing checks. */
export class NotReadyError extends LookoutError {
  constructor(failingChecks: string[]) {
    super('NOT_READY', `The platform is not ready: the start-up checklist blocks submissions (failing: ${failingChecks.join(', ')}). Fix them or have an admin override them.`, { failingChecks });
  }
}

export class RateLimitedError extends LookoutError {
  constructor(message: string, retryAfterSeconds: number) {
    super('RATE_LIMITED', message, { retryAfterSeconds });
  }
}

/**
 * A subscriber that let more than its bound of events wait for it (pub/sub's `maxQueued`): its
 * subscription ends with this error rather than hold every later event in memory. The client
 * subscribes again (with `since`, where the field has it, to replay what it missed).
 */
export class FellBehind extends LookoutError {
  readonly channel: string;
  readonly maxQueued: number;
  constructor(channel: string, maxQueued: number) {
    super(
      'FELL_BEHIND',
      `This subscription fell more than ${maxQueued} events behind (its client did not read them) and was ended: subscribe again, with \`since\` where the field has it to replay what was missed.`,
      { maxQueued },
    );
    this.channel = channel;
    this.maxQueued = maxQueued;
  }
}
