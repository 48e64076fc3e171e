/**
 * Alerting through the API: incidents (alerts) with their transitions and deliveries, alert
 * settings, channels (admins), acknowledgement, and the live
 * `alertChanged` subscription (maintenance windows: maintenance.ts). Resolvers check the scope,
 * call server/alerting, map.
 */
import { filteredEvents } from '../server/events/pubsub.ts';
import { Channels, type AlertChangedEvent } from '../server/events/channels.ts';
import { BadInputError, NotFoundError } from '../server/errors.ts';
import { formatDuration } from '../server/duration.ts';
import { alertDeliveries, alertTransitions, getAlert, listAlerts, openCriticalCount, type AlertView, type DeliveryAttemptView, type DeliveryView, type AlertTransitionView } from '../server/alerting/queries.ts';
import {
  createChannel, defaultAlertConfig, deleteChannel, listAlertConfigs, listChannels, updateChannel,
  type StoredAlertConfig, type StoredChannel,
} from '../server/alerting/store.ts';
import { maskedSettings, resolveSettings, validateChannel, type AlertSettings } from '../server/alerting/settings.ts';
import { channelKinds } from '../server/alerting/channels/registry.ts';
import { builder } from './builder.ts';
import { loadWithinBudget } from './budgeted-loader.ts';
import { admitted, optionalService } from './service-reads.ts';
import { MAX_SERVICE_PAGE } from '../server/monitoring/overview.ts';
import { ServiceStatusEnum } from './monitoring.ts';
import { runThenAudited } from './outcome-audit.ts';
import { boundedFilter } from './filters.ts';

const VIEW = { 'platform.access_system_panel': true } as const;
const OPERATE = { 'platform.operations.manage': true } as const;
const ADMIN = { 'platform.system.admin': true } as const;

const AlertStateEnum = builder.enumType('AlertState', { values: { OPEN: { value: 'open' }, RESOLVED: { value: 'resolved' } } as const });
const AlertStateFilterEnum = builder.enumType('AlertStateFilter', {
  values: { OPEN: { value: 'open' }, RESOLVED: { value: 'resolved' }, ACKNOWLEDGED: { value: 'acknowledged' }, UNACKNOWLEDGED: { value: 'unacknowledged' } } as const,
});
const SeverityEnum = builder.enumType('AlertSeverity', { values: { WARNING: { value: 'warning' }, CRITICAL: { value: 'critical' } } as const });
const DeliveryStateEnum = builder.enumType('AlertDeliveryState', { values: { PENDING: { value: 'pending' }, SENT: { value: 'sent' }, FAILED: { value: 'failed' } } as const });

const TransitionRef = builder.objectRef<AlertTransitionView>('AlertTransition').implement({
  fields: (t) => ({
    previousStatus: t.string({ nullable: true, resolve: (r) => r.previousStatus }),
    status: t.exposeString('status', { description: 'healthy, degraded, down or paused.' }),
    reason: t.exposeString('reason'),
    at: t.field({ type: 'DateTime', resolve: (r) => r.at }),
  }),
});

const AttemptRef = builder.objectRef<DeliveryAttemptView>('AlertDeliveryAttempt').implement({
  fields: (t) => ({
    attempt: t.exposeInt('attempt'),
    startedAt: t.field({ type: 'DateTime', resolve: (a) => a.startedAt }),
    latencyMs: t.exposeInt('latencyMs'),
    ok: t.exposeBoolean('ok'),
    statusCode: t.int({ nullable: true, resolve: (a) => a.statusCode }),
    error: t.string({ nullable: true, resolve: (a) => a.error }),
    detail: t.string({ nullable: true, description: "The receiver's answer, shortened.", resolve: (a) => a.detail }),
  }),
});

