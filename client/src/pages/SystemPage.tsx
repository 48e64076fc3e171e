/**
 * System: Lookout's own state. The start-up checklist (live, one line here, the checks on their
 * own page) and the host's metrics (live, with 24 h charts); quick actions arrive with the rest of
 * the system capability.
 */
import { Show } from 'solid-js';
import { A } from '@solidjs/router';
import { PageHeader } from '../components/PageHeader.tsx';
import { Tabs } from '../components/Tabs.tsx';
import { Badge } from '../components/Badge.tsx';
import { SYSTEM_TABS } from '../navigation.ts';
import { createStartupChecklist } from '../lib/startup-checklist.ts';
import { HostCard } from '../components/system/HostCard.tsx';

export function SystemPage() {
  const model = createStartupChecklist();
  return (
    <>
      <PageHeader title="System" description="The host Lookout runs on, and its own start-up." />
      <Tabs label="System" tabs={SYSTEM_TABS} />
      <section class="card system-checklist" data-testid="system-checklist">
        <div>
          <h2>Startup checklist</h2>
          <p class="muted">The checks that must pass before Lookout accepts operations; admins may override one.</p>
        </div>
        <Show when={model.checklist()}>
          {(list) => (
            <p data-testid="system-checklist-verdict" data-ready={list().ready ? 'true' : 'false'}>
              <Show when={list().ready} fallback={<Badge tone="bad">Blocked</Badge>}>
                <Badge tone="ok">Ready</Badge>
              </Show>{' '}
              <Show when={!list().ready}>
                <span class="muted">failing: {list().failing.join(', ')}</span>
              </Show>
            </p>
          )}
        </Show>
        <p>
          <A href="/system/startup" data-testid="system-checklist-link">
            Open the startup checklist
          </A>
        </p>
      </section>
      <HostCard />
      <section class="card placeholder" data-testid="system-placeholder">
        <h2>Not here yet</h2>
        <p>The rest of the system capability arrives later. This page will show:</p>
        <ul>
          <li>quick actions (restart, logs) and the update check.</li>
        </ul>
      </section>
    </>
  );
}
