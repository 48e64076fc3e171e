/** A run's status, outcome and stuck class as labelled colours (the word always comes with the colour). */
import { Show } from 'solid-js';
import type { OperationOutcome, OperationStatus, StuckClass } from '../../graphql/graphql.ts';
import { OUTCOME_TONES, OUTCOME_WORDS, STATUS_TONES, STATUS_WORDS, STUCK_WORDS } from '../../lib/operations.ts';
import { Badge } from '../Badge.tsx';

export function RunStatusBadge(props: { status: OperationStatus; testid?: string }) {
  return (
    <Badge tone={STATUS_TONES[props.status]} testid={props.testid ?? 'run-status'}>
      {STATUS_WORDS[props.status]}
    </Badge>
  );
}

export function RunOutcomeBadge(props: { outcome: OperationOutcome; testid?: string }) {
  return (
    <Badge tone={OUTCOME_TONES[props.outcome]} testid={props.testid ?? 'run-outcome'}>
      {OUTCOME_WORDS[props.outcome]}
    </Badge>
  );
}

/** The stuck class, and why in the server's words when `reason` is given. */
export function StuckClassLabel(props: { stuckClass: StuckClass; reason?: string | null }) {
  return (
    <span class="stuck" data-testid="run-stuck" data-stuck-class={props.stuckClass}>
      <Badge tone="warn">{STUCK_WORDS[props.stuckClass]}</Badge>
      <Show when={props.reason}>
        <span class="stuck__reason" data-testid="run-stuck-reason">
          {props.reason}
        </span>
      </Show>
    </span>
  );
}