const DeliveryRef = builder.objectRef<DeliveryView>('AlertDelivery').implement({
  description: 'One notice to one channel, from the outbox: retried with backoff, every attempt recorded.',
  fields: (t) => ({
    id: t.exposeInt('id'),
    channel: t.exposeString('channel'),
    event: t.exposeString('event', { description: 'trigger, remind, acknowledge or resolve.' }),
    messageId: t.exposeString('messageId', { description: 'The same on every attempt (the webhook-id header).' }),
    state: t.field({ type: DeliveryStateEnum, resolve: (d) => d.state }),
    attempts: t.exposeInt('attempts'),
    maxAttempts: t.exposeInt('maxAttempts'),
    nextAttemptAt: t.field({ type: 'DateTime', nullable: true, resolve: (d) => d.nextAttemptAt }),
    createdAt: t.field({ type: 'DateTime', resolve: (d) => d.createdAt }),
    sentAt: t.field({ type: 'DateTime', nullable: true, resolve: (d) => d.sentAt }),
    lastError: t.string({ nullable: true, resolve: (d) => d.lastError }),
    log: t.field({ type: [AttemptRef], description: 'Every attempt, oldest first.', resolve: (d) => d.log }),
  }),
});

export const AlertRef = builder.objectRef<AlertView>('Alert').implement({
  description: "An incident: a service's time out of health, from its first bad transition to its recovery.",
  fields: (t) => ({
    id: t.exposeInt('id'),
    service: t.exposeString('service'),
    displayName: t.exposeString('displayName'),
    state: t.field({ type: AlertStateEnum, resolve: (a) => a.state }),
    severity: t.field({ type: SeverityEnum, description: 'The worst reached: degraded is WARNING, down is CRITICAL.', resolve: (a) => a.severity }),
    status: t.field({ type: ServiceStatusEnum, description: "The service's status in the incident (its last one when resolved).", resolve: (a) => a.status }),
    reason: t.exposeString('reason'),
    startedAt: t.field({ type: 'DateTime', resolve: (a) => a.startedAt }),
    openedAt: t.field({ type: 'DateTime', description: 'When alerting recorded it.', resolve: (a) => a.openedAt }),
    acknowledged: t.boolean({ resolve: (a) => !!a.acknowledgedAt }),
    acknowledgedAt: t.field({ type: 'DateTime', nullable: true, resolve: (a) => a.acknowledgedAt }),
    acknowledgedBy: t.string({ nullable: true, resolve: (a) => a.acknowledgedBy }),
    resolvedAt: t.field({ type: 'DateTime', nullable: true, resolve: (a) => a.resolvedAt }),
    resolution: t.string({ nullable: true, description: 'recovered or paused.', resolve: (a) => a.resolution }),
    suppressedBy: t.string({ nullable: true, description: 'Why nobody is paged: `caused by <service>` or `maintenance "<window>"`.', resolve: (a) => a.suppressedBy }),
    notifiedAt: t.field({ type: 'DateTime', nullable: true, description: 'When the external channels were first told (null: not yet).', resolve: (a) => a.notifiedAt }),
    nextNoticeAt: t.field({ type: 'DateTime', nullable: true, description: 'When the escalation or the next reminder is due.', resolve: (a) => (a.state === 'open' ? a.nextNoticeAt : null) }),
    reminders: t.exposeInt('reminders'),
    channels: t.stringList({ description: 'The channels told of it.', resolve: (a) => a.told }),
    // Read for every incident of a list in one statement each, within the request's budget.
    transitions: t.field({ type: [TransitionRef], resolve: (a, _args, ctx, info) => loadWithinBudget(ctx, info, 'transitions', 'alert-transitions', (ids: number[], limit: number) => alertTransitions(ctx.app.sql, ids, limit), a.id) }),
    deliveries: t.field({ type: [DeliveryRef], resolve: (a, _args, ctx, info) => loadWithinBudget(ctx, info, 'deliveries', 'alert-deliveries', (ids: number[], limit: number) => alertDeliveries(ctx.app.sql, ids, limit), a.id, (d: DeliveryView) => 1 + d.log.length) }),
  }),
});

const SettingsRef = builder.objectRef<AlertSettings>('AlertSettings').implement({
  fields: (t) => ({
    enabled: t.exposeBoolean('enabled'),
    channels: t.stringList({ description: 'The external channels; the dashboard is always told.', resolve: (s) => s.channels }),
    escalationDelay: t.string({ description: 'A duration ("5m").', resolve: (s) => formatDuration(s.escalationDelayMs) }),
    minDuration: t.string({ resolve: (s) => formatDuration(s.minDurationMs) }),
    remindEvery: t.string({ description: 'A duration, or "off".', resolve: (s) => (s.remindEveryMs ? formatDuration(s.remindEveryMs) : 'off') }),
    notifyRecovery: t.exposeBoolean('notifyRecovery'),
  }),
});

