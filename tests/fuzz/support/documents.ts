/**
 * Hostile GraphQL documents: random operations over Lookout's real schema (schema.graphql) with
 * arguments and variables of right and wrong types, the known abuse shapes (depth, aliases,
 * directives, fragments and their cycles, introspection, huge numbers) and syntax garbage.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildSchema, GraphQLString, getIntrospectionQuery, getNamedType, getNullableType, isEnumType, isInputObjectType, isLeafType, isListType,
  isNonNullType, isObjectType, isScalarType, type GraphQLField, type GraphQLInputType, type GraphQLObjectType, type GraphQLSchema,
} from 'graphql';
import type { Prng } from './prng.ts';

export interface FuzzDocument {
  label: string;
  query: string;
  variables?: unknown;
  operationName?: unknown;
  /** Mutations go out only without rights that could change what the fuzz itself needs (see cases). */
  operation: 'query' | 'mutation' | 'subscription' | 'unknown';
}

export interface DocumentLimits {
  /** The largest document or string value drawn (the big ones are rare). */
  maxBytes: number;
}

let cachedSchema: GraphQLSchema | undefined;
/** The schema as served (printed to schema.graphql by `npm run schema:print`). */
export function lookoutSchema(): GraphQLSchema {
  cachedSchema ??= buildSchema(readFileSync(path.join(import.meta.dirname, '../../../schema.graphql'), 'utf8'));
  return cachedSchema;
}

/** Names that exist (built-in services), so some random calls reach the resolvers' real paths. */
const KNOWN_NAMES = ['lookout', 'postgres', 'filesystem', 'host', 'event-bus'];
const NASTY_STRINGS = [
  '', ' ', 'null', '0', '-1', '%ff', '%', '../../etc/passwd', "' or 1=1 --", '"; drop table services; --', '<script>alert(1)</script>',
  '\u0000', 'a\u0000b', '\ud800', 'a\udfffb', '\u202e\u0644', '😀', 'ü', '\r\n\r\nHTTP/1.1 200 OK', '{"a":1}', '[[[[', '${jndi:ldap://127.0.0.1/x}', '*', 'a*', '#1', '#99999999999999999999',
  '2026-13-45T99:99:99Z', '1970-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '-271821-04-20T00:00:00Z', 'NaN', 'Infinity', 'ws-a', 'eu-1',
];
const NASTY_NUMBERS = [0, -1, 1, 2147483647, 2147483648, -2147483649, 9007199254740993, 1e21, 1e308, -1e308, 0.5, 1e-7];
const NUMBER_LITERALS = ['0', '-0', '-1', '2147483648', '99999999999999999999999999', '1e400', '-1e400', '0.0000001', '1.5', '00', '0x10', '1_000'];

/** A string value: often a known name, sometimes hostile, rarely huge. */
function stringValue(rng: Prng, limits: DocumentLimits): string {
  return rng.weighted<() => string>([
    [4, () => rng.pick(KNOWN_NAMES)],
    [4, () => rng.pick(NASTY_STRINGS)],
    [3, () => rng.string(rng.range(1, 40))],
    [1, () => rng.string(rng.range(1, 12), 'ÿ€😀\u0000\u0007\\"\n\t\u2028abc')],
    [1, () => 'x'.repeat(rng.range(1000, Math.max(1000, Math.min(limits.maxBytes, 200_000))))],
  ])();
}

/** A JS value of no particular type, for JSON scalars and wrongly typed variables. */
export function anyValue(rng: Prng, limits: DocumentLimits, depth = 0): unknown {
  return rng.weighted<() => unknown>([
    [3, () => stringValue(rng, limits)],
    [2, () => rng.pick(NASTY_NUMBERS)],
    [1, () => rng.chance(0.5)],
    [1, () => null],
    [depth < 3 ? 1 : 0, () => Array.from({ length: rng.range(0, 5) }, () => anyValue(rng, limits, depth + 1))],
    [depth < 3 ? 1 : 0, () => Object.fromEntries(Array.from({ length: rng.range(0, 5) }, () => [rng.pick(['a', 'query', '__proto__', 'constructor', rng.string(5)]), anyValue(rng, limits, depth + 1)]))],
    [1, () => nestedArrays(rng.pick([10, 100, 1000]))],
  ])();
}

