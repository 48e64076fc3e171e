/**
 * Regression (found by an attack review): a filter's text had no bound, and each is matched against
 * every row on several columns: a viewer's `services(filter: { text })` of 1 MiB held PostgreSQL for
 * 100 s on 10,000 services (nothing cancelled it), and twelve of 30 KiB at once took the pool from
 * every other request. Every list's filter texts are now at most 200 characters, refused naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';

const LONG = 'x'.repeat(201);
const MEGA = 'y'.repeat(1 << 20);

describe('filter texts', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
  });
  afterAll(() => ts?.close());

  const cases: [string, string, string][] = [
    ['services', 'query($t: String) { services(filter: { text: $t }) { name } }', 'filter.text'],
    ['healthOverview', 'query($t: String) { healthOverview(filter: { tag: $t }) { services { name } } }', 'filter.tag'],
    ['operationRuns', 'query($t: String) { operationRuns(filter: { text: $t }) { runs { id } } }', 'filter.text'],
    ['auditLog', 'query($t: String) { auditLog(filter: { action: $t }) { entries { id } } }', 'filter.action'],
    ['alerts', 'query($t: String) { alerts(filter: { service: $t }) { id } }', 'filter.service'],
  ];

  it.each(cases)('%s refuses a text over 200 characters, naming the field, and takes one of 200', async (_name, query, field) => {
    for (const text of [LONG, MEGA]) {
      const result = await gql(ts, query, { t: text }, { token: ts.adminToken });
      expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field } });
      expect(result.errors?.[0].message).toBe(`${field} must be at most 200 characters (got ${text.length.toLocaleString('en')}).`);
    }
    await gqlOk(ts, query, { t: 'z'.repeat(200) }, { token: ts.adminToken });
  });
});
