/**
 * Lookout's own state in one line: the Overview's one verdict as "Overall" (the headline card shows
 * the same, both live: lib/overview-verdict.ts), the live server clock (it proves the WebSocket
 * path end to end), and the running version with its uptime.
 */
import { Show, createSignal } from 'solid-js';
import { createQuery, createSubscription } from '@urql/solid';
import { graphql } from '../graphql';
import { Badge } from './Badge.tsx';
import { connectionStatus, onReconnected } from '../lib/connection.ts';
import { formatClock, formatDateTime, formatDuration } from '../lib/format.ts';
import { formError } from '../lib/errors.ts';
import { now } from '../lib/ticker.ts';
import { VERDICT_TONES, VERDICT_WORDS, type Verdict } from '../lib/overview-verdict.ts';
import { afterGridAnswered } from '../lib/service-grid.ts';

const ServerInfoQuery = graphql(`
  query ServerInfo {
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

/** `verdict`: the Overview's one verdict (null until it is known). */
export function ServerStrip(props: { verdict: () => Verdict | null }) {
  // Waits for the grid's first answer: on the Overview the grid is what must paint first.
  const [gridAnswered, setGridAnswered] = createSignal(false);
  void afterGridAnswered().then(() => setGridAnswered(true));
  const [info, refetch] = createQuery({ query: ServerInfoQuery, pause: () => !gridAnswered() });
  const [clock] = createSubscription({ query: ServerClockSubscription });
  onReconnected(() => refetch());
  const time = () => clock.data?.serverTime;

  return (
    <section class="server-strip" classList={{ stale: connectionStatus() === 'reconnecting' }} data-testid="server-strip">
      <div class="server-strip__item" data-testid="health-card" data-level={props.verdict()?.level}>
        <span class="server-strip__label">Overall</span>
        <Show when={props.verdict()} fallback={<span class="muted">—</span>}>
          {(verdict) => (
            <Badge tone={VERDICT_TONES[verdict().level]} testid="overall-health">
              {VERDICT_WORDS[verdict().level]}
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
