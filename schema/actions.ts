/**
 * Quick actions on a service (PRD-080): restartService (admins, confirmed, audited with its
 * outcome), serviceLogs and serviceLogLines (admins; reads, so not audited). What each service
 * can do comes from its config entry (server/actions/).
 */
import { BadInputError } from '../server/errors.ts';
import { MAX_LOG_LINES, type ServiceLogs, type ServiceRestartOutcome } from '../server/actions/actions.ts';
import type { FollowedLines } from '../server/actions/log-file.ts';
import { NAME_PATTERN } from '../server/monitoring/services.ts';
import { builder } from './builder.ts';
import { ServiceRef } from './monitoring.ts';
import { requireConfirm, runThenAudit } from './outcome-audit.ts';

const ServiceRestartRef = builder.objectRef<ServiceRestartOutcome>('ServiceRestart').implement({
  description: 'What a service’s restart action came to.',
  fields: (t) => ({
    service: t.exposeString('service'),
    action: t.exposeString('action', { description: 'runtime, command or http: the kind of its restart action.' }),
    ok: t.exposeBoolean('ok', { description: 'The action succeeded (a runtime: running again; a command: exit code 0; http: a 2xx answer).' }),
    error: t.string({ nullable: true, description: 'Why it failed.', resolve: (o) => o.error }),
    durationMs: t.exposeInt('durationMs'),
  }),
});

const ServiceLogsRef = builder.objectRef<ServiceLogs>('ServiceLogs').implement({
  fields: (t) => ({
    service: t.exposeString('service'),
    source: t.exposeString('source', { description: 'file, command or runtime: where its config entry says its log is.' }),
    lines: t.exposeStringList('lines', { description: 'The last lines, oldest first; each cut at 4096 characters.' }),
  }),
});

interface LogLines extends FollowedLines {
  service: string;
}

const ServiceLogLinesRef = builder.objectRef<LogLines>('ServiceLogLines').implement({
  fields: (t) => ({
    service: t.exposeString('service'),
    lines: t.exposeStringList('lines', { description: 'Lines added since the previous message, oldest first.' }),
    rotated: t.exposeBoolean('rotated', { description: 'The log started over (a file truncated or rotated, a runtime or command whose output no longer continues the last one): `lines` are from its new beginning.' }),
  }),
});

interface QuickActions {
  restart: string | null;
  restartTarget: string | null;
  logs: string | null;
}

const QuickActionsRef = builder.objectRef<QuickActions>('ServiceQuickActions').implement({
  description: 'What a service’s config entry offers: a restart action and a log source (services made through the API have neither).',
  fields: (t) => ({
    restart: t.string({ nullable: true, description: 'runtime, command or http: the kind of its restart action; null: none.', resolve: (a) => a.restart }),
    restartTarget: t.string({
      nullable: true,
      description: 'What the restart acts on, for the confirmation: the runtime’s name, the command’s program, or the HTTP method and host.',
      resolve: (a) => a.restartTarget,
    }),
    logs: t.string({ nullable: true, description: 'file, command or runtime: where its log is read from; null: none.', resolve: (a) => a.logs }),
  }),
});

builder.objectField(ServiceRef, 'quickActions', (t) =>
  t.field({
    type: QuickActionsRef,
    nullable: true,
    description: 'The restart action and log source its config entry names. Admins (null for other roles, as the actions are theirs only).',
    authScopes: { 'platform.system.admin': true },
    unauthorizedResolver: () => null,
    resolve: (s, _a, ctx) => {
      const definition = ctx.app.actions.of(s.name);
      const restart = definition?.restart;
      const target = !restart
        ? null
        : restart.kind === 'runtime'
          ? restart.runtime
          : restart.kind === 'command'
            ? restart.argv[0]!.split('/').pop()!
            : `${restart.method} ${new URL(restart.url).host}`;
      return { restart: restart?.kind ?? null, restartTarget: target, logs: definition?.logs?.kind ?? null };
    },
  }),
);

/** A name that cannot be a service's is refused before it is quoted anywhere. */
function serviceName(name: string): string {
  if (!NAME_PATTERN.test(name)) throw new BadInputError('name', 'name must be a service name (a-z, 0-9, ".", "_" or "-", at most 100 characters).');
  return name;
}

builder.queryFields((t) => ({
  serviceLogs: t.field({
    type: ServiceLogsRef,
    description: `The last \`lines\` (1–${MAX_LOG_LINES}) lines of a service’s log (its config entry’s \`logs:\`: a file, read from its end; a command, run with a time limit; or a runtime’s captured output). Admins. A read: not audited.`,
    authScopes: { 'platform.system.admin': true },
    args: { name: t.arg.string(), lines: t.arg.int({ required: false, defaultValue: 100 }) },
    resolve: (_r, { name, lines }, ctx) => ctx.app.actions.logs(serviceName(name), lines ?? 100),
  }),
}));

builder.mutationFields((t) => ({
  restartService: t.field({
    type: ServiceRestartRef,
    description:
      'Runs a service’s restart action (its config entry’s `restart:`: a runtime, a command or an HTTP call) and answers once it is done (ok) or has failed (ok false, with the reason). Admins; destructive, so `confirm: true` is required. Audited once with the outcome.',
    authScopes: { 'platform.system.admin': true },
    args: { name: t.arg.string(), confirm: t.arg.boolean() },
    resolve: (_r, { name, confirm }, ctx) =>
      runThenAudit(
        ctx,
        async () => {
          requireConfirm(confirm, 'Restarting a service interrupts its work');
          return ctx.app.actions.restart(serviceName(name));
        },
        (outcome) => `The service "${outcome.service}" did not restart: ${outcome.error}`,
        { action: 'monitoring.service.restart', input: { name, confirm }, target: { type: 'service', id: name } },
      ),
  }),
}));

builder.subscriptionFields((t) => ({
  serviceLogLines: t.field({
    type: ServiceLogLinesRef,
    description:
      'A service’s new log lines as they come. The first message has no lines: it says following has begun, so that `serviceLogs` read after it misses no line between the two (a line written meanwhile can be in both; compare the read’s last lines with the first new ones). A file is followed by its appended bytes (polled every 0.5 s; truncation and rotation start over); a runtime’s output and a log command are read again every 1 s and 5 s and their new lines sent. Admins; this replica’s view (a `process` runtime’s output is the replica’s that supervises it).',
    authScopes: { 'platform.system.admin': true },
    args: { name: t.arg.string() },
    subscribe: (_r, { name }, ctx) => {
      const lines = ctx.app.actions.follow(serviceName(name));
      // Mapped by hand: an async generator around it would wait for the next poll before it could end.
      const labelled: AsyncIterableIterator<LogLines> = {
        next: async () => {
          const next = await lines.next();
          return next.done ? { done: true, value: undefined } : { done: false, value: { ...next.value, service: name } };
        },
        return: async () => (await lines.return?.(), { done: true, value: undefined }),
        [Symbol.asyncIterator]() {
          return this;
        },
      };
      return labelled;
    },
    resolve: (chunk) => chunk,
  }),
}));
