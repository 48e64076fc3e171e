/**
 * Yoga caches the errors of documents that do not parse (by their text) and of documents that do
 * not validate (with the parsed document). A new error's stack frames are kept unformatted by V8,
 * each with its function and receiver, so every cached error kept alive what produced it: the
 * ValidationContext and the rule's visitors, or the Parser and its Lexer. bench/fuzz found ~12 MB
 * held this way after its run. Counted here with v8.queryObjects, which collects garbage first.
 */
import { createRequire } from 'node:module';
import v8 from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as graphqlEsm from 'graphql';
import { Parser as ParserEsm } from 'graphql/language/parser.js';
import { dropStackFrames } from '../../server/http/error-messages.ts';
import { gql } from '../support/graphql.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const require = createRequire(import.meta.url);
const graphqlCjs = require('graphql') as typeof graphqlEsm;
const { Parser: ParserCjs } = require('graphql/language/parser') as { Parser: typeof ParserEsm };

/** Live instances of a class of graphql, from either of its builds (both may be loaded). */
const alive = (esm: abstract new (...args: never[]) => unknown, cjs: abstract new (...args: never[]) => unknown) =>
  (v8.queryObjects(esm as never, { format: 'count' }) as number) + (esm === cjs ? 0 : (v8.queryObjects(cjs as never, { format: 'count' }) as number));

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ runScheduler: false });
});
afterAll(() => ts?.close());

describe('cached parse and validation errors', () => {
  it('keep nothing of what produced them alive (regression: each held its ValidationContext, or its Parser and Lexer, through its stack frames)', async () => {
    const before = { contexts: alive(graphqlEsm.ValidationContext, graphqlCjs.ValidationContext), parsers: alive(ParserEsm, ParserCjs) };
    for (let i = 0; i < 40; i++) {
      const invalid = await gql(ts, `{ notAField${i} }`, {}, { token: ts.adminToken });
      expect(invalid.errors?.[0]?.message).toContain(`notAField${i}`);
      const unparsable = await gql(ts, `{ serverTime${i} (`, {}, { token: ts.adminToken });
      expect(unparsable.errors?.[0]?.message).toMatch(/^Syntax Error/);
    }
    // Asked again: answered from yoga's caches, with the same errors.
    expect((await gql(ts, '{ notAField0 }', {}, { token: ts.adminToken })).errors?.[0]?.message).toContain('notAField0');
    expect(alive(graphqlEsm.ValidationContext, graphqlCjs.ValidationContext)).toBeLessThanOrEqual(before.contexts);
    expect(alive(ParserEsm, ParserCjs)).toBeLessThanOrEqual(before.parsers);
  });
});

describe('dropStackFrames', () => {
  it('replaces a read-only stack when it may be, and leaves one that may not (it never throws)', () => {
    const readOnly = new Error('a');
    Object.defineProperty(readOnly, 'stack', { value: 'frames', writable: false, configurable: true });
    dropStackFrames(readOnly);
    expect(readOnly.stack).toBe('Error: a');
    const getterOnly = new Error('b');
    Object.defineProperty(getterOnly, 'stack', { get: () => 'frames', set: undefined, configurable: true });
    dropStackFrames(getterOnly);
    expect(getterOnly.stack).toBe('Error: b');
    const frozen = new Error('c');
    Object.defineProperty(frozen, 'stack', { value: 'frames', writable: false, configurable: false });
    expect(() => dropStackFrames(frozen)).not.toThrow();
    expect(frozen.stack).toBe('frames');
  });

  it('leaves the first line of the stack and releases the frames, without formatting them', () => {
    let formatted = 0;
    const prepare = Error.prepareStackTrace;
    Error.prepareStackTrace = (error, frames) => {
      formatted++;
      return prepare ? prepare(error, frames) : String(error);
    };
    try {
      class Holder {
        raise() {
          return new graphqlEsm.GraphQLError('Cannot query field "x" on type "Query".');
        }
      }
      const errors = Array.from({ length: 5 }, () => new Holder().raise());
      // Only the errors' frames hold the Holders (as receivers of raise).
      expect(v8.queryObjects(Holder, { format: 'count' })).toBe(5);
      for (const error of errors) dropStackFrames(error);
      expect(formatted).toBe(0);
      expect(errors[0].stack).toBe('GraphQLError: Cannot query field "x" on type "Query".');
      expect(v8.queryObjects(Holder, { format: 'count' })).toBe(0);
    } finally {
      Error.prepareStackTrace = prepare;
    }
  });
});
