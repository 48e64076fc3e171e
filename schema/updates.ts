/**
 * Updates from git (feature 208, issue 13): `updateCheck`, `executeUpdate(confirm, drain)`, the
 * runs with their steps and output (`updateRuns`, `updateRun`) and `updateProgress` live. Admins
 * only. The work is server/updates/; this maps it.
 */
import { BadInputError } from '../server/errors.ts';
import { Channels } from '../server/events/channels.ts';
import { filteredEvents } from '../server/events/pubsub.ts';
import type { UpdateCheck } from '../server/updates/git.ts';
import type { UpdateLine, UpdateRunRow, UpdateStep } from '../server/updates/store.ts';
import { builder } from './builder.ts';
import { requireConfirm, runThenAudit } from './outcome-audit.ts';

const ADMIN = { 'platform.system.admin': true } as const;
/** Lines a query or a message gives at most. */
const MAX_LINES = 1000;

const UpdateRunStateEnum = builder.enumType('UpdateRunState', {
  values: { RUNNING: { value: 'running' }, SUCCEEDED: { value: 'succeeded' }, FAILED: { value: 'failed' }, ABANDONED: { value: 'abandoned', description: 'Its updater stopped without finishing (its lease ran out).' } } as const,
});

const UpdateStepStateEnum = builder.enumType('UpdateStepState', {
  values: { PENDING: { value: 'pending' }, RUNNING: { value: 'running' }, SUCCEEDED: { value: 'succeeded' }, FAILED: { value: 'failed' }, SKIPPED: { value: 'skipped' } } as const,
});

const UpdateCommitRef = builder.objectRef<UpdateCheck['changelog'][number]>('UpdateCommit').implement({
  fields: (t) => ({
    commit: t.exposeString('commit'),
    subject: t.exposeString('subject'),
    author: t.exposeString('author'),
    at: t.field({ type: 'DateTime', nullable: true, description: "The author date; null when git cannot read it (a malformed commit).", resolve: (c) => c.at }),
  }),
});

interface CheckView extends UpdateCheck {
  canUpdate: boolean;
  activeRuns: number;
}

const UpdateCheckRef = builder.objectRef<CheckView>('UpdateCheck').implement({
  description: 'The running version, the latest on the configured remote and branch, and what changed between them (feature 208’s UpdateCheckResponse, with more).',
  fields: (t) => ({
    currentVersion: t.exposeString('currentVersion'),
    currentCommit: t.exposeString('currentCommit'),
    latestVersion: t.string({ nullable: true, description: 'package.json’s version at the latest commit (null when it cannot be read).', resolve: (c) => c.latestVersion }),
    latestCommit: t.exposeString('latestCommit'),
    updateAvailable: t.exposeBoolean('updateAvailable'),
    changelog: t.stringList({ description: 'The subjects of the commits between the two, newest first.', resolve: (c) => c.changelog.map((e) => e.subject) }),
    commits: t.field({ type: [UpdateCommitRef], description: 'The same commits with their hash, author and time.', resolve: (c) => c.changelog }),
    changelogTruncated: t.exposeBoolean('changelogTruncated', { description: 'More commits than the 200 listed.' }),
    remote: t.exposeString('remote'),
    remoteUrl: t.exposeString('remoteUrl'),
    branch: t.exposeString('branch'),
    checkedAt: t.field({ type: 'DateTime', resolve: (c) => c.checkedAt }),
    canUpdate: t.exposeBoolean('canUpdate', { description: 'Lookout runs under its supervisor, so it can start the new version beside this one.' }),
    activeRuns: t.exposeInt('activeRuns', { description: 'Operation runs queued or running now: an update refuses while there are any, unless it drains.' }),
  }),
});

