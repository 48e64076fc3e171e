/**
 * Found by the fuzz: text longer than its column reached PostgreSQL. An unknown service name of 300
 * characters (pauseService, recheckService, deleteService), a token or user id, a worker name, each
 * became the audit row's target id (varchar 200), whose insert failed; a sign-in's email became the
 * throttle key (varchar 400). Each answered INTERNAL_SERVER_ERROR instead of its own refusal.
 * Walks every root field's text arguments with 100,000 characters in each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';
import { errorsOf, textCases } from './support/argument-cases.ts';

const LONG = 'a'.repeat(100_000);

describe('over-long text in any argument', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(() => ts?.close());

  it('gets the field\'s own answer, never INTERNAL_SERVER_ERROR (regression: pauseService(name: 300 characters) failed writing its audit row)', async () => {
    const internal: string[] = [];
    for (const c of textCases(LONG)) {
      const errors = await errorsOf(ts, c);
      if (errors.some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR' || !e.extensions?.code && /Unexpected error/.test(e.message))) {
        internal.push(`${c.root.name}(${c.path}) → ${JSON.stringify(errors).slice(0, 200)}`);
      }
    }
    expect(internal).toEqual([]);
    // The walk ran as the admin throughout: the token still works, so every case was really tried.
    expect(await gqlOk<{ serverTime: string }>(ts, '{ serverTime }', {}, { token: ts.adminToken })).toHaveProperty('serverTime');
  });

  it('records a refused call on an unknown long name with its id cut to the column, and answers NOT_FOUND (regression: INTERNAL_SERVER_ERROR)', async () => {
    const name = 's'.repeat(300);
    const result = await gql(ts, 'mutation ($n: String!) { pauseService(name: $n) { name } }', { n: name }, { token: ts.adminToken });
    expect(result.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const log = await gqlOk<{ auditLog: { entries: { action: string; targetId: string | null; outcome: string }[] } }>(
      ts, '{ auditLog(first: 5, filter: { action: "monitoring.service.pause" }) { entries { action targetId outcome } } }', {}, { token: ts.adminToken },
    );
    expect(log.auditLog.entries[0]).toEqual({ action: 'monitoring.service.pause', targetId: `${'s'.repeat(199)}…`, outcome: 'failure' });
  });

  it('counts failed sign-ins with an email of any length, and blocks them like any other (regression: an email of 400+ characters failed writing the throttle row)', async () => {
    const email = `${'e'.repeat(1000)}@example.com`;
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 6; i++) {
      const result = await gql(ts, 'mutation ($e: String!) { signIn(email: $e, password: "wrong password") { expiresAt } }', { e: email });
      codes.push(result.errors?.[0].extensions?.code);
    }
    expect(codes.slice(0, 5).every((c) => c === 'UNAUTHENTICATED' || c === 'RATE_LIMITED')).toBe(true);
    expect(codes[5]).toBe('RATE_LIMITED');
  });
});
