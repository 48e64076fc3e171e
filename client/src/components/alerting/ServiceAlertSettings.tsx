/**
 * A service's alert settings on its page: what is in force, which of it the service sets itself
 * and which it takes from the default; operators change them here unless the config file
 * declares them. Below, the service's recent incidents, live.
 */
import { For, Match, Show, Switch, createSignal } from 'solid-js';
import { createStore } from 'solid-js/store';
import { A } from '@solidjs/router';
import { Capability } from '../../../../server/auth/capabilities.ts';
import { graphql } from '../../graphql';
import type { AlertConfigInput, ServiceAlertConfigQuery } from '../../graphql/graphql.ts';
import { client } from '../../lib/urql.ts';
import { can } from '../../lib/session.ts';
import { formError, type FormError } from '../../lib/errors.ts';
import { AlertsDoc, onAlertChanged, type AlertRow } from '../../lib/alerts.ts';
import { Badge } from '../Badge.tsx';
import { FormErrorMessage, TextField } from '../Forms.tsx';
import { AlertList } from './AlertList.tsx';

const ServiceAlertConfigDoc = graphql(`
  query ServiceAlertConfig($service: String!) {
    alertConfigs(service: $service) {
      service
      source
      own
      updatedAt
      effective {
        enabled
        channels
        escalationDelay
        minDuration
        remindEvery
        notifyRecovery
      }
    }
    alertChannels {
      name
      kind
    }
  }
`);

const UpdateServiceAlertConfigDoc = graphql(`
  mutation UpdateServiceAlertConfig($service: String!, $input: AlertConfigInput!) {
    updateAlertConfig(service: $service, input: $input) {
      service
    }
  }
`);

type Config = ServiceAlertConfigQuery['alertConfigs'][number];
type Effective = Config['effective'];

/** The settings in the order shown, each with the key `own` stores it under and the API's field name. */
const SETTINGS = [
  { field: 'enabled', own: 'enabled', label: 'Alerting' },
  { field: 'channels', own: 'channels', label: 'Channels' },
  { field: 'escalationDelay', own: 'escalationDelayMs', label: 'Escalation delay' },
  { field: 'minDuration', own: 'minDurationMs', label: 'Minimum duration' },
  { field: 'remindEvery', own: 'remindEveryMs', label: 'Reminders' },
  { field: 'notifyRecovery', own: 'notifyRecovery', label: 'Recovery notice' },
] as const;

type Field = (typeof SETTINGS)[number]['field'];

/** "0s", "0ms": the server writes a zero duration with some unit. */
const isZero = (duration: string) => /^0(ms|s|m|h|d)?$/.test(duration);

function shown(field: Field, e: Effective): string {
  switch (field) {
    case 'enabled':
      return e.enabled ? 'on' : 'off';
    case 'channels':
      return e.channels.length ? `Alerts page, ${e.channels.join(', ')}` : 'Alerts page only';
    case 'escalationDelay':
      return isZero(e.escalationDelay) ? 'none (at once)' : `${e.escalationDelay} before anyone is paged`;
    case 'minDuration':
      return isZero(e.minDuration) ? 'none' : `a bad status must last ${e.minDuration}`;
    case 'remindEvery':
      return e.remindEvery === 'off' ? 'off' : `every ${e.remindEvery} until acknowledged`;
    case 'notifyRecovery':
      return e.notifyRecovery ? 'yes' : 'no';
  }
}

