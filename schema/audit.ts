/**
 * The audit log, newest first with cursor paging. Admins only; an admin limited to some workspaces
 * reads the rows about runs trimmed to those workspaces, as a run's audit trail shows them.
 */
import { isIdCursor } from '../server/ids.ts';
import { queryAuditLog, type AuditPage } from '../server/audit/audit.ts';
import { auditRowsFor, type AuditView } from '../server/operations/audit-view.ts';
import { BadInputError } from '../server/errors.ts';
import { builder } from './builder.ts';
import { boundedFilter } from './filters.ts';

/** Said of `withheld` wherever an audit row is shown. */
export const WITHHELD_DESCRIPTION =
  'Set when the row also concerned runs in workspaces you may not see: they are left out of its target, input and error message, and this says so.';

const AuditEntryRef = builder.objectRef<AuditView>('AuditEntry').implement({
  fields: (t) => ({
    id: t.id({ resolve: (e) => String(e.id) }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
    actorType: t.exposeString('actorType', { description: 'user, token, system or anonymous.' }),
    actorId: t.string({ nullable: true, resolve: (e) => e.actorId ?? null }),
    actorLabel: t.string({ nullable: true, resolve: (e) => e.actorLabel ?? null }),
    action: t.exposeString('action'),
    targetType: t.string({ nullable: true, resolve: (e) => e.targetType ?? null }),
    targetId: t.string({ nullable: true, resolve: (e) => e.targetId ?? null }),
    input: t.field({ type: 'JSON', nullable: true, description: 'The input, with secrets removed.', resolve: (e) => e.input ?? null }),
    outcome: t.exposeString('outcome', { description: 'success or failure.' }),
    errorCode: t.string({ nullable: true, resolve: (e) => e.errorCode ?? null }),
    errorMessage: t.string({ nullable: true, resolve: (e) => e.errorMessage ?? null }),
    clientAddress: t.string({ nullable: true, resolve: (e) => e.clientAddress ?? null }),
    withheld: t.string({ nullable: true, description: WITHHELD_DESCRIPTION, resolve: (e) => e.withheld }),
  }),
});

const AuditLogPage = builder.objectRef<AuditPage<AuditView>>('AuditLogPage').implement({
  fields: (t) => ({
    entries: t.field({ type: [AuditEntryRef], resolve: (p) => p.entries }),
    endCursor: t.string({ nullable: true, description: 'Pass as `after` to get the next page.', resolve: (p) => p.endCursor }),
    hasNextPage: t.exposeBoolean('hasNextPage'),
  }),
});

/** Who can act: what actorType may be. */
const ACTOR_TYPES = ['user', 'token', 'system', 'anonymous'];

const AuditLogFilter = builder.inputType('AuditLogFilter', {
  fields: (t) => ({
    action: t.string({ required: false, description: 'Exact action, or a prefix ending in * (auth.*).' }),
    actor: t.string({ required: false, description: 'Part of the actor’s email or token name.' }),
    targetType: t.string({ required: false }),
    targetId: t.string({ required: false }),
    outcome: t.string({ required: false, description: 'success or failure.' }),
    actorType: t.string({ required: false, description: 'Who acted: user (a person), token (automation), system (Lookout itself: the lease sweep, start-up) or anonymous.' }),
    since: t.field({ type: 'DateTime', required: false, description: 'From this time (inclusive).' }),
    until: t.field({ type: 'DateTime', required: false, description: 'To this time (exclusive).' }),
  }),
});

builder.queryFields((t) => ({
  auditLog: t.field({
    type: AuditLogPage,
    authScopes: { 'platform.system.admin': true },
    args: {
      filter: t.arg({ type: AuditLogFilter, required: false }),
      first: t.arg.int({ required: false, defaultValue: 50 }),
      after: t.arg.string({ required: false }),
    },
    resolve: (_r, { filter, first, after }, ctx) => {
      boundedFilter(filter);
      const size = first ?? 50;
      if (size < 1 || size > 500) throw new BadInputError('first', 'first must be between 1 and 500.');
      if (after && !isIdCursor(after)) throw new BadInputError('after', 'after must be an endCursor returned by auditLog.');
      if (filter?.outcome && !['success', 'failure'].includes(filter.outcome)) throw new BadInputError('filter.outcome', 'outcome must be success or failure.');
      if (filter?.actorType && !ACTOR_TYPES.includes(filter.actorType)) throw new BadInputError('filter.actorType', `actorType must be one of ${ACTOR_TYPES.join(', ')}, got "${filter.actorType.slice(0, 40)}".`);
      if (filter?.since && filter.until && filter.since >= filter.until) throw new BadInputError('filter.until', 'until must be after since (the time range is empty).');
      return queryAuditLog(ctx.em, { ...filter, actorLabel: filter?.actor }, size, after, (rows) => auditRowsFor(ctx.app.sql, ctx.actor, rows));
    },
  }),
}));
