/**
 * When a service's status changes. Like Gatus: a worse status must be seen `failureThreshold`
 * times in a row, a better one `recoveryThreshold` times, so one blip does not flip a service.
 * The first check sets the status directly.
 */
import { isWorse, type Status } from './status.ts';

export interface StatusState {
  status: Status | null;
  pendingStatus: Status | null;
  pendingCount: number;
}

export interface Thresholds {
  failureThreshold: number;
  recoveryThreshold: number;
}

export interface Transition {
  from: Status | null;
  to: Status;
  /** In words, for people and alerts: why the status changed. */
  reason: string;
}

/**
 * The next state after one observed status. `state` is what is stored for the service, read under
 * the check writer's lock (results.ts), never a copy taken when the check was claimed: two results
 * computed from one copy would both record the same transition.
 */
export function applyResult(state: StatusState, observed: Status, thresholds: Thresholds, error: string | null): { next: StatusState; transition: Transition | null } {
  const settled = (status: Status): StatusState => ({ status, pendingStatus: null, pendingCount: 0 });
  if (state.status === null) {
    return { next: settled(observed), transition: { from: null, to: observed, reason: `first check: ${observed}${error ? ` (${error})` : ''}` } };
  }
  if (observed === state.status) return { next: settled(observed), transition: null };
  const count = (state.pendingStatus === observed ? state.pendingCount : 0) + 1;
  const needed = isWorse(observed, state.status) ? thresholds.failureThreshold : thresholds.recoveryThreshold;
  if (count < needed) return { next: { status: state.status, pendingStatus: observed, pendingCount: count }, transition: null };
  const inARow = count > 1 ? `${count} checks in a row ${observed}` : `check ${observed}`;
  return { next: settled(observed), transition: { from: state.status, to: observed, reason: `${inARow}${error ? `: ${error}` : ''}` } };
}
