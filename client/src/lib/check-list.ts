/**
 * A service's checks, newest first, a page at a time ("Load older" follows the `before` cursor),
 * optionally limited to a time window (`since` / `before`, e.g. one status window).
 */
import { createSignal } from 'solid-js';
import { createStore, produce } from 'solid-js/store';
import { graphql } from '../graphql';
import type { ServiceStatus } from '../graphql/graphql.ts';
import { client } from './urql.ts';
import { formError, type FormError } from './errors.ts';

graphql(`
  fragment CheckPageFields on HealthCheckPage {
    checks {
      checkedAt
      status
      latencyMs
      error
    }
    hasNextPage
    endCursor
  }
`);

const ServiceChecksQuery = graphql(`
  query ServiceChecks($name: String!, $first: Int, $before: DateTime, $since: DateTime) {
    service(name: $name) {
      name
      recentChecks(first: $first, before: $before, since: $since) {
        ...CheckPageFields
      }
    }
  }
`);

export interface Check {
  checkedAt: string;
  status: ServiceStatus;
  latencyMs: number;
  error?: string | null;
}

export interface CheckPage {
  checks: Check[];
  hasNextPage: boolean;
  endCursor?: string | null;
}

export interface CheckList {
  checks: Check[];
  hasMore: () => boolean;
  loading: () => boolean;
  error: () => FormError | null;
  /** Loads the first (newest) page again. */
  refresh: () => Promise<void>;
  loadOlder: () => Promise<void>;
  /** Adds a check that just happened (from the subscription) on top, once. */
  prepend: (check: Check) => void;
  /** Replaces everything with a first page. */
  reset: (page: CheckPage) => void;
}

export function createCheckList(name: string, options: { pageSize?: number; since?: string; before?: string | null } = {}): CheckList {
  const pageSize = options.pageSize ?? 20;
  const [checks, setChecks] = createStore<Check[]>([]);
  const [cursor, setCursor] = createSignal<string | null>(null);
  const [hasMore, setHasMore] = createSignal(false);
  const [loading, setLoading] = createSignal(false);
  const [error, setError] = createSignal<FormError | null>(null);

  const reset = (page: CheckPage) => {
    setChecks(page.checks);
    setHasMore(page.hasNextPage);
    setCursor(page.endCursor ?? null);
  };

  const load = async (first: boolean) => {
    setLoading(true);
    const result = await client
      .query(ServiceChecksQuery, { name, first: pageSize, since: options.since ?? null, before: first ? (options.before ?? null) : cursor() })
      .toPromise();
    setLoading(false);
    setError(formError(result.error));
    const page = result.data?.service?.recentChecks;
    if (!page) return;
    if (first) return reset(page);
    setChecks(produce((list) => list.push(...page.checks)));
    setHasMore(page.hasNextPage);
    setCursor(page.endCursor ?? null);
  };

  return {
    checks,
    hasMore,
    loading,
    error,
    refresh: () => load(true),
    loadOlder: () => load(false),
    prepend: (check) => {
      if (checks.some((c) => c.checkedAt === check.checkedAt)) return;
      setChecks(produce((list) => list.unshift(check)));
    },
    reset,
  };
}
