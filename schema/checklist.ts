/** The start-up pre-flight checklist: its checks, overrides (admins) and a live view. */
import type { ChecklistItem, ChecklistReport } from '../server/operations/checklist.ts';
import { ChecklistOverride } from '../server/operations/entities.ts';
import { reasonProblem } from '../server/operations/reason-rules.ts';
import { Channels } from '../server/events/channels.ts';
import { BadInputError } from '../server/errors.ts';
import { builder } from './builder.ts';
import { filteredEvents } from '../server/events/pubsub.ts';
import { runThenAudited } from './outcome-audit.ts';

const CheckStateEnum = builder.enumType('StartupCheckState', { values: { PASSED: { value: 'passed' }, FAILED: { value: 'failed' }, PENDING: { value: 'pending' } } as const });

const CheckItemRef = builder.objectRef<ChecklistItem>('StartupCheck').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    label: t.exposeString('label'),
    required: t.exposeBoolean('required'),
    state: t.field({ type: CheckStateEnum, resolve: (i) => i.state }),
    error: t.string({ nullable: true, resolve: (i) => i.error }),
    overriddenBy: t.string({ nullable: true, resolve: (i) => i.override?.by ?? null }),
    overrideReason: t.string({ nullable: true, resolve: (i) => i.override?.reason ?? null }),
    overriddenAt: t.field({ type: 'DateTime', nullable: true, resolve: (i) => i.override?.at ?? null }),
  }),
});

const ChecklistRef = builder.objectRef<ChecklistReport>('StartupChecklist').implement({
  fields: (t) => ({
    ready: t.exposeBoolean('ready', { description: 'Every required check passed or was overridden: submissions are accepted.' }),
    checkedAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.checkedAt }),
    failing: t.exposeStringList('failing'),
    checks: t.field({ type: [CheckItemRef], resolve: (r) => r.items }),
  }),
});

builder.queryFields((t) => ({
  startupChecklist: t.field({ type: ChecklistRef, authScopes: { 'platform.access_system_panel': true }, resolve: (_r, _a, ctx) => ctx.app.operations.checklist.report() }),
}));

builder.mutationFields((t) => ({
  overrideStartupCheck: t.field({
    type: ChecklistRef,
    description: 'Lets the platform become ready although a required check fails (admins; a reason is required and audited). The override ends when the check passes.',
    authScopes: { 'platform.system.admin': true },
    args: { name: t.arg.string(), reason: t.arg.string() },
    resolve: async (_r, { name, reason }, ctx) => {
      const { checklist } = ctx.app.operations;
      const item = checklist.report().items.find((i) => i.name === name);
      if (!item) throw new BadInputError('name', `Unknown check "${name}"; the checks are ${checklist.report().items.map((i) => i.name).join(', ')}.`);
      // An override of a passing check would be dropped at once (it lasts while the check fails): nothing would change.
      if (item.state === 'passed') throw new BadInputError('name', `The check "${name}" passes: there is nothing to override (run the checklist again if it fails now).`);
      const text = reason.trim();
      const problem = reasonProblem(text);
      if (problem) throw new BadInputError('reason', problem);
      await ctx.audited(
        async (em) => {
          em.create(ChecklistOverride, { checkName: name, reason: text, byLabel: ctx.actor?.label ?? 'unknown', at: ctx.app.clock.now() });
          await em.flush();
        },
        { action: 'operations.checklist.override', input: { name, reason: text }, target: { type: 'startup_check', id: name } },
      );
      return ctx.app.operations.refreshChecklist();
    },
  }),
  rerunStartupChecklist: t.field({
    type: ChecklistRef,
    description: 'Runs every start-up check now.',
    authScopes: { 'platform.operations.manage': true },
    resolve: (_r, _a, ctx) => runThenAudited(ctx, () => ctx.app.operations.refreshChecklist(), { action: 'operations.checklist.run', input: {} }),
  }),
}));

builder.subscriptionFields((t) => ({
  startupChecklistUpdated: t.field({
    type: ChecklistRef,
    description: 'The checklist, whenever a check changes.',
    authScopes: { 'platform.access_system_panel': true },
    subscribe: (_r, _a, ctx) => filteredEvents(ctx.app.pubsub, Channels.checklistUpdated),
    resolve: (_e, _a, ctx) => ctx.app.operations.checklist.report(),
  }),
}));
