/**
 * A service's log, following new lines: scrolled to the newest while the reader is at the bottom;
 * once they scroll up to read, it stays where they are and counts what came since, with a button
 * back to the newest lines (as `tail -f` in a pager, or Kubernetes dashboards' log view).
 */
import { For, Show, createEffect, createSignal, on } from 'solid-js';
import { createServiceLogs, KEPT_LINES } from '../../lib/service-logs.ts';
import { FormErrorMessage } from '../Forms.tsx';

/** Within this many pixels of the bottom counts as at the bottom (a fractional scroll position). */
const AT_BOTTOM_PX = 8;

export function ServiceLogs(props: { service: string; onClose: () => void }) {
  const log = createServiceLogs(props.service);
  const [following, setFollowing] = createSignal(true);
  /** Lines added while not following. */
  const [unseen, setUnseen] = createSignal(0);
  let box!: HTMLPreElement;
  /** Set while we scroll, so our own scroll event is not taken for the reader's. */
  let scrolling = false;

  const toBottom = () => {
    scrolling = true;
    box.scrollTop = box.scrollHeight;
    requestAnimationFrame(() => (scrolling = false));
  };

  createEffect(
    on(
      () => log.lines(),
      (lines, previous) => {
        if (following()) queueMicrotask(toBottom);
        else if (previous) setUnseen((n) => n + Math.max(0, (lines.at(-1)?.id ?? 0) - (previous.at(-1)?.id ?? 0)));
      },
    ),
  );

  const onScroll = () => {
    if (scrolling) return;
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight <= AT_BOTTOM_PX;
    setFollowing(atBottom);
    if (atBottom) setUnseen(0);
  };

  const follow = () => {
    setFollowing(true);
    setUnseen(0);
    toBottom();
  };

  return (
    <section class="card card--flush" data-testid="service-logs" aria-label={`Log of ${props.service}`}>
      <div class="card__head">
        <h2>
          Log <Show when={log.source()}>{(source) => <span class="muted">({source()})</span>}</Show>
        </h2>
        <span class="log-viewer__state">
          <span class="muted" data-testid="service-logs-state" data-following={following() ? 'true' : 'false'}>
            {!log.loaded() ? 'Reading…' : following() ? 'Following new lines' : `Paused while you read${unseen() ? ` · ${unseen()} new` : ''}`}
          </span>
          <Show when={!following()}>
            <button type="button" class="button button--small" data-testid="service-logs-follow" onClick={follow}>
              Jump to newest
            </button>
          </Show>
          <button type="button" class="button button--quiet button--small" data-testid="service-logs-close" onClick={() => props.onClose()}>
            Close
          </button>
        </span>
      </div>
      <Show when={log.error()}>
        <FormErrorMessage error={log.error()} testid="service-logs-error" />
      </Show>
      <pre ref={box} class="log-viewer" tabindex="0" role="log" aria-live="off" data-testid="service-logs-lines" onScroll={onScroll}>
        <For each={log.lines()}>{(line) => <span class={line.marker ? 'log-viewer__line log-viewer__marker' : 'log-viewer__line'}>{line.text}</span>}</For>
      </pre>
      <div class="card__foot">
        <span class="muted">
          <Show when={log.loaded() && log.lines().length === 0} fallback={`The last ${KEPT_LINES} lines at most are kept here.`}>
            Nothing in the log yet.
          </Show>
        </span>
      </div>
    </section>
  );
}
