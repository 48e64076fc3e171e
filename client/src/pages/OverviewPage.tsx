/**
 * Overview: is Lookout itself up? The live server clock (proves the WebSocket path end to end),
 * overall health and the running version. The service grid arrives with the monitoring capability.
 */
import { Show, createSignal, onCleanup } from 'solid-js';
import { createQuery, createSubscription } from '@urql/solid';
import { graphql } from '../graphql';
import { PageHeader } from '../components/PageHeader.tsx';
import { Badge, healthTone } from '../components/Badge.tsx';
import { connectionStatus, onReconnected } from '../lib/connection.ts';
import { formatClock, formatDateTime, formatDuration } from '../lib/format.ts';
import { formError } from '../lib/errors.ts';

const OverviewQuery = graphql(`
  query Overview {
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

export function OverviewPage() {
  const [overview, refetch] = createQuery({ query: OverviewQuery });
  const [clock] = createSubscription({ query: ServerClockSubscription });
  onReconnected(() => refetch());

  // Re-render the uptime every second without asking the server.
  const [now, setNow] = createSignal(Date.now());
  const timer = setInterval(() => setNow(Date.now()), 1000);
  onCleanup(() => clearInterval(timer));

  const time = () => clock.data?.serverTime;

  return (
    <>
      <PageHeader title="Overview" description="Is everything running? Lookout's own state, live." />
      {/* While the connection is down these values are the last ones seen: dim them. */}
      <div class="grid grid--3" classList={{ stale: connectionStatus() === 'reconnecting' }} data-testid="overview-stats">
        <section class="card stat" data-testid="server-clock-card">
          <h2 class="stat__label">Server time</h2>
          <Show when={time()} fallback={<p class="stat__value muted">waiting for the first tick…</p>}>
            <p class="stat__value stat__value--mono" data-testid="server-time" data-iso={time()} title={time()}>
              {formatClock(time()!)}
            </p>
            <p class="stat__detail mono">{time()}</p>
          </Show>
          <Show when={clock.error}>
            <p class="field__error">{formError(clock.error)?.message}</p>
          </Show>
        </section>
        <section class="card stat" data-testid="health-card">
          <h2 class="stat__label">Overall health</h2>
          <p class="stat__value">
            <Show when={overview.data?.health} fallback={<span class="muted">—</span>}>
              {(health) => (
                <Badge tone={healthTone(health())} testid="overall-health">
                  {health().toLowerCase()}
                </Badge>
              )}
            </Show>
          </p>
          <p class="stat__detail">As <code>/health</code> reports it.</p>
        </section>
        <section class="card stat" data-testid="server-info-card">
          <h2 class="stat__label">Lookout</h2>
          <Show when={overview.data?.serverInfo} fallback={<p class="stat__value muted">—</p>}>
            {(info) => (
              <>
                <p class="stat__value" data-testid="server-version">
                  v{info().version}
                </p>
                <p class="stat__detail" data-testid="server-started-at" data-iso={info().startedAt}>
                  Up {formatDuration(now() - new Date(info().startedAt).getTime())} · started{' '}
                  {formatDateTime(info().startedAt)}
                </p>
              </>
            )}
          </Show>
        </section>
      </div>
      <Show when={overview.error}>
        <div class="form-error">{formError(overview.error)?.message}</div>
      </Show>
      <section class="card placeholder" data-testid="services-placeholder">
        <h2>Services</h2>
        <p>
          Service monitoring arrives with the monitoring capability: this is where the live status grid of every
          service Lookout watches — healthy, degraded or down, with history and uptime — will appear.
        </p>
      </section>
    </>
  );
}
