/**
 * Found by the fuzz: a DateTime beyond what PostgreSQL keeps (before 4713 BC, or a day before the
 * earliest JavaScript date, which became NaN on the way) failed in the database as an
 * INTERNAL_SERVER_ERROR: `latencySeries(to: "-271821-04-20T00:00:00Z")`, an audit-log filter, a
 * token's expiry. DateTime takes the years 0001–9999. Walks every root field's DateTime arguments.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql } from '../support/graphql.ts';
import { dateTimeCases, errorsOf } from './support/argument-cases.ts';

describe('a DateTime out of range', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(() => ts?.close());

  it('finds the DateTime arguments to check', () => {
    expect(dateTimeCases('x').map((c) => `${c.root.name}.${c.argument.name}`)).toEqual(expect.arrayContaining(['uptimeTimeline.from', 'auditLog.filter', 'createApiToken.input']));
  });

  for (const instant of ['-271821-04-20T00:00:00Z', '-005000-01-01T00:00:00Z', '0000-12-31T23:59:59Z', '+010000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z']) {
    it(`is refused in every argument as a bad DateTime: ${instant} (regression: INTERNAL_SERVER_ERROR from PostgreSQL)`, async () => {
      const wrong: string[] = [];
      for (const c of dateTimeCases(instant)) {
        const errors = await errorsOf(ts, c);
        if (!errors.some((e) => /DateTime/.test(e.message)) || errors.some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR')) wrong.push(`${c.root.name}(${c.path}) → ${JSON.stringify(errors).slice(0, 200)}`);
      }
      expect(wrong).toEqual([]);
    });
  }

  it('is refused where a service\'s own fields take one (regression: latencySeries(to: the earliest JavaScript date) sent NaN to PostgreSQL)', async () => {
    for (const field of ['latencySeries(to: $t) { at }', 'timeline(to: $t) { status }', 'recentChecks(before: $t) { checks { status } }']) {
      const result = await gql(ts, `query ($t: DateTime) { service(name: "lookout") { ${field} } }`, { t: '-271821-04-20T00:00:00Z' }, { token: ts.adminToken });
      expect(result.errors?.[0].message).toMatch(/DateTime/);
      expect(result.errors?.[0].extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
    }
  });

  it('takes the first and the last instant of the range', async () => {
    for (const t of ['0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z']) {
      const result = await gql(ts, 'query ($t: DateTime) { auditLog(filter: { since: $t }) { hasNextPage } }', { t }, { token: ts.adminToken });
      expect(result.errors).toBeUndefined();
    }
  });
});
