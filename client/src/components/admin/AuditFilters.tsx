/**
 * Filters of the audit log: action (exact or a prefix ending in *), actor text, actor kind (a person,
 * a token, Lookout itself), outcome, and a time range (from inclusive, to exclusive, in the browser's
 * time zone), so the people's actions can be found among automation's.
 */
import { createSignal } from 'solid-js';
import type { AuditLogFilter } from '../../graphql/graphql.ts';
import { Field, TextField } from '../Forms.tsx';

/** A `datetime-local` value (the browser's time zone) as the API's time, or null when empty or unreadable. */
function isoFromLocal(value: string): string | null {
  if (!value) return null;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

export function AuditFilters(props: { onApply: (filter: AuditLogFilter) => void }) {
  const [action, setAction] = createSignal('');
  const [actor, setActor] = createSignal('');
  const [outcome, setOutcome] = createSignal('');
  const [actorType, setActorType] = createSignal('');
  const [from, setFrom] = createSignal('');
  const [to, setTo] = createSignal('');

  const apply = (event?: SubmitEvent) => {
    event?.preventDefault();
    props.onApply({
      action: action().trim() || null,
      actor: actor().trim() || null,
      outcome: outcome() || null,
      actorType: actorType() || null,
      since: isoFromLocal(from()),
      until: isoFromLocal(to()),
    });
  };

  const clear = () => {
    setAction('');
    setActor('');
    setOutcome('');
    setActorType('');
    setFrom('');
    setTo('');
    apply();
  };

  return (
    <form class="form form--inline" onSubmit={apply} data-testid="audit-filters">
      <TextField label="Action" hint="Exact, or a prefix like auth.*" placeholder="auth.*" value={action()} onValue={setAction} data-testid="audit-filter-action" />
      <TextField label="Actor" hint="Part of an email or token name" value={actor()} onValue={setActor} data-testid="audit-filter-actor" />
      <Field label="Actor kind">
        <select value={actorType()} onChange={(e) => setActorType(e.currentTarget.value)} data-testid="audit-filter-actor-type">
          <option value="">any</option>
          <option value="user">people (users)</option>
          <option value="token">automation (tokens)</option>
          <option value="system">Lookout itself (system)</option>
          <option value="anonymous">anonymous</option>
        </select>
      </Field>
      <Field label="From">
        <input type="datetime-local" step="1" value={from()} onInput={(e) => setFrom(e.currentTarget.value)} data-testid="audit-filter-from" />
      </Field>
      <Field label="To">
        <input type="datetime-local" step="1" value={to()} onInput={(e) => setTo(e.currentTarget.value)} data-testid="audit-filter-to" />
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
