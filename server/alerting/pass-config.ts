/**
 * The alerting configuration as one pass sees it: the default and per-service alert settings, the
 * channels' kinds and the maintenance windows, read in the pass's transaction so that every
 * decision in it goes by the same configuration. The per-service settings are read for the services
 * the pass decides on only (`loadServices`): every service's were read at each pass, 100,000 rows
 * at 100,000 services with their own settings, for a pass about a handful of them.
 */
import type { SqlClient } from '../db/sql.ts';
import { loadWindows, type StoredWindow } from './maintenance.ts';
import { resolveSettings, type AlertSettings, type AlertSettingsInput } from './settings.ts';

const COLUMNS = 'enabled, channels, escalation_delay_ms, min_duration_ms, remind_every_ms, notify_recovery';

const toInput = (r: Record<string, any>): AlertSettingsInput => ({
  enabled: r.enabled ?? undefined,
  channels: r.channels ?? undefined,
  escalationDelayMs: r.escalation_delay_ms ?? undefined,
  minDurationMs: r.min_duration_ms ?? undefined,
  remindEveryMs: r.remind_every_ms ?? undefined,
  notifyRecovery: r.notify_recovery ?? undefined,
});

/** What each pass needs of the configuration: read once per pass. */
export class PassConfig {
  readonly defaults: AlertSettingsInput;
  readonly own: Map<number, AlertSettingsInput>;
  readonly channelKinds: Map<string, string>;
  readonly windows: StoredWindow[];
  constructor(defaults: AlertSettingsInput, own: Map<number, AlertSettingsInput>, channelKinds: Map<string, string>, windows: StoredWindow[]) {
    this.defaults = defaults;
    this.own = own;
    this.channelKinds = channelKinds;
    this.windows = windows;
  }

  /** Services whose own settings were read (those without any are here too). */
  readonly #loaded = new Set<number>();
  #sql: SqlClient | null = null;

  static async load(sql: SqlClient, now: Date): Promise<PassConfig> {
    // One after another: the statements share the pass's connection.
    const defaults = await sql.query<Record<string, any>>(`select ${COLUMNS} from alert_configs where service_id is null`);
    const channels = await sql.query<{ name: string; kind: string }>(`select name, kind from alert_channels`);
    // Those that can silence anything from now on: a one-off window that ran out stays in the table.
    const windows = await loadWindows(sql, { liveAt: now });
    const config = new PassConfig(defaults.rows[0] ? toInput(defaults.rows[0]) : {}, new Map(), new Map(channels.rows.map((r) => [r.name, r.kind])), windows);
    config.#sql = sql;
    return config;
  }

  /** Reads the own settings of the services among `serviceIds` not read yet (one statement). */
  async loadServices(serviceIds: Iterable<number>): Promise<void> {
    const ids = [...new Set(serviceIds)].filter((id) => !this.#loaded.has(id));
    if (!ids.length || !this.#sql) return;
    const { rows } = await this.#sql.query<{ service_id: number } & Record<string, any>>(
      `select service_id, ${COLUMNS} from alert_configs where service_id = any($1::int[])`,
      [ids],
    );
    for (const id of ids) this.#loaded.add(id);
    for (const r of rows) this.own.set(r.service_id, toInput(r));
  }

  /** A service's settings: its own (read by `loadServices` first) over the defaults. */
  settings(serviceId: number): AlertSettings {
    if (this.#sql && !this.#loaded.has(serviceId)) throw new Error(`alerting: the settings of service ${serviceId} were used before they were read`);
    return resolveSettings(this.own.get(serviceId), this.defaults);
  }
}
