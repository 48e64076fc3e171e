/**
 * One of the three operation lists (Runs, Failures, Stuck): newest first, filtered on the server,
 * a page at a time ("Load more" follows `endCursor`). The filter lives in the address (?workspace=…)
 * so a list can be shared, and comes back as it was after opening an operation.
 *
 * The list is live: `operationRunsChanged` (for the filter's workspace, tenant and type; on
 * Failures, failed runs only) marks it out of date, and the rows shown are fetched again in one
 * request, at most once a second however many runs change: the server coalesces the changes into
 * one notice a second, so a busy platform costs an open list nothing per run. Rows are matched by id, so a row that changes is updated in place (no flicker, focus
 * kept) and the user keeps the pages they loaded. While the socket is down the list is fetched every
 * 30 s instead; Stuck is also fetched every 30 s while live, since runs become stuck by time alone.
 */
import { createEffect, createMemo, createSignal, on, onCleanup } from 'solid-js';
import { createStore, reconcile } from 'solid-js/store';
import { graphql } from '../graphql';
import type { OperationRunFilter, OperationOutcome, OperationStatus, RunListFieldsFragment, StuckClass } from '../graphql/graphql.ts';
import { client } from './urql.ts';
import { connectionStatus, onReconnected } from './connection.ts';
import { createRefreshThrottle } from './refresh-throttle.ts';
import { formError, type FormError } from './errors.ts';
import { OUTCOMES, STATUSES, STUCK_CLASSES } from './operations.ts';

graphql(`
  fragment RunListFields on OperationRun {
    id
    title
    workspace {
      slug
      name
    }
    tenant {
      slug
      name
    }
    initiatorName
    type
    typeLabel
    status
    outcome
    createdAt
    startedAt
    completedAt
    error
    attempt
    leaseWorker
    retriedById
    investigated {
      by
      at
    }
    policy {
      maxAttempts
    }
    stuckClass
    stuck {
      stuckClass
      reason
    }
  }
`);

const OperationRunsDoc = graphql(`
  query OperationRuns($filter: OperationRunFilter, $first: Int, $after: String) {
    operationRuns(filter: $filter, first: $first, after: $after) {
      runs {
        ...RunListFields
      }
      endCursor
      hasNextPage
    }
  }
`);

const OperationFailuresDoc = graphql(`
  query OperationFailures($filter: OperationRunFilter, $first: Int, $after: String) {
    operationFailures(filter: $filter, first: $first, after: $after) {
      runs {
        ...RunListFields
      }
      endCursor
      hasNextPage
    }
  }
`);

const OperationStuckDoc = graphql(`
  query OperationStuck($filter: OperationRunFilter, $first: Int, $after: String) {
    operationStuck(filter: $filter, first: $first, after: $after) {
      runs {
        ...RunListFields
      }
      endCursor
      hasNextPage
    }
  }
`);

/** "Runs of this list changed": the server sends at most one notice per interval, whatever the load. */
const RunsChangedDoc = graphql(`
  subscription OperationRunsChanged($filter: OperationRunUpdatedFilter, $intervalMs: Int) {
    operationRunsChanged(filter: $filter, intervalMs: $intervalMs) {
      count
    }
  }
`);

export type RunListKind = 'runs' | 'failures' | 'stuck';
export type RunListRow = RunListFieldsFragment;

const PAGE_SIZE = 50;
/** The most rows one request may ask for (the API's limit for `first`). */
const MAX_PAGE_SIZE = 500;
/** However many runs change, the rows are fetched again at most this often. */
const LIVE_REFRESH_GAP_MS = 1000;
/** How often a list is fetched while the socket is down (as the Overview does), and Stuck always. */
const POLL_MS = 30_000;

interface Page {
  runs: RunListRow[];
  endCursor?: string | null;
  hasNextPage: boolean;
}

