/**
 * The `pagerduty` channel: alert events of PagerDuty's Events API v2 (developer.pagerduty.com,
 * "Send an Alert Event"). The incident's key is the `dedup_key`, so a trigger, its reminders, the
 * acknowledge and the resolve all land on one PagerDuty alert. PagerDuty answers 202 with
 * `{status, message, dedup_key}`; 400 is an invalid event (sending it again cannot help), 429 and
 * 5xx are worth a retry, which is postJson's rule.
 */
import type { ChannelKind, Notice, SendContext } from './channel.ts';
import { incidentDuration, noticeSummary, noticeTitle, oneLine, reasonOf, serviceName } from './format.ts';
import { cleanText, postJson, type HttpAnswer } from './http.ts';
import { SettingsReader } from './settings.ts';

export interface PagerDutySettings {
  /** The integration key of an Events API v2 integration (32 characters as PagerDuty makes them). */
  routingKey: string;
  /** The US endpoint unless given: `https://events.eu.pagerduty.com/v2/enqueue` for EU accounts. */
  url: string;
}

export const PAGERDUTY_URL = 'https://events.pagerduty.com/v2/enqueue';
/** The documented maximums of `payload.summary` and `dedup_key`. */
export const SUMMARY_LIMIT = 1024;
export const DEDUP_KEY_LIMIT = 255;

type PagerDutyEvent = Record<string, unknown> & { routing_key: string; event_action: 'trigger' | 'acknowledge' | 'resolve'; dedup_key: string };

/** The events that tell `notice` to PagerDuty, in order (a test is a trigger then its resolve). */
export function pagerDutyEvents(notice: Notice, routingKey: string): PagerDutyEvent[] {
  const dedupKey = notice.incident.key.slice(0, DEDUP_KEY_LIMIT);
  switch (notice.event) {
    case 'trigger':
    case 'remind':
      return [triggerEvent(notice, routingKey, dedupKey)];
    case 'acknowledge':
      return [{ routing_key: routingKey, event_action: 'acknowledge', dedup_key: dedupKey }];
    case 'resolve':
      return [{ routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey }];
    case 'test': {
      // Its own key, so a test never touches a real incident's alert, and is closed right away.
      const testKey = `lookout-test-${notice.id}`.slice(0, DEDUP_KEY_LIMIT);
      return [triggerEvent(notice, routingKey, testKey), { routing_key: routingKey, event_action: 'resolve', dedup_key: testKey }];
    }
  }
}

function triggerEvent(notice: Notice, routingKey: string, dedupKey: string): PagerDutyEvent {
  const incident = notice.incident;
  const reason = reasonOf(notice);
  const summary = oneLine(notice.event === 'test' ? noticeSummary(notice) : reason ? `${noticeTitle(notice)}: ${reason}` : noticeTitle(notice), SUMMARY_LIMIT);
  const event: PagerDutyEvent = {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary,
      // `source` is "the unique location of the affected system": for Lookout, the service.
      source: oneLine(incident.service, 255),
      severity: incident.severity,
      timestamp: incident.startedAt,
      component: serviceName(notice),
      class: incident.status,
      custom_details: {
        incident_id: incident.id,
        service: incident.service,
        status: incident.status,
        reason,
        started_at: incident.startedAt,
        lasted: incidentDuration(notice),
        acknowledged_at: incident.acknowledgedAt,
        acknowledged_by: incident.acknowledgedBy,
        notice: notice.event,
      },
    },
    client: 'Lookout',
  };
  if (incident.url) {
    event.client_url = incident.url;
    event.links = [{ href: incident.url, text: 'Incident on Lookout' }];
  }
  return event;
}

/** PagerDuty's answer in a few safe words (`success: Event processed`). */
function answerDetail(answer: HttpAnswer): string {
  try {
    const body = JSON.parse(answer.body) as { status?: unknown; message?: unknown };
    const words = [body.status, body.message].filter((part) => typeof part === 'string').join(': ');
    if (words) return cleanText(words);
  } catch {
    // Not JSON (a proxy's page): the status code says enough.
  }
  return `HTTP ${answer.statusCode}`;
}

async function post(event: PagerDutyEvent, settings: PagerDutySettings, context: SendContext): Promise<HttpAnswer> {
  return postJson(settings.url, JSON.stringify(event), context, { secrets: [settings.routingKey] });
}

export const pagerDutyChannel: ChannelKind<PagerDutySettings> = {
  kind: 'pagerduty',
  description: 'Triggers, acknowledges and resolves a PagerDuty alert through the Events API v2.',
  secretFields: ['routingKey'],

  validate(settings) {
    const read = new SettingsReader('pagerduty', settings);
    read.string('routingKey', true, { max: 128, pattern: /^[A-Za-z0-9_-]+$/, expected: '1 to 128 letters, digits, _ or -: the integration key of an Events API v2 integration' });
    read.url('url', false, PAGERDUTY_URL);
    return read.finish<PagerDutySettings>();
  },

  async send(notice, settings, context) {
    let answer: HttpAnswer | undefined;
    for (const event of pagerDutyEvents(notice, settings.routingKey)) answer = await post(event, settings, context);
    return { statusCode: answer!.statusCode, detail: answerDetail(answer!) };
  },
};
