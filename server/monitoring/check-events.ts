/**
 * The events of stored checks: what the writer records in its transaction (the batch's checks in one
 * message, not one per check — 10,000 services are 300+ checks a second — and one event per
 * transition), and the fan-out of a checks message to each subscriber's filter.
 */
import type { TransactionEvents } from '../events/after-commit.ts';
import { Channels, type ChecksRecordedMessage, type HealthCheckEvent, type StatusChangeEvent } from '../events/channels.ts';
import { filteredEvents, MAX_EVENT_BYTES, withPushSource, type PubSub } from '../events/pubsub.ts';

/** Error and reason texts as events carry them: as long as the history keeps errors, however long a checker's was. */
const MAX_EVENT_TEXT = 1000;
/**
 * How many bytes of checks one message carries at most, well under the pub/sub's limit. Sizes are
 * estimated without serialising, from the texts' lengths at their worst (6 bytes a character, as
 * JSON escapes a control character), so a batch of long errors is split rather than refused.
 */
const MESSAGE_BUDGET = MAX_EVENT_BYTES / 4;

const bounded = (text: string): string => (text.length > MAX_EVENT_TEXT ? `${text.slice(0, MAX_EVENT_TEXT - 1)}…` : text);

/** Records a stored batch's events: its checks (one message, or a few for long texts) and each transition. */
export function recordCheckEvents(events: TransactionEvents, checks: HealthCheckEvent[], transitions: StatusChangeEvent[]): void {
  let message: HealthCheckEvent[] = [];
  let bytes = 0;
  for (const check of checks) {
    const event = check.error !== null && check.error.length > MAX_EVENT_TEXT ? { ...check, error: bounded(check.error) } : check;
    const size = 120 + 6 * (event.service.length + (event.error?.length ?? 0));
    if (bytes + size > MESSAGE_BUDGET && message.length) {
      events.record(Channels.checksRecorded, { checks: message });
      message = [];
      bytes = 0;
    }
    message.push(event);
    bytes += size;
  }
  if (message.length) events.record(Channels.checksRecorded, { checks: message });
  for (const transition of transitions) events.record(Channels.statusChanged, { ...transition, reason: bounded(transition.reason) });
}

/** Every recorded check of `service`, of those in `services`, or of every service, one by one, from the batches published. */
export function recordedChecks(pubsub: PubSub, service?: string | null, services?: readonly string[] | null): AsyncGenerator<HealthCheckEvent> {
  const named = services ? new Set(services) : null;
  const wanted = (check: HealthCheckEvent) => (!service || check.service === service) && (!named || named.has(check.service));
  return withPushSource(checksOf(pubsub, wanted), {
    channel: Channels.checksRecorded,
    each: (event, take) => {
      for (const check of (event as ChecksRecordedMessage).checks) if (wanted(check)) take(check);
    },
  });
}

async function* checksOf(pubsub: PubSub, wanted: (check: HealthCheckEvent) => boolean): AsyncGenerator<HealthCheckEvent> {
  for await (const { checks } of filteredEvents(pubsub, Channels.checksRecorded)) {
    for (const check of checks) if (wanted(check)) yield check;
  }
}
