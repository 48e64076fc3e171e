/** A new update run's fields for the store tests, with any of them overridden. */
import type { NewRun } from '../../../server/updates/store.ts';

export const newRun = (over: Partial<NewRun> = {}): NewRun => ({
  fromCommit: 'a'.repeat(40),
  fromVersion: '0.1.0',
  toCommit: 'b'.repeat(40),
  toVersion: '0.2.0',
  remote: 'origin',
  branch: 'main',
  drain: false,
  requestedBy: 'admin@example.com',
  replica: 'test:1',
  leaseMs: 30_000,
  now: new Date(),
  ...over,
});
