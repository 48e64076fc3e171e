/** A row of tabs between sibling pages; the tab whose address is the current one is marked, and one that needs a capability the caller lacks is left out. */
import { For } from 'solid-js';
import { A, useLocation } from '@solidjs/router';
import type { Capability } from '../../../server/auth/capabilities.ts';
import { can } from '../lib/session.ts';

export interface Tab {
  label: string;
  href: string;
  testid: string;
  /** Shown only to callers with this capability. */
  capability?: Capability;
}

export function Tabs(props: { label: string; tabs: readonly Tab[] }) {
  const location = useLocation();
  return (
    <nav class="tabs" aria-label={props.label}>
      <For each={props.tabs.filter((tab) => !tab.capability || can(tab.capability))}>
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
