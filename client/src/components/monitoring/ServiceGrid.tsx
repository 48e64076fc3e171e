/**
 * The Overview's cards, in sections of 24. The browser skips an off-screen section whole
 * (content-visibility), so a thousand cards cost about what the forty-odd sections and the one or
 * two on screen cost; as one grid of a thousand items, every card would be styled and laid out, and
 * laid out again once the browser knows which cards are on screen. A section draws its cards'
 * sparklines only while the browser renders it: a thousand of them at once is a long task, for
 * lines nobody sees. Below the cards, while more services match than are shown, a button asks for
 * the next page; it is pressed for the reader when it scrolls near the screen.
 */
import { For, Index, Show, createMemo, createSignal, onCleanup, type Accessor } from 'solid-js';
import type { GridService } from '../../lib/service-grid.ts';
import { GRID_MAX, nextPageSize } from '../../lib/grid-page.ts';
import { ServiceCard } from './ServiceCard.tsx';

const number = new Intl.NumberFormat('en');

/** Cards per section: about a screenful at common widths (styles.css estimates a section's height from it). */
const SECTION_SIZE = 24;
/** A browser that does not say when a section starts or stops being rendered draws every sparkline. */
const KNOWS_WHEN_RENDERED = typeof ContentVisibilityAutoStateChangeEvent !== 'undefined';

export function ServiceGrid(props: {
  names: string[];
  service: (name: string) => Accessor<GridService>;
  stale: boolean;
  /** Services matching the filter, shown or not. */
  matching: number;
  loadingMore: boolean;
  onShowMore: () => void;
}) {
  const sections = createMemo(() => {
    const sections: string[][] = [];
    for (let i = 0; i < props.names.length; i += SECTION_SIZE) sections.push(props.names.slice(i, i + SECTION_SIZE));
    return sections;
  });
  // Sections by position and cards by name: when the list changes, a section keeps its element and
  // a card that stays in its section keeps its own (a status change updates it in place).
  return (
    <div class="service-grid" classList={{ stale: props.stale }} data-testid="service-grid">
      <Index each={sections()} fallback={<p class="muted service-grid__none">No service matches these filters.</p>}>
        {(section) => {
          const [rendered, setRendered] = createSignal(!KNOWS_WHEN_RENDERED);
          return (
            <div class="service-grid__section" on:contentvisibilityautostatechange={(event) => setRendered(!event.skipped)}>
              <For each={section()}>{(name) => <ServiceCard service={props.service(name)} sparkline={rendered()} />}</For>
            </div>
          );
        }}
      </Index>
      <Show when={props.names.length < props.matching && props.names.length >= GRID_MAX}>
        <p class="muted service-grid__more" data-testid="grid-more">
          The first {number.format(GRID_MAX)} of {number.format(props.matching)}, worst first: filter by status, tag or name to find the rest.
        </p>
      </Show>
      <Show when={props.names.length < props.matching && props.names.length < GRID_MAX}>
        <div class="service-grid__more" data-testid="grid-more">
          <span class="muted">
            {number.format(props.names.length)} of {number.format(props.matching)} shown, worst first
          </span>
          <button type="button" ref={nearScreen(() => props.onShowMore())} disabled={props.loadingMore} onClick={() => props.onShowMore()} data-testid="grid-show-more">
            {props.loadingMore ? 'Loading…' : `Show ${number.format((nextPageSize(props.names.length, props.matching) ?? props.names.length) - props.names.length)} more`}
          </button>
        </div>
      </Show>
    </div>
  );
}

/** A ref that calls `reached` each time its element comes within a screen of the viewport. */
function nearScreen(reached: () => void): (element: HTMLElement) => void {
  return (element) => {
    if (typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && reached(), { rootMargin: '100% 0px' });
    observer.observe(element);
    onCleanup(() => observer.disconnect());
  };
}
