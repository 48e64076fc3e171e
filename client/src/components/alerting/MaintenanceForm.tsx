/**
 * Plans a maintenance window: which services (some, by tag, or all), when (now or at a time, for
 * a duration or until an end; or recurring by an RFC 5545 rule, each occurrence lasting a
 * duration), why, and whether it ends by itself once the services are healthy again.
 */
import { For, Show, createSignal } from 'solid-js';
import { createStore } from 'solid-js/store';
import { graphql } from '../../graphql';
import type { MaintenanceWindowInput } from '../../graphql/graphql.ts';
import { client } from '../../lib/urql.ts';
import { formError, type FormError } from '../../lib/errors.ts';
import { createServiceSearch } from '../../lib/service-search.ts';
import { Field, FormErrorMessage, TextField, fieldErrorId, linkFieldError } from '../Forms.tsx';

const CreateMaintenanceWindowDoc = graphql(`
  mutation CreateMaintenanceWindow($input: MaintenanceWindowInput!) {
    createMaintenanceWindow(input: $input) {
      id
      name
    }
  }
`);

interface Values {
  name: string;
  scope: 'services' | 'tags' | 'all';
  services: string[];
  tags: string;
  timing: 'once' | 'recurring';
  startNow: boolean;
  start: string;
  endBy: 'duration' | 'end';
  duration: string;
  end: string;
  rrule: string;
  reason: string;
  endWhenHealthy: boolean;
}

/** A datetime-local value (local time, no zone) as an ISO instant; null when empty or unreadable. */
const instant = (local: string) => {
  if (!local) return null;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
};

function inputOf(v: Values): { input: MaintenanceWindowInput } | { error: FormError } {
  const input: MaintenanceWindowInput = { name: v.name.trim(), reason: v.reason.trim() || null };
  if (v.scope === 'all') input.all = true;
  else if (v.scope === 'services') {
    if (!v.services.length) return { error: { field: 'services', message: 'Pick at least one service.' } };
    input.services = v.services;
  } else {
    const tags = v.tags.split(/[,\s]+/).filter(Boolean);
    if (!tags.length) return { error: { field: 'tags', message: 'Enter at least one tag.' } };
    input.tags = tags;
  }
  if (v.timing === 'recurring') {
    input.rrule = v.rrule.trim();
    input.duration = v.duration.trim();
    if (!v.startNow) input.start = instant(v.start);
    return { input };
  }
  if (!v.startNow) {
    input.start = instant(v.start);
    if (!input.start) return { error: { field: 'start', message: 'Pick when it starts, or start it now.' } };
  }
  if (v.endBy === 'duration') input.duration = v.duration.trim();
  else {
    input.end = instant(v.end);
    if (!input.end) return { error: { field: 'end', message: 'Pick when it ends.' } };
  }
  input.endWhenHealthy = v.endWhenHealthy;
  return { input };
}

