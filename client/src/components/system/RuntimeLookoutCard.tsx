/** Lookout's own metadata (the replica that answered): version, commit, start, Node, database, replicas. */
import { Show } from 'solid-js';
import type { LookoutMetadata } from '../../lib/runtimes.ts';
import { formatAgo, formatDateTime } from '../../lib/format.ts';

export function RuntimeLookoutCard(props: { lookout: LookoutMetadata | null }) {
  return (
    <section class="card" data-testid="lookout-metadata">
      <h2>Lookout</h2>
      <Show when={props.lookout} fallback={<p class="muted">Reading Lookout’s metadata…</p>}>
        {(m) => (
          <dl class="facts facts--two">
            <dt>Version</dt>
            <dd data-testid="lookout-version">{m().version}</dd>
            <dt>Commit</dt>
            <dd class="facts__wrap mono">{m().commit ? m().commit!.slice(0, 12) : '—'}</dd>
            <dt>Started</dt>
            <dd title={m().startedAt}>
              {formatDateTime(m().startedAt)} ({formatAgo(m().startedAt)})
            </dd>
            <dt>Node</dt>
            <dd>{m().nodeVersion}</dd>
            <dt>Host</dt>
            <dd class="facts__wrap">
              {m().hostname}, pid {m().pid}
            </dd>
            <dt>Database</dt>
            <dd>
              {m().databaseKind}
              {m().databaseVersion ? ` · PostgreSQL ${m().databaseVersion}` : ''}
            </dd>
            <dt>Replicas seen</dt>
            <dd data-testid="lookout-replicas">{m().replicasSeen}</dd>
            <dt>Events</dt>
            <dd>{m().pubsub}</dd>
          </dl>
        )}
      </Show>
    </section>
  );
}
