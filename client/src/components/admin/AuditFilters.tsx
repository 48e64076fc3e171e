/** Filters of the audit log: action (exact or a prefix ending in *), actor text, outcome. */
import { createSignal } from 'solid-js';
import type { AuditLogFilter } from '../../graphql/graphql.ts';
import { Field, TextField } from '../Forms.tsx';

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
      <TextField label="Action" hint="Exact, or a prefix like auth.*" placeholder="auth.*" value={action()} onValue={setAction} data-testid="audit-filter-action" />
      <TextField label="Actor" hint="Part of an email or token name" value={actor()} onValue={setActor} data-testid="audit-filter-actor" />
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