async function fetchPage(kind: RunListKind, filter: OperationRunFilter, after: string | null, first = PAGE_SIZE): Promise<{ page: Page | null; error: FormError | null }> {
  const variables = { filter, first, after };
  switch (kind) {
    case 'runs': {
      const r = await client.query(OperationRunsDoc, variables).toPromise();
      return { page: r.data?.operationRuns ?? null, error: formError(r.error) };
    }
    case 'failures': {
      const r = await client.query(OperationFailuresDoc, variables).toPromise();
      return { page: r.data?.operationFailures ?? null, error: formError(r.error) };
    }
    case 'stuck': {
      const r = await client.query(OperationStuckDoc, variables).toPromise();
      return { page: r.data?.operationStuck ?? null, error: formError(r.error) };
    }
  }
}

export interface RunList {
  runs: () => RunListRow[];
  hasMore: () => boolean;
  loading: () => boolean;
  /** True once the first page for the current filter has been answered. */
  loaded: () => boolean;
  error: () => FormError | null;
  loadMore: () => Promise<void>;
  /** Loads the first page again for the same filter. */
  reload: () => Promise<void>;
}

const sameJson = <T,>(a: T, b: T) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Loads `kind` for the filter, again whenever the filter changes, and keeps it live (see above).
 * Must be called inside a component: the subscription and timers end with it.
 */
export function createRunList(kind: RunListKind, filter: () => OperationRunFilter): RunList {
  // A store matched by id: a refresh updates the rows that stayed instead of drawing them again.
  const [rows, setRows] = createStore<{ list: RunListRow[] }>({ list: [] });
  const [cursor, setCursor] = createSignal<string | null>(null);
  const [hasMore, setHasMore] = createSignal(false);
  const [loading, setLoading] = createSignal(false);
  const [loaded, setLoaded] = createSignal(false);
  const [error, setError] = createSignal<FormError | null>(null);
  /** Bumped by each load the user asked for: only the latest may write, and it wins over a refresh. */
  let latest = 0;
  /** A change arrived while a load was under way: refresh once it is done. */
  let refreshAfterLoad = false;

  const load = async (more: boolean) => {
    const request = ++latest;
    setLoading(true);
    if (!more) setLoaded(false);
    const { page, error } = await fetchPage(kind, filter(), more ? cursor() : null);
    if (request !== latest) return;
    setLoading(false);
    setError(error);
    if (page) {
      if (more) {
        // A refresh may have brought some of these rows up already.
        const shown = new Set(rows.list.map((r) => r.id));
        setRows('list', (list) => [...list, ...page.runs.filter((r) => !shown.has(r.id))]);
      } else {
        setRows('list', reconcile(page.runs, { key: 'id', merge: false }));
      }
      setCursor(page.endCursor ?? null);
      setHasMore(page.hasNextPage);
      setLoaded(true);
    }
    if (refreshAfterLoad) {
      refreshAfterLoad = false;
      requestRefresh();
    }
  };

  /**
   * Fetches the rows shown again in one request: as many as are shown (at least a page), newest
   * first. New runs push the oldest shown ones back behind "Load more", so the list does not grow
   * by itself however busy the workers are.
   */
  const refresh = async () => {
    if (loading()) return void (refreshAfterLoad = true);
    const request = latest;
    const shown = rows.list.length;
    const size = Math.min(MAX_PAGE_SIZE, Math.max(PAGE_SIZE, shown));
    const { page, error } = await fetchPage(kind, filter(), null, size);
    // The user loaded something meanwhile: that answer stands, and the change is fetched after it.
    if (request !== latest || loading()) return requestRefresh();
    setError(error);
    if (!page) return;
    const oldestFetched = page.runs.at(-1)?.id;
    // Beyond one request's limit, the older rows the user loaded stay as they were.
    const older = shown > size && page.hasNextPage && oldestFetched ? rows.list.filter((r) => Number(r.id) < Number(oldestFetched)) : [];
    setRows('list', reconcile([...page.runs, ...older], { key: 'id', merge: false }));
    if (!older.length) {
      setCursor(page.endCursor ?? null);
      setHasMore(page.hasNextPage);
    }
    setLoaded(true);
  };
  const requestRefresh = createRefreshThrottle(refresh, LIVE_REFRESH_GAP_MS);

  createEffect(on(filter, () => void load(false)));

  // The server picks the changes that may concern this list: its workspace, tenant and type, and on
  // Failures only runs that failed (a run's tenant never changes; a failed run stays failed).
  const eventFilter = createMemo(
    () => ({ workspace: filter().workspace ?? null, tenant: filter().tenant ?? null, type: filter().type ?? null, outcome: kind === 'failures' ? ['FAILED' as OperationOutcome] : null }),
    undefined,
    { equals: sameJson },
  );
  createEffect(() => {
    const changes = client.subscription(RunsChangedDoc, { filter: eventFilter(), intervalMs: LIVE_REFRESH_GAP_MS }).subscribe((result) => {
      if (result.data?.operationRunsChanged) requestRefresh();
    });
    onCleanup(() => changes.unsubscribe());
  });

  onReconnected(requestRefresh);
  createEffect(() => {
    if (kind !== 'stuck' && connectionStatus() !== 'reconnecting') return;
    const timer = setInterval(requestRefresh, POLL_MS);
    onCleanup(() => clearInterval(timer));
  });

  return { runs: () => rows.list, hasMore, loading, loaded, error, loadMore: () => load(true), reload: () => load(false) };
}

