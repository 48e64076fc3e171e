/** The connection indicator ("Live" / "Reconnecting…") and the banner shown while Lookout (or its database) is unreachable. */
import { Show } from 'solid-js';
import { connectionStatus, databaseUnreachable } from '../lib/connection.ts';

const LABELS = { live: 'Live', connecting: 'Connecting…', reconnecting: 'Reconnecting…' } as const;

export function ConnectionIndicator() {
  return (
    <span
      class={`connection connection--${connectionStatus()}`}
      data-testid="connection-status"
      data-state={connectionStatus()}
      title="Live updates over WebSocket"
      role="status"
    >
      <span class="connection__dot" aria-hidden="true" />
      {LABELS[connectionStatus()]}
    </span>
  );
}

export function ConnectionBanner() {
  return (
    <Show when={connectionStatus() === 'reconnecting' || databaseUnreachable()}>
      <div class="banner banner--danger" data-testid="connection-banner" data-cause={databaseUnreachable() ? 'database' : 'server'} role="alert">
        <Show
          when={databaseUnreachable()}
          fallback={
            <>
              <strong>Lookout is unreachable — retrying.</strong> What you see may be out of date; the page will
              catch up by itself when the server answers again.
            </>
          }
        >
          <strong>Lookout cannot reach its database — retrying.</strong> The server answers, but what you see may be out of
          date and changes cannot be saved; the page will catch up by itself when the database answers again.
        </Show>
      </div>
    </Show>
  );
}
