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
 * `__schema` being free, it may be asked once per operation and without aliases inside it: each
 * alias of it, or of a list in it, is the whole list again (30 of them, within the alias limit,
 * were megabytes of answer and the largest share of what bench/fuzz made the server allocate), and
 * no client needs either (GraphiQL's and codegen's introspection query has no alias).
 */
import { GraphQLError, Kind, type ASTVisitor, type FieldNode, type FragmentDefinitionNode, type FragmentSpreadNode, type InlineFragmentNode, type OperationDefinitionNode, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const OBJECT_COST = 2;
const LEAF_COST = 1;
const DEPTH_FACTOR = 1.5;

type Selected = FieldNode | FragmentSpreadNode | InlineFragmentNode;

/** The cost of one operation, its fragments found by name with `fragment` (a ValidationContext's getFragment, or a document's). */
export function operationCost(fragment: (name: string) => FragmentDefinitionNode | null | undefined, operation: OperationDefinitionNode): number {
  const fragmentCosts = new Map<string, number>();
  const cost = (node: Selected): number => {
    if (node.kind === Kind.FRAGMENT_SPREAD) {
      const name = node.name.value;
      const known = fragmentCosts.get(name);
      if (known !== undefined) return LEAF_COST + DEPTH_FACTOR * Math.max(known, 0);
      fragmentCosts.set(name, -1); // a cycle (refused by validation anyway) costs nothing more
      const definition = fragment(name);
      const inner = definition ? OBJECT_COST + DEPTH_FACTOR * selectionCost(definition.selectionSet.selections) : 0;
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
      const found = operationCost((name) => context.getFragment(name), operation);
      if (found > maxCost) {
        context.reportError(new GraphQLError(`Query cost limit of ${maxCost} exceeded, found ${Math.round(found)}: ask for fewer or less deeply nested fields.`));
      }
    },
  });
}

interface IntrospectionUse {
  /** How many times `__schema` is asked, a fragment counted at each use. */
  schemas: number;
  /** The first alias anywhere in it. */
  alias: string | null;
  /** The first alias inside a `__schema`. */
  aliasInSchema: string | null;
}

/** What an operation asks of introspection's `__schema`: each fragment read once. */
export function introspectionUse(context: ValidationContext, operation: OperationDefinitionNode): IntrospectionUse {
  const fragments = new Map<string, IntrospectionUse>();
  const none = (): IntrospectionUse => ({ schemas: 0, alias: null, aliasInSchema: null });
  const add = (to: IntrospectionUse, from: IntrospectionUse) => {
    to.schemas += from.schemas;
    to.alias ??= from.alias;
    to.aliasInSchema ??= from.aliasInSchema;
  };
  const use = (selections: readonly Selected[]): IntrospectionUse => {
    const found = none();
    for (const node of selections) {
      if (node.kind === Kind.FIELD) {
        const inner = node.selectionSet ? use(node.selectionSet.selections) : none();
        if (node.name.value === '__schema') {
          found.schemas += 1;
          found.aliasInSchema ??= inner.alias;
        } else if (node.alias) found.alias ??= node.alias.value;
        add(found, inner);
      } else if (node.kind === Kind.INLINE_FRAGMENT) add(found, use(node.selectionSet.selections));
      else {
        const name = node.name.value;
        let inner = fragments.get(name);
        if (!inner) {
          fragments.set(name, none()); // while it is read: a cycle, refused by validation anyway
          const fragment = context.getFragment(name);
          inner = fragment ? use(fragment.selectionSet.selections) : none();
          fragments.set(name, inner);
        }
        add(found, inner);
      }
    }
    return found;
  };
  return use(operation.selectionSet.selections);
}

/**
 * A validation rule bounding introspection, which the cost leaves free: `__schema` once per
 * operation, and no alias inside it (an alias of `types` or `fields` there is the list again:
 * 30 of them made a 900-byte anonymous request a 4.8 MB answer).
 */
export function introspectionRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(operation) {
      const found = introspectionUse(context, operation);
      if (found.schemas > 1) context.reportError(new GraphQLError(`Introspection's __schema may be asked once per operation, found ${found.schemas}: ask for it once.`));
      if (found.aliasInSchema !== null) {
        context.reportError(new GraphQLError(`Aliases are not allowed inside introspection's __schema (found "${found.aliasInSchema.slice(0, 64)}"): each would be the whole list again.`));
      }
    },
  };
}

export function useQueryCostLimit(maxCost: number): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(queryCostRule(maxCost));
      addValidationRule(introspectionRule);
    },
  };
}
