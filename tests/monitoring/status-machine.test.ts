import { describe, expect, it } from 'vitest';
import { applyResult, type StatusState } from '../../server/monitoring/status-machine.ts';
import type { Status } from '../../server/monitoring/status.ts';

const thresholds = { failureThreshold: 2, recoveryThreshold: 1 };

function run(start: StatusState, observed: Status[], t = thresholds) {
  let state = start;
  const transitions: string[] = [];
  for (const status of observed) {
    const { next, transition } = applyResult(state, status, t, status === 'healthy' ? null : 'boom');
    state = next;
    if (transition) transitions.push(`${transition.from}->${transition.to}`);
  }
  return { state, transitions };
}

const healthy: StatusState = { status: 'healthy', pendingStatus: null, pendingCount: 0 };

describe('status transitions', () => {
  it('takes the first result as the status', () => {
    expect(run({ status: null, pendingStatus: null, pendingCount: 0 }, ['down']).transitions).toEqual(['null->down']);
  });

  it('does not flip on one failed check (failure threshold 2)', () => {
    expect(run(healthy, ['down', 'healthy', 'down', 'healthy']).transitions).toEqual([]);
  });

  it('marks a service down after 2 failed checks in a row', () => {
    const { transitions, state } = run(healthy, ['down', 'down']);
    expect(transitions).toEqual(['healthy->down']);
    expect(state).toEqual({ status: 'down', pendingStatus: null, pendingCount: 0 });
  });

  it('recovers after one good check with recovery threshold 1, or after 3 with 3', () => {
    const down: StatusState = { status: 'down', pendingStatus: null, pendingCount: 0 };
    expect(run(down, ['healthy']).transitions).toEqual(['down->healthy']);
    expect(run(down, ['healthy', 'healthy'], { failureThreshold: 2, recoveryThreshold: 3 }).transitions).toEqual([]);
    expect(run(down, ['healthy', 'healthy', 'healthy'], { failureThreshold: 2, recoveryThreshold: 3 }).transitions).toEqual(['down->healthy']);
  });

  it('restarts the count when a different status interrupts it', () => {
    expect(run(healthy, ['down', 'degraded', 'down']).transitions).toEqual([]);
    expect(run(healthy, ['degraded', 'degraded']).transitions).toEqual(['healthy->degraded']);
  });

  it('says why in the reason', () => {
    const { transition } = applyResult({ status: 'healthy', pendingStatus: 'down', pendingCount: 1 }, 'down', thresholds, 'connection refused');
    expect(transition?.reason).toBe('2 checks in a row down: connection refused');
  });
});
