/** restartLookout: replaces Lookout's own server process with a new one, with no downtime (admins, audited). */
import { ConflictError } from '../server/errors.ts';
import { restartLookout, type LookoutRestart } from '../server/supervisor/restart.ts';
import { builder } from './builder.ts';
import { requireConfirm, runThenAudit } from './outcome-audit.ts';

const LookoutRestartRef = builder.objectRef<LookoutRestart>('LookoutRestart').implement({
  description: 'A restart of Lookout’s own server process: a new worker took over the port and the old one drained.',
  fields: (t) => ({
    ok: t.exposeBoolean('ok', { description: 'The new worker serves.' }),
    pid: t.exposeInt('pid', { description: 'The new worker’s process id.' }),
    durationMs: t.exposeInt('durationMs', { description: 'From the request until the new worker listened and the old one was told to retire.' }),
  }),
});

builder.mutationFields((t) => ({
  restartLookout: t.field({
    type: LookoutRestartRef,
    description:
      'Restarts Lookout’s server process with no downtime: a new worker starts from the same code while this one serves, takes over the port, then this one finishes its requests and exits (WebSockets close with 1012 and clients reconnect). Needs Lookout’s supervisor (`lookout serve`); fails, saying so, without it. Other replicas are not restarted. Admins; `confirm: true` is required. Audited with the outcome.',
    authScopes: { 'platform.system.admin': true },
    args: { confirm: t.arg.boolean() },
    resolve: (_r, { confirm }, ctx) =>
      runThenAudit(
        ctx,
        async () => {
          requireConfirm(confirm, 'Restarting Lookout replaces its server process');
          // An update under way here replaces this process itself when it is done; a restart now would cut it short.
          if (ctx.app.updater.busy) throw new ConflictError('An update is under way on this Lookout: it starts the new version and retires this one itself. Follow it with updateProgress; restart once it is done.');
          return restartLookout(ctx.app.supervisor);
        },
        () => 'Lookout did not restart',
        { action: 'system.lookout.restart', input: { confirm }, target: { type: 'lookout', id: 'lookout' } },
      ),
  }),
}));
