/**
 * "Is the system healthy right now?" for the Overview: one `opsSummary` query, asked again every
 * 30 s, when the connection comes back, and shortly after a service changes status (so its counts
 * agree with the grid beside it; at most once per 2 s however many services change).
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

const ServiceChangedForSummary = graphql(`
  subscription ServiceChangedForSummary {
    serviceStatusChanged {
      service
    }
  }
`);

export type OpsSummary = OpsSummaryFieldsFragment;

const REFRESH_MS = 30_000;
const AFTER_CHANGE_MS = 2000;

export function createOpsSummary(): { summary: () => OpsSummary | null; error: () => FormError | null } {
  const [summary, setSummary] = createSignal<OpsSummary | null>(null);
  const [error, setError] = createSignal<FormError | null>(null);
  const load = async () => {
    const result = await client.query(OpsSummaryDoc, {}).toPromise();
    // Keep the last answer while Lookout is unreachable: the banner says it may be out of date.
    if (result.data) setSummary(result.data.opsSummary);
    setError(formError(result.error));
  };
  void afterGridAnswered().then(load);
  const timer = setInterval(() => void load(), REFRESH_MS);
  let soon: ReturnType<typeof setTimeout> | undefined;
  const changes = client.subscription(ServiceChangedForSummary, {}).subscribe(() => {
    soon ??= setTimeout(() => {
      soon = undefined;
      void load();
    }, AFTER_CHANGE_MS);
  });
  onCleanup(() => {
    clearInterval(timer);
    clearTimeout(soon);
    changes.unsubscribe();
  });
  onReconnected(() => void load());
  return { summary, error };
}
