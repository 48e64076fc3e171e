/** Scalars: DateTime (ISO-8601 strings) and JSON. */
import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { builder } from './builder.ts';

/**
 * The instants a DateTime may be: years 0001–9999, ISO-8601's four digits. JavaScript reaches
 * ±275,760 and PostgreSQL 4713 BC, so an instant beyond either failed in the database (or, a day
 * before the earliest JavaScript date, became NaN) as an INTERNAL_SERVER_ERROR.
 */
const EARLIEST = Date.parse('0001-01-01T00:00:00Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

function parseDate(value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : undefined;
  // The value is quoted at most 40 characters long: an error never carries a big input back.
  const quoted = JSON.stringify(value)?.slice(0, 40) ?? String(value);
  if (!date || Number.isNaN(date.getTime())) {
    throw new GraphQLError(`DateTime must be an ISO-8601 string such as "2026-01-31T12:00:00Z", got ${quoted}.`);
  }
  if (date.getTime() < EARLIEST || date.getTime() > LATEST) {
    throw new GraphQLError(`DateTime must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z, got ${quoted}.`);
  }
  return date;
}

/** What `Date.prototype.toISOString` writes: such a string is already the API's form of an instant. */
const CANONICAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

builder.scalarType('DateTime', {
  description: 'An instant in time, as an ISO-8601 string in UTC.',
  serialize: (value) => (value instanceof Date ? value.toISOString() : typeof value === 'string' && CANONICAL.test(value) ? value : new Date(value as string).toISOString()),
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : undefined),
});

function literalToJson(ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
    case Kind.ENUM:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.LIST:
      return ast.values.map(literalToJson);
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToJson(f.value)]));
    default:
      return null;
  }
}

builder.scalarType('JSON', {
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: literalToJson,
});
