/**
 * Found by the fuzz: PostgreSQL cannot store the NUL character (nor, in jsonb, a lone surrogate),
 * and a string argument holding one reached it (service(name: "a\u0000b") answered
 * INTERNAL_SERVER_ERROR and logged a stack; so did every audited mutation given a lone surrogate).
 * Walks every root field and every argument that carries text (String, ID, JSON, or an input
 * holding them): fields added later are covered without editing this file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getNamedType, isEnumType, isInputObjectType, isInterfaceType, isListType, isNonNullType, isObjectType, isScalarType, isUnionType,
  type GraphQLArgument, type GraphQLInputType,
} from 'graphql';
import { schema } from '../../schema/index.ts';
import { rootFields, type RootField } from '../support/operations.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, wsClient, type GqlError } from '../support/graphql.ts';

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

interface TextCase {
  root: RootField;
  argument: GraphQLArgument;
  /** Where the bad text is, as the error's `field` names it. */
  path: string;
  query: string;
  variables: Record<string, unknown>;
}

/** One case per root field and text-bearing argument: every argument passed as a variable. */
function textCases(bad: string): TextCase[] {
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

async function errorsOf(ts: TestServer, c: TextCase): Promise<GqlError[]> {
  if (c.root.kind !== 'subscription') return (await gql(ts, c.query, c.variables, { token: ts.adminToken })).errors ?? [];
  const client = wsClient(ts, { token: ts.adminToken });
  try {
    return await new Promise<GqlError[]>((resolve) => {
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
    await client.dispose();
  }
}

describe('text PostgreSQL cannot store, in any argument', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(() => ts?.close());

  /** Refusals that are missing or wrong, for every case with `bad` in it. */
  async function misanswered(bad: string, message: RegExp): Promise<string[]> {
    const wrong: string[] = [];
    for (const c of textCases(bad)) {
      const errors = await errorsOf(ts, c);
      const refusal = errors.find((e) => e.extensions?.code === 'BAD_USER_INPUT' && e.extensions.field === c.path);
      if (!refusal || !message.test(refusal.message)) wrong.push(`${c.query} ${JSON.stringify(c.variables)} → ${JSON.stringify(errors).slice(0, 300)}`);
    }
    return wrong;
  }

  it('finds the text arguments to check', () => {
    const cases = textCases('x');
    expect(cases.length).toBeGreaterThan(40);
    expect(cases.map((c) => `${c.root.name}.${c.argument.name}`)).toEqual(expect.arrayContaining(['service.name', 'services.filter', 'signIn.email', 'submitRun.input', 'serviceStatusChanged.service']));
  });

  it('refuses a NUL character with BAD_USER_INPUT naming the argument, before the resolver runs (regression: service(name: "a\\u0000b") answered INTERNAL_SERVER_ERROR from PostgreSQL)', async () => {
    expect(await misanswered('a\u0000b', /contains a NUL character/)).toEqual([]);
  });

  it('refuses a lone surrogate the same way (regression: createApiToken(input: { name: "a\\ud800" }) failed writing its audit row, INTERNAL_SERVER_ERROR)', async () => {
    expect(await misanswered('a\ud800b', /contains a lone surrogate/)).toEqual([]);
  });

  it('names a JSON key that holds a NUL', async () => {
    const result = await gql(ts, 'mutation ($o: JSON) { createService(input: { name: "k", kind: "http", target: "http://127.0.0.1:9/", options: $o }) { name } }', { o: { headers: { 'x\u0000': '1' } } }, { token: ts.adminToken });
    expect(result.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^a key of input\.options\.headers contains a NUL/), extensions: { code: 'BAD_USER_INPUT', field: 'input.options.headers' } });
  });

  it('leaves any other text alone: control characters, surrogate pairs', async () => {
    const result = await gql<{ service: null }>(ts, 'query ($n: String!) { service(name: $n) { name } }', { n: 'a\u0001\u001f\u202e😀\ud83d\ude00b' }, { token: ts.adminToken });
    expect(result.errors).toBeUndefined();
    expect(result.data?.service).toBeNull();
  });
});
