/**
 * System → Startup checklist: what Lookout checks before it accepts operations, live. Failing
 * required checks come first, in red, with their errors; admins may override one with a reason,
 * operators may run the checks now.
 */
import { For, Show, createMemo, createSignal } from 'solid-js';
import { Capability } from '../../../../server/auth/capabilities.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { Tabs } from '../../components/Tabs.tsx';
import { FormErrorMessage } from '../../components/Forms.tsx';
import { StartupCheckItem } from '../../components/system/StartupCheckItem.tsx';
import { SYSTEM_TABS } from '../../navigation.ts';
import { createStartupChecklist, type StartupCheck } from '../../lib/startup-checklist.ts';
import type { FormError } from '../../lib/errors.ts';
import { formatAgo, formatDateTime } from '../../lib/format.ts';
import { can } from '../../lib/session.ts';
import { now } from '../../lib/ticker.ts';

/** Blocking checks first, then the ones still being checked, then the rest; otherwise the server's order. */
function rank(check: StartupCheck, failing: string[]): number {
  if (failing.includes(check.name)) return check.state === 'FAILED' ? 0 : 1;
  return check.state === 'PENDING' ? 2 : 3;
}

export function StartupChecklistPage() {
  const model = createStartupChecklist();
  const [rerunning, setRerunning] = createSignal(false);
  const [rerunError, setRerunError] = createSignal<FormError | null>(null);
  const checks = createMemo(() => {
    const list = model.checklist();
    if (!list) return [];
    return list.checks.map((check, i) => ({ check, i })).sort((a, b) => rank(a.check, list.failing) - rank(b.check, list.failing) || a.i - b.i).map((x) => x.check);
  });
  const failingLabels = () => {
    const list = model.checklist();
    return list ? list.checks.filter((c) => list.failing.includes(c.name)).map((c) => c.label) : [];
  };

  const rerun = async () => {
    setRerunning(true);
    setRerunError(await model.rerun());
    setRerunning(false);
  };

  return (
    <>
      <PageHeader
        title="System"
        description="Lookout's own start-up: the checks that must pass before it accepts operations."
        actions={
          <Show when={can(Capability.OperationsManage)}>
            <button type="button" class="button" disabled={rerunning()} onClick={() => void rerun()} data-testid="checklist-rerun">
              {rerunning() ? 'Checking…' : 'Run checks now'}
            </button>
          </Show>
        }
      />
      <Tabs label="System" tabs={SYSTEM_TABS} />
      <FormErrorMessage error={model.error() ?? rerunError()} testid="checklist-error" />
      <Show when={model.checklist()} fallback={<p class="muted">Loading the start-up checklist…</p>}>
        {(list) => (
          <>
            <Show
              when={list().ready}
              fallback={
                <section class="verdict verdict--blocked" role="alert" data-testid="checklist-verdict" data-ready="false">
                  <h2>Blocked: new operations are refused</h2>
                  <p>
                    Until {failingLabels().length === 1 ? 'this required check passes' : 'these required checks pass'} or an admin overrides{' '}
                    {failingLabels().length === 1 ? 'it' : 'them'}, submitting an operation answers <code>NOT_READY</code>:{' '}
                    <strong>{failingLabels().join('; ')}</strong>.
                  </p>
                </section>
              }
            >
              <section class="verdict verdict--ready" data-testid="checklist-verdict" data-ready="true">
                <h2>Ready: operations are accepted</h2>
                <p>Every required check passed{list().checks.some((c) => c.overriddenBy) ? ' or was overridden by an admin' : ''}.</p>
              </section>
            </Show>
            {/* Focusable: on a phone the checks may scroll sideways inside it, and keyboard users must reach that too. */}
            <section class="card card--flush" tabindex="0" aria-labelledby="startup-checks-heading">
              <div class="card__head">
                <h2 id="startup-checks-heading">Checks</h2>
                <span class="muted" title={formatDateTime(list().checkedAt)} data-testid="checklist-checked-at">
                  {list().checkedAt ? `checked ${formatAgo(list().checkedAt, now())}, live` : 'not checked yet'}
                </span>
              </div>
              <ul class="checks" data-testid="startup-checks">
                <For each={checks()}>
                  {(check) => (
                    <StartupCheckItem
                      check={check}
                      blocking={list().failing.includes(check.name)}
                      canOverride={can(Capability.SystemAdmin)}
                      onOverride={model.override}
                    />
                  )}
                </For>
              </ul>
            </section>
          </>
        )}
      </Show>
    </>
  );
}
