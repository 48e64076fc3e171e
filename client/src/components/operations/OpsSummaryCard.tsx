/**
 * "Healthy right now?" at the top of the Overview: the ops summary's verdict, its reasons in words,
 * and the counts that say where to look (each links to the list that shows them).
 */
import { For, Show, type JSX } from 'solid-js';
import { A } from '@solidjs/router';
import { createOpsSummary } from '../../lib/ops-summary.ts';
import { SUMMARY_REASON_WORDS } from '../../lib/operations.ts';
import { formatClock } from '../../lib/format.ts';
import { Badge } from '../Badge.tsx';
import { FormErrorMessage } from '../Forms.tsx';

function Count(props: { label: string; value: number; bad?: boolean; href?: string; testid: string; title?: string }) {
  const body = (): JSX.Element => (
    <>
      <span class="ops-count__value">{props.value}</span>
      <span class="ops-count__label">{props.label}</span>
    </>
  );
  const cls = () => `ops-count${props.bad && props.value > 0 ? ' ops-count--bad' : ''}`;
  return (
    <Show when={props.href} fallback={<span class={cls()} data-testid={props.testid} data-count={props.value} title={props.title}>{body()}</span>}>
      <A class={cls()} href={props.href!} data-testid={props.testid} data-count={props.value} title={props.title}>
        {body()}
      </A>
    </Show>
  );
}

export function OpsSummaryCard() {
  const { summary, error } = createOpsSummary();
  return (
    <section class="card ops-summary" data-testid="ops-summary" data-status={summary()?.status}>
      <Show when={summary()} fallback={error() ? <FormErrorMessage error={error()} testid="ops-summary-error" /> : <p class="muted">Asking whether everything is healthy…</p>}>
        {(s) => (
          <div class="ops-summary__body">
            <div class="ops-summary__verdict">
              <h2>Healthy right now?</h2>
              <p class="ops-summary__answer">
                <Badge tone={s().status === 'healthy' ? 'ok' : 'warn'} testid="ops-summary-status">
                  {s().status === 'healthy' ? 'Yes, healthy' : 'No, degraded'}
                </Badge>
                <span class="muted">as of {formatClock(s().generatedAt)}</span>
              </p>
              <Show when={s().reasons.length} fallback={<p class="muted">No stale leases, blocked or failed operations, and every service is up.</p>}>
                <ul class="ops-summary__reasons" data-testid="ops-summary-reasons">
                  <For each={s().reasons}>
                    {(reason) => <li data-reason={reason}>{SUMMARY_REASON_WORDS[reason] ?? reason}</li>}
                  </For>
                </ul>
              </Show>
            </div>
            <div class="ops-summary__counts">
              <Count label="running" value={s().runsRunning} href="/system/ops/runs?status=RUNNING" testid="ops-count-running" />
              <Count label="queued" value={s().runsQueued} href="/system/ops/runs?status=QUEUED" testid="ops-count-queued" />
              <Count label="blocked" value={s().runsBlocked} bad href="/system/ops/runs?status=QUEUED" testid="ops-count-blocked" title="Queued operations no online worker runs" />
              <Count label={`failed, ${s().windowHours} h`} value={s().runsFailed} bad href="/system/ops/failures" testid="ops-count-failed" />
              <Count label="stale leases" value={s().leasesStale} bad href="/system/ops/stuck?stuckClass=LEASE_EXPIRED" testid="ops-count-stale" title={`${s().leasesActive} active`} />
              <Count label="workers online" value={s().workersOnline} testid="ops-count-workers" />
              <Count label={`services down, ${s().criticalServicesDown} critical`} value={s().servicesDown} bad testid="ops-count-services-down" title={`${s().servicesDegraded} degraded`} />
              <Count label="dispatch timeouts" value={s().dispatchTimeouts} bad testid="ops-count-timeouts" />
              <Count label="key conflicts" value={s().idempotencyConflicts} bad testid="ops-count-conflicts" title={`${s().idempotencyReplays} replays`} />
            </div>
          </div>
        )}
      </Show>
    </section>
  );
}