const UpdateStepRef = builder.objectRef<UpdateStep>('UpdateStep').implement({
  fields: (t) => ({
    name: t.exposeString('name', { description: 'drain, fetch, prepare, install, build, migrate, start, ready, switch or stop-old.' }),
    label: t.exposeString('label'),
    state: t.field({ type: UpdateStepStateEnum, resolve: (s) => s.state }),
    startedAt: t.field({ type: 'DateTime', nullable: true, resolve: (s) => (s.startedAt ? new Date(s.startedAt) : null) }),
    finishedAt: t.field({ type: 'DateTime', nullable: true, resolve: (s) => (s.finishedAt ? new Date(s.finishedAt) : null) }),
    detail: t.string({ nullable: true, description: 'What it came to, or why it failed.', resolve: (s) => s.detail }),
  }),
});

const UpdateLineRef = builder.objectRef<UpdateLine>('UpdateLine').implement({
  fields: (t) => ({
    seq: t.exposeInt('seq', { description: 'The line’s number in its run, from 1.' }),
    step: t.exposeString('step'),
    at: t.field({ type: 'DateTime', resolve: (l) => l.at }),
    line: t.exposeString('line'),
  }),
});

const linesArgument = (first: number | null | undefined) => {
  const n = first ?? MAX_LINES;
  if (!Number.isInteger(n) || n < 1 || n > MAX_LINES) throw new BadInputError('first', `first must be from 1 to ${MAX_LINES}.`);
  return n;
};

const UpdateRunRef = builder.objectRef<UpdateRunRow>('UpdateRun').implement({
  description: 'One update: where from and to, who asked, each step with its outcome, and its output.',
  fields: (t) => ({
    id: t.exposeInt('id'),
    state: t.field({ type: UpdateRunStateEnum, resolve: (r) => r.state }),
    fromVersion: t.exposeString('fromVersion'),
    fromCommit: t.exposeString('fromCommit'),
    toVersion: t.string({ nullable: true, resolve: (r) => r.toVersion }),
    toCommit: t.string({ nullable: true, resolve: (r) => r.toCommit }),
    remote: t.exposeString('remote'),
    branch: t.exposeString('branch'),
    drain: t.exposeBoolean('drain'),
    requestedBy: t.exposeString('requestedBy'),
    replica: t.exposeString('replica', { description: 'host:pid of the Lookout that carried it out.' }),
    startedAt: t.field({ type: 'DateTime', resolve: (r) => r.startedAt }),
    finishedAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.finishedAt }),
    steps: t.field({ type: [UpdateStepRef], resolve: (r) => r.steps }),
    failedStep: t.string({ nullable: true, resolve: (r) => r.failedStep }),
    error: t.string({ nullable: true, description: 'Why it failed, and whether the rollback was complete.', resolve: (r) => r.error }),
    appliedMigrations: t.exposeStringList('appliedMigrations', { description: 'Migrations its migrate step applied (reverted again when it failed later).' }),
    lines: t.field({
      type: [UpdateLineRef],
      description: `Its output lines after \`after\` (a seq), oldest first, at most \`first\` (1–${MAX_LINES}).`,
      args: { after: t.arg.int({ required: false, defaultValue: 0 }), first: t.arg.int({ required: false, defaultValue: MAX_LINES }) },
      resolve: (r, { after, first }, ctx) => ctx.app.updater.lines(r.id, Math.max(0, after ?? 0), linesArgument(first)),
    }),
  }),
});

interface Execution {
  ok: boolean;
  success: boolean;
  message: string;
  newVersion: string | null;
  run: UpdateRunRow;
}

const UpdateExecutionRef = builder.objectRef<Execution>('UpdateExecution').implement({
  description: 'An update that has started (feature 208’s UpdateExecuteResponse): its steps go on; follow them with updateProgress(runId) or updateRun(id).',
  fields: (t) => ({
    success: t.exposeBoolean('success', { description: 'The update started (a refusal is an error instead).' }),
    message: t.exposeString('message'),
    newVersion: t.string({ nullable: true, resolve: (e) => e.newVersion }),
    run: t.field({ type: UpdateRunRef, resolve: (e) => e.run }),
  }),
});

interface Progress {
  run: UpdateRunRow;
  lines: UpdateLine[];
}

