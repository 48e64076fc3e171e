/**
 * Which documents graphql-jit compiles. Compiled execution is several times faster for what the
 * dashboard asks again and again (the overview grid), but compiling costs more than one interpreted
 * run, and the compiled function lives as long as its document stays in yoga's cache. So a
 * document is compiled only when it is asked a second time, when it is one query that does not ask
 * introspection's `__schema`, when its query cost is at most MAX_COMPILED_COST, and while the
 * documents compiled and still alive cost at most COMPILED_COST_BUDGET in all.
 */
import { BREAK, Kind, visit, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { operationCost } from './query-cost.ts';

/**
 * The most a compiled document may cost (server/http/query-cost.ts). Generated code grows with
 * the cost: the overview grid (cost 107) compiles to ~41 KB of JavaScript, a query near the cost
 * limit to ~750 KB and ~2 MB of heap in ~30 ms. The dashboard's costliest query is ~700.
 */
export const MAX_COMPILED_COST = 1000;
/** The cost of all compiled documents alive at once: what compiled code may hold, whatever a client sends. */
export const COMPILED_COST_BUDGET = 20_000;

/** Documents executed once so far (yoga's parse cache hands the same document object to every request with the same text). */
const executedOnce = new WeakSet<DocumentNode>();
/** A document's cost when it may be compiled, or null when it never is: decided once per document. */
const compilable = new WeakMap<DocumentNode, number | null>();
/** Documents compiled (graphql-jit keeps their functions as long as they live). */
const compiled = new WeakSet<DocumentNode>();
let compiledCost = 0;
const released = new FinalizationRegistry<number>((cost) => (compiledCost -= cost));

/** Whether graphql-jit should run `document`; notes that it has now been asked. */
export function worthCompiling(document: DocumentNode): boolean {
  if (compiled.has(document)) return true;
  if (!executedOnce.has(document)) {
    executedOnce.add(document);
    return false;
  }
  let cost = compilable.get(document);
  if (cost === undefined) {
    cost = compilableCost(document);
    compilable.set(document, cost);
  }
  // Over the budget it runs interpreted this time, and is looked at again the next.
  if (cost === null || compiledCost + cost > COMPILED_COST_BUDGET) return false;
  compiled.add(document);
  compiledCost += cost;
  released.register(document, cost);
  return true;
}

/** The cost of all compiled documents still alive (for tests). */
export function compiledDocumentsCost(): number {
  return compiledCost;
}

/**
 * The cost of `document` when it is one query, does not ask `__schema` and costs at most
 * MAX_COMPILED_COST; otherwise null. graphql-jit compiles a document's operations into one cached
 * function per document, whatever operationName asks: for a document with several operations it
 * ran the one it compiled first (a mutation asked for as a query, even over GET).
 */
function compilableCost(document: DocumentNode): number | null {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1 || operations[0].operation !== 'query' || asksSchema(document)) return null;
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
  const cost = operationCost((name) => fragments.get(name), operations[0]);
  return cost <= MAX_COMPILED_COST ? cost : null;
}

/**
 * Whether `document` asks `__schema` anywhere (in a fragment too). The cost leaves it free, but
 * the introspection query of GraphiQL and codegen compiles to ~800 KB of JavaScript in 15–30 ms
 * (its type references nest seven deep): bench/fuzz left two such functions in the heap.
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
