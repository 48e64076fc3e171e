/** Shared set-up for the operations suites: a ready platform, tokens by role, a worker. */
import { gqlOk } from '../support/graphql.ts';
import type { TestServer } from '../support/server.ts';

export async function token(ts: TestServer, role: 'VIEWER' | 'OPERATOR' | 'ADMIN', workspaces?: string[]): Promise<string> {
  const r = await gqlOk<{ createApiToken: { secret: string } }>(
    ts,
    'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { secret } }',
    { input: { name: `${role.toLowerCase()}-${Math.random().toString(36).slice(2, 8)}`, role, workspaces } },
    { token: ts.adminToken },
  );
  return r.createApiToken.secret;
}

/** Makes the start-up checklist pass: critical built-ins checked, a worker online. */
export async function makeReady(ts: TestServer, worker = 'worker-1', types = ['billing.invoice', 'reports.build']): Promise<void> {
  const admin = { token: ts.adminToken };
  const { services } = await gqlOk<{ services: { name: string; critical: boolean }[] }>(ts, '{ services { name critical } }', {}, admin);
  for (const { name } of services.filter((s) => s.critical)) await gqlOk(ts, 'mutation($n: String!) { recheckService(name: $n) { status } }', { n: name }, admin);
  await gqlOk(ts, 'mutation($n: String!, $t: [String!]!) { registerWorker(name: $n, types: $t, capacity: 4) { name } }', { n: worker, t: types }, admin);
  const { rerunStartupChecklist } = await gqlOk<{ rerunStartupChecklist: { ready: boolean; failing: string[] } }>(
    ts, 'mutation { rerunStartupChecklist { ready failing } }', {}, admin,
  );
  if (!rerunStartupChecklist.ready) throw new Error(`platform not ready: ${rerunStartupChecklist.failing.join(', ')}`);
}

export const SUBMIT = `mutation Submit($type: String!, $workspace: String!, $tenant: String, $input: JSON, $key: String) {
  submitRun(type: $type, workspace: $workspace, tenant: $tenant, input: $input, idempotencyKey: $key) {
    replay run { id title status outcome attempt workspace { slug } tenant { slug } initiatorName type typeLabel }
  }
}`;
export const CLAIM = `mutation Claim($worker: String!, $types: [String!]!, $lease: Int) {
  claimRun(worker: $worker, types: $types, leaseSeconds: $lease) { leaseToken run { id status attempt leaseWorker } }
}`;
export const COMPLETE = `mutation Complete($id: ID!, $token: String!, $outcome: CompletionOutcome!, $result: JSON, $error: String) {
  completeRun(id: $id, leaseToken: $token, outcome: $outcome, result: $result, error: $error) { id status outcome error result }
}`;
export const HEARTBEAT = `mutation Heartbeat($id: ID!, $token: String!) { heartbeatRun(id: $id, leaseToken: $token) { id leaseExpiresAt } }`;

export interface SubmitResult {
  submitRun: { replay: boolean; run: { id: string; title: string; status: string; outcome: string; attempt: number; workspace: { slug: string }; tenant: { slug: string } | null; initiatorName: string; type: string; typeLabel: string } };
}
export interface ClaimResult {
  claimRun: { leaseToken: string; run: { id: string; status: string; attempt: number; leaseWorker: string } } | null;
}
