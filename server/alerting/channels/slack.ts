/**
 * The `slack` channel: a message to a Slack incoming webhook (also what Mattermost and others take).
 *
 * Followed from Slack's docs (docs.slack.dev: incoming webhooks; Block Kit reference for the header,
 * section and context blocks; text formatting): a top-level `text` is always sent, as the fallback
 * notifications and screen readers use; a `header` block takes a plain_text object of at most 150
 * characters; a `section` takes mrkdwn text of at most 3000 characters and at most 10 `fields` of at
 * most 2000 each; a `context` block at most 10 elements; a message at most 50 blocks. In mrkdwn
 * `&`, `<` and `>` must be escaped as `&amp;`, `&lt;` and `&gt;` (else `<!channel>` in a service's
 * reason would ping a whole channel), and links are written `<url|text>`.
 *
 * The URL is a secret: its path is the token that lets anyone post to the channel.
 */
import type { ChannelKind, Notice } from './channel.ts';
import { noticeLabel, noticeSummary, noticeTitle, oneLine, serviceName } from './format.ts';
import { postJson } from './http.ts';
import { SettingsReader } from './settings.ts';

export interface SlackSettings {
  /** The incoming-webhook URL (`https://hooks.slack.com/services/…`). */
  url: string;
}

export const SLACK_LIMITS = { headerText: 150, sectionText: 3000, fieldText: 2000, fields: 10, contextElements: 10, blocks: 50 } as const;

/** Escapes the three characters Slack's mrkdwn (and the top-level text) reads as markup. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts an already escaped text to `limit` characters without splitting an `&amp;`-style entity. */
function bound(text: string, limit: number): string {
  if (text.length <= limit) return text;
  let cut = text.slice(0, limit - 1);
  const amp = cut.lastIndexOf('&');
  if (amp !== -1 && !cut.slice(amp).includes(';')) cut = cut.slice(0, amp);
  return `${cut}…`;
}

const EMOJI: Record<Notice['event'], string> = { trigger: '🔴', remind: '🔴', acknowledge: '👀', resolve: '✅', test: '🧪' };

/** The message for `notice`, within Slack's limits. */
export function slackMessage(notice: Notice): Record<string, unknown> {
  const incident = notice.incident;
  const emoji = notice.event === 'trigger' || notice.event === 'remind' ? (incident.severity === 'critical' ? '🔴' : '🟠') : EMOJI[notice.event];
  const title = `${emoji} ${noticeLabel(notice)}: ${noticeTitle(notice)}`;
  const summary = noticeSummary(notice);
  const fields =
    notice.event === 'test'
      ? []
      : [
          ['Service', oneLine(incident.service, 200)],
          ['Severity', incident.severity],
          ['Status', incident.status],
          ['Started', incident.startedAt],
        ].map(([name, value]) => ({ type: 'mrkdwn', text: bound(`*${name}*\n${escapeMrkdwn(value)}`, SLACK_LIMITS.fieldText) }));
  const section: Record<string, unknown> = { type: 'section', text: { type: 'mrkdwn', text: bound(escapeMrkdwn(summary), SLACK_LIMITS.sectionText) } };
  if (fields.length) section.fields = fields.slice(0, SLACK_LIMITS.fields);
  const context = [`Lookout · ${escapeMrkdwn(serviceName(notice))} · incident ${incident.id}`];
  const link = slackLink(incident.url);
  if (link) context.push(`<${link}|Open in Lookout>`);
  return {
    // The fallback: mrkdwn too, so escaped the same way.
    text: bound(escapeMrkdwn(`${title}. ${summary}`), SLACK_LIMITS.sectionText),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: oneLine(title, SLACK_LIMITS.headerText), emoji: true } },
      section,
      { type: 'context', elements: context.slice(0, SLACK_LIMITS.contextElements).map((text) => ({ type: 'mrkdwn', text })) },
    ],
  };
}

/** An http(s) URL safe inside `<url|text>` (no `|`, `<`, `>` or spaces), or null. */
function slackLink(url: string | null): string | null {
  if (!url || url.length > 2048) return null;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
    return parsed.toString().replace(/\|/g, '%7C').replace(/</g, '%3C').replace(/>/g, '%3E');
  } catch {
    return null;
  }
}

export const slackChannel: ChannelKind<SlackSettings> = {
  kind: 'slack',
  description: 'Posts the incident to a Slack channel through an incoming webhook.',
  secretFields: ['url'],

  validate(settings) {
    const read = new SettingsReader('slack', settings);
    read.url('url', true);
    return read.finish<SlackSettings>();
  },

  async send(notice, settings, context) {
    const answer = await postJson(settings.url, JSON.stringify(slackMessage(notice)), context, { secrets: [settings.url] });
    return { statusCode: answer.statusCode, detail: `HTTP ${answer.statusCode}` };
  },
};
