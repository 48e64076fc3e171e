/**
 * A field's error is settled asynchronously, never thrown synchronously out of its resolver.
 *
 * The executor (@graphql-tools/executor 2, graphql-js before 17: graphql/graphql-js#3528) completes
 * an object's fields, or a list's items, one after the other: when one throws synchronously and its
 * type is non-null, the error bubbles up at once and the promises of the fields or items already
 * started are dropped. If one of them then rejects, nothing handles it: an unhandled rejection,
 * which stops the process (server/fatal.ts). So `{ services { timeline(from: <future>) { status }
 * latencySeries(from: <future>) { at } } }` — one rejected promise, one synchronous throw — stopped
 * the server for any viewer. Wrapped here, a resolver that throws returns a rejected promise
 * instead: the executor waits for all the fields' promises together and handles each.
 */
import { isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';

function settlingAsync(resolver: GraphQLFieldResolver<unknown, unknown>): GraphQLFieldResolver<unknown, unknown> {
  return (parent, args, context, info) => {
    try {
      return resolver(parent, args, context, info);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

/** Wraps the resolver of every field that has one (not introspection's); returns the same schema. */
export function settleFieldErrorsAsync(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.resolve) field.resolve = settlingAsync(field.resolve);
    }
  }
  return schema;
}
