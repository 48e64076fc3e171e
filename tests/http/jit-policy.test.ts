/**
 * Which documents graphql-jit compiles: a query asked a second time, unless it asks introspection's
 * `__schema` or costs too much, and while the compiled documents alive stay within a budget.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { getIntrospectionQuery, parse, type DocumentNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { COMPILED_COST_BUDGET, compiledDocumentsCost, MAX_COMPILED_COST, worthCompiling } from '../../server/http/jit-policy.ts';
import { until } from '../support/signals.ts';

/** A query of `n` leaf fields, cost n (each variant its own text). */
const leaves = (n: number, variant = 0) => parse(`query Q${variant} { ${'serverTime '.repeat(n)} }`);

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

  it('never compiles a query costing more than MAX_COMPILED_COST (regression: any query near the cost limit compiled to ~750 KB of JavaScript, ~2 MB of heap each)', () => {
    expect(twice(`{ ${'serverTime '.repeat(MAX_COMPILED_COST)} }`)).toEqual([false, true, true]);
    expect(twice(`{ ${'serverTime '.repeat(MAX_COMPILED_COST + 1)} }`)).toEqual([false, false, false]);
    // Fragments count at each use, as the cost limit counts them.
    expect(twice(`{ ...F ...F } fragment F on Query { ${'serverTime '.repeat(MAX_COMPILED_COST / 2)} }`)).toEqual([false, false, false]);
  });

  it('compiles no more than COMPILED_COST_BUDGET of documents alive at once, and compiles again once they are gone', async () => {
    const each = MAX_COMPILED_COST - 100;
    let kept: DocumentNode[] = [];
    const ask = (document: DocumentNode) => (worthCompiling(document), worthCompiling(document));
    for (let i = 0; compiledDocumentsCost() + each <= COMPILED_COST_BUDGET; i++) {
      kept.push(leaves(each, i));
      expect(ask(kept.at(-1)!)).toBe(true);
    }
    const refused = leaves(each, 10_000);
    expect(ask(refused)).toBe(false);
    expect(worthCompiling(refused)).toBe(false); // interpreted, and looked at again each time
    kept = [];
    // Collected: their cost goes back to the budget (FinalizationRegistry), and the refused one compiles.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    await until(async () => {
      gc();
      await new Promise((r) => setImmediate(r));
      return compiledDocumentsCost() + each <= COMPILED_COST_BUDGET;
    }, 'the collected documents gave their cost back', 10_000);
    expect(worthCompiling(refused)).toBe(true);
  });
});
