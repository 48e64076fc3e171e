/**
 * Admin → Alert channels: where notices go. Each channel with its settings (secrets never shown,
 * only whether they are set), where it is defined, and a test send that shows what the receiver
 * answered. API channels can be created, edited and deleted; config-file ones are read-only.
 */
import { For, Show, createSignal } from 'solid-js';
import { createQuery } from '@urql/solid';
import { graphql } from '../../graphql';
import type { AlertChannelFieldsFragment, TestAlertChannelMutation } from '../../graphql/graphql.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { AdminTabs } from '../../components/admin/AdminTabs.tsx';
import { Badge } from '../../components/Badge.tsx';
import { FormErrorMessage } from '../../components/Forms.tsx';
import { InlineConfirm, RowError } from '../../components/InlineConfirm.tsx';
import { ChannelForm } from '../../components/alerting/ChannelForm.tsx';
import { client } from '../../lib/urql.ts';
import { onReconnected } from '../../lib/connection.ts';
import { formError, type FormError } from '../../lib/errors.ts';
import { formatLatency } from '../../lib/status.ts';

graphql(`
  fragment AlertChannelFields on AlertChannel {
    name
    kind
    settings
    secretsSet
    source
    updatedAt
  }
`);

const AlertChannelsDoc = graphql(`
  query AlertChannels {
    alertChannels {
      ...AlertChannelFields
    }
    alertChannelKinds {
      kind
      description
      secretFields
    }
  }
`);

const DeleteAlertChannelDoc = graphql(`
  mutation DeleteAlertChannel($name: String!) {
    deleteAlertChannel(name: $name)
  }
`);

const TestAlertChannelDoc = graphql(`
  mutation TestAlertChannel($name: String!) {
    testAlertChannel(name: $name) {
      channel
      messageId
      ok
      statusCode
      latencyMs
      error
      detail
    }
  }
`);

type Editing = { mode: 'new' } | { mode: 'edit'; channel: AlertChannelFieldsFragment } | null;
const COLUMNS = 5;

export function ChannelsPage() {
  const [data, refetch] = createQuery({ query: AlertChannelsDoc });
  const refresh = () => refetch();
  onReconnected(refresh);
  const [editing, setEditing] = createSignal<Editing>(null);
  const [saved, setSaved] = createSignal<string | null>(null);

  return (
    <>
      <PageHeader
        title="Admin"
        description="API tokens, users, services, alert channels and the audit trail of every change."
        actions={
          <button type="button" class="button button--primary" onClick={() => (setSaved(null), setEditing({ mode: 'new' }))} data-testid="channel-add">
            Add a channel
          </button>
        }
      />
      <AdminTabs />
      <Show when={saved()}>
        <p class="notice notice--ok" data-testid="channel-saved">
          {saved()}
        </p>
      </Show>
      <Show when={editing() && data.data} keyed>
        {(current) => (
          <section class="card" data-testid="channel-form-card">
            <h2>{editing()?.mode === 'edit' ? `Edit “${(editing() as { channel: AlertChannelFieldsFragment }).channel.name}”` : 'Add a channel'}</h2>
            <ChannelForm
              kinds={current.alertChannelKinds}
              channel={editing()?.mode === 'edit' ? (editing() as { channel: AlertChannelFieldsFragment }).channel : undefined}
              onSaved={(channel) => {
                setSaved(`${editing()?.mode === 'edit' ? 'Saved' : 'Created'} “${channel.name}”. Send a test to see that it arrives.`);
                setEditing(null);
                refresh();
              }}
              onCancel={() => setEditing(null)}
            />
          </section>
        )}
      </Show>
      {/* Focusable: on a phone the table scrolls sideways inside it, and keyboard users must reach that too. */}
      <section class="card card--flush" tabindex="0" aria-labelledby="channels-heading">
        <div class="card__head">
          <h2 id="channels-heading">Alert channels</h2>
          <span class="muted">The Alerts page is always told; these are told as each service's alert settings say.</span>
        </div>
        <FormErrorMessage error={formError(data.error)} />
        <table class="table" data-testid="channels-table">
          <thead>
            <tr>
              <th>Channel</th>
              <th>Settings</th>
              <th>Secrets</th>
              <th>Defined in</th>
              <th />
            </tr>
          </thead>
          <tbody>
            <For each={data.data?.alertChannels} fallback={<tr><td colSpan={COLUMNS} class="table__empty">{data.fetching ? 'Loading…' : 'No channels yet: add one, or declare them in the config file (alerting.channels).'}</td></tr>}>
              {(channel) => (
                <ChannelRow
                  channel={channel}
                  onEdit={() => {
                    setSaved(null);
                    setEditing({ mode: 'edit', channel });
                    window.scrollTo({ top: 0 });
                  }}
                  onDeleted={refresh}
                />
              )}
            </For>
          </tbody>
        </table>
      </section>
    </>
  );
}