const UpdateProgressRef = builder.objectRef<Progress>('UpdateProgress').implement({
  fields: (t) => ({
    run: t.field({ type: UpdateRunRef, description: 'The run as it is now (its steps).', resolve: (p) => p.run }),
    lines: t.field({ type: [UpdateLineRef], description: 'Output lines added since the previous message.', resolve: (p) => p.lines }),
  }),
});

builder.queryFields((t) => ({
  updateCheck: t.field({
    type: UpdateCheckRef,
    description: 'Fetches the configured remote and branch and compares them with the running version. Admins. Clear errors for: not a git checkout, no such remote, an unreachable remote, local changes, and history that diverged.',
    authScopes: ADMIN,
    resolve: async (_r, _a, ctx) => {
      const [check, active] = await Promise.all([ctx.app.updater.check(), ctx.app.updater.activeRuns()]);
      return { ...check, canUpdate: ctx.app.updater.canUpdate, activeRuns: active.count };
    },
  }),
  updateRuns: t.field({
    type: [UpdateRunRef],
    description: 'Past and current updates, newest first.',
    authScopes: ADMIN,
    args: { first: t.arg.int({ required: false, defaultValue: 20 }) },
    resolve: (_r, { first }, ctx) => {
      const n = first ?? 20;
      if (!Number.isInteger(n) || n < 1 || n > 200) throw new BadInputError('first', 'first must be from 1 to 200.');
      return ctx.app.updater.runs(n);
    },
  }),
  updateRun: t.field({
    type: UpdateRunRef,
    nullable: true,
    authScopes: ADMIN,
    args: { id: t.arg.int() },
    resolve: (_r, { id }, ctx) => ctx.app.updater.run(id),
  }),
}));

builder.mutationFields((t) => ({
  executeUpdate: t.field({
    type: UpdateExecutionRef,
    description:
      'Starts updating Lookout to the latest commit of the configured remote and branch, and answers once it is under way. Refused (CONFLICT, saying why) while operation runs are queued or running — unless `drain: true`: new runs are then held back and the running ones waited for —, while another update runs (on any replica), when nothing is newer, or when Lookout runs without its supervisor. Admins; `confirm: true` required; audited.',
    authScopes: ADMIN,
    args: { confirm: t.arg.boolean(), drain: t.arg.boolean({ required: false, defaultValue: false }) },
    resolve: (_r, { confirm, drain }, ctx) =>
      runThenAudit(
        ctx,
        async () => {
          requireConfirm(confirm, 'An update replaces the running Lookout');
          const { run, check } = await ctx.app.updater.execute({ requestedBy: ctx.actor?.label ?? 'unknown', drain: drain ?? false });
          const to = check.latestVersion ?? check.latestCommit.slice(0, 12);
          return { ok: true, success: true, message: `Update #${run.id} from ${check.currentVersion} to ${to} started${run.drain ? ' (draining first)' : ''}: follow it with updateProgress(runId: ${run.id}).`, newVersion: check.latestVersion, run };
        },
        () => 'the update did not start',
        { action: 'system.update.execute', input: { confirm, drain }, targetOf: (e: Execution) => ({ type: 'update_run', id: String(e.run.id) }) },
      ),
  }),
}));

builder.subscriptionFields((t) => ({
  updateProgress: t.field({
    type: UpdateProgressRef,
    description: 'Each change of an update run (of one with `runId`, else of any): the run as it is now and its new output lines. Admins.',
    authScopes: ADMIN,
    args: { runId: t.arg.int({ required: false }) },
    subscribe: (_r, { runId }, ctx) => filteredEvents(ctx.app.pubsub, Channels.updateProgress, (e) => runId == null || e.runId === runId),
    resolve: async (event, _a, ctx) => {
      const run = await ctx.app.updater.run(event.runId);
      return { run: run!, lines: event.lines.map((l) => ({ seq: l.seq, step: l.step, at: new Date(l.at), line: l.line })) };
    },
  }),
}));
