/**
 * Maintenance windows in the API: the windows (one-off, or recurring by an RFC 5545 rule) during
 * which alerting holds notices for some services or all, and the operator's actions on them.
 * Capability code: server/alerting/maintenance.ts and store.ts; alerting looks again at what a
 * window held back once it changes or ends.
 */
import { NotFoundError } from '../server/errors.ts';
import { formatDuration } from '../server/duration.ts';
import { createMaintenance, deleteMaintenance, endMaintenance, findMaintenanceByName, updateMaintenance } from '../server/alerting/store.ts';
import { currentOrNext, listWindows, occurrenceAt, type StoredWindow } from '../server/alerting/maintenance.ts';
import { builder } from './builder.ts';
import { definedInput } from './alerting.ts';

const VIEW = { 'platform.access_system_panel': true } as const;
const OPERATE = { 'platform.operations.manage': true } as const;

const WindowRef = builder.objectRef<StoredWindow>('MaintenanceWindow').implement({
  description: 'A time when notices are held for some services (or all): one-off, or recurring by an RFC 5545 rule.',
  fields: (t) => ({
    id: t.exposeInt('id'),
    name: t.exposeString('name'),
    services: t.stringList({ resolve: (w) => w.services }),
    tags: t.stringList({ resolve: (w) => w.tags }),
    all: t.boolean({ resolve: (w) => w.everything }),
    startsAt: t.field({ type: 'DateTime', resolve: (w) => w.startsAt }),
    endsAt: t.field({ type: 'DateTime', nullable: true, description: 'A one-off window\'s end.', resolve: (w) => w.endsAt }),
    rrule: t.string({ nullable: true, resolve: (w) => w.rrule }),
    duration: t.string({ nullable: true, description: 'Each occurrence of a recurring window.', resolve: (w) => (w.durationMs ? formatDuration(w.durationMs) : null) }),
    reason: t.string({ nullable: true, resolve: (w) => w.reason }),
    endWhenHealthy: t.exposeBoolean('endWhenHealthy'),
    endedAt: t.field({ type: 'DateTime', nullable: true, description: 'When it was ended early.', resolve: (w) => w.endedAt }),
    active: t.boolean({ resolve: (w, _a, ctx) => occurrenceAt(w, ctx.app.clock.now()) !== null }),
    currentOrNextStart: t.field({ type: 'DateTime', nullable: true, resolve: (w, _a, ctx) => currentOrNext(w, ctx.app.clock.now())?.start ?? null }),
    currentOrNextEnd: t.field({ type: 'DateTime', nullable: true, resolve: (w, _a, ctx) => currentOrNext(w, ctx.app.clock.now())?.end ?? null }),
    source: t.exposeString('source'),
    createdBy: t.string({ nullable: true, resolve: (w) => w.createdBy }),
    createdAt: t.field({ type: 'DateTime', resolve: (w) => w.createdAt }),
  }),
});

const MaintenanceInput = builder.inputType('MaintenanceWindowInput', {
  fields: (t) => ({
    name: t.string(),
    services: t.stringList({ required: false }),
    tags: t.stringList({ required: false }),
    all: t.boolean({ required: false }),
    start: t.field({ type: 'DateTime', required: false, description: 'Default: now.' }),
    end: t.field({ type: 'DateTime', required: false }),
    duration: t.string({ required: false, description: 'A one-off window from its start, or each occurrence of a recurring one ("30m").' }),
    rrule: t.string({ required: false, description: 'RFC 5545, e.g. "FREQ=WEEKLY;BYDAY=SU;BYHOUR=3".' }),
    reason: t.string({ required: false }),
    endWhenHealthy: t.boolean({ required: false, description: 'A one-off window ends by itself once a service it covers is healthy again.' }),
  }),
});

builder.queryFields((t) => ({
  maintenanceWindows: t.field({
    type: [WindowRef],
    authScopes: VIEW,
    description:
      'Active and upcoming windows, by start; with `includeEnded`, then those ended early or run out, the latest ended first. Paged with `first` (at most 10,000) and `offset`; without `first`, more than 10,000 windows are refused.',
    args: { includeEnded: t.arg.boolean({ required: false }), first: t.arg.int({ required: false }), offset: t.arg.int({ required: false }) },
    // A one-off window past its end, or a rule with no occurrence left, is over like one ended early.
    resolve: (_r, { includeEnded, first, offset }, ctx) => listWindows(ctx.app.sql, ctx.app.clock.now(), { includeEnded: includeEnded ?? false, page: { first, offset } }),
  }),
}));

builder.mutationFields((t) => ({
  createMaintenanceWindow: t.field({
    type: WindowRef,
    authScopes: OPERATE,
    args: { input: t.arg({ type: MaintenanceInput }) },
    resolve: (_r, { input }, ctx) =>
      ctx.auditedSql((sql) => createMaintenance(sql, definedInput(input), ctx.actor?.label ?? 'unknown', ctx.app.clock.now()), {
        action: 'alerting.maintenance.create',
        input: { ...input },
        targetOf: (w) => ({ type: 'maintenance_window', id: w.name }),
      }),
  }),
  updateMaintenanceWindow: t.field({
    type: WindowRef,
    authScopes: OPERATE,
    args: { id: t.arg.int(), input: t.arg({ type: MaintenanceInput }) },
    resolve: async (_r, { id, input }, ctx) =>
      (
        await ctx.auditedSql(
          async (sql, events) => {
            const updated = await updateMaintenance(sql, id, definedInput(input), ctx.app.clock.now());
            // What it silenced is looked at again (reconsiderSilenced made it due now).
            if (updated.changed) events.afterCommit(() => ctx.app.alerting.wake());
            return updated;
          },
          {
          action: 'alerting.maintenance.update',
          input: { id, ...input },
          target: { type: 'maintenance_window', id: String(id) },
          when: (r) => r.changed,
        })
      ).window,
  }),
  endMaintenanceWindow: t.field({
    type: WindowRef,
    description: 'Ends a window now (a recurring one for good); what it held back is looked at again at once.',
    authScopes: OPERATE,
    args: { id: t.arg.int({ required: false }), name: t.arg.string({ required: false }) },
    resolve: async (_r, { id, name }, ctx) => {
      const target = id ?? (name ? (await findMaintenanceByName(ctx.app.sql, name)).id : null);
      if (target === null) throw new NotFoundError('Maintenance window', '(give id or name)');
      const { window } = await ctx.auditedSql(
        async (sql, events) => {
          const ended = await endMaintenance(sql, target, ctx.app.clock.now());
          if (ended.changed) events.afterCommit(() => ctx.app.alerting.wake());
          return ended;
        },
        { action: 'alerting.maintenance.end', input: { id: target }, target: { type: 'maintenance_window', id: String(target) }, when: (r) => r.changed },
      );
      return window;
    },
  }),
  deleteMaintenanceWindow: t.boolean({
    authScopes: OPERATE,
    args: { id: t.arg.int() },
    resolve: async (_r, { id }, ctx) => {
      await ctx.auditedSql(
        async (sql, events) => {
          const deleted = await deleteMaintenance(sql, id, ctx.app.clock.now());
          events.afterCommit(() => ctx.app.alerting.wake());
          return deleted;
        },
        { action: 'alerting.maintenance.delete', input: { id }, target: { type: 'maintenance_window', id: String(id) } },
      );
      return true;
    },
  }),
}));
