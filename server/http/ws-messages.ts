/**
 * What a GraphQL WebSocket connection (ws-connection.ts) reads of the client's messages without
 * running them, and small helpers it shares: the variables a subscription keeps and how large they
 * are, a `complete` for given ids, a close reason within the protocol's 123 bytes.
 */
import type { OperationDefinitionNode } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { setOwn } from '../own-keys.ts';

/** Of `variables`, those `operation` declares (a subscription keeps them while it runs: no others). */
export function declaredVariables(operation: OperationDefinitionNode, variables: Record<string, unknown> | null | undefined): Record<string, unknown> | undefined {
  if (!variables) return undefined;
  const kept: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (Object.hasOwn(variables, name)) setOwn(kept, name, variables[name]);
  }
  return kept;
}

/** The length of a subscribe payload's query and variables, as sent (near enough: JSON text). */
export function payloadBytes(payload: SubscribePayload): number {
  return payload.query.length + (payload.variables ? JSON.stringify(payload.variables).length : 0) + (payload.extensions ? JSON.stringify(payload.extensions).length : 0);
}

/** Whether `data` is a `complete` message for one of `ids` (only parsed when it can be one: they are short). */
export function isCompleteOf(data: string, ids: Set<string>): boolean {
  if (data.length > 512 || !data.includes('"complete"')) return false;
  try {
    const message = JSON.parse(data) as { type?: unknown; id?: unknown };
    return message.type === 'complete' && typeof message.id === 'string' && ids.has(message.id);
  } catch {
    return false;
  }
}

/** `text` cut to a WebSocket close reason's 123 bytes (an id the client chose may be in it, in any script). */
export function closeReason(text: string): string {
  let reason = text;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}

export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** Whether `promise` settled within `ms`. */
export async function within(ms: number, promise: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
