/** A row of tabs between sibling pages; the tab whose address is the current one is marked. */
import { For } from 'solid-js';
import { A, useLocation } from '@solidjs/router';

export interface Tab {
  label: string;
  href: string;
  testid: string;
}

export function Tabs(props: { label: string; tabs: readonly Tab[] }) {
  const location = useLocation();
  return (
    <nav class="tabs" aria-label={props.label}>
      <For each={props.tabs}>
        {(tab) => (
          <A
            href={tab.href}
            class="tabs__tab"
            classList={{ 'tabs__tab--active': location.pathname === tab.href }}
            aria-current={location.pathname === tab.href ? 'page' : undefined}
            data-testid={tab.testid}
          >
            {tab.label}
          </A>
        )}
      </For>
    </nav>
  );
}
