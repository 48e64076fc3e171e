/** Filters of the audit log: action (exact or a prefix ending in *), actor text, outcome. */
import { createSignal } from 'solid-js';
import type { AuditLogFilter } from '../../graphql/graphql.ts';
import { Field } from '../Forms.tsx';

export function AuditFilters(props: { onApply: (filter: AuditLogFilter) => void }) {
  const [action, setAction] = createSignal('');
  const [actor, setActor] = createSignal('');
  const [outcome, setOutcome] = createSignal('');

  const apply = (event?: SubmitEvent) => {
    event?.preventDefault();
    props.onApply({
      action: action().trim() || null,
      actor: actor().trim() || null,
      outcome: outcome() || null,
    });
  };

  const clear = () => {
    setAction('');
    setActor('');
    setOutcome('');
    apply();
  };

  return (
    <form class="form form--inline" onSubmit={apply} data-testid="audit-filters">
      <Field label="Action" hint="Exact, or a prefix like auth.*">
        <input value={action()} placeholder="auth.*" onInput={(e) => setAction(e.currentTarget.value)} data-testid="audit-filter-action" />
      </Field>
      <Field label="Actor" hint="Part of an email or token name">
        <input value={actor()} onInput={(e) => setActor(e.currentTarget.value)} data-testid="audit-filter-actor" />
      </Field>
      <Field label="Outcome">
        <select value={outcome()} onChange={(e) => setOutcome(e.currentTarget.value)} data-testid="audit-filter-outcome">
          <option value="">any</option>
          <option value="success">success</option>
          <option value="failure">failure</option>
        </select>
      </Field>
      <div class="form__actions">
        <button type="submit" class="button button--primary" data-testid="audit-filter-apply">
          Apply
        </button>
        <button type="button" class="button button--quiet" onClick={clear}>
          Clear
        </button>
      </div>
    </form>
  );
}
