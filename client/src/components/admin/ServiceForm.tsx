/**
 * Creates or edits an API service. The server validates everything; its message appears at the
 * field it names (`options.*` at the options box), anything else above the buttons.
 */
import { For, Show, createSignal } from 'solid-js';
import { createStore } from 'solid-js/store';
import { graphql } from '../../graphql';
import type { AdminServiceFieldsFragment, CreateServiceInput } from '../../graphql/graphql.ts';
import { client } from '../../lib/urql.ts';
import { formError, type FormError } from '../../lib/errors.ts';
import { durationInput } from '../../lib/status.ts';
import { SERVICE_KINDS, kindInfo } from '../../lib/service-kinds.ts';
import { Field, FormErrorMessage, TextField } from '../Forms.tsx';

const CreateServiceMutation = graphql(`
  mutation CreateService($input: CreateServiceInput!) {
    createService(input: $input) {
      ...AdminServiceFields
    }
  }
`);

const UpdateServiceMutation = graphql(`
  mutation UpdateService($name: String!, $input: UpdateServiceInput!) {
    updateService(name: $name, input: $input) {
      ...AdminServiceFields
    }
  }
`);

interface Values {
  name: string;
  displayName: string;
  kind: string;
  target: string;
  interval: string;
  timeout: string;
  degradedLatency: string;
  failureThreshold: string;
  recoveryThreshold: string;
  critical: boolean;
  tags: string;
  dependsOn: string;
  options: string;
}

/** Fields of the form; a server error naming one of them shows there. */
const FIELDS = ['name', 'displayName', 'kind', 'target', 'interval', 'timeout', 'degradedLatency', 'failureThreshold', 'recoveryThreshold', 'tags', 'dependsOn', 'options'];

/** The form field a server error belongs to (`options.expectedStatus` → `options`), or null for the form. */
export function formFieldOf(field: string | undefined): string | null {
  if (!field) return null;
  if (field === 'options' || field.startsWith('options.')) return 'options';
  return FIELDS.includes(field) ? field : null;
}

function valuesOf(service: AdminServiceFieldsFragment | undefined): Values {
  if (!service) {
    return { name: '', displayName: '', kind: 'http', target: '', interval: '30s', timeout: '', degradedLatency: '', failureThreshold: '', recoveryThreshold: '', critical: false, tags: '', dependsOn: '', options: '' };
  }
  const options = service.options as Record<string, unknown> | null;
  return {
    name: service.name,
    displayName: service.displayName === service.name ? '' : service.displayName,
    kind: service.kind,
    target: service.target,
    interval: service.interval,
    timeout: durationInput(service.timeoutMs),
    degradedLatency: durationInput(service.degradedLatencyMs),
    failureThreshold: String(service.failureThreshold),
    recoveryThreshold: String(service.recoveryThreshold),
    critical: service.critical,
    tags: service.tags.join(', '),
    dependsOn: service.dependsOn.join(', '),
    options: options && Object.keys(options).length ? JSON.stringify(options, null, 2) : '',
  };
}

const list = (text: string) => text.split(/[,\s]+/).map((t) => t.trim()).filter(Boolean);
const orNull = (text: string) => text.trim() || null;
const intOrNull = (text: string) => (text.trim() === '' ? null : Number(text));

/** The mutation input, or the field whose text cannot be sent as it is. */
function inputOf(values: Values): { input: CreateServiceInput } | { error: FormError } {
  let options: unknown = null;
  if (values.options.trim()) {
    try {
      options = JSON.parse(values.options);
    } catch (error) {
      return { error: { field: 'options', message: `Options must be JSON: ${(error as Error).message}` } };
    }
  }
  for (const field of ['failureThreshold', 'recoveryThreshold'] as const) {
    const n = intOrNull(values[field]);
    if (n !== null && !Number.isInteger(n)) return { error: { field, message: 'Enter a whole number.' } };
  }
  return {
    input: {
      name: values.name.trim(),
      displayName: orNull(values.displayName),
      kind: values.kind,
      target: values.target.trim(),
      interval: orNull(values.interval),
      timeout: orNull(values.timeout),
      degradedLatency: orNull(values.degradedLatency),
      failureThreshold: intOrNull(values.failureThreshold),
      recoveryThreshold: intOrNull(values.recoveryThreshold),
      critical: values.critical,
      tags: list(values.tags),
      dependsOn: list(values.dependsOn),
      options,
    },
  };
}

