/**
 * The query cost limit: what a document asks the server to do, priced as graphql-armor's
 * cost-limit prices it (a leaf 1, an object 2 plus its fields, each level deeper costing 1.5 times
 * more, fragments by their use, introspection's `__schema` free) — but without its multiplier for a
 * literal `first` argument. That multiplier applied the page size to the whole field (siblings and
 * all) and only when the size was written in the document: `healthOverview(first: 200)` was refused
 * while the same page with `first: $first`, or every service at once without `first`, passed. Page
 * sizes are bounded where they are read (each `first` has its maximum); the cost prices the
 * document, which is what a client controls.
 *
 * `__schema` being free, it may be asked once per operation: each alias of it is the whole schema
 * (30 of them, within the alias limit, were hundreds of kilobytes of answer and the largest share of
 * what bench/fuzz made the server allocate), and no client needs it twice in one answer.
 */
import { GraphQLError, Kind, type ASTVisitor, type FieldNode, type FragmentSpreadNode, type InlineFragmentNode, type OperationDefinitionNode, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const OBJECT_COST = 2;
const LEAF_COST = 1;
const DEPTH_FACTOR = 1.5;

type Selected = FieldNode | FragmentSpreadNode | InlineFragmentNode;

/** The cost of one operation of the document `context` validates. */
export function operationCost(context: ValidationContext, operation: OperationDefinitionNode): number {
  const fragmentCosts = new Map<string, number>();
  const cost = (node: Selected): number => {
    if (node.kind === Kind.FRAGMENT_SPREAD) {
      const name = node.name.value;
      const known = fragmentCosts.get(name);
      if (known !== undefined) return LEAF_COST + DEPTH_FACTOR * Math.max(known, 0);
      fragmentCosts.set(name, -1); // a cycle (refused by validation anyway) costs nothing more
      const fragment = context.getFragment(name);
      const inner = fragment ? OBJECT_COST + DEPTH_FACTOR * selectionCost(fragment.selectionSet.selections) : 0;
      fragmentCosts.set(name, inner);
      return LEAF_COST + DEPTH_FACTOR * inner;
    }
    if (node.kind === Kind.FIELD && node.name.value === '__schema') return 0;
    if (!node.selectionSet) return LEAF_COST;
    return OBJECT_COST + DEPTH_FACTOR * selectionCost(node.selectionSet.selections);
  };
  const selectionCost = (selections: readonly Selected[]): number => selections.reduce((sum, child) => sum + cost(child), 0);
  return selectionCost(operation.selectionSet.selections);
}

/** A validation rule refusing an operation that costs more than `maxCost`, saying how much it cost. */
export function queryCostRule(maxCost: number): (context: ValidationContext) => ASTVisitor {
  return (context) => ({
    OperationDefinition(operation) {
      const found = operationCost(context, operation);
      if (found > maxCost) {
        context.reportError(new GraphQLError(`Query cost limit of ${maxCost} exceeded, found ${Math.round(found)}: ask for fewer or less deeply nested fields.`));
      }
    },
  });
}

/** How many times an operation asks for `__schema`, a fragment counted at each use (and read once). */
export function schemaFieldCount(context: ValidationContext, operation: OperationDefinitionNode): number {
  const fragmentCounts = new Map<string, number>();
  const count = (selections: readonly Selected[]): number =>
    selections.reduce((sum, node) => {
      if (node.kind === Kind.FIELD) return sum + (node.name.value === '__schema' ? 1 : 0) + (node.selectionSet ? count(node.selectionSet.selections) : 0);
      if (node.kind === Kind.INLINE_FRAGMENT) return sum + count(node.selectionSet.selections);
      const name = node.name.value;
      const known = fragmentCounts.get(name);
      if (known !== undefined) return sum + known; // 0 while it is being read: a cycle, refused by validation anyway
      fragmentCounts.set(name, 0);
      const fragment = context.getFragment(name);
      const inner = fragment ? count(fragment.selectionSet.selections) : 0;
      fragmentCounts.set(name, inner);
      return sum + inner;
    }, 0);
  return count(operation.selectionSet.selections);
}

/** A validation rule refusing an operation that asks for `__schema` more than once. */
export function schemaOnceRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(operation) {
      const found = schemaFieldCount(context, operation);
      if (found > 1) context.reportError(new GraphQLError(`Introspection's __schema may be asked once per operation, found ${found}: ask for it once.`));
    },
  };
}

export function useQueryCostLimit(maxCost: number): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(queryCostRule(maxCost));
      addValidationRule(schemaOnceRule);
    },
  };
}
