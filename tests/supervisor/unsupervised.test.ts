/** restartLookout where it cannot run: in-process (no supervisor), without confirm, for a viewer or operator. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';

const RESTART = 'mutation($c: Boolean!) { restartLookout(confirm: $c) { ok pid durationMs } }';

describe('restartLookout without the supervisor', () => {
  let ts: TestServer;
  const tokens = { viewer: '', operator: '' };
  const audits = async () =>
    (await ts.server.app.sql.query<{ outcome: string; error_code: string | null }>(`select outcome, error_code from audit_log where action = 'system.lookout.restart' order by id`)).rows;

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    for (const role of ['viewer', 'operator'] as const) {
      const created = await gqlOk<{ createApiToken: { secret: string } }>(ts, 'mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { secret } }', { i: { name: role, role: role.toUpperCase() } }, { token: ts.adminToken });
      tokens[role] = created.createApiToken.secret;
    }
  });
  afterAll(() => ts?.close());

  it('says Lookout runs without its supervisor and how to restart it instead, audited as a failure', async () => {
    expect(ts.server.app.supervisor.available).toBe(false);
    const { errors, data } = await gql(ts, RESTART, { c: true }, { token: ts.adminToken });
    expect(data).toBeNull();
    expect(errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(errors?.[0]?.message).toMatch(/runs without its supervisor \(LOOKOUT_SUPERVISOR=off.*restart it with your process manager/);
    expect(await audits()).toEqual([{ outcome: 'failure', error_code: 'CONFLICT' }]);
  });

  it('refuses without confirm: true, naming the field', async () => {
    const before = (await audits()).length;
    const { errors } = await gql(ts, RESTART, { c: false }, { token: ts.adminToken });
    expect(errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'confirm' });
    expect((await audits()).slice(before)).toEqual([{ outcome: 'failure', error_code: 'BAD_USER_INPUT' }]);
  });

  it.each(['viewer', 'operator'] as const)('refuses a %s token (FORBIDDEN)', async (role) => {
    const before = await audits();
    const { errors } = await gql(ts, RESTART, { c: true }, { token: tokens[role] });
    expect(errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await audits()).toEqual(before);
  });
});
