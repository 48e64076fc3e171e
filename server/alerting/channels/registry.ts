/** Every alert channel kind by name: the one place a new kind is registered. */
import { BadInputError } from '../../errors.ts';
import type { ChannelKind } from './channel.ts';
import { dashboardChannel } from './dashboard.ts';
import { emailChannel } from './email.ts';
import { pagerDutyChannel } from './pagerduty.ts';
import { slackChannel } from './slack.ts';
import { webhookChannel } from './webhook.ts';

// Each kind's settings type is its own; the registry hands them out by name, so by the common shape.
const all = [dashboardChannel, emailChannel, pagerDutyChannel, slackChannel, webhookChannel] as unknown as ChannelKind[];

const byKind = new Map(all.map((kind) => [kind.kind, kind]));

/** The kind names, in the order docs and the dashboard list them. */
export const CHANNEL_KINDS: readonly string[] = Object.freeze(all.map((kind) => kind.kind));

/** All channel kinds, in the order of CHANNEL_KINDS. */
export function channelKinds(): readonly ChannelKind[] {
  return all;
}

/** The kind named `kind`; throws BadInputError naming `kind` when there is none. */
export function getChannelKind(kind: string): ChannelKind {
  const found = typeof kind === 'string' ? byKind.get(kind) : undefined;
  if (!found) {
    const shown = typeof kind === 'string' ? (kind.length > 40 ? `${kind.slice(0, 37)}...` : kind) : String(typeof kind);
    throw new BadInputError('kind', `Unknown channel kind ${JSON.stringify(shown)}; known kinds: ${CHANNEL_KINDS.join(', ')}.`);
  }
  return found;
}

/** Checks and normalises `settings` for a channel of `kind` (throws BadInputError naming the field). */
export function validateChannelSettings(kind: string, settings: Record<string, unknown>): Record<string, unknown> {
  return getChannelKind(kind).validate(settings) as Record<string, unknown>;
}
