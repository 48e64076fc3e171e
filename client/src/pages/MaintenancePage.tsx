/**
 * Alerts → Maintenance: the windows in which notices are held (active, then upcoming, then the
 * ones that ended), and for operators planning one, ending one now, and deleting one. Windows
 * from the config file are read-only. Active and upcoming change with time alone, so the list is
 * fetched again every 30 s as well as after each change.
 */
import { For, Show, createMemo, createSignal, onCleanup } from 'solid-js';
import { graphql } from '../graphql';
import type { MaintenanceWindowsQuery } from '../graphql/graphql.ts';
import { Capability } from '../../../server/auth/capabilities.ts';
import { PageHeader } from '../components/PageHeader.tsx';
import { Tabs } from '../components/Tabs.tsx';
import { Badge } from '../components/Badge.tsx';
import { FormErrorMessage } from '../components/Forms.tsx';
import { InlineConfirm } from '../components/InlineConfirm.tsx';
import { MaintenanceForm } from '../components/alerting/MaintenanceForm.tsx';
import { ALERT_TABS } from '../navigation.ts';
import { client } from '../lib/urql.ts';
import { can } from '../lib/session.ts';
import { onReconnected } from '../lib/connection.ts';
import { formError, type FormError } from '../lib/errors.ts';
import { formatDateTime } from '../lib/format.ts';

const MaintenanceWindowsDoc = graphql(`
  query MaintenanceWindows($first: Int!) {
    maintenanceWindows(includeEnded: true, first: $first) {
      id
      name
      services
      tags
      all
      startsAt
      endsAt
      rrule
      duration
      reason
      endWhenHealthy
      endedAt
      active
      currentOrNextStart
      currentOrNextEnd
      source
      createdBy
      createdAt
    }
    services(first: 1000) {
      name
      displayName
    }
  }
`);

const EndMaintenanceWindowDoc = graphql(`
  mutation EndMaintenanceWindow($id: Int!) {
    endMaintenanceWindow(id: $id) {
      id
      endedAt
    }
  }
`);

const DeleteMaintenanceWindowDoc = graphql(`
  mutation DeleteMaintenanceWindow($id: Int!) {
    deleteMaintenanceWindow(id: $id)
  }
`);

type MaintenanceWindow = MaintenanceWindowsQuery['maintenanceWindows'][number];

const POLL_MS = 30_000;
/** Ended windows shown under the others. */
const ENDED_SHOWN = 20;
/**
 * Windows asked for: the server lists those in force or to come first, then the ended ones, the
 * latest ended first (kept for the record, they grow without bound).
 */
const WINDOWS_ASKED = 500;

export function MaintenancePage() {
  const [data, setData] = createSignal<MaintenanceWindowsQuery | null>(null);
  const [error, setError] = createSignal<FormError | null>(null);
  const [planning, setPlanning] = createSignal(false);
  const [saved, setSaved] = createSignal<string | null>(null);
  const reload = async () => {
    const result = await client.query(MaintenanceWindowsDoc, { first: WINDOWS_ASKED }).toPromise();
    setError(formError(result.error));
    if (result.data) setData(result.data);
  };
  void reload();
  onReconnected(() => void reload());
  const timer = setInterval(() => void reload(), POLL_MS);
  onCleanup(() => clearInterval(timer));

  const groups = createMemo(() => {
    const windows = data()?.maintenanceWindows ?? [];
    const active = windows.filter((w) => w.active);
    const upcoming = windows.filter((w) => !w.active && w.currentOrNextStart).sort((a, b) => a.currentOrNextStart!.localeCompare(b.currentOrNextStart!));
    const ended = windows.filter((w) => !w.active && !w.currentOrNextStart).slice(0, ENDED_SHOWN);
    return { active, upcoming, ended };
  });
  const manage = () => can(Capability.OperationsManage);

  return (
    <>
      <PageHeader
        title="Alerts"
        description="What went wrong, who was told, and who is on it. Live."
        actions={
          <Show when={manage()}>
            <button type="button" class="button button--primary" onClick={() => (setSaved(null), setPlanning(true))} data-testid="maintenance-add">
              Plan maintenance
            </button>
          </Show>
        }
      />
      <Tabs label="Alerts" tabs={ALERT_TABS} />
      <p class="muted">During a maintenance window, incidents of the services it covers are still recorded and shown here, but nobody is paged.</p>
      <FormErrorMessage error={error()} testid="maintenance-error" />
      <Show when={saved()}>
        <p class="notice notice--ok" data-testid="maintenance-saved">
          {saved()}
        </p>
      </Show>
      <Show when={planning() && data()}>
        <section class="card" data-testid="maintenance-form-card">
          <h2>Plan a maintenance window</h2>
          <MaintenanceForm
            services={data()!.services}
            onSaved={(name) => {
              setSaved(`Planned “${name}”.`);
              setPlanning(false);
              void reload();
            }}
            onCancel={() => setPlanning(false)}
          />
        </section>
      </Show>
      <WindowSection title="Active now" windows={groups().active} testid="maintenance-active" empty="No window is active: every notice goes out." onChanged={reload} loaded={!!data()} />
      <WindowSection title="Upcoming" windows={groups().upcoming} testid="maintenance-upcoming" empty="Nothing planned." onChanged={reload} loaded={!!data()} />
      <Show when={groups().ended.length}>
        <WindowSection title="Ended" windows={groups().ended} testid="maintenance-ended" empty="" onChanged={reload} loaded />
      </Show>
    </>
  );
}

