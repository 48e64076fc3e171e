/**
 * A batch of fuzz cases drawn from one seed and sent a few at a time, with a tally of what came
 * back: the shared loop of tests/fuzz and bench/fuzz.
 */
import { Prng } from './prng.ts';
import { describeCase, judge, runPool, send, type Outcome, type RunnerOptions } from './runner.ts';
import type { HttpCase } from './http-cases.ts';
import type { WsCase } from './ws-cases.ts';

export interface Finding {
  /** The case's number in its batch: with the seed, enough to draw it again. */
  index: number;
  description: string;
  problems: string[];
  outcome: Outcome;
}

export interface BatchResult {
  sent: number;
  /** Answers by status (HTTP) or close code (WebSocket, as `ws <code>`). */
  tally: Record<string, number>;
  /** Cases answered with a 5xx other than /health's 503. */
  serverErrors: number;
  findings: Finding[];
  requestBytes: number;
  /** The slowest cases, slowest first. */
  slowest: { ms: number; description: string }[];
}

export interface BatchOptions extends RunnerOptions {
  seed: number;
  count: number;
  concurrency: number;
  /** performance.now() after which no new case starts. */
  deadline: number;
  /** Findings kept in full (the rest are only counted). */
  keepFindings?: number;
  /** Asked before each case: true ends the batch early (the server is gone, say). */
  stopped?: () => boolean;
  /** Called after each case with the tally so far (progress reports). */
  onCase?: (result: BatchResult) => void;
}

/** Draws `count` cases from `seed` with `generate` and sends them; never throws for a case. */
export async function runBatch(generate: (rng: Prng) => HttpCase | WsCase, options: BatchOptions): Promise<BatchResult> {
  const rng = new Prng(options.seed);
  const result: BatchResult = { sent: 0, tally: {}, serverErrors: 0, findings: [], requestBytes: 0, slowest: [] };
  let drawn = 0;
  const next = () => (drawn < options.count && !options.stopped?.() ? { index: drawn++, item: generate(rng) } : null);
  await runPool(options.concurrency, options.deadline, next, async ({ index, item }) => {
    const outcome = await send(item, options);
    result.sent++;
    result.requestBytes += outcome.requestBytes;
    for (const status of outcome.statuses) result.tally[status] = (result.tally[status] ?? 0) + 1;
    if (outcome.closeCode !== undefined) result.tally[`ws ${outcome.closeCode}`] = (result.tally[`ws ${outcome.closeCode}`] ?? 0) + 1;
    if (result.slowest.length < 5 || outcome.ms > result.slowest[4].ms) {
      result.slowest = [...result.slowest, { ms: Math.round(outcome.ms), description: describeCase(item).slice(0, 200) }].sort((a, b) => b.ms - a.ms).slice(0, 5);
    }
    const problems = judge(outcome, options);
    if (problems.some((p) => /^HTTP 5\d\d/.test(p))) result.serverErrors++; // (not /health's 503: that is its answer)
    if (problems.length && result.findings.length < (options.keepFindings ?? 20)) result.findings.push({ index, description: describeCase(item), problems, outcome });
    else if (problems.length) result.findings.push({ index, description: '', problems, outcome: { ...outcome, head: '' } });
    options.onCase?.(result);
  });
  return result;
}

/** The cases of `corpus` in order, as a generator for runBatch (count: corpus.length). */
export function fromCorpus<T>(corpus: T[]): () => T {
  let next = 0;
  return () => corpus[next++ % corpus.length];
}

/** A readable report of a batch's findings, with the seed that replays it. */
export function reportFindings(name: string, seed: number, result: BatchResult, limit = 10): string {
  const lines = [`${name}: ${result.findings.length} of ${result.sent} cases misbehaved (FUZZ_SEED=${seed} replays them)`];
  for (const f of result.findings.filter((x) => x.description).slice(0, limit)) {
    lines.push(`  #${f.index} ${f.problems.join('; ')}`, `     case: ${f.description}`, `     answer: ${JSON.stringify(f.outcome.head.slice(0, 300))}`);
  }
  return lines.join('\n');
}
