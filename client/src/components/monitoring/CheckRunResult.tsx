/** What a recheck or a diagnosis found: result, latency, error, and for a diagnosis each step with its time. */
import { For, Show } from 'solid-js';
import type { CheckRunFieldsFragment } from '../../graphql/graphql.ts';
import { formatDateTime } from '../../lib/format.ts';
import { formatLatency } from '../../lib/status.ts';
import { StatusBadge } from './StatusBadge.tsx';

export type CheckRunView = CheckRunFieldsFragment;

function stepTime(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

export function CheckRunResult(props: { kind: 'recheck' | 'diagnose'; run: CheckRunView; onDismiss: () => void }) {
  return (
    <section class="card check-run" data-testid={`${props.kind}-result`} role="status">
      <div class="check-run__head">
        <h2>{props.kind === 'diagnose' ? 'Diagnosis' : 'Recheck'}</h2>
        <StatusBadge status={props.run.status} testid="check-run-status" />
        <span class="mono">{formatLatency(props.run.latencyMs)}</span>
        <span class="muted">{formatDateTime(props.run.checkedAt)}</span>
        <span class="topbar__spacer" />
        <button type="button" class="button button--quiet button--small" onClick={() => props.onDismiss()}>
          Dismiss
        </button>
      </div>
      <Show when={props.run.error}>
        <p class="field__error" data-testid="check-run-error">
          {props.run.error}
        </p>
      </Show>
      <Show when={props.kind === 'diagnose'}>
        <Show when={props.run.steps.length} fallback={<p class="muted">This kind of check reports no separate steps.</p>}>
          <ol class="steps" data-testid="diagnose-steps">
            <For each={props.run.steps}>
              {(step) => (
                <li class="steps__step" classList={{ 'steps__step--failed': !step.ok }} data-testid="diagnose-step" data-ok={step.ok}>
                  <span class="steps__mark" aria-label={step.ok ? 'passed' : 'failed'}>
                    {step.ok ? '✓' : '✗'}
                  </span>
                  <span class="steps__name">{step.name}</span>
                  <span class="steps__time mono">{stepTime(step.durationMs)}</span>
                  <Show when={step.detail}>
                    <span class="steps__detail">{step.detail}</span>
                  </Show>
                </li>
              )}
            </For>
          </ol>
        </Show>
      </Show>
    </section>
  );
}
