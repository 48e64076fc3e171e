/**
 * Builds a valid operation for any root field of the schema, with placeholder arguments of the right
 * types, so tests can walk every field — including ones added later — without listing them.
 */
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  isUnionType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';

export type RootKind = 'query' | 'mutation' | 'subscription';

export interface RootField {
  kind: RootKind;
  name: string;
  field: GraphQLField<unknown, unknown>;
  /** The scopes the field declares (Pothos scope-auth), or undefined when it declares none. */
  authScopes: Record<string, unknown> | undefined;
  operation: string;
}

function placeholder(type: GraphQLInputType, depth = 0): string {
  if (isNonNullType(type)) return placeholder(type.ofType, depth);
  if (isListType(type)) return `[${placeholder(type.ofType, depth)}]`;
  if (isEnumType(type)) return type.getValues()[0].name;
  if (isInputObjectType(type)) {
    const required = Object.values(type.getFields()).filter((f) => isNonNullType(f.type) && f.defaultValue === undefined);
    return `{ ${required.map((f) => `${f.name}: ${placeholder(f.type, depth + 1)}`).join(', ')} }`;
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
      case 'Float':
        return '1';
      case 'Boolean':
        return 'false';
      case 'DateTime':
        return '"2030-01-01T00:00:00Z"';
      case 'JSON':
        return '{}';
      case 'ID':
        return '"00000000-0000-0000-0000-000000000000"';
      default:
        return '"placeholder"';
    }
  }
  throw new Error(`no placeholder for ${String(type)}`);
}

export function rootFields(schema: GraphQLSchema): RootField[] {
  const roots: [RootKind, ReturnType<GraphQLSchema['getQueryType']>][] = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ];
  return roots.flatMap(([kind, type]) =>
    Object.values(type?.getFields() ?? {}).map((field) => {
      const args = field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);
      const argText = args.length ? `(${args.map((a) => `${a.name}: ${placeholder(a.type)}`).join(', ')})` : '';
      const named = getNamedType(field.type);
      const selection = isObjectType(named) || isInterfaceType(named) || isUnionType(named) ? ' { __typename }' : '';
      const pothos = field.extensions?.pothosOptions as { authScopes?: Record<string, unknown> } | undefined;
      return { kind, name: field.name, field, authScopes: pothos?.authScopes, operation: `${kind} { ${field.name}${argText}${selection} }` };
    }),
  );
}