export function ServiceAlertSettings(props: { service: string }) {
  const [data, setData] = createSignal<ServiceAlertConfigQuery | null>(null);
  const [error, setError] = createSignal<FormError | null>(null);
  const [editing, setEditing] = createSignal(false);
  const reload = async () => {
    const result = await client.query(ServiceAlertConfigDoc, { service: props.service }).toPromise();
    setError(formError(result.error));
    if (result.data) setData(result.data);
  };
  void reload();

  const config = () => data()?.alertConfigs[0] ?? null;
  const own = () => (config()?.own ?? {}) as Record<string, unknown>;
  const fromFile = () => config()?.source === 'config';

  return (
    <section class="card" data-testid="service-alert-settings" data-source={config()?.source ?? 'none'}>
      <div class="chart-head">
        <h2>Alert settings</h2>
        <Show when={config() && can(Capability.OperationsManage) && !fromFile() && !editing()}>
          <button type="button" class="button button--quiet button--small" onClick={() => setEditing(true)} data-testid="alert-settings-edit">
            Edit
          </button>
        </Show>
      </div>
      <FormErrorMessage error={error()} testid="alert-settings-error" />
      <Show when={fromFile()}>
        <p class="muted" data-testid="alert-settings-from-file">
          Declared in the config file (the service's <code>alerts:</code>): change them there.
        </p>
      </Show>
      <Show when={config()} fallback={<p class="muted">{data() ? 'No alert settings for this service.' : 'Loading…'}</p>}>
        {(c) => (
          <Switch>
            <Match when={editing()}>
              <AlertSettingsForm
                service={props.service}
                config={c()}
                channels={data()!.alertChannels.map((ch) => ch.name)}
                onSaved={() => {
                  setEditing(false);
                  void reload();
                }}
                onCancel={() => setEditing(false)}
              />
            </Match>
            <Match when={!editing()}>
              <dl class="facts alert-settings" data-testid="alert-settings">
                <For each={SETTINGS}>
                  {(s) => (
                    <>
                      <dt>{s.label}</dt>
                      <dd data-testid={`alert-setting-${s.field}`} data-own={s.own in own() ? 'true' : 'false'}>
                        <span>{shown(s.field, c().effective)}</span>{' '}
                        <Show when={s.own in own()} fallback={<span class="caps">(default)</span>}>
                          <Badge tone="info">{fromFile() ? 'config file' : 'own'}</Badge>
                        </Show>
                      </dd>
                    </>
                  )}
                </For>
              </dl>
            </Match>
          </Switch>
        )}
      </Show>
    </section>
  );
}

interface FormValues {
  /** Per field: taken from the default (true) or set here. */
  inherit: Record<Field, boolean>;
  enabled: boolean;
  channels: string[];
  escalationDelay: string;
  minDuration: string;
  remindEvery: string;
  notifyRecovery: boolean;
}

function AlertSettingsForm(props: { service: string; config: Config; channels: string[]; onSaved: () => void; onCancel: () => void }) {
  const own = props.config.own as Record<string, unknown>;
  const e = props.config.effective;
  const [v, setV] = createStore<FormValues>({
    inherit: Object.fromEntries(SETTINGS.map((s) => [s.field, !(s.own in own)])) as Record<Field, boolean>,
    enabled: e.enabled,
    channels: [...e.channels],
    escalationDelay: e.escalationDelay,
    minDuration: e.minDuration,
    remindEvery: e.remindEvery,
    notifyRecovery: e.notifyRecovery,
  });
  const [error, setError] = createSignal<FormError | null>(null);
  const [busy, setBusy] = createSignal(false);
  const at = (field: string) => (error()?.field === `input.${field}` || error()?.field === field ? error()!.message : null);

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    setError(null);
    const input: AlertConfigInput = { reset: SETTINGS.filter((s) => v.inherit[s.field]).map((s) => s.field) };
    if (!v.inherit.enabled) input.enabled = v.enabled;
    if (!v.inherit.channels) input.channels = v.channels;
    if (!v.inherit.escalationDelay) input.escalationDelay = v.escalationDelay.trim();
    if (!v.inherit.minDuration) input.minDuration = v.minDuration.trim();
    if (!v.inherit.remindEvery) input.remindEvery = v.remindEvery.trim();
    if (!v.inherit.notifyRecovery) input.notifyRecovery = v.notifyRecovery;
    setBusy(true);
    const result = await client.mutation(UpdateServiceAlertConfigDoc, { service: props.service, input }).toPromise();
    setBusy(false);
    if (result.error) return setError(formError(result.error));
    props.onSaved();
  };

  const InheritToggle = (p: { field: Field }) => (
    <label class="choice alert-settings__inherit">
      <input type="checkbox" checked={v.inherit[p.field]} onChange={(ev) => setV('inherit', p.field, ev.currentTarget.checked)} data-testid={`alert-inherit-${p.field}`} />
      from the default
    </label>
  );

  return (
    <form class="form" onSubmit={onSubmit} data-testid="alert-settings-form" novalidate>
      <div class="form-grid">
        <div class="field">
          <span class="field__label">Alerting</span>
          <label class="choice">
            <input type="checkbox" checked={v.enabled} disabled={v.inherit.enabled} onChange={(ev) => setV('enabled', ev.currentTarget.checked)} data-testid="alert-form-enabled" />
            on
          </label>
          <InheritToggle field="enabled" />
        </div>
        <div class="field">
          <span class="field__label">Notify recovery</span>
          <label class="choice">
            <input type="checkbox" checked={v.notifyRecovery} disabled={v.inherit.notifyRecovery} onChange={(ev) => setV('notifyRecovery', ev.currentTarget.checked)} data-testid="alert-form-notifyRecovery" />
            send a notice when it resolves
          </label>
          <InheritToggle field="notifyRecovery" />
        </div>
        <div class="field" classList={{ 'field--invalid': !!at('channels') }}>
          <span class="field__label">Channels</span>
          <div class="choice-group__list">
            <For each={props.channels} fallback={<span class="muted">No channels defined (Admin → Alert channels).</span>}>
              {(name) => (
                <label class="choice">
                  <input
                    type="checkbox"
                    checked={v.channels.includes(name)}
                    disabled={v.inherit.channels}
                    onChange={(ev) => setV('channels', (list) => (ev.currentTarget.checked ? [...list, name] : list.filter((n) => n !== name)))}
                    data-testid="alert-form-channel"
                    data-channel={name}
                  />
                  {name}
                </label>
              )}
            </For>
          </div>
          <InheritToggle field="channels" />
          <Show when={at('channels')}>
            <span class="field__error">{at('channels')}</span>
          </Show>
        </div>
        <div class="field">
          <TextField label="Escalation delay" hint="How long before a channel is told: 0s to 7d." error={at('escalationDelay')} disabled={v.inherit.escalationDelay} value={v.escalationDelay} onValue={(x) => setV('escalationDelay', x)} data-testid="alert-form-escalationDelay" />
          <InheritToggle field="escalationDelay" />
        </div>
        <div class="field">
          <TextField label="Minimum duration" hint="How long a bad status must last first." error={at('minDuration')} disabled={v.inherit.minDuration} value={v.minDuration} onValue={(x) => setV('minDuration', x)} data-testid="alert-form-minDuration" />
          <InheritToggle field="minDuration" />
        </div>
        <div class="field">
          <TextField label="Remind every" hint="At least 1m, or off." error={at('remindEvery')} disabled={v.inherit.remindEvery} value={v.remindEvery} onValue={(x) => setV('remindEvery', x)} data-testid="alert-form-remindEvery" />
          <InheritToggle field="remindEvery" />
        </div>
      </div>
      <Show when={error() && !SETTINGS.some((s) => at(s.field))}>
        <FormErrorMessage error={error()} testid="alert-settings-form-error" />
      </Show>
      <div class="form__buttons">
        <button type="submit" class="button button--primary" disabled={busy()} data-testid="alert-settings-save">
          {busy() ? 'Saving…' : 'Save alert settings'}
        </button>
        <button type="button" class="button button--quiet" onClick={() => props.onCancel()}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The service's latest incidents, open ones first, live. */
export function ServiceIncidents(props: { service: string }) {
  const [alerts, setAlerts] = createSignal<AlertRow[] | null>(null);
  const reload = async () => {
    const result = await client.query(AlertsDoc, { filter: { service: props.service, limit: 10 } }).toPromise();
    if (result.data) setAlerts(result.data.alerts);
  };
  void reload();
  onAlertChanged(reload, props.service);
  return (
    <section class="card card--flush" data-testid="service-incidents">
      <div class="card__head">
        <h2>Recent incidents</h2>
        <A href="/alerts" class="muted">
          All alerts
        </A>
      </div>
      <Show when={alerts()} fallback={<p class="table__empty">Loading…</p>}>
        {(list) => <AlertList alerts={list()} testid="service-incident-list" showService={false} onChanged={() => void reload()} empty={<p class="muted">No incidents recorded.</p>} />}
      </Show>
    </section>
  );
}
