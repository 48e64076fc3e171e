/**
 * Queries the entry script asks before the dashboard's code has loaded, with a plain fetch (the
 * urql client does not exist yet), each handed to the first code that needs it. The answers travel
 * while the browser downloads, parses and runs the app instead of after it. Only a clean answer is
 * handed over: after errors or a failed request the taker asks again through urql, which reports
 * them (signed out, server unreachable) the usual way.
 */
import type { TypedDocumentNode } from '@urql/core';
import { csrfHeaders } from './csrf.ts';

/** An answer not taken within this time after it was asked for is not used. */
const FRESH_MS = 5000;

/** By document object: the documents are module-level constants (session-query.ts, overview-query.ts). */
const asked = new Map<object, { at: number; data: Promise<unknown> }>();

/** What the page's inline script asked before any module loaded (client/vite/early-queries.ts), by operation name. */
declare global {
  interface Window {
    __lookoutEarly?: { at: number; answers: Record<string, Promise<unknown>> };
  }
}

function operationName(document: TypedDocumentNode<unknown, Record<string, never>>): string | undefined {
  for (const d of document.definitions) if (d.kind === 'OperationDefinition') return d.name?.value;
  return undefined;
}

/**
 * Asks a query without variables now, unless the page already did; its answer waits for
 * `takeEarlyAnswer`. The documents carry their text (client/vite/graphql-documents.ts): no GraphQL
 * printer, and no urql, loads before it.
 */
export function askEarly(document: TypedDocumentNode<unknown, Record<string, never>>): void {
  const page = window.__lookoutEarly;
  const name = operationName(document);
  const inPage = name ? page?.answers[name] : undefined;
  if (page && inPage) {
    delete page.answers[name!];
    asked.set(document, { at: page.at, data: inPage });
    return;
  }
  const query = document.loc?.source.body;
  if (!query) return;
  const data = fetch('/graphql', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...csrfHeaders() },
    body: JSON.stringify({ query }),
  })
    .then((response) => (response.ok ? response.json() : null))
    .then((result: { data?: unknown; errors?: unknown } | null) => (result?.data && !result.errors ? result.data : null))
    .catch(() => null);
  asked.set(document, { at: Date.now(), data });
}

/** The early answer's data, handed over once; null when there is none to use (ask urql instead). */
export async function takeEarlyAnswer<Data>(document: TypedDocumentNode<Data, Record<string, never>>): Promise<Data | null> {
  const early = asked.get(document);
  asked.delete(document);
  if (!early || Date.now() - early.at > FRESH_MS) return null;
  return (await early.data) as Data | null;
}
