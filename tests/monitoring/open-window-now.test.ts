/**
 * Regression (CI, 2026-12-06): a status window still open showed as ended. A timeline's range ends
 * at the request's "now" when `to` is not given, and its read then asked the clock again: when the
 * clock had moved on by a millisecond (under load), the open window was taken as one that ended
 * at `to`, and `endedAt` was set. Here the clock moves on at every look, so every read sees it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../server/clock.ts';
import { gqlOk } from '../support/graphql.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { insertServices } from '../support/services.ts';

describe('a status window still open', () => {
  let ts: TestServer;
  let looks = 0;
  const start = Date.now();
  // Five milliseconds later at every look.
  const clock: Clock = { now: () => new Date(start + 5 * looks++) };

  beforeAll(async () => {
    ts = await startTestServer({ runScheduler: false, clock });
    const ids = await insertServices(ts.server.app.sql, ['open-window'], { status: 'healthy' });
    await ts.server.app.sql.query(`insert into uptime_records (service_id, status, started_at) values ($1, 'healthy', $2)`, [ids.get('open-window'), new Date(start - 3600_000)]);
  });
  afterAll(() => ts?.close());

  it('has no end in its service’s timeline, nor in the Uptime page’s', async () => {
    const answer = await gqlOk<{ service: { timeline: { status: string; endedAt: string | null }[] }; uptimeTimeline: { windows: { status: string; endedAt: string | null }[] }[] }>(
      ts,
      '{ service(name: "open-window") { timeline { status endedAt } } uptimeTimeline(service: "open-window") { windows { status endedAt } } }',
      {},
      { token: ts.adminToken },
    );
    expect(answer.service.timeline).toEqual([{ status: 'healthy', endedAt: null }]);
    expect(answer.uptimeTimeline[0].windows).toEqual([{ status: 'healthy', endedAt: null }]);
  });
});
