/**
 * System: Lookout's own state. The start-up checklist (live, one line here, the checks on their
 * own page), the runtime matrix (live, restart for admins), Lookout's metadata and the host's
 * metrics (live, with 24 h charts).
 */
import { Show } from 'solid-js';
import { A } from '@solidjs/router';
import { PageHeader } from '../components/PageHeader.tsx';
import { Tabs } from '../components/Tabs.tsx';
import { Badge } from '../components/Badge.tsx';
import { SYSTEM_TABS } from '../navigation.ts';
import { createStartupChecklist } from '../lib/startup-checklist.ts';
import { HostCard } from '../components/system/HostCard.tsx';
import { RuntimeMatrix } from '../components/system/RuntimeMatrix.tsx';
import { RuntimeLookoutCard } from '../components/system/RuntimeLookoutCard.tsx';
import { createRuntimeStatus } from '../lib/runtimes.ts';

export function SystemPage() {
  const model = createStartupChecklist();
  const runtimes = createRuntimeStatus();
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
      <RuntimeMatrix status={runtimes} />
      <RuntimeLookoutCard lookout={runtimes.lookout()} />
      <HostCard />
    </>
  );
}
