/**
 * Regression: one request stopped the server. In a list, an item whose field rejected and a later
 * item whose field threw synchronously made the executor drop the first item's promise (its list
 * failed at once): an unhandled rejection, which exits the process. Any viewer could do it once
 * per-service history had a per-request budget (refused synchronously once spent), e.g.
 * `{ services { latencySeries { at } timeline { status } } }` over a few dozen services. Resolvers now settle their errors asynchronously (schema/field-errors.ts), and a field
 * error the executor still drops is logged rather than fatal (server/fatal.ts).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/server.ts';
import { gql, gqlOk } from './support/graphql.ts';
import { insertServices } from './support/services.ts';
import pg from 'pg';

describe('field errors never stop the process', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false });
    const sql = new pg.Pool({ connectionString: ts.databaseUrl, max: 1 });
    await insertServices(sql, Array.from({ length: 200 }, (_, i) => `s-${i}`));
    await sql.end();
  });
  afterAll(() => ts?.close());

  /** The unhandled rejections while `work` runs (emitted at the end of the tick that dropped them, before its answer is read). */
  async function unhandledDuring(work: () => Promise<void>): Promise<unknown[]> {
    const seen: unknown[] = [];
    const listener = (reason: unknown) => seen.push(reason);
    process.on('unhandledRejection', listener);
    try {
      await work();
      // One more exchange with the server: its process has run every tick of the first by then.
      await gqlOk(ts, '{ serverTime }', {}, { token: ts.adminToken });
    } finally {
      process.off('unhandledRejection', listener);
    }
    return seen;
  }

  it('answers a request mixing a rejected field and a synchronous refusal, item after item, and leaves no rejection unhandled', async () => {
    const future = new Date(Date.now() + 86400_000).toISOString();
    const documents = [
      // The budget runs out: an item's timeline rejects (its read is async), the next item's latencySeries is refused at once.
      '{ services { latencySeries { at } timeline { status } } }',
      '{ services { uptime { last24h { ratio } last7d { ratio } last30d { ratio } } } }',
      `{ services { name timeline(from: "${future}") { status } latencySeries(from: "${future}") { at } } }`,
      `{ services { timeline(from: "${future}") { status } } healthOverview { services { latencySeries(from: "${future}") { at } } } }`,
      // The argument check refuses a NUL synchronously, beside a rejected sibling.
      `{ services { timeline(from: "${future}") { status } } uptimeTimeline(service: "a\\u0000b") { uptime } }`,
    ];
    for (const document of documents) {
      const dropped = await unhandledDuring(async () => {
        const answer = await gql(ts, document, {}, { token: ts.adminToken });
        expect(answer.errors?.length, document).toBeGreaterThan(0);
        expect(answer.errors?.[0].extensions?.code, document).toBe('BAD_USER_INPUT');
      });
      expect(dropped, document).toEqual([]);
    }
  });

  it('logs a GraphQL field error left unhandled and goes on; any other unhandled rejection still stops the process', async () => {
    const root = path.resolve(import.meta.dirname, '..');
    const script = (reason: string) => `
      import { GraphQLError } from 'graphql';
      import { handleProcessFailures } from './server/fatal.ts';
      const warned = [];
      handleProcessFailures({ warn: (fields, message) => warned.push(message) }, () => process.exit(3));
      Promise.reject(${reason});
      setImmediate(() => setImmediate(() => { console.log(JSON.stringify(warned)); process.exit(0); }));`;
    const run = (reason: string) =>
      new Promise<{ code: number; stdout: string }>((resolve) => {
        execFile(process.execPath, ['--input-type=module', '-e', script(reason)], { cwd: root }, (error, stdout) => resolve({ code: (error as { code?: number } | null)?.code ?? 0, stdout }));
      });
    const located = await run(`new GraphQLError('refused', { path: ['services', 3, 'timeline'] })`);
    expect(located.code).toBe(0);
    expect(JSON.parse(located.stdout)).toEqual([expect.stringMatching(/left unhandled by the executor/)]);
    expect((await run(`new GraphQLError('not from a field')`)).code).toBe(3);
    expect((await run(`new Error('a bug')`)).code).toBe(3);
  });
});
