/**
 * One operation for its detail page: every field, its policy, the retry lineage both ways, its
 * audit trail and the services around its failure, in one query, kept live by
 * `operationRunUpdated(filter: { id })` (each event carries the whole run again).
 */
import { onCleanup } from 'solid-js';
import { createStore, reconcile } from 'solid-js/store';
import { graphql } from '../graphql';
import type { RunDetailFieldsFragment } from '../graphql/graphql.ts';
import { client } from './urql.ts';
import { onReconnected } from './connection.ts';
import { formError, type FormError } from './errors.ts';

graphql(`
  fragment RunLinkFields on OperationRun {
    id
    title
    status
    outcome
    createdAt
  }
`);

graphql(`
  fragment RunDetailFields on OperationRun {
    ...RunListFields
    startedAt
    completedAt
    input
    result
    error
    context
    attempt
    leaseWorker
    leaseExpiresAt
    lastHeartbeatAt
    idempotencyKey
    retriedById
    retryRefusal
    queuedSince
    leaseLapses {
      attempt
      worker
      leasedAt
      lastHeartbeatAt
      expiredAt
      sweptAt
      outcome
    }
    policy {
      label
      retryable
      cancelable
      expectedDurationMs
      maxAttempts
    }
    retriedFrom {
      ...RunLinkFields
    }
    retries {
      ...RunLinkFields
    }
    auditTrail {
      at
      action
      actorType
      actorLabel
      outcome
      input
    }
    servicesAroundFailure {
      service
      critical
      worstStatus
      windows {
        status
        startedAt
        endedAt
      }
    }
  }
`);

const OperationRunDoc = graphql(`
  query OperationRun($id: ID!) {
    operationRun(id: $id) {
      ...RunDetailFields
    }
  }
`);

const OperationRunUpdatedDoc = graphql(`
  subscription OperationRunUpdated($id: ID!) {
    operationRunUpdated(filter: { id: $id }) {
      ...RunDetailFields
    }
  }
`);

export type RunDetail = RunDetailFieldsFragment;

interface DetailState {
  loaded: boolean;
  error: FormError | null;
  /** Null once loaded means there is no such operation (or it is in a workspace the caller may not see). */
  run: RunDetail | null;
}

export interface RunDetailModel {
  state: DetailState;
  /** Shows a run a mutation returned, without waiting for the event. */
  show: (run: RunDetail) => void;
}

export function createRunDetail(id: string): RunDetailModel {
  const [state, setState] = createStore<DetailState>({ loaded: false, error: null, run: null });
  // reconcile keeps unchanged parts (the JSON blocks, the strips) in place when an event arrives.
  const show = (run: RunDetail) => setState('run', reconcile(run, { key: 'id', merge: false }));

  const load = async () => {
    const result = await client.query(OperationRunDoc, { id }).toPromise();
    if (result.error && !result.data) return void setState({ loaded: true, error: formError(result.error) });
    const run = result.data?.operationRun ?? null;
    if (run) show(run);
    setState({ loaded: true, error: null, ...(run ? {} : { run: null }) });
  };

  const updates = client.subscription(OperationRunUpdatedDoc, { id }).subscribe((result) => {
    const run = result.data?.operationRunUpdated;
    if (run) show(run);
  });
  onCleanup(() => updates.unsubscribe());

  void load();
  onReconnected(() => void load());
  return { state, show };
}
