/** Live monitoring: every status transition (with a replay of those stored since an instant) and every recorded check. */
import { filteredEvents, replayedEvents } from '../server/events/pubsub.ts';
import { Channels, type HealthCheckEvent, type StatusChangeEvent } from '../server/events/channels.ts';
import { recordedChecks } from '../server/monitoring/check-events.ts';
import { transitionKey, transitionsSince } from '../server/monitoring/transitions.ts';
import { BadInputError } from '../server/errors.ts';
import { builder } from './builder.ts';
import { optionalService } from './service-reads.ts';
import { ServiceStatusEnum } from './monitoring.ts';

/** The most services one `healthCheckRecorded` subscription may name. */
const MAX_NAMED = 10_000;

const StatusChangeRef = builder.objectRef<StatusChangeEvent>('ServiceStatusChange').implement({
  fields: (t) => ({
    service: t.exposeString('service'),
    critical: t.exposeBoolean('critical'),
    previousStatus: t.field({ type: ServiceStatusEnum, nullable: true, description: 'Null on the first check.', resolve: (e) => e.previousStatus }),
    status: t.field({ type: ServiceStatusEnum, resolve: (e) => e.status }),
    reason: t.exposeString('reason'),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
  }),
});

const CheckRecordedRef = builder.objectRef<HealthCheckEvent>('HealthCheckRecorded').implement({
  fields: (t) => ({
    service: t.exposeString('service'),
    checkedAt: t.field({ type: 'DateTime', resolve: (e) => e.checkedAt }),
    status: t.field({ type: ServiceStatusEnum, resolve: (e) => e.status }),
    latencyMs: t.exposeInt('latencyMs'),
    error: t.string({ nullable: true, resolve: (e) => e.error }),
  }),
});

builder.subscriptionFields((t) => ({
  serviceStatusChanged: t.field({
    type: StatusChangeRef,
    description:
      'Every status transition (previous and new status, and why), optionally for one service or critical ones only. With `since`, the transitions stored after that instant come first (oldest first; at most 24 hours back and the latest 10,000), then live ones, none twice. A check is stored when it ends, so a transition (whose `at` is when its check began) may be stored well after its `at`; and a batch whose transaction began before an instant may commit after it: pass an instant a little before the `generatedAt` of the data you show (the dashboard uses a minute), or before you lost the connection, and ignore transitions you already have.',
    authScopes: { 'platform.access_system_panel': true },
    args: { service: t.arg.string({ required: false }), criticalOnly: t.arg.boolean({ required: false }), since: t.arg({ type: 'DateTime', required: false }) },
    subscribe: (_r, args, ctx) => {
      const service = optionalService(args.service);
      const keep = (e: StatusChangeEvent) => (service === null || e.service === service) && (!args.criticalOnly || e.critical);
      if (!args.since) return filteredEvents(ctx.app.pubsub, Channels.statusChanged, keep);
      const since = args.since;
      return replayedEvents(ctx.app.pubsub, Channels.statusChanged, keep, () => transitionsSince(ctx.app.sql, since, ctx.app.clock.now(), { ...args, service }), transitionKey);
    },
    resolve: (event) => event,
  }),
  healthCheckRecorded: t.field({
    type: CheckRecordedRef,
    description:
      'Every recorded check of one service, of the services named (the live grid names the cards it shows), or of all services when neither is given.',
    authScopes: { 'platform.access_system_panel': true },
    args: {
      service: t.arg.string({ required: false }),
      services: t.arg.stringList({ required: false, description: `Only these services (at most ${MAX_NAMED.toLocaleString('en')} names).` }),
    },
    subscribe: (_r, { service, services }, ctx) => {
      if (services && services.length > MAX_NAMED) throw new BadInputError('services', `Name at most ${MAX_NAMED} services; got ${services.length}. Omit it for every service.`);
      return recordedChecks(ctx.app.pubsub, optionalService(service), services);
    },
    resolve: (event) => event,
  }),
}));
