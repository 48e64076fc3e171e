/**
 * PostgreSQL text and jsonb cannot hold the NUL character (U+0000): a string argument carrying one
 * reached the database and failed there, as an INTERNAL_SERVER_ERROR logged with a stack. Every
 * field's arguments are checked once, here, before its resolver (and its scope check) runs.
 */
import { defaultFieldResolver, isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { BadInputError } from '../server/errors.ts';

const NUL = '\u0000';

/** The path (`filter.text`, `runs[3].type`) of the first string in `value` holding a NUL, keys included. */
function nulPath(value: unknown, path: string): string | null {
  // An explicit stack: JSON arguments may nest deeply, and recursion could overflow on them.
  const stack: [unknown, string][] = [[value, path]];
  while (stack.length) {
    const [current, at] = stack.pop()!;
    if (typeof current === 'string') {
      if (current.includes(NUL)) return at;
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push([current[i], `${at}[${i}]`]);
    } else if (current !== null && typeof current === 'object' && !(current instanceof Date)) {
      for (const [key, item] of Object.entries(current)) {
        if (key.includes(NUL)) return `${at} (a key)`;
        stack.push([item, `${at}.${key}`]);
      }
    }
  }
  return null;
}

function refusingNul<T extends GraphQLFieldResolver<unknown, unknown>>(resolver: T): T {
  return ((parent, args, context, info) => {
    for (const [name, value] of Object.entries(args as Record<string, unknown>)) {
      const at = nulPath(value, name);
      if (at) throw new BadInputError(at.replace(/ \(a key\)$/, ''), `${at} contains a NUL character (\\u0000); text may hold any character but that one.`);
    }
    return resolver(parent, args, context, info);
  }) as T;
}

/** Wraps the resolver (and subscribe) of every field that takes arguments; returns the same schema. */
export function refuseNulInArguments(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (!field.args.length) continue;
      field.resolve = refusingNul(field.resolve ?? defaultFieldResolver);
      if (field.subscribe) field.subscribe = refusingNul(field.subscribe);
    }
  }
  return schema;
}
