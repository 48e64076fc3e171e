/**
 * Fuzz over HTTP against a real server: each kind of hostile request (raw sockets for what no
 * client would send, fetch for bad GraphQL) in a seeded, bounded batch. After each batch the
 * server must still answer `{ serverTime }` and hold no more than a bounded amount of memory.
 * A failure names the seed (FUZZ_SEED=… replays it) and the cases.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { fuzzSeed } from './support/prng.ts';
import { HTTP_CASE_KINDS, type FuzzTokens, type HttpCaseOptions } from './support/http-cases.ts';
import { fromCorpus, reportFindings, runBatch } from './support/campaign.ts';
import { httpCorpus } from './support/corpus.ts';
import { fuzzTokens, residentBytes, serverTimeAnswered } from './support/probes.ts';

const SEED = fuzzSeed(20_261_209);
/** Cases per kind, and the time a batch may take at most (then it stops drawing). */
const CASES = Number(process.env.FUZZ_CASES ?? 120);
const BATCH_MS = 2000;
/** Memory the server may gain over the whole file (the test process's own RSS, as it runs in it). */
const RSS_GROWTH_LIMIT = 300 * 1024 * 1024;

describe('fuzz: hostile HTTP requests', () => {
  let ts: TestServer;
  let tokens: FuzzTokens;
  let clientDir: string;
  let rssAtStart: number;

  beforeAll(async () => {
    // A tiny dashboard of its own, so that the static handler's paths are fuzzed too.
    clientDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-fuzz-client-'));
    await fs.mkdir(path.join(clientDir, 'assets'));
    await fs.writeFile(path.join(clientDir, 'index.html'), '<!doctype html><title>Lookout</title>');
    await fs.writeFile(path.join(clientDir, 'assets', 'app.js'), 'console.log(1)');
    ts = await startTestServer({ config: { clientDir } });
    tokens = await fuzzTokens(ts.url, ts.adminToken);
    await serverTimeAnswered(ts.url, ts.adminToken);
    rssAtStart = await residentBytes(ts.url);
  });
  afterAll(async () => {
    await ts?.close();
    if (clientDir) await fs.rm(clientDir, { recursive: true, force: true });
  });

  /** Bodies up to half again the server's limit, so that the rare big one is refused (413), not read. */
  const options = (): HttpCaseOptions => {
    const limit = (ts.config as { maxBodyBytes?: number }).maxBodyBytes ?? 4 * 1024 * 1024;
    return { tokens, maxBytes: 200_000, maxBodyBytes: Math.round(limit * 1.5) };
  };

  /** Still serving, promptly, and not holding on to what it was sent. */
  async function expectServing(): Promise<void> {
    expect(await serverTimeAnswered(ts.url, ts.adminToken, 2000)).toBeLessThan(2000);
    expect((await residentBytes(ts.url)) - rssAtStart).toBeLessThan(RSS_GROWTH_LIMIT);
  }

  it('answers each request of the corpus (what once stopped, failed or flooded the server) without a 5xx, an internal error, an echo or a hang', async () => {
    const corpus = httpCorpus(options());
    const result = await runBatch(fromCorpus(corpus), {
      port: ts.port, seed: 0, count: corpus.length, concurrency: 4, deadline: Infinity, answerTimeoutMs: 5000, maxAnswerBytes: 4 * 1024 * 1024,
    });
    expect(result.findings.length, reportFindings('corpus', 0, result, corpus.length)).toBe(0);
    expect(result.sent).toBe(corpus.length);
    await expectServing();
  });

  Object.entries(HTTP_CASE_KINDS).forEach(([kind, { generate }], i) => {
    it(`answers ${kind} without a 5xx, an internal error, a stack trace, an echo or a hang, and keeps serving`, async () => {
      const seed = SEED + i;
      const result = await runBatch((rng) => generate(rng, options()), {
        port: ts.port, seed, count: CASES, concurrency: 6, deadline: performance.now() + BATCH_MS, answerTimeoutMs: 5000, maxAnswerBytes: 4 * 1024 * 1024,
      });
      expect(result.findings.length, reportFindings(kind, seed, result)).toBe(0);
      expect(result.sent).toBeGreaterThanOrEqual(Math.min(CASES, 10));
      await expectServing();
    });
  });
});
