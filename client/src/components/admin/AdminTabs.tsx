/** Tabs between the admin pages (tokens, users, audit log). */
import { For } from 'solid-js';
import { A, useLocation } from '@solidjs/router';
import { ADMIN_TABS } from '../../navigation.ts';

export function AdminTabs() {
  const location = useLocation();
  return (
    <nav class="tabs" aria-label="Admin">
      <For each={ADMIN_TABS}>
        {(tab) => (
          <A
            href={tab.href}
            class="tabs__tab"
            classList={{ 'tabs__tab--active': location.pathname === tab.href }}
            data-testid={tab.testid}
          >
            {tab.label}
          </A>
        )}
      </For>
    </nav>
  );
}
