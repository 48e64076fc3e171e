/**
 * The operations half of "Is the system healthy right now?" for the Overview: one `opsSummary`
 * query, asked again shortly after runs change (`operationRunsChanged`, at most once per 2 s however
 * busy the workers are), every 30 s for what changes with time alone (a lease expiring, a failure
 * leaving the 24 h window), and when the connection comes back. Its service counts are not used:
 * the Overview takes those from its live grid (lib/overview-verdict.ts), so the verdict and the
 * cards never disagree.
 */
import { createSignal, onCleanup } from 'solid-js';
import { graphql } from '../graphql';
import type { OpsSummaryFieldsFragment } from '../graphql/graphql.ts';
import { client } from './urql.ts';
import { afterGridAnswered } from './service-grid.ts';
import { onReconnected } from './connection.ts';
import { formError, type FormError } from './errors.ts';

graphql(`
  fragment OpsSummaryFields on OpsSummary {
    status
    reasons
    windowHours
    generatedAt
    runsBlocked
    runsRunning
    runsQueued
    runsFailed
    leasesActive
    leasesStale
    idempotencyReplays
    idempotencyConflicts
    dispatchTimeouts
    servicesDown
    servicesDegraded
    criticalServicesDown
    workersOnline
  }
`);

const OpsSummaryDoc = graphql(`
  query OpsSummary {
    opsSummary(hours: 24) {
      ...OpsSummaryFields
    }
  }
`);

const RunsChangedForSummary = graphql(`
  subscription RunsChangedForSummary($intervalMs: Int) {
    operationRunsChanged(intervalMs: $intervalMs) {
      at
    }
  }
`);

export type OpsSummary = OpsSummaryFieldsFragment;

const REFRESH_MS = 30_000;
const AFTER_CHANGE_MS = 2000;

/** Starts asking (after the grid's first answer) and keeps the answer fresh until the page is left. */
export function createOpsSummary(): { summary: () => OpsSummary | null; error: () => FormError | null } {
  const [summary, setSummary] = createSignal<OpsSummary | null>(null);
  const [error, setError] = createSignal<FormError | null>(null);
  let asked = 0;
  const load = async () => {
    const mine = ++asked;
    const result = await client.query(OpsSummaryDoc, {}, { requestPolicy: 'network-only' }).toPromise();
    if (mine !== asked) return; // a later answer is on its way: an earlier one must not overwrite it
    // Keep the last answer while Lookout is unreachable: the banner says it may be out of date.
    if (result.data) setSummary(result.data.opsSummary);
    setError(formError(result.error));
  };
  void afterGridAnswered().then(load);
  const timer = setInterval(() => void load(), REFRESH_MS);
  // The server already sends at most one notice per interval.
  const changes = client.subscription(RunsChangedForSummary, { intervalMs: AFTER_CHANGE_MS }).subscribe((result) => {
    if (result.data) void load();
  });
  onCleanup(() => {
    clearInterval(timer);
    changes.unsubscribe();
  });
  onReconnected(() => void load());
  return { summary, error };
}