export function ServiceForm(props: { service?: AdminServiceFieldsFragment; onSaved: (service: AdminServiceFieldsFragment) => void; onCancel: () => void }) {
  const editing = !!props.service;
  const [values, setValues] = createStore<Values>(valuesOf(props.service));
  const [error, setError] = createSignal<FormError | null>(null);
  const [busy, setBusy] = createSignal(false);
  const at = (field: string) => (formFieldOf(error()?.field) === field ? error()!.message : null);
  const set = <K extends keyof Values>(key: K) => (value: Values[K]) => setValues(key, value);
  const testid = (field: string) => `service-form-${field}`;

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    setError(null);
    const built = inputOf(values);
    if ('error' in built) return setError(built.error);
    setBusy(true);
    const { name, ...rest } = built.input;
    const result = editing
      ? await client.mutation(UpdateServiceMutation, { name: props.service!.name, input: rest }).toPromise()
      : await client.mutation(CreateServiceMutation, { input: { name, ...rest } }).toPromise();
    setBusy(false);
    if (result.error) return setError(formError(result.error));
    const saved = result.data && ('createService' in result.data ? result.data.createService : result.data.updateService);
    if (saved) props.onSaved(saved);
  };

  return (
    <form class="form service-form" onSubmit={onSubmit} data-testid="service-form" novalidate>
      <div class="form-grid">
        <TextField label="Name" hint="a–z, 0–9, . _ -; used in URLs. Cannot change later." error={at('name')} required disabled={editing} value={values.name} onValue={set('name')} data-testid={testid('name')} />
        <TextField label="Display name" hint="Optional; defaults to the name." error={at('displayName')} value={values.displayName} onValue={set('displayName')} data-testid={testid('displayName')} />
        <Field label="Kind" error={at('kind')}>
          <select value={values.kind} onChange={(e) => setValues('kind', e.currentTarget.value)} data-testid={testid('kind')}>
            <For each={SERVICE_KINDS}>{(k) => <option value={k.kind}>{k.kind}</option>}</For>
          </select>
        </Field>
        <TextField
          label="Target"
          hint={kindInfo(values.kind)?.target}
          placeholder={kindInfo(values.kind)?.example}
          error={at('target')}
          required
          value={values.target}
          onValue={set('target')}
          data-testid={testid('target')}
        />
        <TextField label="Interval" hint="How often: 30s, 5m, 1h (at least 1s)." error={at('interval')} value={values.interval} onValue={set('interval')} data-testid={testid('interval')} />
        <TextField label="Timeout" hint="Default: 10s or 80% of the interval." error={at('timeout')} value={values.timeout} onValue={set('timeout')} data-testid={testid('timeout')} />
        <TextField label="Degraded above" hint="A slower success counts as degraded, e.g. 800ms." error={at('degradedLatency')} value={values.degradedLatency} onValue={set('degradedLatency')} data-testid={testid('degradedLatency')} />
        <TextField label="Failure threshold" hint="Failures in a row before it changes (default 2)." type="number" min="1" max="100" error={at('failureThreshold')} value={values.failureThreshold} onValue={set('failureThreshold')} data-testid={testid('failureThreshold')} />
        <TextField label="Recovery threshold" hint="Successes in a row before it recovers (default 1)." type="number" min="1" max="100" error={at('recoveryThreshold')} value={values.recoveryThreshold} onValue={set('recoveryThreshold')} data-testid={testid('recoveryThreshold')} />
        <TextField label="Tags" hint="Separated by commas." error={at('tags')} value={values.tags} onValue={set('tags')} data-testid={testid('tags')} />
        <TextField label="Depends on" hint="Names of other services, separated by commas." error={at('dependsOn')} value={values.dependsOn} onValue={set('dependsOn')} data-testid={testid('dependsOn')} />
        <label class="checkbox">
          <input type="checkbox" checked={values.critical} onChange={(e) => setValues('critical', e.currentTarget.checked)} data-testid={testid('critical')} />
          <span>
            <span class="field__label">Critical</span>
            <span class="field__hint">Its status decides Lookout's overall health (/health).</span>
          </span>
        </label>
      </div>
      <Field label="Options (JSON)" hint={`The ${values.kind} check's settings, e.g. {"expectedStatus": "200-299"} for http. Empty for the defaults.`} error={at('options')}>
        <textarea class="mono" rows={5} value={values.options} onInput={(e) => setValues('options', e.currentTarget.value)} spellcheck={false} data-testid={testid('options')} />
      </Field>
      <Show when={error() && !formFieldOf(error()!.field)}>
        <FormErrorMessage error={error()} testid="service-form-error" />
      </Show>
      <div class="form__buttons">
        <button type="submit" class="button button--primary" disabled={busy()} data-testid="service-form-submit">
          {busy() ? 'Saving…' : editing ? 'Save changes' : 'Create service'}
        </button>
        <button type="button" class="button button--quiet" onClick={() => props.onCancel()} data-testid="service-form-cancel">
          Cancel
        </button>
      </div>
    </form>
  );
}