function nestedArrays(depth: number): unknown {
  let value: unknown = [];
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** A value for an input type: usually of that type, sometimes of another (`wrong`). */
function inputValue(rng: Prng, type: GraphQLInputType, limits: DocumentLimits, depth: number): unknown {
  if (rng.chance(0.08)) return anyValue(rng, limits, depth); // the wrong type, or null where not null
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    if (rng.chance(0.1)) return inputValue(rng, nullable.ofType, limits, depth + 1); // a single value where a list goes
    // Long lists only at the top: nested, they would multiply into millions of values.
    const length = depth === 0 && rng.chance(0.1) ? rng.range(400, 600) : rng.range(0, 3);
    return Array.from({ length }, () => inputValue(rng, nullable.ofType, limits, depth + 1));
  }
  if (isInputObjectType(nullable)) {
    const fields = Object.values(nullable.getFields());
    const value: Record<string, unknown> = {};
    for (const field of fields) {
      if (isNonNullType(field.type) ? rng.chance(0.95) : rng.chance(0.5)) value[field.name] = depth > 4 ? null : inputValue(rng, field.type, limits, depth + 1);
    }
    if (rng.chance(0.05)) value[rng.pick(['unknownField', '__typename', 'id'])] = 1;
    return value;
  }
  if (isEnumType(nullable)) return rng.chance(0.9) ? rng.pick(nullable.getValues()).value : rng.pick(['NOPE', 'healthy', '', 'ADMIN ']);
  switch (isScalarType(nullable) ? nullable.name : '') {
    case 'Int':
      return rng.chance(0.7) ? rng.range(-2, 100) : rng.pick(NASTY_NUMBERS);
    case 'Float':
      return rng.pick(NASTY_NUMBERS);
    case 'Boolean':
      return rng.chance(0.5);
    case 'ID':
      return rng.chance(0.6) ? String(rng.range(-1, 50)) : stringValue(rng, limits);
    case 'DateTime':
      return rng.chance(0.5) ? new Date(Date.now() - rng.int(86_400_000 * 40)).toISOString() : rng.pick(NASTY_STRINGS);
    case 'JSON':
      return anyValue(rng, limits, depth);
    default:
      return stringValue(rng, limits);
  }
}

