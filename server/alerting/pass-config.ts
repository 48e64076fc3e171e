/**
 * The alerting configuration as one pass sees it: the default and per-service alert settings, the
 * channels' kinds and the maintenance windows, read once at the start of the pass (in its
 * transaction) so that every decision in it goes by the same configuration.
 */
import type { SqlClient } from '../db/sql.ts';
import { loadWindows, type StoredWindow } from './maintenance.ts';
import { resolveSettings, type AlertSettings, type AlertSettingsInput } from './settings.ts';

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

  static async load(sql: SqlClient): Promise<PassConfig> {
    // One after another: the statements share the pass's connection.
    const configs = await sql.query<{ service_id: number | null } & Record<string, any>>(
      `select service_id, enabled, channels, escalation_delay_ms, min_duration_ms, remind_every_ms, notify_recovery from alert_configs`,
    );
    const channels = await sql.query<{ name: string; kind: string }>(`select name, kind from alert_channels`);
    const windows = await loadWindows(sql);
    const toInput = (r: Record<string, any>): AlertSettingsInput => ({
      enabled: r.enabled ?? undefined,
      channels: r.channels ?? undefined,
      escalationDelayMs: r.escalation_delay_ms ?? undefined,
      minDurationMs: r.min_duration_ms ?? undefined,
      remindEveryMs: r.remind_every_ms ?? undefined,
      notifyRecovery: r.notify_recovery ?? undefined,
    });
    const defaults = configs.rows.find((r) => r.service_id === null);
    return new PassConfig(
      defaults ? toInput(defaults) : {},
      new Map(configs.rows.filter((r) => r.service_id !== null).map((r) => [r.service_id as number, toInput(r)])),
      new Map(channels.rows.map((r) => [r.name, r.kind])),
      windows,
    );
  }

  settings(serviceId: number): AlertSettings {
    return resolveSettings(this.own.get(serviceId), this.defaults);
  }
}
