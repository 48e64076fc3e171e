/**
 * The `dashboard` channel: always on and nothing to configure. The incident itself is what shows on
 * the Alerts page, so sending is only a receipt; it exists so every rule can name at least one
 * channel that cannot fail.
 */
import type { ChannelKind } from './channel.ts';
import { SettingsReader } from './settings.ts';

export type DashboardSettings = Record<string, never>;

export const dashboardChannel: ChannelKind<DashboardSettings> = {
  kind: 'dashboard',
  description: 'Shows the incident on the Alerts page of the dashboard (always on, no settings).',
  secretFields: [],

  validate(settings) {
    return new SettingsReader('dashboard', settings).finish<DashboardSettings>();
  },

  async send() {
    return { detail: 'shown on the dashboard' };
  },
};
