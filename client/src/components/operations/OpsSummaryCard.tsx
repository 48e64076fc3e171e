/**
 * "Healthy right now?" at the top of the Overview: the Overview's one verdict (the same the strip's
 * "Overall" shows, live: lib/overview-verdict.ts), its reasons in words, and the counts that say
 * where to look (each links to the list that shows them). Service counts are the grid's.
 */
import { For, Show, type JSX } from 'solid-js';
import { A } from '@solidjs/router';
import type { OpsSummary } from '../../lib/ops-summary.ts';
import { VERDICT_ANSWERS, VERDICT_TONES, type Verdict } from '../../lib/overview-verdict.ts';
import type { FormError } from '../../lib/errors.ts';
import { Badge } from '../Badge.tsx';
import { FormErrorMessage } from '../Forms.tsx';

/** `hint`: what the words mean, shown under them (not only in a tooltip: touch and keyboard users read it too). */
function Count(props: { label: string; value: number; bad?: boolean; href?: string; testid: string; title?: string; hint?: string }) {
  const body = (): JSX.Element => (
    <>
      <span class="ops-count__value">{props.value}</span>
      <span class="ops-count__label">{props.label}</span>
      <Show when={props.hint}>
        <span class="ops-count__hint">{props.hint}</span>
      </Show>
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

/**
 * `summary`: the ops summary (null until it answers); `verdict`: the Overview's one verdict, made
 * from the live grid and that summary (null until both have answered).
 */
export function OpsSummaryCard(props: { summary: () => OpsSummary | null; error: () => FormError | null; verdict: () => Verdict | null }) {
  const ready = () => {
    const s = props.summary();
    const v = props.verdict();
    return s && v ? { s, v } : null;
  };
  return (
    <section class="card ops-summary" data-testid="ops-summary" data-status={ready()?.v.level}>
      <Show when={ready()} fallback={props.error() ? <FormErrorMessage error={props.error()} testid="ops-summary-error" /> : <p class="muted">Asking whether everything is healthy…</p>}>
        {(both) => {
          const s = () => both().s;
          const v = () => both().v;
          return (
          <div class="ops-summary__body">
            <div class="ops-summary__verdict">
              <h2>Healthy right now?</h2>
              <p class="ops-summary__answer">
                <Badge tone={VERDICT_TONES[v().level]} testid="ops-summary-status">
                  {VERDICT_ANSWERS[v().level]}
                </Badge>
              </p>
              <Show when={v().reasons.length} fallback={<p class="muted">No stale leases, blocked or failed operations, and every service is up.</p>}>
                <ul class="ops-summary__reasons" data-testid="ops-summary-reasons">
                  <For each={v().reasons}>
                    {(reason) => (
                      <li data-reason={reason.key}>
                        <Show when={reason.href} fallback={reason.words}>
                          <A href={reason.href!}>{reason.words}</A>
                        </Show>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
            </div>
            <div class="ops-summary__counts">
              <Count label="running" value={s().runsRunning} href="/system/ops/runs?status=RUNNING" testid="ops-count-running" />
              <Count label="queued" value={s().runsQueued} href="/system/ops/runs?status=QUEUED" testid="ops-count-queued" />
              <Count label="blocked" value={s().runsBlocked} bad href="/system/ops/runs?status=QUEUED" testid="ops-count-blocked" hint="queued; no online worker runs the type" />
              <Count label={`failed, ${s().windowHours} h`} value={s().runsFailed} bad href="/system/ops/failures" testid="ops-count-failed" />
              <Count label="stale leases" value={s().leasesStale} bad href="/system/ops/stuck?stuckClass=LEASE_EXPIRED" testid="ops-count-stale" hint={`leases past their expiry, not yet swept; ${s().leasesActive} active`} />
              <Count label="workers online" value={s().workersOnline} testid="ops-count-workers" />
              <Count label={`services down, ${v().criticalDown} critical`} value={v().servicesDown} bad testid="ops-count-services-down" title={`${v().servicesDegraded} degraded`} />
              <Count label="dispatch timeouts" value={s().dispatchTimeouts} bad testid="ops-count-timeouts" hint="queued longer than their type allows before a worker takes them" />
              <Count label="key conflicts" value={s().idempotencyConflicts} bad testid="ops-count-conflicts" hint={`an idempotency key sent again with different input (refused); ${s().idempotencyReplays} same-input replays`} />
            </div>
          </div>
          );
        }}
      </Show>
    </section>
  );
}
