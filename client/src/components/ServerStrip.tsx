/**
 * Lookout's own state in one line: the live server clock (it proves the WebSocket path end to
 * end), overall health as /health reports it (asked again when a critical service changes), and
 * the running version with its uptime.
 */
import { Show, createSignal, onCleanup } from 'solid-js';
import { createQuery, createSubscription } from '@urql/solid';
import { graphql } from '../graphql';
import { Badge, healthTone } from './Badge.tsx';
import { connectionStatus, onReconnected } from '../lib/connection.ts';
import { formatClock, formatDateTime, formatDuration } from '../lib/format.ts';
import { formError } from '../lib/errors.ts';
import { client } from '../lib/urql.ts';
import { now } from '../lib/ticker.ts';
import { afterGridAnswered } from '../lib/service-grid.ts';

const ServerInfoQuery = graphql(`
  query ServerInfo {
    health
    serverInfo {
      version
      startedAt
    }
  }
`);

const ServerClockSubscription = graphql(`
  subscription ServerClock {
    serverTime
  }
`);

/** Critical services decide overall health: when one changes, ask for it again. */
const CriticalStatusChanged = graphql(`
  subscription CriticalStatusChanged {
    serviceStatusChanged(criticalOnly: true) {
      service
      status
    }
  }
`);

export function ServerStrip() {
  // Waits for the grid's first answer: on the Overview the grid is what must paint first.
  const [gridAnswered, setGridAnswered] = createSignal(false);
  void afterGridAnswered().then(() => setGridAnswered(true));
  const [info, refetch] = createQuery({ query: ServerInfoQuery, pause: () => !gridAnswered() });
  const [clock] = createSubscription({ query: ServerClockSubscription });
  onReconnected(() => refetch());
  const critical = client.subscription(CriticalStatusChanged, {}).subscribe(() => refetch({ requestPolicy: 'network-only' }));
  onCleanup(() => critical.unsubscribe());
  const time = () => clock.data?.serverTime;

  return (
    <section class="server-strip" classList={{ stale: connectionStatus() === 'reconnecting' }} data-testid="server-strip">
      <div class="server-strip__item" data-testid="health-card">
        <span class="server-strip__label">Overall</span>
        <Show when={info.data?.health} fallback={<span class="muted">—</span>}>
          {(health) => (
            <Badge tone={healthTone(health())} testid="overall-health">
              {health().toLowerCase()}
            </Badge>
          )}
        </Show>
      </div>
      <div class="server-strip__item" data-testid="server-clock-card">
        <span class="server-strip__label">Server time</span>
        <Show when={time()} fallback={<span class="muted">waiting for the first tick…</span>}>
          <span class="mono" data-testid="server-time" data-iso={time()} title={time()}>
            {formatClock(time()!)}
          </span>
        </Show>
        <Show when={clock.error}>
          <span class="field__error">{formError(clock.error)?.message}</span>
        </Show>
      </div>
      <Show when={info.data?.serverInfo}>
        {(server) => (
          <div class="server-strip__item" data-testid="server-info-card">
            <span class="server-strip__label">Lookout</span>
            <span data-testid="server-version">v{server().version}</span>
            <span class="muted" data-testid="server-started-at" data-iso={server().startedAt} title={`Started ${formatDateTime(server().startedAt)}`}>
              up {formatDuration(now() - new Date(server().startedAt).getTime())}
            </span>
          </div>
        )}
      </Show>
      <Show when={info.error}>
        <span class="field__error">{formError(info.error)?.message}</span>
      </Show>
    </section>
  );
}