function WindowSection(props: { title: string; windows: MaintenanceWindow[]; testid: string; empty: string; loaded: boolean; onChanged: () => Promise<void> }) {
  return (
    <section class="card card--flush" data-testid={props.testid}>
      <div class="card__head">
        <h2>{props.title}</h2>
        <span class="muted">{props.loaded ? `${props.windows.length}` : ''}</span>
      </div>
      <ul class="windows">
        <For each={props.windows} fallback={<li class="table__empty">{props.loaded ? props.empty : 'Loading…'}</li>}>
          {(w) => <WindowRow window={w} onChanged={props.onChanged} />}
        </For>
      </ul>
    </section>
  );
}

function WindowRow(props: { window: MaintenanceWindow; onChanged: () => Promise<void> }) {
  const [confirming, setConfirming] = createSignal<'end' | 'delete' | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<FormError | null>(null);
  const w = () => props.window;
  const ended = () => !w().active && !w().currentOrNextStart;

  const act = async (what: 'end' | 'delete') => {
    setBusy(true);
    const result =
      what === 'end'
        ? await client.mutation(EndMaintenanceWindowDoc, { id: w().id }).toPromise()
        : await client.mutation(DeleteMaintenanceWindowDoc, { id: w().id }).toPromise();
    setBusy(false);
    setConfirming(null);
    setError(formError(result.error));
    await props.onChanged();
  };

  return (
    <li class="window" data-testid="maintenance-window" data-name={w().name} data-active={w().active ? 'true' : 'false'}>
      <div class="window__main">
        <div class="window__title">
          <strong>{w().name}</strong>
          <Show when={w().active} fallback={<Badge tone={ended() ? 'neutral' : 'info'}>{ended() ? 'Ended' : 'Upcoming'}</Badge>}>
            <Badge tone="warn">Active</Badge>
          </Show>
          <Show when={w().source === 'config'}>
            <span class="tag">config file</span>
          </Show>
        </div>
        <dl class="facts window__facts">
          <dt>Covers</dt>
          <dd data-testid="maintenance-covers">
            <Show when={!w().all} fallback={<>every service</>}>
              <For each={w().services}>{(s) => <a class="tag" href={`/services/${encodeURIComponent(s)}`}>{s}</a>}</For>
              <For each={w().tags}>{(t) => <span class="tag">tag: {t}</span>}</For>
            </Show>
          </dd>
          <dt>Schedule</dt>
          <dd>
            <Show when={w().rrule} fallback={<>{formatDateTime(w().startsAt)} → {formatDateTime(w().endedAt && (!w().endsAt || w().endedAt! < w().endsAt!) ? w().endedAt : w().endsAt)}</>}>
              <span class="mono">{w().rrule}</span>, {w().duration} each
            </Show>
            <Show when={w().endWhenHealthy}> (ends once healthy)</Show>
          </dd>
          <Show when={w().currentOrNextStart}>
            <dt>{w().active ? 'Now' : 'Next'}</dt>
            <dd data-testid="maintenance-next">
              {formatDateTime(w().currentOrNextStart)} → {formatDateTime(w().currentOrNextEnd)}
            </dd>
          </Show>
          <Show when={w().endedAt}>
            <dt>Ended early</dt>
            <dd>{formatDateTime(w().endedAt)}</dd>
          </Show>
          <Show when={w().reason}>
            <dt>Reason</dt>
            <dd>{w().reason}</dd>
          </Show>
          <dt>Created</dt>
          <dd class="caps">
            {formatDateTime(w().createdAt)} by {w().createdBy ?? (w().source === 'config' ? 'the config file' : 'unknown')}
          </dd>
        </dl>
        <FormErrorMessage error={error()} testid="maintenance-row-error" />
      </div>
      <Show when={can(Capability.OperationsManage) && w().source !== 'config'}>
        <div class="window__actions">
          <Show
            when={confirming()}
            fallback={
              <>
                <Show when={!ended()}>
                  <button type="button" class="button button--quiet button--small" onClick={() => setConfirming('end')} data-testid="maintenance-end">
                    End now
                  </button>
                </Show>
                <button type="button" class="button button--danger-quiet button--small" onClick={() => setConfirming('delete')} data-testid="maintenance-delete">
                  Delete
                </button>
              </>
            }
          >
            {(what) => (
              <InlineConfirm
                question={what() === 'end' ? <>End “{w().name}” now?</> : <>Delete “{w().name}”?</>}
                confirmLabel={what() === 'end' ? 'End now' : 'Delete'}
                busy={busy()}
                onConfirm={() => void act(what())}
                onCancel={() => setConfirming(null)}
                testid={what() === 'end' ? 'maintenance-end-confirm' : 'maintenance-delete-confirm'}
              />
            )}
          </Show>
        </div>
      </Show>
    </li>
  );
}
