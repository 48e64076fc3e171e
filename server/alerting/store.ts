/**
 * The API's changes to alerting's configuration, in the caller's transaction (`sql`): channels,
 * alert settings, maintenance windows. What the config file declares is its own: the API refuses
 * to change it, naming the file. Each returns whether anything changed (a call that changes nothing
 * is not audited).
 */
import { sameJson } from '../same-json.ts';
import type { SqlClient } from '../db/sql.ts';
import { BadInputError, ConflictError, NotFoundError } from '../errors.ts';
import { getChannelKind } from './channels/registry.ts';
import { parseAlertSettings, validateChannel, validateMaintenance, type AlertSettingsInput } from './settings.ts';
import { LIVE_WINDOW_SQL, loadWindow, type StoredWindow } from './maintenance.ts';
import { MAX_MAINTENANCE_WINDOWS } from './config-file.ts';
import { reconsiderSilenced } from './notices.ts';
import { MAX_SERVICE_PAGE, checkServicePage, type ServicePage } from '../monitoring/overview.ts';

export interface StoredChannel {
  id: number;
  name: string;
  kind: string;
  settings: Record<string, unknown>;
  source: 'config' | 'api';
  createdAt: Date;
  updatedAt: Date;
}

const channelFromRow = (r: Record<string, any>): StoredChannel => ({ id: r.id, name: r.name, kind: r.kind, settings: r.settings, source: r.source, createdAt: r.created_at, updatedAt: r.updated_at });

export async function listChannels(sql: SqlClient): Promise<StoredChannel[]> {
  const { rows } = await sql.query('select * from alert_channels order by name');
  return rows.map(channelFromRow);
}

export async function findChannel(sql: SqlClient, name: string, lock = false): Promise<StoredChannel> {
  const { rows } = await sql.query(`select * from alert_channels where name = $1 ${lock ? 'for update' : ''}`, [name]);
  if (!rows[0]) throw new NotFoundError('Alert channel', name.slice(0, 100));
  return channelFromRow(rows[0]);
}

const fromFile = (what: string) => new ConflictError(`${what} is declared in the config file; change it there (the API cannot change what the file declares).`);

export async function createChannel(sql: SqlClient, input: { name: string; kind: string; settings: unknown }, now: Date): Promise<StoredChannel> {
  const channel = validateChannel(input);
  const { rows } = await sql.query(
    `insert into alert_channels (name, kind, settings, source, created_at, updated_at) values ($1, $2, $3, 'api', $4, $4)
     on conflict (name) do nothing returning *`,
    [channel.name, channel.kind, JSON.stringify(channel.settings), now],
  );
  if (!rows[0]) throw new ConflictError(`An alert channel named "${channel.name}" exists already.`, { field: 'name' });
  return channelFromRow(rows[0]);
}

/**
 * New settings for a channel: the given ones replace the stored ones, except that a secret left
 * out (the API never shows it back) keeps its stored value. Returns null when nothing changed.
 */
export async function updateChannel(sql: SqlClient, name: string, settings: unknown, now: Date): Promise<{ channel: StoredChannel; changed: boolean }> {
  const current = await findChannel(sql, name, true);
  if (current.source === 'config') throw fromFile(`The channel "${name}"`);
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) throw new BadInputError('settings', 'settings must be a mapping of the kind\'s settings.');
  const secrets = getChannelKind(current.kind).secretFields;
  const merged: Record<string, unknown> = { ...(settings as Record<string, unknown>) };
  for (const field of secrets) if (merged[field] === undefined && current.settings[field] !== undefined) merged[field] = current.settings[field];
  const channel = validateChannel({ name, kind: current.kind, settings: merged });
  // jsonb keeps keys in its own order: compared as values.
  if (sameJson(channel.settings, current.settings)) return { channel: current, changed: false };
  const { rows } = await sql.query('update alert_channels set settings = $2, updated_at = $3 where id = $1 returning *', [current.id, JSON.stringify(channel.settings), now]);
  return { channel: channelFromRow(rows[0]), changed: true };
}

