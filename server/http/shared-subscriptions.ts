/**
 * One execution per event for every subscriber of the same subscription: when a status change
 * reaches 1,000 sockets subscribed with the same document and variables, graphql-js would execute
 * the subscription 1,000 times over the same event object (and make 1,000 result trees for the
 * garbage collector); here the first subscriber to take the event executes it and the others get
 * that result. Each subscriber still subscribes on its own — its document validated, its caller
 * authorized (scope-auth's `authorizeOnSubscribe`), its own source and filter — only the mapping of
 * an event to a result is shared.
 *
 * Only for root fields whose result depends on the event and the operation's variables alone, never
 * on who asks (`SHARED_FIELDS`): the result made with one subscriber's context is given to another.
 * A field whose payload resolvers read the context (a role that hides a field, a workspace limit)
 * must not be added. These subscriptions run on graphql-js's own subscribe and execute (as yoga's
 * executor would for them: one field, synchronous payload resolvers, no @defer or @stream); the
 * envelope's hooks around subscribe (error masking, metrics) still apply to each subscriber.
 */
import { createSourceEventStream, execute, getOperationAST, Kind, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { pushSourceOf, type PushSource } from '../events/pubsub.ts';

/** Subscription fields whose events map to the same result for every caller allowed to subscribe. */
export const SHARED_FIELDS: ReadonlySet<string> = new Set(['serviceStatusChanged', 'healthCheckRecorded']);

/** A number per document object (yoga's parse cache hands the same object to every request with the same text). */
const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 0;
/** Per event object: the result of each shared subscription that has executed it. */
const executed = new WeakMap<object, Map<string, ExecutionResult | Promise<ExecutionResult>>>();

/** The key under which subscribers share results, or null when this operation is not shared. */
export function shareKey(args: Pick<ExecutionArgs, 'document' | 'operationName' | 'variableValues'>): string | null {
  const operation = getOperationAST(args.document, args.operationName);
  if (operation?.operation !== 'subscription') return null;
  const fields = operation.selectionSet.selections;
  if (fields.length !== 1 || fields[0].kind !== Kind.FIELD || !SHARED_FIELDS.has(fields[0].name.value)) return null;
  let id = documentIds.get(args.document);
  if (id === undefined) documentIds.set(args.document, (id = nextDocumentId++));
  let variables: string;
  try {
    variables = JSON.stringify(args.variableValues ?? {});
  } catch {
    return null; // not plain JSON (cannot come over the wire): executed on its own
  }
  return `${id}\u0000${args.operationName ?? ''}\u0000${variables}`;
}

/**
 * A shared subscription whose source says what it takes from its channel (pubsub.ts' PushSource):
 * a WebSocket connection may deliver it from one pub/sub subscription for the whole replica
 * (broadcast.ts) instead of iterating its source. Everything before — validation, authorization,
 * the field's own arguments — ran for this subscriber.
 */
export interface Pushable {
  key: string;
  push: PushSource;
  args: ExecutionArgs;
}

/** By context value: the pushable subscription it started, until taken. */
const pushables = new WeakMap<object, Pushable>();

/** The pushable subscription started with `contextValue`, once (null when it is not one). */
export function takePushable(contextValue: unknown): Pushable | null {
  if (typeof contextValue !== 'object' || contextValue === null) return null;
  const pushable = pushables.get(contextValue) ?? null;
  pushables.delete(contextValue);
  return pushable;
}

/** The result of a shared subscription's execution for `event` under `key`, executed once per event. */
export function sharedResult(args: ExecutionArgs, key: string, event: unknown): ExecutionResult | Promise<ExecutionResult> {
  if (typeof event !== 'object' || event === null) return execute({ ...args, rootValue: event });
  let results = executed.get(event);
  if (!results) executed.set(event, (results = new Map()));
  let result = results.get(key);
  if (!result) results.set(key, (result = execute({ ...args, rootValue: event })));
  return result;
}

/** graphql-js's subscribe, with each event's execution shared under `key`. */
export async function sharedSubscribe(args: ExecutionArgs, key: string): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!isAsyncIterable(stream)) return stream;
  const push = pushSourceOf(stream);
  if (push && typeof args.contextValue === 'object' && args.contextValue !== null) pushables.set(args.contextValue, { key, push, args });
  const source = stream[Symbol.asyncIterator]();
  const map = (payload: unknown) => sharedResult(args, key, payload);
  // An iterator rather than an async generator: `return()` must reach the source at once, even while
  // it waits for its next event (a generator would hold it until that event came).
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      const step = await source.next();
      return step.done ? { done: true, value: undefined } : { done: false, value: await map(step.value) };
    },
    return: async () => {
      await source.return?.();
      return { done: true, value: undefined };
    },
    throw: async (error: unknown) => {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/** The envelop plugin: shared subscriptions go through `sharedSubscribe`; the rest as before. */
export function useSharedSubscriptions(): Plugin {
  return {
    onSubscribe({ args, setSubscribeFn }) {
      const key = shareKey(args);
      if (key !== null) setSubscribeFn(((subscribeArgs: ExecutionArgs) => sharedSubscribe(subscribeArgs, key)) as never);
    },
  };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}
