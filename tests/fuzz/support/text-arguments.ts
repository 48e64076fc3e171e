/**
 * Every root field's text-bearing arguments (String, ID, JSON, or an input holding them), each as a
 * case with a chosen text in it and placeholders elsewhere: tests that walk them cover fields added
 * later without being edited.
 */
import {
  getNamedType, isEnumType, isInputObjectType, isInterfaceType, isListType, isNonNullType, isObjectType, isScalarType, isUnionType,
  type GraphQLArgument, type GraphQLInputType,
} from 'graphql';
import { schema } from '../../../schema/index.ts';
import { rootFields, type RootField } from '../../support/operations.ts';
import type { TestServer } from '../../support/server.ts';
import { gql, wsClient, type GqlError } from '../../support/graphql.ts';

const TEXT_SCALARS = new Set(['String', 'ID', 'JSON']);

/** A value of the type, with the required fields of inputs. */
function placeholder(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return placeholder(type.ofType);
  if (isListType(type)) return [placeholder(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0].name;
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter((f) => isNonNullType(f.type) && f.defaultValue === undefined);
    return Object.fromEntries(fields.map((f) => [f.name, placeholder(f.type)]));
  }
  switch (isScalarType(type) ? type.name : '') {
    case 'Int':
    case 'Float':
      return 1;
    case 'Boolean':
      return false;
    case 'DateTime':
      return '2030-01-01T00:00:00Z';
    case 'JSON':
      return {};
    case 'ID':
      return '1';
    default:
      return 'placeholder';
  }
}

/** A value of the type whose first text (the path returned) is `bad`; null when the type holds no text. */
function withText(type: GraphQLInputType, path: string, bad: string): [unknown, string] | null {
  if (isNonNullType(type)) return withText(type.ofType, path, bad);
  if (isListType(type)) {
    const inner = withText(type.ofType, `${path}[0]`, bad);
    return inner && [[inner[0]], inner[1]];
  }
  if (isInputObjectType(type)) {
    for (const field of Object.values(type.getFields())) {
      const inner = withText(field.type, `${path}.${field.name}`, bad);
      if (inner) return [{ ...(placeholder(type) as object), [field.name]: inner[0] }, inner[1]];
    }
    return null;
  }
  if (isScalarType(type) && TEXT_SCALARS.has(type.name)) return type.name === 'JSON' ? [{ note: bad }, `${path}.note`] : [bad, path];
  return null;
}

export interface TextCase {
  root: RootField;
  argument: GraphQLArgument;
  /** Where the bad text is, as the error's `field` names it. */
  path: string;
  query: string;
  variables: Record<string, unknown>;
}

/** One case per root field and text-bearing argument: every argument passed as a variable. */
export function textCases(bad: string): TextCase[] {
  return rootFields(schema).flatMap((root) =>
    root.field.args.flatMap((argument) => {
      const injected = withText(argument.type, argument.name, bad);
      if (!injected) return [];
      const args = root.field.args.filter((a) => a === argument || (isNonNullType(a.type) && a.defaultValue === undefined));
      const named = getNamedType(root.field.type);
      const selection = isObjectType(named) || isInterfaceType(named) || isUnionType(named) ? ' { __typename }' : '';
      const query = `${root.kind} (${args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ')}) { ${root.name}(${args.map((a) => `${a.name}: $${a.name}`).join(', ')})${selection} }`;
      const variables = Object.fromEntries(args.map((a) => [a.name, a === argument ? injected[0] : placeholder(a.type)]));
      return [{ root, argument, path: injected[1], query, variables }];
    }),
  );
}

/**
 * The errors of the case's operation, sent with `token` (over WebSocket for a subscription: one
 * accepted and quiet for `quietMs` has none — it runs, waiting for events).
 */
export async function errorsOf(ts: TestServer, c: TextCase, token = ts.adminToken, quietMs = 1000): Promise<GqlError[]> {
  if (c.root.kind !== 'subscription') return (await gql(ts, c.query, c.variables, { token })).errors ?? [];
  const client = wsClient(ts, { token });
  let quiet: NodeJS.Timeout | undefined;
  try {
    return await new Promise<GqlError[]>((resolve) => {
      quiet = setTimeout(() => resolve([]), quietMs);
      client.subscribe(
        { query: c.query, variables: c.variables },
        {
          next: (value) => resolve((value.errors as GqlError[] | undefined) ?? []),
          error: (err) => resolve(Array.isArray(err) ? (err as GqlError[]) : [{ message: String(err) }]),
          complete: () => resolve([]),
        },
      );
    });
  } finally {
    clearTimeout(quiet);
    await client.dispose();
  }
}