export async function deleteChannel(sql: SqlClient, name: string): Promise<StoredChannel> {
  const current = await findChannel(sql, name, true);
  if (current.source === 'config') throw fromFile(`The channel "${name}"`);
  const { rows } = await sql.query<{ service: string | null }>(
    `select s.name as service from alert_configs c left join services s on s.id = c.service_id where $1 = any(c.channels) order by s.name nulls first limit 20`,
    [name],
  );
  if (rows.length) {
    const users = rows.map((r) => r.service ?? 'the default settings').join(', ');
    throw new ConflictError(`The channel "${name}" is used by the alert settings of ${users}; take it out of them first.`);
  }
  await sql.query('delete from alert_channels where id = $1', [current.id]);
  return current;
}

/**
 * Taken by whoever may write the default alert settings' row (the API and the config file): two
 * writers that each found none both inserted one, and one failed on the unique index as an
 * internal error.
 */
export const DEFAULT_CONFIG_LOCK_KEY = 0x416c4466;

export interface StoredAlertConfig {
  /** Null: the default every service takes what it leaves unset from. */
  service: string | null;
  own: AlertSettingsInput;
  source: 'config' | 'api' | null;
  updatedAt: Date | null;
}

const configFromRow = (r: Record<string, any>): StoredAlertConfig => ({
  service: r.service ?? null,
  own: Object.fromEntries(
    Object.entries({
      enabled: r.enabled,
      channels: r.channels,
      escalationDelayMs: r.escalation_delay_ms,
      minDurationMs: r.min_duration_ms,
      remindEveryMs: r.remind_every_ms,
      notifyRecovery: r.notify_recovery,
    }).filter(([, v]) => v !== null && v !== undefined),
  ),
  source: r.source ?? null,
  updatedAt: r.updated_at ?? null,
});

/** The default settings, as stored (nothing set when there is no row). */
export async function defaultAlertConfig(sql: SqlClient): Promise<StoredAlertConfig> {
  const { rows } = await sql.query('select null as service, * from alert_configs where service_id is null');
  return rows[0] ? configFromRow(rows[0]) : { service: null, own: {}, source: null, updatedAt: null };
}

/**
 * The default and every service, each with what it sets itself (a service with no row sets
 * nothing), by name; with `service`, only that service's (one row read, not every service's).
 * `page` keeps one page of the services (the default comes first on every page); without `first`,
 * more than MAX_SERVICE_PAGE services is refused.
 */
export async function listAlertConfigs(sql: SqlClient, service?: string, page: ServicePage = {}, admit?: (count: number) => void): Promise<StoredAlertConfig[]> {
  checkServicePage(page);
  const paged = (page.first ?? null) !== null;
  // Unpaged, one more than a page may hold: to refuse a longer list rather than build it.
  const { rows } = await sql.query(
    `select s.name as service, c.enabled, c.channels, c.escalation_delay_ms, c.min_duration_ms, c.remind_every_ms, c.notify_recovery, c.source, c.updated_at
       from services s left join alert_configs c on c.service_id = s.id ${service ? 'where s.name = $1' : ''} order by s.name
      limit ${paged ? page.first : MAX_SERVICE_PAGE + 1} offset ${page.offset ?? 0}`,
    service ? [service] : [],
  );
  if (!paged && rows.length > MAX_SERVICE_PAGE) {
    throw new BadInputError('first', `More than ${MAX_SERVICE_PAGE.toLocaleString('en')} services: ask for their alert settings a page at a time (first: at most ${MAX_SERVICE_PAGE.toLocaleString('en')}, and offset), or for one service.`);
  }
  admit?.(rows.length);
  return [...(service ? [] : [await defaultAlertConfig(sql)]), ...rows.map(configFromRow)];
}

/**
 * Sets the fields given of a service's alert settings (or the default's, `service` null); `reset`
 * names fields to take from the default again. Channel names must be defined.
 */
