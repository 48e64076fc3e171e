/**
 * Regression: calls that changed nothing still wrote success rows to the audit log (found by an
 * attack review): a user set to the role, workspaces or enabled state they had, a service updated
 * with its own definition, an email channel updated with its own settings (jsonb reorders keys, so
 * the old text comparison saw a change and bumped updated_at), an override of a passing check.
 * A call that changes nothing is not audited; the first one that changes something is, once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';
import { makeReady, SUBMIT } from '../operations/support.ts';

describe('calls that change nothing', () => {
  let ts: TestServer;
  let userId: string;
  const admin = () => ({ token: ts.adminToken });
  const rows = async (action: string) =>
    (await ts.server.app.sql.query<{ n: number }>(`select count(*)::int as n from audit_log where action = $1 and outcome = 'success'`, [action])).rows[0].n;

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    const created = await gqlOk<{ createUser: { id: string } }>(ts, 'mutation { createUser(input: { email: "same@example.com", password: "a long password here", role: VIEWER }) { id } }', {}, admin());
    userId = created.createUser.id;
  });
  afterAll(() => ts?.close());

  it('leave no row for a user set as they are, and one for a real change', async () => {
    const calls: [string, string, Record<string, unknown>][] = [
      ['auth.user.set_role', 'mutation($id: ID!) { setUserRole(id: $id, role: VIEWER) { id } }', {}],
      ['auth.user.enable', 'mutation($id: ID!) { setUserDisabled(id: $id, disabled: false) { id } }', {}],
      ['auth.user.set_workspaces', 'mutation($id: ID!) { setUserWorkspaces(id: $id, workspaces: null) { id } }', {}],
    ];
    for (const [action, query] of calls) {
      const before = await rows(action);
      await gqlOk(ts, query, { id: userId }, admin());
      await gqlOk(ts, query, { id: userId }, admin());
      expect(await rows(action), action).toBe(before);
    }
    await gqlOk(ts, 'mutation($id: ID!) { setUserRole(id: $id, role: OPERATOR) { id } }', { id: userId }, admin());
    await gqlOk(ts, 'mutation($id: ID!) { setUserRole(id: $id, role: OPERATOR) { id } }', { id: userId }, admin());
    expect(await rows('auth.user.set_role')).toBe(1);
    await gqlOk(ts, 'mutation($id: ID!) { setUserWorkspaces(id: $id, workspaces: ["a", "b"]) { id } }', { id: userId }, admin());
    await gqlOk(ts, 'mutation($id: ID!) { setUserWorkspaces(id: $id, workspaces: ["b", "a", "b"]) { id } }', { id: userId }, admin());
    expect(await rows('auth.user.set_workspaces')).toBe(1);
    await gqlOk(ts, 'mutation($id: ID!) { setUserDisabled(id: $id, disabled: true) { id } }', { id: userId }, admin());
    await gqlOk(ts, 'mutation($id: ID!) { setUserDisabled(id: $id, disabled: true) { id } }', { id: userId }, admin());
    expect(await rows('auth.user.disable')).toBe(1);
  });

  it('leave no row for a service updated with its own definition', async () => {
    const definition = { kind: 'http', target: 'http://127.0.0.1:9/health', interval: '1m', tags: ['x', 'y'], options: { method: 'GET', headers: { b: '2', a: '1' } } };
    await gqlOk(ts, 'mutation($input: CreateServiceInput!) { createService(input: $input) { name } }', { input: { name: 'same-svc', ...definition } }, admin());
    const { rows: [before] } = await ts.server.app.sql.query<{ updated_at: Date }>(`select updated_at from services where name = 'same-svc'`);
    await gqlOk(ts, 'mutation($input: UpdateServiceInput!) { updateService(name: "same-svc", input: $input) { name } }', { input: definition }, admin());
    expect(await rows('monitoring.service.update')).toBe(0);
    const { rows: [after] } = await ts.server.app.sql.query<{ updated_at: Date }>(`select updated_at from services where name = 'same-svc'`);
    expect(after.updated_at).toEqual(before.updated_at);
    await gqlOk(ts, 'mutation($input: UpdateServiceInput!) { updateService(name: "same-svc", input: $input) { name } }', { input: { ...definition, interval: '2m' } }, admin());
    expect(await rows('monitoring.service.update')).toBe(1);
  });

  it('leave no row for an email channel updated with its own settings, whatever their key order', async () => {
    const settings = { host: '127.0.0.1', port: 2525, from: 'lookout@example.com', to: ['ops@example.com'], user: 'lookout', password: 'smtp password' };
    await gqlOk(ts, 'mutation($s: JSON!) { createAlertChannel(input: { name: "same-mail", kind: "email", settings: $s }) { name } }', { s: settings }, admin());
    const reordered = Object.fromEntries(Object.entries(settings).reverse());
    await gqlOk(ts, 'mutation($s: JSON!) { updateAlertChannel(name: "same-mail", settings: $s) { name } }', { s: reordered }, admin());
    expect(await rows('alerting.channel.update')).toBe(0);
  });

  it('refuse an override of a passing check, naming it, and write nothing', async () => {
    const { startupChecklist } = await gqlOk<{ startupChecklist: { checks: { name: string; state: string }[] } }>(ts, '{ startupChecklist { checks { name state } } }', {}, admin());
    const passing = startupChecklist.checks.find((c) => c.state === 'PASSED');
    expect(passing).toBeDefined();
    const result = await gql(ts, 'mutation($n: String!) { overrideStartupCheck(name: $n, reason: "we know what we are doing here") { ready } }', { n: passing!.name }, admin());
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    expect(result.errors?.[0].message).toContain('passes');
    expect(await rows('operations.checklist.override')).toBe(0);
  });

  it('leave no row for a submission that replays an earlier one (regression: every replay of an idempotency key wrote a row; found by a second review)', async () => {
    await makeReady(ts);
    const before = await rows('operations.run.submit');
    for (let i = 0; i < 3; i++) await gqlOk(ts, SUBMIT, { type: 'billing.invoice', workspace: 'acme', input: { a: 1 }, key: 'replayed-key' }, admin());
    expect(await rows('operations.run.submit')).toBe(before + 1);
  });
});
