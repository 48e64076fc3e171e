/**
 * The first page's answers, asked by the page itself before any module loaded (an inline script
 * that client/vite/early-queries.ts writes into index.html), each handed to the first code that
 * needs it. Only a clean answer is handed over: after errors or a failed request the taker asks
 * again through urql, which reports them (signed out, server unreachable) the usual way.
 */
import type { TypedDocumentNode } from '@urql/core';

/** An answer not taken within this time after it was asked for is not used. */
const FRESH_MS = 5000;

declare global {
  interface Window {
    /** By operation name: the answer's data, or null when it was not clean. */
    __lookoutEarly?: { at: number; answers: Record<string, Promise<unknown>> };
  }
}

function operationName(document: TypedDocumentNode<unknown, Record<string, never>>): string | undefined {
  for (const d of document.definitions) if (d.kind === 'OperationDefinition') return d.name?.value;
  return undefined;
}

/** The page's answer to `document` (asked with its variables' defaults), handed over once; null when there is none to use (ask urql instead). */
export async function takeEarlyAnswer<Data, Variables>(document: TypedDocumentNode<Data, Variables>): Promise<Data | null> {
  const page = window.__lookoutEarly;
  const name = operationName(document as TypedDocumentNode<unknown, Record<string, never>>);
  const answer = name ? page?.answers[name] : undefined;
  if (!page || !answer) return null;
  delete page.answers[name!];
  if (Date.now() - page.at > FRESH_MS) return null;
  return (await answer) as Data | null;
}