/** The filter as the form edits it and the address keeps it: every field a string, '' for "any". */
export interface RunFilterForm {
  workspace: string;
  tenant: string;
  type: string;
  status: string;
  outcome: string;
  initiator: string;
  /** `datetime-local` values, in the browser's time zone. */
  createdFrom: string;
  createdTo: string;
  text: string;
  stuckClass: string;
}

export const FILTER_KEYS: readonly (keyof RunFilterForm)[] = ['workspace', 'tenant', 'type', 'status', 'outcome', 'initiator', 'createdFrom', 'createdTo', 'text', 'stuckClass'];

export function filterFromParams(params: Partial<Record<string, string | string[]>>): RunFilterForm {
  const value = (key: string) => {
    const v = params[key];
    return (Array.isArray(v) ? v[0] : v) ?? '';
  };
  return Object.fromEntries(FILTER_KEYS.map((key) => [key, value(key)])) as unknown as RunFilterForm;
}

/** For setSearchParams: '' becomes absent. */
export function filterToParams(form: RunFilterForm): Record<string, string | null> {
  return Object.fromEntries(FILTER_KEYS.map((key) => [key, form[key].trim() || null]));
}

function isoFromLocal(value: string): string | null {
  if (!value) return null;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

/** The API's filter; values the API would refuse (an unknown status in a hand-edited address) are left out. */
export function toApiFilter(form: RunFilterForm): OperationRunFilter {
  const trimmed = (v: string) => v.trim() || null;
  const status = STATUSES.find((s) => s === form.status);
  const outcome = OUTCOMES.find((o) => o === form.outcome);
  const stuck = STUCK_CLASSES.find((c) => c === form.stuckClass);
  return {
    workspace: trimmed(form.workspace),
    tenant: trimmed(form.tenant),
    type: trimmed(form.type),
    status: status ? [status as OperationStatus] : null,
    outcome: outcome ? [outcome as OperationOutcome] : null,
    initiator: trimmed(form.initiator),
    createdFrom: isoFromLocal(form.createdFrom),
    createdTo: isoFromLocal(form.createdTo),
    text: trimmed(form.text),
    stuckClass: stuck ? [stuck as StuckClass] : null,
  };
}

/**
 * How long a run took (or has been running, at `nowMs`), from its first start; null before any
 * worker took it and while a requeued run waits. Short runs keep their milliseconds: "340 ms", "4.2 s".
 */
export function runDuration(run: Pick<RunListRow, 'status' | 'startedAt' | 'completedAt'>, nowMs: number): string | null {
  if (!run.startedAt) return null;
  const end = run.completedAt ? Date.parse(run.completedAt) : run.status === 'RUNNING' ? nowMs : null;
  if (end === null) return null;
  const ms = Math.max(0, end - Date.parse(run.startedAt));
  if (ms < 1000) return `${ms} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** "2 of 3": the attempt within its retry chain. */
export const attemptWords = (run: Pick<RunListRow, 'attempt' | 'policy'>) => `${run.attempt} of ${run.policy.maxAttempts}`;
