/**
 * What the fuzz checks between batches, on any Lookout server: that it still answers a normal
 * query, how much memory it holds, and the API tokens of each role it fuzzes with.
 */
import type { FuzzTokens } from './http-cases.ts';

/** POST `{ serverTime }` (with a token); the answer's time in ms, or an Error saying what went wrong. */
export async function serverTimeAnswered(baseUrl: string, token: string, timeoutMs = 5000): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ serverTime }' }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await response.json()) as { data?: { serverTime?: string } };
  if (response.status !== 200 || !body.data?.serverTime) throw new Error(`{ serverTime } answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
  return performance.now() - started;
}

/** The server's resident memory in bytes, from its own /metrics. */
export async function residentBytes(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const match = /^lookout_process_resident_memory_bytes (\d+)/m.exec(text);
  if (!match) throw new Error('/metrics has no lookout_process_resident_memory_bytes');
  return Number(match[1]);
}

/** Creates a viewer and an operator token with the admin token; all three are fuzzed with. */
export async function fuzzTokens(baseUrl: string, adminToken: string): Promise<FuzzTokens> {
  const create = async (role: 'VIEWER' | 'OPERATOR') => {
    const response = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ query: 'mutation ($n: String!, $r: Role!) { createApiToken(input: { name: $n, role: $r }) { secret } }', variables: { n: `fuzz-${role.toLowerCase()}`, r: role } }),
    });
    const body = (await response.json()) as { data?: { createApiToken: { secret: string } }; errors?: unknown };
    if (!body.data) throw new Error(`could not create a ${role} token: ${JSON.stringify(body.errors)}`);
    return body.data.createApiToken.secret;
  };
  return { admin: adminToken, viewer: await create('VIEWER'), operator: await create('OPERATOR') };
}
