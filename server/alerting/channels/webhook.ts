/**
 * The `webhook` channel: a JSON POST signed the Standard Webhooks way (standardwebhooks.com), so a
 * receiver can verify it with any of that spec's libraries: `webhook-id` (the notice's id, the same
 * on every retry, to drop repeats), `webhook-timestamp` (this attempt, in seconds) and
 * `webhook-signature` (HMAC-SHA256 of `id.timestamp.body`).
 */
import { Webhook } from 'standardwebhooks';
import { BadInputError } from '../../errors.ts';
import type { ChannelKind, NoticeEvent } from './channel.ts';
import { postJson } from './http.ts';
import { SettingsReader, typeOf } from './settings.ts';

export interface WebhookSettings {
  url: string;
  /** `whsec_<base64>`: the key both sides sign with. */
  secret: string;
}

/** The `type` of the body for each notice event. */
export const WEBHOOK_EVENT_TYPES: Record<NoticeEvent, string> = {
  trigger: 'incident.triggered',
  remind: 'incident.reminder',
  acknowledge: 'incident.acknowledged',
  resolve: 'incident.resolved',
  test: 'lookout.test',
};

/**
 * Key sizes the Standard Webhooks spec recommends (24 to 64 bytes): shorter is guessable, and a
 * longer one is more likely a pasted mistake than a key.
 */
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;
const SECRET_SHAPE = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

/** Checks a Standard Webhooks secret without ever quoting it. */
function checkSecret(value: unknown): string {
  const expected = 'secret must be a Standard Webhooks secret: "whsec_" followed by 24 to 64 bytes in base64';
  if (typeof value !== 'string') throw new BadInputError('secret', `${expected}, got ${typeOf(value)}.`);
  if (value.length > 200 || !SECRET_SHAPE.test(value)) throw new BadInputError('secret', `${expected}.`);
  const bytes = Buffer.from(value.slice('whsec_'.length), 'base64').length;
  if (bytes < MIN_KEY_BYTES || bytes > MAX_KEY_BYTES) throw new BadInputError('secret', `${expected}; this one is ${bytes} bytes.`);
  try {
    new Webhook(value).sign('msg_check', new Date(), '');
  } catch {
    throw new BadInputError('secret', `${expected}; this one cannot be used to sign.`);
  }
  return value;
}

export const webhookChannel: ChannelKind<WebhookSettings> = {
  kind: 'webhook',
  description: 'POSTs the incident as JSON to a URL, signed the Standard Webhooks way.',
  // The URL too: receivers often authenticate by a token in its path or query, like Slack's.
  secretFields: ['url', 'secret'],

  validate(settings) {
    const read = new SettingsReader('webhook', settings);
    read.url('url', true);
    read.string('secret', true, { max: 200 }); // the type and presence; checkSecret the rest
    const normalised = read.finish<WebhookSettings>();
    return { url: normalised.url, secret: checkSecret(normalised.secret) };
  },

  async send(notice, settings, context) {
    const body = JSON.stringify({ type: WEBHOOK_EVENT_TYPES[notice.event], timestamp: notice.at, data: { incident: notice.incident } });
    // The timestamp is this attempt's, so a receiver's replay window (5 minutes by the spec) holds on retries.
    const now = new Date();
    const signature = new Webhook(settings.secret).sign(notice.id, now, body);
    const answer = await postJson(settings.url, body, context, {
      headers: {
        'webhook-id': notice.id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': signature,
      },
      secrets: [settings.secret, settings.secret.slice('whsec_'.length)],
    });
    return { statusCode: answer.statusCode, detail: `HTTP ${answer.statusCode}` };
  },
};
