/** Which documents graphql-jit compiles: a query asked a second time, unless it asks introspection's `__schema`. */
import { getIntrospectionQuery, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { worthCompiling } from '../../server/http/jit-policy.ts';

const twice = (text: string) => {
  const document = parse(text);
  return [worthCompiling(document), worthCompiling(document), worthCompiling(document)];
};

describe('worthCompiling', () => {
  it('compiles a query from its second execution on', () => {
    expect(twice('{ serverTime }')).toEqual([false, true, true]);
    expect(twice('query Grid($first: Int) { services(first: $first) { nodes { id } } }')).toEqual([false, true, true]);
  });

  it('never compiles introspection (regression: each introspection query asked twice left ~800 KB of generated JavaScript in the heap)', () => {
    expect(twice(getIntrospectionQuery())).toEqual([false, false, false]);
    expect(twice('query { serverTime ...S } fragment S on Query { __schema { types { name } } }')).toEqual([false, false, false]);
    // __type and __typename are small and stay compiled.
    expect(twice('{ __typename __type(name: "Service") { name } }')).toEqual([false, true, true]);
  });

  it('never compiles a mutation, a subscription or a document of several operations', () => {
    expect(twice('mutation { signOut }')).toEqual([false, false, false]);
    expect(twice('subscription { serviceStatusChanged { id } }')).toEqual([false, false, false]);
    expect(twice('query A { serverTime } query B { serverTime }')).toEqual([false, false, false]);
  });
});
