/**
 * Alerting's sections of the config file (server/config-file.ts): `alerting` (channels and the
 * default alert settings), each service's `alerts:` and `maintenance` (windows). Checked here
 * without I/O; applied by alerting.ts in the loader's transaction.
 */
import { BadInputError } from '../errors.ts';
import type { ConfigSection } from '../config-file.ts';
import { parseAlertSettings, validateChannel, validateMaintenance, type AlertSettingsInput, type ChannelDefinition, type MaintenanceDefinition } from './settings.ts';

export interface AlertingConfig {
  file: string | null;
  channels: ChannelDefinition[];
  /** Null when the file sets no `alerting.defaults` (the stored default stays as the API left it). */
  defaults: AlertSettingsInput | null;
  /** Services whose entry has `alerts:`. */
  services: { name: string; settings: AlertSettingsInput }[];
}

const ALERTING_KEYS = ['channels', 'defaults'];
/** Channels a file may define: each is checked and written at every load, and more is a mistake (or an attack). */
export const MAX_CHANNELS = 200;
/**
 * The most maintenance windows in force or to come, in the file and through the API each: every
 * read of uptime expands each window's occurrences over its range (20,000 hourly windows held the
 * server for 11 s a query).
 */
export const MAX_MAINTENANCE_WINDOWS = 500;

/** A problem of `error` as the file's reader should see it: `alerting.channels[1] ("pager"): routingKey: …`. */
function record(problems: string[], label: string, error: unknown): void {
  if (!(error instanceof BadInputError)) throw error;
  problems.push(`${label}: ${error.message.startsWith(error.field) ? error.message : `${error.field}: ${error.message}`}`);
}

const labelOf = (list: string, index: number, entry: unknown) =>
  `${list}[${index}]${entry && typeof entry === 'object' && typeof (entry as { name?: unknown }).name === 'string' ? ` (${JSON.stringify(((entry as { name: string }).name).slice(0, 60))})` : ''}`;

export const alertingSection: ConfigSection<AlertingConfig> = {
  keys: ['alerting'],
  entryKeys: { services: ['alerts'] },
  parse({ file, values, entries }, problems) {
    const root = values.alerting ?? {};
    const config: AlertingConfig = { file, channels: [], defaults: null, services: [] };
    if (typeof root !== 'object' || root === null || Array.isArray(root)) {
      problems.push('alerting: must be a mapping (channels, defaults)');
      return config;
    }
    for (const key of Object.keys(root)) if (!ALERTING_KEYS.includes(key)) problems.push(`alerting: unknown key ${JSON.stringify(key.slice(0, 60))} (expected ${ALERTING_KEYS.join(', ')})`);
    const list = (root as { channels?: unknown }).channels ?? [];
    if (!Array.isArray(list)) problems.push('alerting.channels: must be a list of channels ({ name, kind, … })');
    else if (list.length > MAX_CHANNELS) problems.push(`alerting.channels: at most ${MAX_CHANNELS} channels, got ${list.length}`);
    else {
      const seen = new Set<string>();
      list.forEach((entry, index) => {
        const label = labelOf('alerting.channels', index, entry);
        try {
          if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new BadInputError('entry', 'each channel must be a mapping with name, kind and its settings');
          const { name, kind, ...settings } = entry as Record<string, unknown>;
          const channel = validateChannel({ name, kind, settings });
          if (seen.has(channel.name)) throw new BadInputError('name', `the name ${JSON.stringify(channel.name)} is used twice`);
          seen.add(channel.name);
          config.channels.push(channel);
        } catch (error) {
          record(problems, label, error);
        }
      });
    }
    // Channels named anywhere must be defined in the file: no I/O here to find API ones, and a file
    // that pages through a channel someone may delete in the API would page nobody without a word.
    const known = new Set(config.channels.map((c) => c.name));
    const defaults = (root as { defaults?: unknown }).defaults;
    if (defaults !== undefined && defaults !== null) {
      try {
        config.defaults = parseAlertSettings(defaults, 'alerting.defaults', known);
      } catch (error) {
        record(problems, 'alerting.defaults', error);
      }
    }
    for (const { index, name, values: own } of entries.services ?? []) {
      if (own.alerts === undefined) continue;
      try {
        if (typeof name !== 'string') throw new BadInputError('alerts', 'the service needs a name');
        config.services.push({ name, settings: parseAlertSettings(own.alerts, 'alerts', known) });
      } catch (error) {
        record(problems, labelOf('services', index, { name }), error);
      }
    }
    return config;
  },
};

export interface MaintenanceConfig {
  file: string | null;
  windows: MaintenanceDefinition[];
}

export function maintenanceSection(now: () => Date): ConfigSection<MaintenanceConfig> {
  return {
    keys: ['maintenance'],
    parse({ file, values }, problems) {
      const list = values.maintenance ?? [];
      const config: MaintenanceConfig = { file, windows: [] };
      if (!Array.isArray(list)) {
        problems.push('maintenance: must be a list of windows ({ name, services, rrule, duration } or { name, services, start, end })');
        return config;
      }
      if (list.length > MAX_MAINTENANCE_WINDOWS) {
        problems.push(`maintenance: at most ${MAX_MAINTENANCE_WINDOWS} windows, got ${list.length} (one window may cover many services, by name, tag or all)`);
        return config;
      }
      const seen = new Set<string>();
      list.forEach((entry, index) => {
        try {
          const window = validateMaintenance(entry, '', now());
          if (seen.has(window.name)) throw new BadInputError('name', `the name ${JSON.stringify(window.name)} is used twice`);
          seen.add(window.name);
          config.windows.push(window);
        } catch (error) {
          record(problems, labelOf('maintenance', index, entry), error);
        }
      });
      return config;
    },
  };
}
