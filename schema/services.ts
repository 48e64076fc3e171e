/** Administering services through the API (admins): create, update, delete. Config services are changed in their file. */
import { CHECKER_KINDS } from '../server/monitoring/checkers/registry.ts';
import { listServices } from '../server/monitoring/overview.ts';
import { deleteService, MAX_CREATE_BATCH, type ServiceInput } from '../server/monitoring/services.ts';
import { builder } from './builder.ts';
import { serviceByName, ServiceRef } from './monitoring.ts';

const serviceFields = (t: Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0]) => ({
  displayName: t.string({ required: false }),
  kind: t.string({ description: `One of: ${CHECKER_KINDS.join(', ')} (command only in the config file).` }),
  target: t.string({ description: 'URL, host:port or path, as the kind needs.' }),
  options: t.field({ type: 'JSON', required: false, description: "The kind's options." }),
  interval: t.string({ required: false, description: 'A duration: "30s" (default), at least "1s".' }),
  timeout: t.string({ required: false, description: 'A duration; default the smaller of 10s and 80% of the interval.' }),
  degradedLatency: t.string({ required: false, description: 'A successful check slower than this counts as degraded.' }),
  failureThreshold: t.int({ required: false, description: 'Consecutive worse results before the status changes (default 2).' }),
  recoveryThreshold: t.int({ required: false, description: 'Consecutive better results before the status changes (default 1).' }),
  critical: t.boolean({ required: false, description: 'Critical services decide /health.' }),
  tags: t.stringList({ required: false }),
  dependsOn: t.stringList({ required: false, description: "Other services' names." }),
});

const CreateServiceInput = builder.inputType('CreateServiceInput', {
  fields: (t) => ({ name: t.string({ description: 'Unique and URL-safe: a–z, 0–9, ".", "_", "-".' }), ...serviceFields(t) }),
});
const UpdateServiceInput = builder.inputType('UpdateServiceInput', { fields: (t) => serviceFields(t) });

const toInput = (input: Record<string, unknown>) => input as unknown as ServiceInput;

builder.mutationFields((t) => ({
  createService: t.field({
    type: ServiceRef,
    authScopes: { 'platform.system.admin': true },
    args: { input: t.arg({ type: CreateServiceInput }) },
    resolve: async (_r, { input }, ctx) => {
      const created = await ctx.audited((em, events) => ctx.app.monitoring.createService(em, events, toInput(input)), {
        action: 'monitoring.service.create',
        input,
        targetOf: (s) => ({ type: 'service', id: s.name }),
      });
      return serviceByName(ctx, created.name);
    },
  }),
  createServices: t.field({
    type: [ServiceRef],
    description: `Creates up to ${MAX_CREATE_BATCH} services at once, in order; all or nothing: a problem in any entry refuses the whole call (the error names the entry, e.g. services[3].target) and creates nothing. One audit entry names every service.`,
    authScopes: { 'platform.system.admin': true },
    args: { services: t.arg({ type: [CreateServiceInput] }) },
    resolve: async (_r, { services }, ctx) => {
      const names = await ctx.audited((em, events) => ctx.app.monitoring.createServices(em, events, services.map(toInput)), {
        action: 'monitoring.services.create',
        input: { count: services.length, kinds: [...new Set(services.map((s) => s.kind))], names: services.slice(0, 50).map((s) => s.name) },
        targetsOf: (created) => ({ type: 'service', ids: created }),
      });
      const byName = new Map((await listServices(ctx.app.sql, { names }, ctx.app.clock.now())).map((s) => [s.name, s]));
      return names.flatMap((name) => byName.get(name) ?? []);
    },
  }),
  updateService: t.field({
    type: ServiceRef,
    description: 'Replaces the definition of an API service (config services are changed in their file).',
    authScopes: { 'platform.system.admin': true },
    args: { name: t.arg.string(), input: t.arg({ type: UpdateServiceInput }) },
    resolve: async (_r, { name, input }, ctx) => {
      await ctx.audited((em, events) => ctx.app.monitoring.updateService(em, events, name, toInput(input)), {
        action: 'monitoring.service.update',
        input: { name, ...input },
        target: { type: 'service', id: name },
        when: (r) => r.changed,
      });
      return serviceByName(ctx, name);
    },
  }),
  deleteService: t.boolean({
    authScopes: { 'platform.system.admin': true },
    args: { name: t.arg.string() },
    resolve: async (_r, { name }, ctx) => {
      await ctx.audited(
        async (em, events) => {
          const deleted = await deleteService(em, name);
          // Its open incident is resolved as removed by the next alerting pass: now, not at the pass's next look.
          events.afterCommit(() => ctx.app.alerting.wake());
          return deleted;
        },
        { action: 'monitoring.service.delete', input: { name }, target: { type: 'service', id: name } },
      );
      return true;
    },
  }),
}));
