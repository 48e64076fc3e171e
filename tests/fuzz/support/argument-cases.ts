/**
 * Every root field's text-bearing (String, ID, JSON) or DateTime-bearing arguments, or inputs holding
 * them, each as a case with a chosen value in it and placeholders elsewhere: tests that walk them
 * cover fields added later without being edited.
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

/** Where a scalar of the argument takes the injected value: the value (and path) for that scalar, or null to look further. */
type Injector = (scalar: string, path: string) => [unknown, string] | null;

/** A value of the type whose first scalar the injector takes holds its value (at the path returned); null when none does. */
function inject(type: GraphQLInputType, path: string, injector: Injector): [unknown, string] | null {
  if (isNonNullType(type)) return inject(type.ofType, path, injector);
  if (isListType(type)) {
    const inner = inject(type.ofType, `${path}[0]`, injector);
    return inner && [[inner[0]], inner[1]];
  }
  if (isInputObjectType(type)) {
    for (const field of Object.values(type.getFields())) {
      const inner = inject(field.type, `${path}.${field.name}`, injector);
      if (inner) return [{ ...(placeholder(type) as object), [field.name]: inner[0] }, inner[1]];
    }
    return null;
  }
  return isScalarType(type) ? injector(type.name, path) : null;
}

/** Text goes into String and ID as it is, and into JSON as an object's value. */
const textInjector = (bad: string): Injector => (scalar, path) =>
  !TEXT_SCALARS.has(scalar) ? null : scalar === 'JSON' ? [{ note: bad }, `${path}.note`] : [bad, path];

export interface TextCase {
  root: RootField;
  argument: GraphQLArgument;
  /** Where the injected value is, as the error's `field` names it. */
  path: string;
  query: string;
  variables: Record<string, unknown>;
}

/** One case per root field and text-bearing argument: every argument passed as a variable. */
export function textCases(bad: string): TextCase[] {
  return argumentCases(textInjector(bad));
}

/** One case per root field and DateTime-bearing argument, holding `instant`. */
export function dateTimeCases(instant: string): TextCase[] {
  return argumentCases((scalar, path) => (scalar === 'DateTime' ? [instant, path] : null));
}

function argumentCases(injector: Injector): TextCase[] {
  return rootFields(schema).flatMap((root) =>
    root.field.args.flatMap((argument) => {
      const injected = inject(argument.type, argument.name, injector);
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

