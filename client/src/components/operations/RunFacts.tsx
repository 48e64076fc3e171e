/**
 * Everything recorded about one operation: who, where, when, its lease, its key and its type's
 * policy. A run whose lease lapsed says what happened to each earlier attempt (leased to whom, when
 * the lease expired, when it was requeued) instead of looking as if no worker ever took it.
 */
import { For, Show } from 'solid-js';
import type { RunDetail } from '../../lib/run-detail.ts';
import { formatDateTime, formatDuration } from '../../lib/format.ts';
import { now } from '../../lib/ticker.ts';

const yesNo = (value: boolean) => (value ? 'yes' : 'no');

export function RunFacts(props: { run: RunDetail }) {
  const r = () => props.run;
  // Only a run that is running runs "for" a while: a requeued run is waiting, not running.
  const took = () => {
    const start = r().startedAt ?? null;
    if (!start || (!r().completedAt && r().status !== 'RUNNING')) return null;
    const end = r().completedAt ? Date.parse(r().completedAt!) : now();
    return formatDuration(end - Date.parse(start));
  };
  const waiting = () => (r().status === 'QUEUED' && r().queuedSince ? formatDuration(now() - Date.parse(r().queuedSince!)) : null);
  return (
    <section class="card" data-testid="run-facts">
      <h2>Details</h2>
      <dl class="facts facts--two">
        <dt>Operation</dt>
        <dd class="mono" data-testid="fact-id">#{r().id}</dd>
        <dt>Type</dt>
        <dd data-testid="fact-type">
          {r().typeLabel} <span class="mono muted">{r().type}</span>
        </dd>
        <dt>Workspace</dt>
        <dd data-testid="fact-workspace">
          {r().workspace.name} <Show when={r().workspace.name !== r().workspace.slug}><span class="mono muted">{r().workspace.slug}</span></Show>
        </dd>
        <dt>Tenant</dt>
        <dd data-testid="fact-tenant">
          <Show when={r().tenant} fallback={<span class="muted">—</span>}>
            {(t) => (
              <>
                {t().name} <Show when={t().name !== t().slug}><span class="mono muted">{t().slug}</span></Show>
              </>
            )}
          </Show>
        </dd>
        <dt>Initiator</dt>
        <dd data-testid="fact-initiator">{r().initiatorName ?? <span class="muted">—</span>}</dd>
        <dt>Attempt</dt>
        <dd data-testid="fact-attempt">
          {r().attempt} of {r().policy.maxAttempts}
        </dd>
        <dt>Created</dt>
        <dd title={r().createdAt}>{formatDateTime(r().createdAt)}</dd>
        <dt>{r().leaseLapses.length ? 'First started' : 'Started'}</dt>
        <dd title={r().startedAt ?? undefined}>{formatDateTime(r().startedAt)}</dd>
        <dt>Completed</dt>
        <dd title={r().completedAt ?? undefined} data-testid="fact-completed">
          {r().completedAt ? formatDateTime(r().completedAt) : r().startedAt ? 'not yet' : '—'}
          <Show when={took()}>
            <span class="muted"> · {r().completedAt ? 'took' : 'running for'} {took()}</span>
          </Show>
          <Show when={waiting()}>
            <span class="muted" data-testid="fact-waiting">
              {' '}
              · {r().leaseLapses.length ? 'back in the queue' : 'waiting for a worker'} for {waiting()}
            </span>
          </Show>
        </dd>
        <Show when={r().leaseLapses.length}>
          <dt>Earlier leases</dt>
          <dd data-testid="fact-lease-lapses">
            <ol class="lease-lapses">
              <For each={r().leaseLapses}>
                {(l) => (
                  <li data-testid="lease-lapse" data-attempt={l.attempt} data-outcome={l.outcome}>
                    Attempt {l.attempt} was leased to <span class="mono">{l.worker ?? 'an unknown worker'}</span>
                    <Show when={l.leasedAt}> at {formatDateTime(l.leasedAt)}</Show>; its lease expired
                    <Show when={l.expiredAt}> at {formatDateTime(l.expiredAt)}</Show>
                    <Show when={l.lastHeartbeatAt}> (last heartbeat {formatDateTime(l.lastHeartbeatAt)})</Show>, and the lease sweep{' '}
                    {l.outcome === 'requeued' ? 'requeued it' : 'failed it (no attempt left by its policy)'} at {formatDateTime(l.sweptAt)}.
                  </li>
                )}
              </For>
            </ol>
          </dd>
        </Show>
        <dt>Lease</dt>
        <dd data-testid="fact-lease">
          <Show when={r().leaseWorker} fallback={<span class="muted">none</span>}>
            worker <span class="mono">{r().leaseWorker}</span>
            <Show when={r().leaseExpiresAt}>, expires {formatDateTime(r().leaseExpiresAt)}</Show>
          </Show>
        </dd>
        <dt>Last heartbeat</dt>
        <dd title={r().lastHeartbeatAt ?? undefined}>{formatDateTime(r().lastHeartbeatAt)}</dd>
        <dt>Idempotency key</dt>
        <dd class="mono facts__wrap" data-testid="fact-idempotency-key">{r().idempotencyKey ?? <span class="muted">—</span>}</dd>
        <dt>Policy</dt>
        <dd data-testid="fact-policy">
          {r().policy.label}: retryable {yesNo(r().policy.retryable)}, cancelable {yesNo(r().policy.cancelable)}, expected to take{' '}
          {formatDuration(r().policy.expectedDurationMs).replace(/ 0 s$/, '')}
        </dd>
      </dl>
    </section>
  );
}