/** Prints a JS value as a GraphQL literal (enum values bare, object keys unquoted). */
function literal(value: unknown, type: GraphQLInputType | null): string {
  const nullable = type ? getNullableType(type) : null;
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map((v) => literal(v, nullable && isListType(nullable) ? nullable.ofType : null)).join(', ')}]`;
  if (typeof value === 'object') {
    const fields = nullable && isInputObjectType(nullable) ? nullable.getFields() : {};
    const entries = Object.entries(value).filter(([k]) => /^[_A-Za-z]\w*$/.test(k));
    return `{${entries.map(([k, v]) => `${k}: ${literal(v, fields[k]?.type ?? null)}`).join(', ')}}`;
  }
  if (typeof value === 'string' && nullable && isEnumType(nullable) && /^[_A-Za-z]\w*$/.test(value)) return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '0';
  return JSON.stringify(value);
}

/** A selection set on `type`, `depth` levels at most, with the fields' arguments. */
function selection(rng: Prng, type: GraphQLObjectType, depth: number, limits: DocumentLimits, vars: VariableSink): string {
  const fields = Object.values(type.getFields());
  const picked = new Set<GraphQLField<unknown, unknown>>();
  const count = rng.range(1, Math.min(4, fields.length));
  while (picked.size < count) picked.add(rng.pick(fields));
  const parts: string[] = [];
  for (const field of picked) {
    let part = field.name;
    const args = field.args.filter((a) => isNonNullType(a.type) || rng.chance(0.4));
    if (rng.chance(0.03)) args.push({ ...field.args[0], name: 'notAnArgument', type: GraphQLString } as (typeof args)[number]);
    if (args.length) {
      part += `(${args.map((a) => `${a.name}: ${vars.use(rng, a.type as GraphQLInputType, limits)}`).join(', ')})`;
    }
    const named = getNamedType(field.type);
    if (isObjectType(named)) {
      part += depth > 1 && rng.chance(0.9) ? ` { ${selection(rng, named, depth - 1, limits, vars)} }` : ' { __typename }';
    } else if (!isLeafType(named)) {
      part += ' { __typename }';
    } else if (rng.chance(0.03)) {
      part += ' { x }'; // a selection on a leaf
    }
    parts.push(rng.chance(0.1) ? `${rng.string(4, 'abcxyz')}: ${part}` : part);
  }
  return parts.join(' ');
}

/** Either writes arguments inline or declares them as variables with values of any type. */
class VariableSink {
  readonly declarations: string[] = [];
  readonly values: Record<string, unknown> = {};
  private readonly useVariables: boolean;
  constructor(useVariables: boolean) {
    this.useVariables = useVariables;
  }

  use(rng: Prng, type: GraphQLInputType, limits: DocumentLimits): string {
    const value = inputValue(rng, type, limits, 0);
    if (!this.useVariables) return literal(value, type);
    const name = `v${this.declarations.length}`;
    this.declarations.push(`$${name}: ${String(type)}`);
    if (rng.chance(0.95)) this.values[name] = value; // sometimes a required variable is left out
    return `$${name}`;
  }
}

/** A random operation over the real schema. */
function schemaOperation(rng: Prng, limits: DocumentLimits): FuzzDocument {
  const schema = lookoutSchema();
  const operation = rng.weighted([[6, 'query'], [3, 'mutation'], [1, 'subscription']] as const);
  const root = operation === 'query' ? schema.getQueryType()! : operation === 'mutation' ? schema.getMutationType()! : schema.getSubscriptionType()!;
  const vars = new VariableSink(rng.chance(0.4));
  const body = selection(rng, root, rng.range(1, 6), limits, vars);
  const name = rng.chance(0.3) ? `Op${rng.int(100)}` : '';
  const header = vars.declarations.length ? `${operation} ${name}(${vars.declarations.join(', ')})` : `${operation} ${name}`;
  return { label: `schema ${operation}${vars.declarations.length ? ' with variables' : ''}`, query: `${header} { ${body} }`, variables: vars.declarations.length ? vars.values : undefined, operation };
}

/** How many repetitions of `unit` fit in the size limit, among `wanted`. */
function fit(rng: Prng, wanted: number[], unitBytes: number, limits: DocumentLimits): number {
  return Math.max(1, Math.min(rng.pick(wanted), Math.floor(limits.maxBytes / unitBytes)));
}

/** The abuse shapes the issue names. */
function abuse(rng: Prng, limits: DocumentLimits): FuzzDocument {
  const kind = rng.pick(['deep', 'deep-introspection', 'aliases', 'directives', 'fragments', 'fragment-cycle', 'unknown', 'introspection', 'numbers', 'operations', 'subscription-over-http', 'variables-abuse'] as const);
  const q = (query: string, extra: Partial<FuzzDocument> = {}): FuzzDocument => ({ label: kind, query, operation: 'query', ...extra });
  switch (kind) {
    case 'deep': {
      const n = fit(rng, [13, 100, 1000, 10_000], 6, limits);
      return q(`{ ${'a { '.repeat(n)}b${' }'.repeat(n)} }`, { label: `deep ${n}` });
    }
    case 'deep-introspection': {
      const n = rng.pick([11, 13, 30, 200]);
      return q(`{ __schema { types { fields { type { ${'ofType { '.repeat(n)}name${' }'.repeat(n)} } } } } }`, { label: `deep introspection ${n}` });
    }
    case 'aliases': {
      const n = fit(rng, [31, 100, 1000, 10_000], 18, limits);
      const field = rng.pick(['serverTime', '__typename', 'health { status }', 'setupStatus { required }']);
      return q(`{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`, { label: `${n} aliases` });
    }
    case 'directives': {
      const n = fit(rng, [51, 500, 5000, 50_000], 17, limits);
      const directive = rng.pick(['@skip(if: false)', '@include(if: true)', '@deprecated', '@nope']);
      return q(`{ serverTime ${Array(n).fill(directive).join(' ')} }`, { label: `${n} directives` });
    }
    case 'fragments': {
      const n = fit(rng, [10, 200, 3000], 40, limits);
      const defs = Array.from({ length: n }, (_, i) => `fragment F${i} on Query { serverTime ${i ? `...F${i - 1}` : ''} }`).join('\n');
      return q(`{ ...F${n - 1} }\n${defs}`, { label: `${n} chained fragments` });
    }
    case 'fragment-cycle': {
      const n = rng.range(1, 50);
      const defs = Array.from({ length: n }, (_, i) => `fragment F${i} on Query { serverTime ...F${(i + 1) % n} }`).join('\n');
      return q(`{ ...F0 }\n${defs}`, { label: `fragment cycle of ${n}` });
    }
    case 'unknown':
      return q(rng.pick(['{ nope }', '{ serverTime { x } }', '{ service { name } }', '{ service(name: 1, nope: 2) { name } }', '{ ...on Nope { a } }', 'query ($x: Nope) { serverTime }', '{ __type(name: "Nope") { name } }', 'fragment F on Nope { a } { ...F }']));
    case 'introspection':
      return rng.chance(0.5)
        ? q(getIntrospectionQuery({ descriptions: rng.chance(0.5), directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true }), { label: 'full introspection' })
        : q(`{ ${Array.from({ length: rng.range(2, 40) }, (_, i) => `s${i}: __schema { types { name fields { name args { name } } } }`).join(' ')} }`, { label: 'aliased introspection' });
    case 'numbers': {
      const n = rng.pick(NUMBER_LITERALS);
      return q(rng.pick([`{ opsSummary(hours: ${n}) { __typename } }`, `{ auditLog(first: ${n}) { __typename } }`, `{ operationRuns(first: ${n}) { __typename } }`, `{ operationRun(id: ${n}) { id } }`]), { label: `number ${n}` });
    }
    case 'operations':
      return rng.pick<FuzzDocument>([
        q('query A { serverTime } query B { serverTime }'),
        q('query A { serverTime } query B { serverTime }', { operationName: 'C' }),
        q('query A { serverTime } query A { serverTime }', { operationName: 'A' }),
        q('{ serverTime } { serverTime }'),
        q('query A { serverTime }', { operationName: rng.pick([{}, [], 7, true, 'x'.repeat(1000)]) }),
        q('', { label: 'empty document' }),
      ]);
    case 'subscription-over-http':
      return { label: kind, query: rng.pick(['subscription { serverTime }', 'subscription { nope }', 'subscription { serverTime serverTime }']), operation: 'subscription' };
    case 'variables-abuse':
      return q('query ($n: Int!, $s: String, $l: [Int!]!) { opsSummary(hours: $n) { __typename } }', { variables: rng.pick([{ n: '1' }, { n: 2 ** 40 }, { n: null }, { n: 1, l: 'x' }, 'notjson', [1], 7, { n: 1, s: { a: 1 } }, { n: 'x'.repeat(100) }, { n: 1, l: ['y'.repeat(100)] }]), label: 'variables of wrong types' });
  }
}

/** A valid document cut, spliced and sprayed with bytes until it is (mostly) garbage. */
function garbage(rng: Prng, limits: DocumentLimits): FuzzDocument {
  let text = schemaOperation(rng, limits).query;
  const steps = rng.range(1, 4);
  for (let i = 0; i < steps; i++) {
    const at = rng.int(text.length + 1);
    text = rng.weighted<() => string>([
      [3, () => text.slice(0, at)],
      [3, () => text.slice(0, at) + rng.pick(['{', '}', '(', ')', '"', '"""', '$', '@', '...', '#', ':', '!', '[', ']', '=', '|', '&', '\\', '\u0000', '\ufeff', '😀', '0x', '-', 'é']) + text.slice(at)],
      [2, () => text.slice(0, at) + rng.string(rng.range(1, 20), '{}()[]"$@!:.,#\\\u0000\u0001ÿabc 012\n') + text.slice(at)],
      [1, () => text.slice(0, at) + '"'.repeat(rng.range(1, 4)) + 'x'.repeat(rng.range(10, Math.min(limits.maxBytes, 100_000)))],
      [1, () => text.slice(0, at) + 'a'.repeat(rng.range(1000, Math.min(limits.maxBytes, 100_000))) + text.slice(at)],
      [1, () => text.slice(0, at) + '{'.repeat(rng.range(10, Math.min(limits.maxBytes, 50_000)))],
    ])();
  }
  return { label: 'syntax garbage', query: text, operation: 'unknown' };
}

/** One hostile document. */
export function randomDocument(rng: Prng, limits: DocumentLimits): FuzzDocument {
  return rng.weighted<() => FuzzDocument>([
    [5, () => schemaOperation(rng, limits)],
    [3, () => abuse(rng, limits)],
    [2, () => garbage(rng, limits)],
  ])();
}
