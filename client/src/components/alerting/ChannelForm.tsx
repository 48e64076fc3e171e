/**
 * Creates or edits an alert channel: the kind's own fields (secret ones blank when editing: left
 * blank, they keep their value). The server checks everything and names the field it refuses.
 */
import { For, Match, Show, Switch, createMemo, createSignal } from 'solid-js';
import { createStore } from 'solid-js/store';
import { graphql } from '../../graphql';
import type { AlertChannelFieldsFragment } from '../../graphql/graphql.ts';
import { client } from '../../lib/urql.ts';
import { formError, type FormError } from '../../lib/errors.ts';
import { CHANNEL_FIELDS, fieldText, fieldValue, type ChannelField } from '../../lib/channel-kinds.ts';
import { Field, FormErrorMessage, TextField } from '../Forms.tsx';

const CreateAlertChannelDoc = graphql(`
  mutation CreateAlertChannel($input: AlertChannelInput!) {
    createAlertChannel(input: $input) {
      ...AlertChannelFields
    }
  }
`);

const UpdateAlertChannelDoc = graphql(`
  mutation UpdateAlertChannel($name: String!, $settings: JSON!) {
    updateAlertChannel(name: $name, settings: $settings) {
      ...AlertChannelFields
    }
  }
`);

export interface ChannelKindInfo {
  kind: string;
  description: string;
  secretFields: string[];
}

export function ChannelForm(props: { kinds: readonly ChannelKindInfo[]; channel?: AlertChannelFieldsFragment; onSaved: (channel: AlertChannelFieldsFragment) => void; onCancel: () => void }) {
  const editing = !!props.channel;
  const [name, setName] = createSignal(props.channel?.name ?? '');
  const [kind, setKind] = createSignal(props.channel?.kind ?? props.kinds.find((k) => k.kind === 'webhook')?.kind ?? props.kinds[0]?.kind ?? '');
  const stored = (props.channel?.settings ?? {}) as Record<string, unknown>;
  const [values, setValues] = createStore<Record<string, string>>({});
  const [json, setJson] = createSignal(editing ? JSON.stringify(stored, null, 2) : '{}');
  const [error, setError] = createSignal<FormError | null>(null);
  const [busy, setBusy] = createSignal(false);

  const info = createMemo(() => props.kinds.find((k) => k.kind === kind()));
  const fields = createMemo(() => CHANNEL_FIELDS[kind()]);
  const secret = (field: string) => info()?.secretFields.includes(field) ?? false;
  const text = (field: ChannelField) => values[field.name] ?? (secret(field.name) ? '' : fieldText(field, stored[field.name]));
  const isSet = (field: string) => props.channel?.secretsSet.includes(field) ?? false;
  const at = (field: string) => (error()?.field === field || error()?.field?.startsWith(`${field}[`) ? error()!.message : null);

  const settings = (): { settings: Record<string, unknown> } | { error: FormError } => {
    const list = fields();
    if (!list) {
      try {
        return { settings: JSON.parse(json()) as Record<string, unknown> };
      } catch (e) {
        return { error: { field: 'settings', message: `Settings must be JSON: ${(e as Error).message}` } };
      }
    }
    const out: Record<string, unknown> = {};
    for (const field of list) {
      const value = fieldValue(field, text(field));
      if (field.type === 'number' && typeof value === 'number' && !Number.isInteger(value)) return { error: { field: field.name, message: 'Enter a whole number.' } };
      // A secret left blank while editing keeps its value: leave it out.
      if (value !== undefined) out[field.name] = value;
    }
    return { settings: out };
  };

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    setError(null);
    const built = settings();
    if ('error' in built) return setError(built.error);
    setBusy(true);
    const result = editing
      ? await client.mutation(UpdateAlertChannelDoc, { name: props.channel!.name, settings: built.settings }).toPromise()
      : await client.mutation(CreateAlertChannelDoc, { input: { name: name().trim(), kind: kind(), settings: built.settings } }).toPromise();
    setBusy(false);
    if (result.error) return setError(formError(result.error));
    const saved = result.data && ('createAlertChannel' in result.data ? result.data.createAlertChannel : result.data.updateAlertChannel);
    if (saved) props.onSaved(saved);
  };

  const known = (field: string | undefined) => !!field && (field === 'name' || field === 'kind' || field === 'settings' || !!fields()?.some((f) => field === f.name || field.startsWith(`${f.name}[`)));

  return (
    <form class="form" onSubmit={onSubmit} data-testid="channel-form" novalidate>
      <div class="form-grid">
        <TextField label="Name" hint="a–z, 0–9, . _ -; cannot change later." error={at('name')} required disabled={editing} value={name()} onValue={setName} data-testid="channel-form-name" />
        <Field label="Kind" hint={info()?.description} error={at('kind')}>
          <select value={kind()} disabled={editing} onChange={(e) => (setKind(e.currentTarget.value), setValues({}))} data-testid="channel-form-kind">
            <For each={props.kinds}>{(k) => <option value={k.kind}>{k.kind}</option>}</For>
          </select>
        </Field>
      </div>
      <Switch>
        <Match when={fields()}>
          {(list) => (
            <div class="form-grid">
              <For each={list()}>
                {(field) => (
                  <Show
                    when={field.type !== 'checkbox'}
                    fallback={
                      <label class="checkbox">
                        <input type="checkbox" checked={text(field) === 'true'} onChange={(e) => setValues(field.name, e.currentTarget.checked ? 'true' : '')} data-testid={`channel-form-${field.name}`} />
                        <span class="field__label">{field.label}</span>
                      </label>
                    }
                  >
                    <TextField
                      label={`${field.label}${secret(field.name) ? ' (secret)' : ''}`}
                      hint={secret(field.name) && editing ? (isSet(field.name) ? 'Set. Leave blank to keep it.' : 'Not set.') : field.hint}
                      type={secret(field.name) ? 'password' : field.type === 'number' ? 'number' : 'text'}
                      autocomplete={secret(field.name) ? 'new-password' : 'off'}
                      placeholder={field.placeholder}
                      required={field.required && !(editing && secret(field.name))}
                      error={at(field.name)}
                      value={text(field)}
                      onValue={(v) => setValues(field.name, v)}
                      data-testid={`channel-form-${field.name}`}
                    />
                  </Show>
                )}
              </For>
            </div>
          )}
        </Match>
        <Match when={!fields()}>
          <Field label="Settings (JSON)" hint="This kind's settings." error={at('settings')}>
            <textarea class="mono" rows={5} value={json()} onInput={(e) => setJson(e.currentTarget.value)} spellcheck={false} data-testid="channel-form-settings" />
          </Field>
        </Match>
      </Switch>
      <Show when={error() && !known(error()!.field)}>
        <FormErrorMessage error={error()} testid="channel-form-error" />
      </Show>
      <div class="form__buttons">
        <button type="submit" class="button button--primary" disabled={busy()} data-testid="channel-form-submit">
          {busy() ? 'Saving…' : editing ? 'Save changes' : 'Create channel'}
        </button>
        <button type="button" class="button button--quiet" onClick={() => props.onCancel()} data-testid="channel-form-cancel">
          Cancel
        </button>
      </div>
    </form>
  );
}