const AlertConfigRef = builder.objectRef<StoredAlertConfig & { defaults: StoredAlertConfig['own'] }>('AlertConfig').implement({
  description: "A service's alert settings (or the default's, `service` null): what it sets itself, and what is in force.",
  fields: (t) => ({
    service: t.string({ nullable: true, resolve: (c) => c.service }),
    source: t.string({ nullable: true, description: 'config (the file; change it there), api, or null when nothing is set.', resolve: (c) => c.source }),
    own: t.field({ type: 'JSON', description: 'The fields it sets itself (the rest come from the default).', resolve: (c) => c.own }),
    effective: t.field({ type: SettingsRef, resolve: (c) => resolveSettings(c.own, c.service === null ? {} : c.defaults) }),
    updatedAt: t.field({ type: 'DateTime', nullable: true, resolve: (c) => c.updatedAt }),
  }),
});

const ChannelRef = builder.objectRef<StoredChannel>('AlertChannel').implement({
  description: 'A named place notices go. Its secrets (webhook secret, routing key, password, a URL with a token) are write-only.',
  fields: (t) => ({
    name: t.exposeString('name'),
    kind: t.exposeString('kind'),
    settings: t.field({ type: 'JSON', description: 'Its settings without the secret ones.', resolve: (c) => maskedSettings(c.kind, c.settings).settings }),
    secretsSet: t.stringList({ description: 'The secret settings it has (their values are never shown).', resolve: (c) => maskedSettings(c.kind, c.settings).secrets }),
    source: t.exposeString('source'),
    createdAt: t.field({ type: 'DateTime', resolve: (c) => c.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (c) => c.updatedAt }),
  }),
});

const ChannelKindRef = builder.objectRef<{ kind: string; description: string; secretFields: readonly string[] }>('AlertChannelKind').implement({
  fields: (t) => ({
    kind: t.exposeString('kind'),
    description: t.exposeString('description'),
    secretFields: t.stringList({ resolve: (k) => [...k.secretFields] }),
  }),
});

const TestOutcomeRef = builder
  .objectRef<{ channel: string; messageId: string; ok: boolean; statusCode: number | null; latencyMs: number; error: string | null; detail: string | null }>('AlertChannelTest')
  .implement({
    fields: (t) => ({
      channel: t.exposeString('channel'),
      messageId: t.exposeString('messageId'),
      ok: t.exposeBoolean('ok'),
      statusCode: t.int({ nullable: true, resolve: (o) => o.statusCode }),
      latencyMs: t.exposeInt('latencyMs'),
      error: t.string({ nullable: true, resolve: (o) => o.error }),
      detail: t.string({ nullable: true, resolve: (o) => o.detail }),
    }),
  });

const AlertFilterInput = builder.inputType('AlertFilter', {
  fields: (t) => ({
    service: t.string({ required: false }),
    severity: t.field({ type: SeverityEnum, required: false }),
    state: t.field({ type: AlertStateFilterEnum, required: false }),
    since: t.field({ type: 'DateTime', required: false, description: 'Incidents still open at or resolved after this instant.' }),
    until: t.field({ type: 'DateTime', required: false, description: 'Incidents started at or before this instant.' }),
    limit: t.int({ required: false, description: '1–500, default 50.' }),
    offset: t.int({ required: false }),
  }),
});

const AlertConfigInput = builder.inputType('AlertConfigInput', {
  fields: (t) => ({
    enabled: t.boolean({ required: false }),
    channels: t.stringList({ required: false, description: 'Channel names (the dashboard is always told).' }),
    escalationDelay: t.string({ required: false, description: 'A duration: "0s" (at once) to "7d".' }),
    minDuration: t.string({ required: false, description: 'How long a bad status must last before anyone is notified.' }),
    remindEvery: t.string({ required: false, description: 'A duration of at least "1m", or "off".' }),
    notifyRecovery: t.boolean({ required: false }),
    reset: t.stringList({ required: false, description: 'Fields to take from the default again.' }),
  }),
});

const ChannelInput = builder.inputType('AlertChannelInput', {
  fields: (t) => ({
    name: t.string(),
    kind: t.string({ description: 'webhook, slack, pagerduty or email.' }),
    settings: t.field({ type: 'JSON', description: "The kind's settings (webhook: url, secret; slack: url; pagerduty: routingKey; email: host, port, from, to…)." }),
  }),
});

