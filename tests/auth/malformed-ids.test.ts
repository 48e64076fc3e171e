/**
 * Regression: an id of 36 characters from [0-9a-f-] that is not a UUID passed the old check and
 * PostgreSQL's uuid cast failed (INTERNAL_SERVER_ERROR, "Unexpected error."); so did a cursor past
 * bigint. Each now gets the caller's clear error, naming what is wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql } from '../support/graphql.ts';

const NOT_UUIDS = ['------------------------------------', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '0123456789abcdef-0123456789abcdef012', 'ffffffff-ffff-ffff-ffff-fffffffffff-'];
const CALLS = [
  'mutation($id: ID!) { revokeApiToken(id: $id) { id } }',
  'mutation($id: ID!) { setUserRole(id: $id, role: VIEWER) { id } }',
  'mutation($id: ID!) { setUserDisabled(id: $id, disabled: true) { id } }',
  'mutation($id: ID!) { setUserWorkspaces(id: $id, workspaces: null) { id } }',
];

describe('malformed ids and cursors', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(() => ts?.close());

  it('says a user or token that is not a UUID does not exist', async () => {
    for (const query of CALLS) {
      for (const id of NOT_UUIDS) {
        const result = await gql(ts, query, { id }, { token: ts.adminToken });
        expect(result.errors?.[0].extensions?.code, `${query} with ${id}`).toBe('NOT_FOUND');
      }
    }
  });

  it('names a cursor past the ids there can be as the bad argument', async () => {
    for (const query of ['query($after: String) { auditLog(after: $after) { entries { id } } }', 'query($after: String) { operationRuns(after: $after) { runs { id } } }']) {
      for (const after of ['99999999999999999999', '9223372036854775807', String(Number.MAX_SAFE_INTEGER + 1)]) {
        const result = await gql(ts, query, { after }, { token: ts.adminToken });
        expect(result.errors?.[0].extensions, `${query} with ${after}`).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
      }
      const largest = await gql(ts, query, { after: String(Number.MAX_SAFE_INTEGER) }, { token: ts.adminToken });
      expect(largest.errors).toBeUndefined();
    }
  });
});
