/**
 * One of the three operation lists (Runs, Failures, Stuck): newest first, filtered on the server,
 * a page at a time ("Load more" follows `endCursor`). The filter lives in the address (?workspace=…)
 * so a list can be shared, and comes back as it was after opening an operation.
 */
import { createEffect, createSignal, on } from 'solid-js';
import { graphql } from '../graphql';
import type { OperationRunFilter, OperationOutcome, OperationStatus, RunListFieldsFragment, StuckClass } from '../graphql/graphql.ts';
import { client } from './urql.ts';
import { onReconnected } from './connection.ts';
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

export type RunListKind = 'runs' | 'failures' | 'stuck';
export type RunListRow = RunListFieldsFragment;

const PAGE_SIZE = 50;

interface Page {
  runs: RunListRow[];
  endCursor?: string | null;
  hasNextPage: boolean;
}

async function fetchPage(kind: RunListKind, filter: OperationRunFilter, after: string | null): Promise<{ page: Page | null; error: FormError | null }> {
  const variables = { filter, first: PAGE_SIZE, after };
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

/** Loads `kind` for the filter, again whenever the filter changes or the connection comes back. */
export function createRunList(kind: RunListKind, filter: () => OperationRunFilter): RunList {
  const [runs, setRuns] = createSignal<RunListRow[]>([]);
  const [cursor, setCursor] = createSignal<string | null>(null);
  const [hasMore, setHasMore] = createSignal(false);
  const [loading, setLoading] = createSignal(false);
  const [loaded, setLoaded] = createSignal(false);
  const [error, setError] = createSignal<FormError | null>(null);
  /** Only the latest request may write: a slow answer for an old filter is dropped. */
  let latest = 0;

  const load = async (more: boolean) => {
    const request = ++latest;
    setLoading(true);
    if (!more) setLoaded(false);
    const { page, error } = await fetchPage(kind, filter(), more ? cursor() : null);
    if (request !== latest) return;
    setLoading(false);
    setError(error);
    if (!page) return;
    setRuns((previous) => (more ? [...previous, ...page.runs] : page.runs));
    setCursor(page.endCursor ?? null);
    setHasMore(page.hasNextPage);
    setLoaded(true);
  };

  createEffect(on(filter, () => void load(false)));
  onReconnected(() => void load(false));

  return { runs, hasMore, loading, loaded, error, loadMore: () => load(true), reload: () => load(false) };
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