/**
 * A channel's settings as the audit log keeps them: what the API would show of them once checked,
 * every other value `[redacted]`. The audit's own redaction goes by key names (secret, url…), but
 * a password pasted under a wrong or unknown key must not be kept either.
 */
function auditedSettings(kind: string | null, name: string, settings: unknown): unknown {
  if (!settings || typeof settings !== 'object' || Array.isArray(settings)) return Array.isArray(settings) ? '[a list]' : typeof settings;
  const keys = Object.keys(settings).slice(0, 50);
  let shown: Record<string, unknown> = {};
  try {
    if (kind) {
      const channel = validateChannel({ name, kind, settings });
      shown = maskedSettings(channel.kind, channel.settings).settings;
    }
  } catch {
    // Refused: only the names of what was given are kept.
  }
  return Object.fromEntries(keys.map((key) => [key, Object.hasOwn(shown, key) ? shown[key] : '[redacted]']));
}

/** The fields of an input object that were given (GraphQL's absent and null alike dropped). */
export const definedInput = (input: Record<string, unknown>) => Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null && v !== undefined));
const configsWithDefaults = (configs: StoredAlertConfig[]) => {
  const defaults = configs.find((c) => c.service === null)?.own ?? {};
  return configs.map((c) => ({ ...c, defaults }));
};

builder.queryFields((t) => ({
  alerts: t.field({
    type: [AlertRef],
    description: 'Incidents: open ones first, then the most recent.',
    authScopes: VIEW,
    args: { filter: t.arg({ type: AlertFilterInput, required: false }) },
    resolve: (_r, { filter }, ctx) => listAlerts(ctx.app.sql, boundedFilter(filter) ?? {}),
  }),
  alert: t.field({
    type: AlertRef,
    nullable: true,
    authScopes: VIEW,
    args: { id: t.arg.int() },
    resolve: (_r, { id }, ctx) => getAlert(ctx.app.sql, id),
  }),
  openCriticalAlerts: t.int({
    description: 'Open critical incidents that page someone (the dashboard banner).',
    authScopes: VIEW,
    resolve: (_r, _a, ctx) => openCriticalCount(ctx.app.sql),
  }),
  alertConfigs: t.field({
    type: [AlertConfigRef],
    description: 'The default alert settings (service null) and each service\'s.',
    authScopes: VIEW,
    args: {
      service: t.arg.string({ required: false }),
      first: t.arg.int({ required: false, description: `At most this many services (0 to ${MAX_SERVICE_PAGE.toLocaleString('en')}), by name; without it, all of them when at most ${MAX_SERVICE_PAGE.toLocaleString('en')} (more is refused: ask a page at a time). The default comes first on every page.` }),
      offset: t.arg.int({ required: false, description: 'Skip this many services first (0 when omitted).' }),
    },
    // A service's own: its row and the default's (every service's settings were read and filtered here).
    resolve: async (_r, { service: given, first, offset }, ctx, info) => {
      const service = optionalService(given);
      if (service !== null && ((first ?? null) !== null || (offset ?? null) !== null)) {
        throw new BadInputError((first ?? null) !== null ? 'first' : 'offset', '`first` and `offset` page the services; with `service` there is one: leave them out.');
      }
      return service
        ? configsWithDefaults([await defaultAlertConfig(ctx.app.sql), ...(await listAlertConfigs(ctx.app.sql, service))]).filter((c) => c.service === service)
        : configsWithDefaults(await listAlertConfigs(ctx.app.sql, undefined, { first, offset }, admitted(ctx, info, 'alertConfigs')));
    },
  }),
  alertChannels: t.field({ type: [ChannelRef], authScopes: VIEW, resolve: (_r, _a, ctx) => listChannels(ctx.app.sql) }),
  alertChannelKinds: t.field({ type: [ChannelKindRef], authScopes: VIEW, resolve: () => channelKinds().filter((k) => k.kind !== 'dashboard') }),
}));

