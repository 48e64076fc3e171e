/**
 * Which documents graphql-jit compiles. Compiled execution is several times faster for what the
 * dashboard asks again and again (the overview grid), but compiling costs more than one interpreted
 * run, and the compiled function stays alive with its document in yoga's cache. So a document is
 * compiled only when it is asked a second time, when it is one query, and when it does not ask
 * introspection's `__schema`.
 */
import { BREAK, visit, type DocumentNode } from 'graphql';

/** Documents executed once so far (yoga's parse cache hands the same document object to every request with the same text). */
const executedOnce = new WeakSet<DocumentNode>();
/** Whether a document asked at least twice is compiled, decided once per document. */
const verdicts = new WeakMap<DocumentNode, boolean>();

/** Whether graphql-jit should run `document`; notes that it has now been asked. */
export function worthCompiling(document: DocumentNode): boolean {
  if (!executedOnce.has(document)) {
    executedOnce.add(document);
    return false;
  }
  let verdict = verdicts.get(document);
  if (verdict === undefined) {
    verdict = soleQuery(document) && !asksSchema(document);
    verdicts.set(document, verdict);
  }
  return verdict;
}

/**
 * Whether `document` holds one operation, a query. graphql-jit compiles a document's operations
 * into one cached function per document, whatever operationName asks: for a document with several
 * operations it ran the one it compiled first (a mutation asked for as a query, even over GET).
 * Such documents run interpreted.
 */
function soleQuery(document: DocumentNode): boolean {
  const operations = document.definitions.filter((d) => d.kind === 'OperationDefinition');
  return operations.length === 1 && operations[0].operation === 'query';
}

/**
 * Whether `document` asks `__schema` anywhere (in a fragment too). The introspection query of
 * GraphiQL and codegen compiles to ~800 KB of JavaScript in 15–30 ms (its type references nest
 * seven deep), kept alive with the document: bench/fuzz left two such functions in the heap.
 * Introspection is asked rarely and runs interpreted.
 */
function asksSchema(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value !== '__schema') return undefined;
      found = true;
      return BREAK;
    },
  });
  return found;
}
