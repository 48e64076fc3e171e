/** System facts: server time (also live, proving the WebSocket path) and overall health. */
import { overallHealth } from '../server/system/health.ts';
import { builder } from './builder.ts';

const HealthStatusEnum = builder.enumType('HealthStatus', { values: { HEALTHY: { value: 'healthy' }, DEGRADED: { value: 'degraded' }, DOWN: { value: 'down' } } as const });

const ServerInfo = builder.objectRef<{ startedAt: Date; version: string }>('ServerInfo').implement({
  fields: (t) => ({
    version: t.exposeString('version'),
    startedAt: t.field({ type: 'DateTime', resolve: (s) => s.startedAt }),
  }),
});

/** Yields the time every `intervalMs` until the subscriber leaves. */
async function* ticks(now: () => Date, intervalMs: number): AsyncGenerator<Date> {
  for (;;) {
    yield now();
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

builder.queryFields((t) => ({
  serverTime: t.field({ type: 'DateTime', authScopes: { 'platform.access_system_panel': true }, resolve: (_r, _a, ctx) => ctx.app.clock.now() }),
  serverInfo: t.field({
    type: ServerInfo,
    authScopes: { 'platform.access_system_panel': true },
    resolve: (_r, _a, ctx) => ({ startedAt: ctx.app.startedAt, version: ctx.app.version }),
  }),
  health: t.field({
    type: HealthStatusEnum,
    description: 'Overall status, as /health reports it.',
    authScopes: { 'platform.access_system_panel': true },
    resolve: async (_r, _a, ctx) => (await overallHealth(ctx.app)).status,
  }),
}));

builder.subscriptionFields((t) => ({
  serverTime: t.field({
    type: 'DateTime',
    description: 'The server’s clock, once a second: a live value for dashboards and a check of the WebSocket path.',
    authScopes: { 'platform.access_system_panel': true },
    subscribe: (_r, _a, ctx) => ticks(() => ctx.app.clock.now(), 1000),
    resolve: (time) => time,
  }),
}));
