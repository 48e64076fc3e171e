/**
 * The amber strip on every page while a runtime restarts (or is still down after a restart was
 * asked): what, since when, and what to do if it does not come back. It goes away by itself once
 * `runtimeChanged` says the runtime is running again.
 */
import { For, Show } from 'solid-js';
import { A } from '@solidjs/router';
import { createRuntimeStatus } from '../../lib/runtimes.ts';
import { formatClock } from '../../lib/format.ts';

/** How long a restart may take before the banner tells the operator to act. */
export const RESTART_PATIENCE_MINUTES = 5;

export function RuntimeRestartBanner() {
  const status = createRuntimeStatus();
  return (
    <Show when={status.restarts().length > 0}>
      <div class="banner banner--warn restart-banner" role="alert" data-testid="runtime-restart-banner" data-runtimes={status.restarts().map((r) => r.name).join(',')}>
        <For each={status.restarts()}>
          {(r) => (
            <span class="restart-banner__what" data-testid="runtime-restart-banner-item" data-runtime={r.name} data-state={r.runtime.state}>
              <strong>
                {r.runtime.state === 'RESTARTING' ? `Runtime ${r.name} is restarting` : `Runtime ${r.name} is ${r.runtime.state.toLowerCase()} after a restart`}
              </strong>{' '}
              since {formatClock(r.since)}
              {r.runtime.lastError ? ` — ${r.runtime.lastError}` : ''}.
            </span>
          )}
        </For>
        <span class="restart-banner__hint">
          Its work waits meanwhile; the rest of Lookout is up. If it is not running again within {RESTART_PATIENCE_MINUTES} minutes, check its last exit on the{' '}
          <A href="/system" class="restart-banner__link">
            System page
          </A>{' '}
          and restart it again, or check the host.
        </span>
      </div>
    </Show>
  );
}
