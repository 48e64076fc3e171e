/**
 * The services an operation's type depends on (the critical ones when it names none), from 15 min
 * before it failed to 5 min after: one small coloured strip per service, the failure marked on it.
 */
import { For, Show } from 'solid-js';
import type { RunDetail } from '../../lib/run-detail.ts';
import { formatClock } from '../../lib/format.ts';
import { serviceHref } from '../monitoring/ServiceCard.tsx';
import { StatusBadge } from '../monitoring/StatusBadge.tsx';
import { TimelineBar } from '../monitoring/TimelineBar.tsx';

const BEFORE_MS = 15 * 60_000;
const AFTER_MS = 5 * 60_000;

export function ServicesAroundFailure(props: { run: RunDetail }) {
  const failedAt = () => (props.run.completedAt ? Date.parse(props.run.completedAt) : null);
  const failed = () => props.run.outcome === 'FAILED' && failedAt() !== null;
  return (
    <section class="card" data-testid="services-around-failure">
      <h2>Services around the failure</h2>
      <Show when={failed()} fallback={<p class="muted">Shown when an operation fails: the status of the services it depends on just before and after.</p>}>
        <Show when={props.run.servicesAroundFailure.length} fallback={<p class="muted">No service to show: its type names none and no service is critical.</p>}>
          <p class="muted">
            From 15 min before it failed ({formatClock(props.run.completedAt!)}) to 5 min after; the line marks the failure.
          </p>
          <div class="failure-strips">
            <For each={props.run.servicesAroundFailure}>
              {(s) => {
                const from = () => failedAt()! - BEFORE_MS;
                const to = () => failedAt()! + AFTER_MS;
                return (
                  <div class="failure-strip" data-testid="service-strip" data-service={s.service} data-worst={s.worstStatus}>
                    <a class="failure-strip__name" href={serviceHref(s.service)}>
                      {s.service}
                    </a>
                    <span class="failure-strip__marks">
                      <Show when={s.critical}>
                        <span class="critical-mark">critical</span>
                      </Show>
                      <StatusBadge status={s.worstStatus === 'unknown' ? null : s.worstStatus} testid="service-strip-worst" />
                    </span>
                    <div class="failure-strip__bar">
                      <TimelineBar windows={s.windows} from={from()} to={to()} now={Math.min(Date.now(), to())} label={`Status of ${s.service} around the failure`} />
                      <span class="failure-strip__marker" style={{ left: `${(BEFORE_MS / (BEFORE_MS + AFTER_MS)) * 100}%` }} aria-hidden="true" />
                    </div>
                  </div>
                );
              }}
            </For>
          </div>
        </Show>
      </Show>
    </section>
  );
}