export async function updateAlertConfig(sql: SqlClient, service: string | null, input: unknown, reset: string[], now: Date): Promise<{ config: StoredAlertConfig; changed: boolean; serviceId: number | null }> {
  let serviceId: number | null = null;
  // A service's row is serialized by its service's lock; the default's has no row to lock before it exists.
  if (service === null) await sql.query('select pg_advisory_xact_lock($1)', [DEFAULT_CONFIG_LOCK_KEY]);
  else {
    const { rows } = await sql.query<{ id: number }>('select id from services where name = $1 for update', [service]);
    if (!rows[0]) throw new NotFoundError('Service', service.slice(0, 100));
    serviceId = rows[0].id;
  }
  const { rows: channelRows } = await sql.query<{ name: string }>('select name from alert_channels');
  const settings = parseAlertSettings(input, 'input', new Set(channelRows.map((r) => r.name)));
  const resettable = ['enabled', 'channels', 'escalationDelay', 'minDuration', 'remindEvery', 'notifyRecovery'];
  const bad = reset.find((field) => !resettable.includes(field));
  if (bad !== undefined) throw new BadInputError('reset', `reset names fields to take from the default: ${resettable.join(', ')}; not ${JSON.stringify(bad.slice(0, 60))}.`);
  const { rows: existing } = await sql.query(`select * from alert_configs where ${serviceId === null ? 'service_id is null' : 'service_id = $1'} for update`, serviceId === null ? [] : [serviceId]);
  const current = existing[0];
  if (current?.source === 'config') throw fromFile(service === null ? 'The default alert settings' : `The alert settings of "${service}"`);
  const column = { enabled: 'enabled', channels: 'channels', escalationDelayMs: 'escalation_delay_ms', minDurationMs: 'min_duration_ms', remindEveryMs: 'remind_every_ms', notifyRecovery: 'notify_recovery' } as const;
  const resetColumns = new Set(reset.map((f) => column[(f.endsWith('Delay') || f.endsWith('Duration') || f.endsWith('Every') ? `${f}Ms` : f) as keyof typeof column]));
  const next: Record<string, unknown> = {};
  for (const [key, col] of Object.entries(column)) {
    const given = settings[key as keyof AlertSettingsInput];
    next[col] = given !== undefined ? given : resetColumns.has(col) ? null : (current?.[col] ?? null);
  }
  const same = current ? Object.entries(next).every(([col, v]) => JSON.stringify(v) === JSON.stringify(current[col])) : Object.values(next).every((v) => v === null);
  const stored = async () => (service === null ? defaultAlertConfig(sql) : ((await listAlertConfigs(sql, service))[0] ?? configFromRow({ service })));
  if (same) return { config: await stored(), changed: false, serviceId };
  const values = [next.enabled, next.channels, next.escalation_delay_ms, next.min_duration_ms, next.remind_every_ms, next.notify_recovery, now];
  if (current) await sql.query(`update alert_configs set enabled = $2, channels = $3, escalation_delay_ms = $4, min_duration_ms = $5, remind_every_ms = $6, notify_recovery = $7, updated_at = $8 where id = $1`, [current.id, ...values]);
  else await sql.query(`insert into alert_configs (service_id, enabled, channels, escalation_delay_ms, min_duration_ms, remind_every_ms, notify_recovery, updated_at, source) values ($1, $2, $3, $4, $5, $6, $7, $8, 'api')`, [serviceId, ...values]);
  return { config: await stored(), changed: true, serviceId };
}

export async function createMaintenance(sql: SqlClient, input: unknown, createdBy: string, now: Date): Promise<StoredWindow> {
  const window = validateMaintenance(input, '', now);
  await checkServices(sql, window.services);
  const { rows: [live] } = await sql.query<{ n: number }>(`select count(*)::int as n from maintenance_windows where source = 'api' and ${LIVE_WINDOW_SQL}`, [now]);
  if (live.n >= MAX_MAINTENANCE_WINDOWS) {
    throw new ConflictError(`There are ${live.n} maintenance windows in force or to come, the most there may be (${MAX_MAINTENANCE_WINDOWS}): end some first (one window may cover many services, by name, tag or all).`);
  }
  const { rows } = await sql.query<{ id: number }>(
    `insert into maintenance_windows (name, services, tags, everything, starts_at, ends_at, rrule, duration_ms, reason, end_when_healthy, source, created_by, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'api', $11, $12) on conflict (name) do nothing returning id`,
    [window.name, window.services, window.tags, window.everything, window.startsAt, window.endsAt, window.rrule, window.durationMs, window.reason, window.endWhenHealthy, createdBy.slice(0, 200), now],
  );
  if (!rows[0]) throw new ConflictError(`A maintenance window named "${window.name}" exists already.`, { field: 'name' });
  return (await loadWindow(sql, rows[0].id))!;
}

