/** Subscriptions to run changes: every change of every run, or coalesced notices for lists that refetch. */
import { coalesce, type Gather } from '../server/events/coalesce.ts';
import { BadInputError } from '../server/errors.ts';
import type { RunUpdatedEvent } from '../server/events/channels.ts';
import { runChanges } from '../server/operations/run-events.ts';
import { builder } from './builder.ts';
import { loadRun } from './operations.ts';
import { OperationRunRef, RunOutcomeEnum } from './operation-run.ts';
import { boundedFilter } from './filters.ts';

const RunFilterSubInput = builder.inputType('OperationRunUpdatedFilter', {
  fields: (t) => ({
    id: t.id({ required: false }),
    workspace: t.string({ required: false }),
    tenant: t.string({ required: false, description: 'A tenant slug (of the workspace, when one is given).' }),
    type: t.string({ required: false }),
    outcome: t.field({ type: [RunOutcomeEnum], required: false, description: 'Only runs whose outcome is now one of these (FAILED: the Failures list).' }),
  }),
});

/** What one notice of `operationRunsChanged` says of the changes since the last: a summary, whatever their number. */
interface RunsChanged {
  count: number;
  /** The first runs that changed (at most IDS_PER_NOTICE). */
  ids: Set<string>;
  at: string;
}

const IDS_PER_NOTICE = 100;

const summarised: Gather<RunUpdatedEvent, RunsChanged> = {
  start: () => ({ count: 0, ids: new Set(), at: '' }),
  add: (changes, event) => {
    changes.count++;
    if (changes.ids.size < IDS_PER_NOTICE) changes.ids.add(String(event.id));
    changes.at = event.at;
  },
};

const RunsChangedRef = builder.objectRef<RunsChanged>('OperationRunsChanged').implement({
  description: 'Runs changed since the last notice (for lists that refresh).',
  fields: (t) => ({
    count: t.int({ description: 'How many changes (a run claimed and completed counts twice).', resolve: (c) => c.count }),
    ids: t.idList({ description: `The runs that changed, at most ${IDS_PER_NOTICE}.`, resolve: (c) => [...c.ids] }),
    at: t.field({ type: 'DateTime', description: 'The latest change.', resolve: (c) => new Date(c.at) }),
  }),
});

builder.subscriptionFields((t) => ({
  operationRunUpdated: t.field({
    type: OperationRunRef,
    description: 'A run changed (submitted, claimed, completed, retried, cancelled, investigated, swept); optionally one run, workspace or type.',
    authScopes: { 'platform.operations.view': true },
    args: { filter: t.arg({ type: RunFilterSubInput, required: false }) },
    subscribe: async (_r, { filter }, ctx) => {
      const batches = await runChanges(ctx.em, ctx.app.pubsub, ctx.actor, boundedFilter(filter));
      return (async function* () {
        for await (const batch of batches) yield* batch;
      })();
    },
    resolve: (event: RunUpdatedEvent, _a, ctx) => loadRun(ctx, event.id),
  }),
  operationRunsChanged: t.field({
    type: RunsChangedRef,
    description: 'Runs matching the filter changed: the first change at once, then at most one notice per `intervalMs` (250–60000, default 1000) however busy the workers are. For lists that refetch.',
    authScopes: { 'platform.operations.view': true },
    args: { filter: t.arg({ type: RunFilterSubInput, required: false }), intervalMs: t.arg.int({ required: false, defaultValue: 1000 }) },
    subscribe: async (_r, { filter, intervalMs }, ctx) => {
      const interval = intervalMs ?? 1000;
      if (interval < 250 || interval > 60_000) throw new BadInputError('intervalMs', 'intervalMs must be between 250 and 60000.');
      const batches = await runChanges(ctx.em, ctx.app.pubsub, ctx.actor, boundedFilter(filter));
      return (async function* () {
        yield* coalesce(batches, interval, summarised);
      })();
    },
    resolve: (changes: RunsChanged) => changes,
  }),
}));