builder.mutationFields((t) => ({
  acknowledgeAlert: t.field({
    type: AlertRef,
    description: 'Stops escalation and reminders for an open incident; PagerDuty and webhook channels told of it are told.',
    authScopes: OPERATE,
    args: { id: t.arg.int() },
    resolve: async (_r, { id }, ctx) => {
      await ctx.auditedSql((sql, events) => ctx.app.alerting.acknowledge(sql, events, id, ctx.actor?.label ?? 'unknown'), {
        action: 'alerting.alert.acknowledge',
        input: { id },
        target: { type: 'alert', id: String(id) },
        when: (changed) => changed,
      });
      const alert = await getAlert(ctx.app.sql, id);
      if (!alert) throw new NotFoundError('Alert', String(id));
      return alert;
    },
  }),
  updateAlertConfig: t.field({
    type: AlertConfigRef,
    description: "Sets a service's alert settings (or the default's, without `service`); fields left out stay as they are.",
    authScopes: OPERATE,
    args: { service: t.arg.string({ required: false }), input: t.arg({ type: AlertConfigInput }) },
    resolve: async (_r, { service, input }, ctx) => {
      const { reset, ...fields } = input;
      const { config } = await ctx.auditedSql((sql, events) => ctx.app.alerting.updateConfig(sql, events, service ?? null, definedInput(fields), reset ?? []), {
        action: 'alerting.config.update',
        input: { service: service ?? null, ...input },
        target: { type: 'alert_config', id: service ?? 'default' },
        when: (r) => r.changed,
      });
      return configsWithDefaults([await defaultAlertConfig(ctx.app.sql), config]).at(-1)!;
    },
  }),
  createAlertChannel: t.field({
    type: ChannelRef,
    authScopes: ADMIN,
    args: { input: t.arg({ type: ChannelInput }) },
    resolve: (_r, { input }, ctx) =>
      ctx.auditedSql((sql) => createChannel(sql, input as { name: string; kind: string; settings: unknown }, ctx.app.clock.now()), {
        action: 'alerting.channel.create',
        input: { name: input.name, kind: input.kind, settings: auditedSettings(input.kind, input.name, input.settings) },
        targetOf: (c) => ({ type: 'alert_channel', id: c.name }),
      }),
  }),
  updateAlertChannel: t.field({
    type: ChannelRef,
    description: 'Replaces its settings; a secret left out keeps its value.',
    authScopes: ADMIN,
    args: { name: t.arg.string(), settings: t.arg({ type: 'JSON' }) },
    resolve: async (_r, { name, settings }, ctx) =>
      (
        await ctx.auditedSql((sql) => updateChannel(sql, name, settings, ctx.app.clock.now()), {
          action: 'alerting.channel.update',
          // Kept as names only: a partial update (a secret left out) does not pass the kind's check alone.
          input: { name, settings: auditedSettings(null, name, settings) },
          target: { type: 'alert_channel', id: name },
          when: (r) => r.changed,
        })
      ).channel,
  }),
  deleteAlertChannel: t.boolean({
    authScopes: ADMIN,
    args: { name: t.arg.string() },
    resolve: async (_r, { name }, ctx) => {
      await ctx.auditedSql((sql) => deleteChannel(sql, name), { action: 'alerting.channel.delete', input: { name }, target: { type: 'alert_channel', id: name } });
      return true;
    },
  }),
  testAlertChannel: t.field({
    type: TestOutcomeRef,
    description: 'Sends a test notice through the channel now and returns what the receiver answered.',
    authScopes: ADMIN,
    args: { name: t.arg.string() },
    resolve: (_r, { name }, ctx) =>
      // Sent holding no pooled connection: a receiver may take the attempt's whole time limit to answer.
      runThenAudited(ctx, () => ctx.app.alerting.testChannel(ctx.app.sql, name), { action: 'alerting.channel.test', input: { name }, target: { type: 'alert_channel', id: name } }),
  }),
}));

builder.subscriptionFields((t) => ({
  alertChanged: t.field({
    type: AlertRef,
    description: 'Every incident opened, changed (a transition, an acknowledgement, a delivery) or resolved, optionally of one service.',
    authScopes: VIEW,
    args: { service: t.arg.string({ required: false }) },
    subscribe: (_r, args, ctx) => {
      const service = optionalService(args.service);
      return filteredEvents(ctx.app.pubsub, Channels.alertChanged, (e: AlertChangedEvent) => service === null || e.service === service);
    },
    resolve: async (event, _a, ctx) => {
      const alert = await getAlert(ctx.app.sql, event.id);
      if (!alert) throw new NotFoundError('Alert', String(event.id)); // its service was deleted since
      return alert;
    },
  }),
}));

