/**
 * Every alerting query, mutation and subscription by role (anonymous, viewer, operator, admin), as
 * the roles bundle capabilities: tests/authorization.test.ts checks each field against each missing
 * capability; this checks the roles people are given, and that a refused call writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeEvents, wsClient } from '../support/graphql.ts';
import { until } from '../support/signals.ts';
import { newWebhookSecret, startFlippableTarget, startScenario, type AlertingScenario, type FlippableTarget } from './support/alerting.ts';

type Role = 'ANONYMOUS' | 'VIEWER' | 'OPERATOR' | 'ADMIN';
const ORDER: Role[] = ['ANONYMOUS', 'VIEWER', 'OPERATOR', 'ADMIN'];

let s: AlertingScenario;
let target: FlippableTarget;
const tokens: Partial<Record<Role, string>> = {};

beforeAll(async () => {
  target = await startFlippableTarget();
  s = await startScenario(`
services:
  - { name: api, kind: http, target: "${target.url('api')}", failure_threshold: 1 }
`);
  tokens.VIEWER = await s.tokenFor('VIEWER');
  tokens.OPERATOR = await s.tokenFor('OPERATOR');
  tokens.ADMIN = s.ts.adminToken;
});
afterAll(async () => {
  await s?.close();
  await target?.close();
});

const secret = newWebhookSecret();
/** Each operation and the least role allowed it. */
const OPERATIONS: [string, Role][] = [
  ['{ alerts { id } }', 'VIEWER'],
  ['{ alert(id: 1) { id } }', 'VIEWER'],
  ['{ openCriticalAlerts }', 'VIEWER'],
  ['{ alertConfigs { service } }', 'VIEWER'],
  ['{ alertChannels { name } }', 'VIEWER'],
  ['{ alertChannelKinds { kind } }', 'VIEWER'],
  ['{ maintenanceWindows { id } }', 'VIEWER'],
  ['mutation { acknowledgeAlert(id: 1) { id } }', 'OPERATOR'],
  ['mutation { updateAlertConfig(service: "api", input: { enabled: true }) { service } }', 'OPERATOR'],
  ['mutation { createMaintenanceWindow(input: { name: "w-ROLE", services: ["api"], duration: "1h" }) { id } }', 'OPERATOR'],
  ['mutation { updateMaintenanceWindow(id: 1, input: { name: "w-ROLE", services: ["api"], duration: "2h" }) { id } }', 'OPERATOR'],
  ['mutation { endMaintenanceWindow(id: 1) { id } }', 'OPERATOR'],
  ['mutation { deleteMaintenanceWindow(id: 999) }', 'OPERATOR'],
  [`mutation { createAlertChannel(input: { name: "c-ROLE", kind: "webhook", settings: { url: "http://127.0.0.1:9/x", secret: "${secret}" } }) { name } }`, 'ADMIN'],
  ['mutation { updateAlertChannel(name: "c-ADMIN", settings: { url: "http://127.0.0.1:9/y" }) { name } }', 'ADMIN'],
  ['mutation { testAlertChannel(name: "c-ADMIN") { ok } }', 'ADMIN'],
  ['mutation { deleteAlertChannel(name: "c-ADMIN") }', 'ADMIN'],
];

const written = async () => {
  const { rows } = await s.ts.server.app.sql.query(`select (select count(*) from alert_channels) as c, (select count(*) from maintenance_windows) as w,
    (select coalesce(json_agg(m order by m.id), '[]') from maintenance_windows m) as windows, (select coalesce(json_agg(a order by a.id), '[]') from alert_configs a) as configs`);
  return JSON.stringify(rows[0]);
};

describe('alerting by role', () => {
  it('each operation answers the roles allowed it and refuses the others (UNAUTHENTICATED, FORBIDDEN) without writing anything', async () => {
    for (const [operation, least] of OPERATIONS) {
      for (const role of ORDER) {
        const document = operation.replace(/ROLE/g, role);
        const before = await written();
        const result = await s.gql(document, {}, tokens[role] ?? '');
        const code = result.errors?.[0]?.extensions?.code;
        const allowed = ORDER.indexOf(role) >= ORDER.indexOf(least);
        if (allowed) {
          expect(['UNAUTHENTICATED', 'FORBIDDEN'], `${role}: ${document}`).not.toContain(code);
        } else {
          expect(code, `${role}: ${document}`).toBe(role === 'ANONYMOUS' ? 'UNAUTHENTICATED' : 'FORBIDDEN');
          expect(result.data?.[Object.keys(result.data ?? {})[0]] ?? null, `${role}: ${document}`).toBeNull();
          expect(await written(), `${role} wrote something: ${document}`).toBe(before);
        }
      }
    }
  });

  it('alertChanged refuses an anonymous subscriber and serves a viewer', async () => {
    const anonymous = wsClient(s.ts);
    try {
      const refused = await takeEvents(anonymous, 'subscription { alertChanged { id } }', 1).then(
        () => 'served',
        (error: { errors?: { extensions?: { code?: string } }[]; event?: { code?: number } }) => error.errors?.[0]?.extensions?.code ?? String(error.event?.code),
      );
      expect(refused).toMatch(/^(UNAUTHENTICATED|4401|4403)$/);
    } finally {
      await anonymous.dispose();
    }
    const viewer = wsClient(s.ts, { token: tokens.VIEWER });
    try {
      let events: { alertChanged: { service: string } }[] | undefined;
      const taking = takeEvents<{ alertChanged: { service: string } }>(viewer, 'subscription { alertChanged { id service } }', 1).then((e) => (events = e));
      // Incidents change until one reaches the subscriber (it is listening once the socket is up).
      let down = true;
      await until(async () => {
        if (events) return true;
        target.set('api', !down);
        down = !down;
        await s.check('api');
        await s.step();
        return !!events;
      }, 'an alertChanged event for the viewer');
      await taking;
      expect(events![0].alertChanged.service).toBe('api');
    } finally {
      await viewer.dispose();
    }
  });
});
