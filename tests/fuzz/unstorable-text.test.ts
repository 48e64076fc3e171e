/**
 * Found by the fuzz: PostgreSQL cannot store the NUL character (nor, in jsonb, a lone surrogate),
 * and a string argument holding one reached it (service(name: "a\u0000b") answered
 * INTERNAL_SERVER_ERROR and logged a stack; so did every audited mutation given a lone surrogate).
 * Walks every root field and every argument that carries text (String, ID, JSON, or an input
 * holding them): fields added later are covered without editing this file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql } from '../support/graphql.ts';
import { errorsOf, textCases } from './support/argument-cases.ts';

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