function ChannelRow(props: { channel: AlertChannelFieldsFragment; onEdit: () => void; onDeleted: () => void }) {
  const [confirming, setConfirming] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [testing, setTesting] = createSignal(false);
  const [tested, setTested] = createSignal<TestAlertChannelMutation['testAlertChannel'] | null>(null);
  const [error, setError] = createSignal<FormError | null>(null);
  const c = () => props.channel;
  const settings = () => Object.entries((c().settings ?? {}) as Record<string, unknown>);

  const onDelete = async () => {
    setBusy(true);
    const result = await client.mutation(DeleteAlertChannelDoc, { name: c().name }).toPromise();
    setBusy(false);
    setConfirming(false);
    setError(formError(result.error));
    if (!result.error) props.onDeleted();
  };
  const onTest = async () => {
    setTesting(true);
    setTested(null);
    const result = await client.mutation(TestAlertChannelDoc, { name: c().name }).toPromise();
    setTesting(false);
    setError(formError(result.error));
    setTested(result.data?.testAlertChannel ?? null);
  };

  return (
    <>
      <tr data-testid="channel-row" data-channel={c().name} data-source={c().source}>
        <td>
          <div class="strong">{c().name}</div>
          <div class="caps mono">{c().kind}</div>
        </td>
        <td>
          {/* No settings: a dash beside the list, not inside it (a <dl> holds only <dt>/<dd> pairs). */}
          <Show when={settings().length} fallback={<span class="muted">—</span>}>
            <dl class="channel-settings">
              <For each={settings()}>
                {([key, value]) => (
                  <>
                    <dt>{key}</dt>
                    <dd class="mono">{Array.isArray(value) ? value.join(', ') : String(value)}</dd>
                  </>
                )}
              </For>
            </dl>
          </Show>
        </td>
        <td data-testid="channel-secrets">
          <Show when={c().secretsSet.length} fallback={<span class="muted">none</span>}>
            <For each={c().secretsSet}>{(s) => <span class="tag">{s} ✓ set</span>}</For>
          </Show>
        </td>
        <td class="caps" data-testid="channel-origin">
          {c().source === 'config' ? 'Config file' : 'API'}
        </td>
        <td class="table__actions">
          <button type="button" class="button button--quiet button--small" disabled={testing()} onClick={() => void onTest()} data-testid="channel-test">
            {testing() ? 'Sending…' : 'Send test'}
          </button>{' '}
          <Show when={c().source !== 'config'} fallback={<span class="muted" title="Change it in the config file">read-only</span>}>
            <Show
              when={confirming()}
              fallback={
                <>
                  <button type="button" class="button button--quiet button--small" onClick={() => props.onEdit()} data-testid="channel-edit">
                    Edit
                  </button>{' '}
                  <button type="button" class="button button--danger-quiet button--small" onClick={() => setConfirming(true)} data-testid="channel-delete">
                    Delete
                  </button>
                </>
              }
            >
              <InlineConfirm question={<>Delete “{c().name}”?</>} confirmLabel="Delete" busy={busy()} onConfirm={() => void onDelete()} onCancel={() => setConfirming(false)} testid="channel-delete-confirm" />
            </Show>
          </Show>
        </td>
      </tr>
      <Show when={tested()}>
        {(t) => (
          <tr class="table__detail">
            <td colSpan={COLUMNS}>
              <div class="channel-test" role="status" data-testid="channel-test-result" data-ok={t().ok ? 'true' : 'false'}>
                <Badge tone={t().ok ? 'ok' : 'bad'}>{t().ok ? 'Delivered' : 'Failed'}</Badge>
                <span>
                  Status <strong data-testid="channel-test-status">{t().statusCode ?? '—'}</strong>
                </span>
                <span>in {formatLatency(t().latencyMs)}</span>
                <Show when={t().error}>
                  <span class="check-error" data-testid="channel-test-error">
                    {t().error}
                  </span>
                </Show>
                <Show when={t().detail}>
                  <span class="muted">{t().detail}</span>
                </Show>
                <button type="button" class="button button--quiet button--small" onClick={() => setTested(null)}>
                  Dismiss
                </button>
              </div>
            </td>
          </tr>
        )}
      </Show>
      <RowError error={error()} columns={COLUMNS} testid="channel-row-error" />
    </>
  );
}
