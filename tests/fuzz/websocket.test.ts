/**
 * Fuzz over WebSocket against a real server: graphql-transport-ws conversations out of order and
 * full of bad messages, and broken WebSocket framing, in seeded, bounded batches. After each batch
 * the server must still answer `{ serverTime }` over HTTP and stream it over a new socket, and hold
 * no more than a bounded amount of memory. A failure names the seed (FUZZ_SEED=… replays it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { takeEvents, wsClient } from '../support/graphql.ts';
import { fuzzSeed } from './support/prng.ts';
import { WS_CASE_KINDS, type WsCaseOptions } from './support/ws-cases.ts';
import type { FuzzTokens } from './support/http-cases.ts';
import { fromCorpus, reportFindings, runBatch } from './support/campaign.ts';
import { wsCorpus } from './support/corpus.ts';
import { fuzzTokens, residentBytes, serverTimeAnswered } from './support/probes.ts';

const SEED = fuzzSeed(20_261_210);
const CASES = Number(process.env.FUZZ_CASES ?? 120);
const BATCH_MS = 2500;
const RSS_GROWTH_LIMIT = 300 * 1024 * 1024;

describe('fuzz: hostile WebSocket conversations and frames', () => {
  let ts: TestServer;
  let tokens: FuzzTokens;
  let rssAtStart: number;

  beforeAll(async () => {
    ts = await startTestServer();
    tokens = await fuzzTokens(ts.url, ts.adminToken);
    await serverTimeAnswered(ts.url, ts.adminToken);
    rssAtStart = await residentBytes(ts.url);
  });
  afterAll(() => ts?.close());

  const options = (): WsCaseOptions => ({ tokens, maxBytes: 100_000, maxMessageBytes: 2 * 1024 * 1024 });

  /** Still serving over HTTP and over a new socket, and not holding on to what it was sent. */
  async function expectServing(): Promise<void> {
    expect(await serverTimeAnswered(ts.url, ts.adminToken, 2000)).toBeLessThan(2000);
    const client = wsClient(ts, { token: ts.adminToken });
    const [event] = await takeEvents<{ serverTime: string }>(client, 'subscription { serverTime }', 1);
    await client.dispose();
    expect(Date.parse(event.serverTime)).not.toBeNaN();
    expect((await residentBytes(ts.url)) - rssAtStart).toBeLessThan(RSS_GROWTH_LIMIT);
  }

  it('answers each conversation of the corpus (what once closed sockets, failed or flooded) without an internal error, an echo or a hang', async () => {
    const limit = (ts.config as { maxBodyBytes?: number }).maxBodyBytes ?? 4 * 1024 * 1024;
    const corpus = wsCorpus(options(), limit);
    const result = await runBatch(fromCorpus(corpus), {
      port: ts.port, seed: 0, count: corpus.length, concurrency: 4, deadline: Infinity, answerTimeoutMs: 3000, maxAnswerBytes: 4 * 1024 * 1024,
    });
    expect(result.findings.length, reportFindings('corpus', 0, result, corpus.length)).toBe(0);
    expect(result.sent).toBe(corpus.length);
    await expectServing();
  });

  Object.entries(WS_CASE_KINDS).forEach(([kind, { generate }], i) => {
    it(`answers ${kind} without an internal error, an echo or a hang, and keeps serving`, async () => {
      const seed = SEED + i;
      const result = await runBatch((rng) => generate(rng, options()), {
        port: ts.port, seed, count: CASES, concurrency: 6, deadline: performance.now() + BATCH_MS, answerTimeoutMs: 3000, maxAnswerBytes: 4 * 1024 * 1024,
      });
      expect(result.findings.length, reportFindings(kind, seed, result)).toBe(0);
      expect(result.sent).toBeGreaterThanOrEqual(Math.min(CASES, 10));
      await expectServing();
    });
  });
});
