/**
 * PostgreSQL cannot store the NUL character (U+0000) in text or jsonb, nor a lone surrogate (half
 * of a UTF-16 pair, which JSON can carry but is no Unicode text) in jsonb, where the audit log
 * keeps every mutation's arguments: such a string reached the database and failed there, as an
 * INTERNAL_SERVER_ERROR logged with a stack. Every field's arguments are checked once, here, before
 * its resolver (and its scope check) runs.
 */
import { defaultFieldResolver, isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { BadInputError } from '../server/errors.ts';

/** In a `u` pattern a surrogate pair is one code point, so this matches only a lone half. */
const LONE_SURROGATE = /\p{Cs}/u;

/** What is wrong with a string, or null when PostgreSQL can store it. */
function unstorable(text: string): string | null {
  if (text.includes('\u0000')) return 'a NUL character (\\u0000)';
  if (LONE_SURROGATE.test(text)) return 'a lone surrogate (half of a UTF-16 pair, \\uD800–\\uDFFF)';
  return null;
}

/** The first string in `value` (keys included) that cannot be stored, with its path (`filter.text`, `runs[3].type`). */
function unstorablePath(value: unknown, path: string): { at: string; field: string; what: string } | null {
  // An explicit stack: JSON arguments may nest deeply, and recursion could overflow on them.
  const stack: [unknown, string][] = [[value, path]];
  while (stack.length) {
    const [current, at] = stack.pop()!;
    if (typeof current === 'string') {
      const what = unstorable(current);
      if (what) return { at, field: at, what };
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push([current[i], `${at}[${i}]`]);
    } else if (current !== null && typeof current === 'object' && !(current instanceof Date)) {
      for (const [key, item] of Object.entries(current)) {
        const what = unstorable(key);
        if (what) return { at: `a key of ${at}`, field: at, what };
        stack.push([item, `${at}.${key}`]);
      }
    }
  }
  return null;
}

function refusingUnstorable<T extends GraphQLFieldResolver<unknown, unknown>>(resolver: T): T {
  return ((parent, args, context, info) => {
    for (const [name, value] of Object.entries(args as Record<string, unknown>)) {
      const found = unstorablePath(value, name);
      if (found) throw new BadInputError(found.field, `${found.at} contains ${found.what}, which cannot be stored; text may hold any other character.`);
    }
    return resolver(parent, args, context, info);
  }) as T;
}

/** Wraps the resolver (and subscribe) of every field that takes arguments; returns the same schema. */
export function refuseUnstorableText(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (!field.args.length) continue;
      field.resolve = refusingUnstorable(field.resolve ?? defaultFieldResolver);
      if (field.subscribe) field.subscribe = refusingUnstorable(field.subscribe);
    }
  }
  return schema;
}