export function MaintenanceForm(props: { services: readonly { name: string; displayName: string }[]; onSaved: (name: string) => void; onCancel: () => void }) {
  const [v, setV] = createStore<Values>({
    name: '',
    scope: 'services',
    services: [],
    tags: '',
    timing: 'once',
    startNow: true,
    start: '',
    endBy: 'duration',
    duration: '1h',
    end: '',
    rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=3',
    reason: '',
    endWhenHealthy: false,
  });
  const [error, setError] = createSignal<FormError | null>(null);
  const [busy, setBusy] = createSignal(false);
  const FIELDS = ['name', 'services', 'tags', 'start', 'end', 'duration', 'rrule', 'reason'];
  const at = (field: string) => (error()?.field === field ? error()!.message : null);
  // Which services: its message describes the group and takes the focus when it was lost.
  const coversErrorId = fieldErrorId();
  let covers: HTMLFieldSetElement | undefined;
  linkFieldError(() => covers, () => at('services') ?? at('tags'), coversErrorId, { describe: 'box' });
  const toggle = (name: string, on: boolean) => setV('services', (list) => (on ? [...list, name] : list.filter((n) => n !== name)));
  // The page lists the first services by name; any other is found by part of its name, display
  // name or target, asked of the server as the operator types. Those picked stay listed, checked.
  const finder = createServiceSearch();
  const find = finder.text;
  const onFind = (text: string) => finder.search(text);
  const listed = () => {
    // Until the server answers, what was listed stays.
    const shown = (find().trim() ? finder.found() : null) ?? props.services;
    const picked = v.services.filter((name) => !shown.some((s) => s.name === name)).map((name) => props.services.find((s) => s.name === name) ?? { name, displayName: name });
    return [...picked, ...shown];
  };

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    setError(null);
    const built = inputOf(v);
    if ('error' in built) return setError(built.error);
    setBusy(true);
    const result = await client.mutation(CreateMaintenanceWindowDoc, { input: built.input }).toPromise();
    setBusy(false);
    if (result.error) return setError(formError(result.error));
    if (result.data) props.onSaved(result.data.createMaintenanceWindow.name);
  };

  return (
    <form class="form" onSubmit={onSubmit} data-testid="maintenance-form" novalidate>
      <div class="form-grid">
        <TextField label="Name" hint="a–z, 0–9, . _ -" error={at('name')} required value={v.name} onValue={(x) => setV('name', x)} data-testid="maintenance-form-name" />
        <TextField label="Reason" hint="Optional; shown with every held notice." error={at('reason')} value={v.reason} onValue={(x) => setV('reason', x)} data-testid="maintenance-form-reason" />
      </div>
      <fieldset ref={covers} class="choice-group" classList={{ 'field--invalid': !!(at('services') || at('tags')) }}>
        <legend class="field__label">Covers</legend>
        <div class="choice-group__options">
          <For each={[['services', 'Some services'], ['tags', 'Services with tags'], ['all', 'Every service']] as const}>
            {([value, label]) => (
              <label class="choice">
                <input type="radio" name="maintenance-scope" checked={v.scope === value} onChange={() => setV('scope', value)} data-testid={`maintenance-scope-${value}`} />
                {label}
              </label>
            )}
          </For>
        </div>
        <Show when={v.scope === 'services'}>
          <TextField label="Find a service" hint="Part of its name, display name or target." value={find()} onValue={onFind} data-testid="maintenance-form-find" />
          <div class="choice-group__list" data-testid="maintenance-form-services">
            <For each={listed()} fallback={<span class="muted">{find().trim() ? 'No service matches.' : 'No services.'}</span>}>
              {(s) => (
                <label class="choice">
                  <input type="checkbox" checked={v.services.includes(s.name)} onChange={(e) => toggle(s.name, e.currentTarget.checked)} data-testid="maintenance-service" data-service={s.name} />
                  {s.displayName}
                </label>
              )}
            </For>
          </div>
        </Show>
        <Show when={v.scope === 'tags'}>
          <TextField label="Tags" hint="Separated by commas." value={v.tags} onValue={(x) => setV('tags', x)} data-testid="maintenance-form-tags" />
        </Show>
        <Show when={at('services') || at('tags')}>
          <span class="field__error" id={coversErrorId}>
            {at('services') ?? at('tags')}
          </span>
        </Show>
      </fieldset>
      <fieldset class="choice-group">
        <legend class="field__label">When</legend>
        <div class="choice-group__options">
          <label class="choice">
            <input type="radio" name="maintenance-timing" checked={v.timing === 'once'} onChange={() => setV('timing', 'once')} data-testid="maintenance-timing-once" />
            Once
          </label>
          <label class="choice">
            <input type="radio" name="maintenance-timing" checked={v.timing === 'recurring'} onChange={() => setV('timing', 'recurring')} data-testid="maintenance-timing-recurring" />
            Recurring
          </label>
          <label class="choice">
            <input type="checkbox" checked={v.startNow} onChange={(e) => setV('startNow', e.currentTarget.checked)} data-testid="maintenance-start-now" />
            {v.timing === 'once' ? 'Start now' : 'Rule starts now'}
          </label>
        </div>
        <div class="form-grid">
          <Show when={!v.startNow}>
            <Field label="Starts at" hint="Your local time." error={at('start')}>
              <input type="datetime-local" value={v.start} onInput={(e) => setV('start', e.currentTarget.value)} data-testid="maintenance-form-start" />
            </Field>
          </Show>
          <Show when={v.timing === 'recurring'}>
            <TextField label="Recurrence rule" hint="RFC 5545, hourly or slower." error={at('rrule')} value={v.rrule} onValue={(x) => setV('rrule', x)} data-testid="maintenance-form-rrule" />
          </Show>
          <Show when={v.timing === 'once'}>
            <Field label="Ends">
              <select value={v.endBy} onChange={(e) => setV('endBy', e.currentTarget.value as Values['endBy'])} data-testid="maintenance-form-end-by">
                <option value="duration">after a duration</option>
                <option value="end">at a time</option>
              </select>
            </Field>
          </Show>
          <Show when={v.timing === 'recurring' || v.endBy === 'duration'}>
            <TextField label={v.timing === 'recurring' ? 'Each lasts' : 'Lasts'} hint="30m, 2h, 1d." error={at('duration')} value={v.duration} onValue={(x) => setV('duration', x)} data-testid="maintenance-form-duration" />
          </Show>
          <Show when={v.timing === 'once' && v.endBy === 'end'}>
            <Field label="Ends at" hint="Your local time." error={at('end')}>
              <input type="datetime-local" value={v.end} onInput={(e) => setV('end', e.currentTarget.value)} data-testid="maintenance-form-end" />
            </Field>
          </Show>
        </div>
        <Show when={v.timing === 'once'}>
          <label class="choice">
            <input type="checkbox" checked={v.endWhenHealthy} onChange={(e) => setV('endWhenHealthy', e.currentTarget.checked)} data-testid="maintenance-form-end-when-healthy" />
            End it by itself once the services it covers are healthy again
          </label>
        </Show>
      </fieldset>
      <Show when={error() && !FIELDS.includes(error()!.field ?? '')}>
        <FormErrorMessage error={error()} testid="maintenance-form-error" />
      </Show>
      <div class="form__buttons">
        <button type="submit" class="button button--primary" disabled={busy()} data-testid="maintenance-form-submit">
          {busy() ? 'Saving…' : 'Plan the window'}
        </button>
        <button type="button" class="button button--quiet" onClick={() => props.onCancel()}>
          Cancel
        </button>
      </div>
    </form>
  );
}