async function checkServices(sql: SqlClient, names: string[]): Promise<void> {
  if (!names.length) return;
  const { rows } = await sql.query<{ name: string }>('select name from services where name = any($1::text[])', [names]);
  const known = new Set(rows.map((r) => r.name));
  const missing = names.filter((n) => !known.has(n));
  if (missing.length) throw new BadInputError('services', `Unknown services: ${missing.slice(0, 10).join(', ')}.`);
}

async function windowForChange(sql: SqlClient, id: number): Promise<StoredWindow> {
  const { rows } = await sql.query('select id from maintenance_windows where id = $1 for update', [id]);
  const window = rows[0] ? await loadWindow(sql, id) : null;
  if (!window) throw new NotFoundError('Maintenance window', String(id));
  if (window.source === 'config') throw fromFile(`The maintenance window "${window.name}"`);
  return window;
}

export async function updateMaintenance(sql: SqlClient, id: number, input: unknown, now: Date): Promise<{ window: StoredWindow; changed: boolean }> {
  const current = await windowForChange(sql, id);
  const window = validateMaintenance({ name: current.name, ...(input as object) }, '', now);
  await checkServices(sql, window.services);
  const { rowCount } = await sql.query(
    `update maintenance_windows set name = $2, services = $3, tags = $4, everything = $5, starts_at = $6, ends_at = $7, rrule = $8, duration_ms = $9, reason = $10, end_when_healthy = $11
      where id = $1 and (name, services, tags, everything, starts_at, ends_at, rrule, duration_ms, reason, end_when_healthy)
        is distinct from ($2, $3::text[], $4::text[], $5, $6::timestamptz, $7::timestamptz, $8, $9::int, $10, $11)`,
    [id, window.name, window.services, window.tags, window.everything, window.startsAt, window.endsAt, window.rrule, window.durationMs, window.reason, window.endWhenHealthy],
  ).catch((error: { code?: string }) => {
    if (error.code === '23505') throw new ConflictError(`A maintenance window named "${window.name}" exists already.`, { field: 'name' });
    throw error;
  });
  if (rowCount) await reconsiderSilenced(sql, now);
  return { window: (await loadWindow(sql, id))!, changed: !!rowCount };
}

/** Ends a window now (a recurring one for good); false when it had ended already. */
export async function endMaintenance(sql: SqlClient, id: number, now: Date): Promise<{ window: StoredWindow; changed: boolean }> {
  await windowForChange(sql, id);
  const { rowCount } = await sql.query('update maintenance_windows set ended_at = $2 where id = $1 and (ended_at is null or ended_at > $2)', [id, now]);
  if (rowCount) await reconsiderSilenced(sql, now);
  return { window: (await loadWindow(sql, id))!, changed: !!rowCount };
}

export async function deleteMaintenance(sql: SqlClient, id: number, now: Date): Promise<StoredWindow> {
  const window = await windowForChange(sql, id);
  await sql.query('delete from maintenance_windows where id = $1', [id]);
  await reconsiderSilenced(sql, now);
  return window;
}

export async function findMaintenanceByName(sql: SqlClient, name: string): Promise<StoredWindow> {
  const { rows } = await sql.query<{ id: number }>('select id from maintenance_windows where name = $1', [name]);
  if (!rows[0]) throw new NotFoundError('Maintenance window', name.slice(0, 100));
  return (await loadWindow(sql, rows[0].id))!;
}
