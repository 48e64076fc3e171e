/**
 * The alert channel kinds against real local receivers (an HTTP server, an SMTP server): one shared
 * suite every kind passes (settings, trigger, acknowledge and resolve, refusals, a receiver that
 * never answers, no secret in any message), then what is particular to each kind.
 */
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BadInputError } from '../../server/errors.ts';
import { DeliveryError, type Notice, type NoticeEvent, type SendContext } from '../../server/alerting/channels/channel.ts';
import { formatElapsed, noticeSubject, noticeTitle } from '../../server/alerting/channels/format.ts';
import { PAGERDUTY_URL } from '../../server/alerting/channels/pagerduty.ts';
import { CHANNEL_KINDS, channelKinds, getChannelKind, validateChannelSettings } from '../../server/alerting/channels/registry.ts';
import { startHttpReceiver, startSmtpReceiver, type HttpReceiver, type SmtpReceiver } from './support/receivers.ts';

const WEBHOOK_SECRET = `whsec_${Buffer.from('lookout-test-signing-key-0123456789').toString('base64')}`;
const ROUTING_KEY = 'R0utingKeyR0utingKeyR0utingKey42';
const SLACK_PATH = '/services/T0000/B0000/sEcReTsLaCkToKeN';
const SMTP_PASSWORD = 'smtp-pa55word-secret';

let sequence = 0;

/** A notice of incident 42 of service `api` (a new notice id each call, as the outbox makes them). */
function makeNotice(event: NoticeEvent, incident: Partial<Notice['incident']> = {}): Notice {
  sequence += 1;
  const resolved = event === 'resolve';
  const acknowledged = event === 'acknowledge' || resolved;
  return {
    id: `msg_test${sequence}`,
    event,
    at: '2025-03-01T10:04:12.000Z',
    incident: {
      id: 42,
      key: 'lookout-incident-42',
      service: 'api',
      displayName: 'API',
      severity: 'critical',
      status: resolved ? 'healthy' : 'down',
      reason: 'HTTP 503 (expected 200-299)',
      startedAt: '2025-03-01T10:00:00.000Z',
      acknowledgedAt: acknowledged ? '2025-03-01T10:02:00.000Z' : null,
      acknowledgedBy: acknowledged ? 'alice' : null,
      resolvedAt: resolved ? '2025-03-01T10:04:12.000Z' : null,
      url: 'https://lookout.example.com/alerts/42',
      ...incident,
    },
  };
}

function context(signal: AbortSignal = new AbortController().signal, timeoutMs = 10_000): SendContext {
  return { signal, timeoutMs };
}

/** What a send threw (failing the test when it resolved). */
async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DeliveryError);
    return error as DeliveryError;
  }
  throw new Error('the send resolved; a DeliveryError was expected');
}

/** The BadInputError `validate` threw. */
function refusal(kind: string, settings: Record<string, unknown>): BadInputError {
  try {
    getChannelKind(kind).validate(settings);
  } catch (error) {
    expect(error).toBeInstanceOf(BadInputError);
    return error as BadInputError;
  }
  throw new Error(`${kind} accepted settings it should refuse: ${Object.keys(settings).join(', ')}`);
}

/** A mail as people read it: header lines unfolded, quoted-printable decoded. */
function readableMail(raw: string): string {
  return raw
    .replace(/\r\n[ \t]+/g, ' ')
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

interface Receivers {
  http: HttpReceiver;
  smtp: SmtpReceiver;
}

/** How the shared suite drives one kind: its settings, its receiver, and how to read what arrived. */
interface KindAdapter {
  kind: 'webhook' | 'slack' | 'pagerduty' | 'email';
  settings(receivers: Receivers): Record<string, unknown>;
  /** Values that must never appear in an error message. */
  secrets: string[];
  required: string[];
  /** A field and a value of the wrong type for it. */
  wrongType: [string, unknown];
  /** A field and a value with a bad scheme (a URL, or a host written as one). */
  badScheme: [string, unknown];
  /** Sets the receiver up to take notices the way the real one answers. */
  prepare(receivers: Receivers): void;
  /** The next notice the receiver got, as text to look into. */
  read(receivers: Receivers): Promise<string>;
  /** What shows the event in the text read. */
  marks: Record<'trigger' | 'acknowledge' | 'resolve', string>;
  /** What ties the text read to incident 42. */
  incidentMark: string;
  /** Makes the receiver refuse: transiently (HTTP 500 / SMTP 451) or for good (HTTP 400 / SMTP 550), quoting `echo`. */
  refuse(receivers: Receivers, transient: boolean, echo: string): void;
  /** The statusCode a refusal carries (undefined for SMTP: it is not HTTP). */
  refusedStatus(transient: boolean): number | undefined;
  hang(receivers: Receivers): void;
  /** Resolves when the receiver has the notice (the request, or the message before its final reply). */
  arrived(receivers: Receivers): Promise<unknown>;
}

const httpRead = async ({ http }: Receivers) => (await http.next()).body;

const adapters: KindAdapter[] = [
  {
    kind: 'webhook',
    settings: ({ http }) => ({ url: `${http.url}/hooks/lookout?token=qUeRyToKeN`, secret: WEBHOOK_SECRET }),
    secrets: [WEBHOOK_SECRET, WEBHOOK_SECRET.slice(6), '/hooks/lookout', 'qUeRyToKeN'],
    required: ['url', 'secret'],
    wrongType: ['secret', 12345],
    badScheme: ['url', 'ftp://127.0.0.1/hooks'],
    prepare: () => {},
    read: httpRead,
    marks: { trigger: '"type":"incident.triggered"', acknowledge: '"type":"incident.acknowledged"', resolve: '"type":"incident.resolved"' },
    incidentMark: '"key":"lookout-incident-42"',
    refuse: ({ http }, transient, echo) => http.respondWith(transient ? 500 : 400, `refused: ${echo}`),
    refusedStatus: (transient) => (transient ? 500 : 400),
    hang: ({ http }) => http.hang(),
    arrived: ({ http }) => http.next(),
  },
  {
    kind: 'slack',
    settings: ({ http }) => ({ url: `${http.url}${SLACK_PATH}` }),
    secrets: [SLACK_PATH, 'sEcReTsLaCkToKeN'],
    required: ['url'],
    wrongType: ['url', ['https://hooks.slack.com/services/x']],
    badScheme: ['url', 'javascript:alert(1)'],
    prepare: () => {},
    read: httpRead,
    marks: { trigger: 'CRITICAL: API is down', acknowledge: 'ACKNOWLEDGED: API: acknowledged by alice', resolve: 'RESOLVED: API recovered after 4m 12s' },
    incidentMark: 'incident 42',
    refuse: ({ http }, transient, echo) => http.respondWith(transient ? 500 : 400, transient ? `internal_error ${echo}` : `invalid_payload ${echo}`),
    refusedStatus: (transient) => (transient ? 500 : 400),
    hang: ({ http }) => http.hang(),
    arrived: ({ http }) => http.next(),
  },
  {
    kind: 'pagerduty',
    settings: ({ http }) => ({ routingKey: ROUTING_KEY, url: `${http.url}/v2/enqueue` }),
    secrets: [ROUTING_KEY],
    required: ['routingKey'],
    wrongType: ['routingKey', 42],
    badScheme: ['url', 'file:///etc/passwd'],
    prepare: ({ http }) => http.respondWith(202, JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: 'lookout-incident-42' }), { 'content-type': 'application/json' }),
    read: httpRead,
    marks: { trigger: '"event_action":"trigger"', acknowledge: '"event_action":"acknowledge"', resolve: '"event_action":"resolve"' },
    incidentMark: '"dedup_key":"lookout-incident-42"',
    refuse: ({ http }, transient, echo) =>
      http.respondWith(transient ? 500 : 400, JSON.stringify({ status: 'invalid event', message: `Event object is invalid ${echo}`, errors: ['Length of routing_key is incorrect'] })),
    refusedStatus: (transient) => (transient ? 500 : 400),
    hang: ({ http }) => http.hang(),
    arrived: ({ http }) => http.next(),
  },
  {
    kind: 'email',
    // With a password (allowed without TLS by requireTls: false), to show it never leaks.
    settings: ({ smtp }) => ({ host: '127.0.0.1', port: smtp.port, user: 'lookout', password: SMTP_PASSWORD, requireTls: false, from: 'lookout@example.com', to: ['oncall@example.com', 'team@example.com'] }),
    secrets: [SMTP_PASSWORD],
    required: ['host', 'from', 'to'],
    wrongType: ['port', '25'],
    badScheme: ['host', 'smtp://mail.example.com'],
    prepare: () => {},
    read: async ({ smtp }) => readableMail((await smtp.next()).raw),
    marks: { trigger: 'Subject: [Lookout] CRITICAL: API is down', acknowledge: 'Subject: [Lookout] ACKNOWLEDGED: API', resolve: 'Subject: [Lookout] RESOLVED: API' },
    incidentMark: 'X-Lookout-Incident: lookout-incident-42',
    refuse: ({ smtp }, transient, echo) => smtp.rejectWith(transient ? 451 : 550, transient ? `Try again later ${echo}` : `Mailbox unavailable ${echo}`),
    refusedStatus: () => undefined,
    hang: ({ smtp }) => smtp.hang(),
    arrived: ({ smtp }) => smtp.next(),
  },
];

let receivers: Receivers;

beforeEach(async () => {
  const [http, smtp] = await Promise.all([startHttpReceiver(), startSmtpReceiver()]);
  receivers = { http, smtp };
});

afterEach(async () => {
  await Promise.all([receivers.http.close(), receivers.smtp.close()]);
});

describe('the registry', () => {
  it('lists every kind and refuses an unknown one, naming the known ones', () => {
    expect(CHANNEL_KINDS).toEqual(['dashboard', 'email', 'pagerduty', 'slack', 'webhook']);
    expect(channelKinds().map((kind) => kind.kind)).toEqual(CHANNEL_KINDS);
    for (const kind of channelKinds()) {
      expect(kind.description.length).toBeGreaterThan(10);
      expect(getChannelKind(kind.kind)).toBe(kind);
    }
    expect(() => getChannelKind('sms')).toThrow(new BadInputError('kind', 'Unknown channel kind "sms"; known kinds: dashboard, email, pagerduty, slack, webhook.'));
    expect(() => getChannelKind('__proto__')).toThrow(BadInputError);
    expect(validateChannelSettings('dashboard', {})).toEqual({});
  });

  it('marks the settings that hold secrets', () => {
    expect(Object.fromEntries(channelKinds().map((kind) => [kind.kind, kind.secretFields]))).toEqual({
      dashboard: [],
      email: ['password'],
      pagerduty: ['routingKey'],
      slack: ['url'],
      webhook: ['url', 'secret'],
    });
  });
});

describe('dashboard channel', () => {
  const dashboard = getChannelKind('dashboard');

  it('takes no settings: refuses any key, naming it', () => {
    expect(dashboard.validate({})).toEqual({});
    const error = refusal('dashboard', { url: 'https://example.com' });
    expect(error.field).toBe('url');
    expect(error.message).toBe('Unknown setting "url" for a dashboard channel; this kind takes no settings.');
    expect(refusal('dashboard', [] as unknown as Record<string, unknown>).field).toBe('settings');
  });

  it('sends every event as shown on the dashboard', async () => {
    for (const event of ['trigger', 'acknowledge', 'resolve', 'test'] as const) {
      await expect(dashboard.send(makeNotice(event), {}, context())).resolves.toEqual({ detail: 'shown on the dashboard' });
    }
  });
});

describe.each(adapters)('$kind channel: the shared suite', (adapter) => {
  const channel = getChannelKind(adapter.kind);
  const settings = () => channel.validate(adapter.settings(receivers));
  const expectNoSecret = (message: string) => {
    for (const secret of adapter.secrets) expect(message).not.toContain(secret);
  };

  beforeEach(() => adapter.prepare(receivers));

  it('validates good settings and refuses bad ones, naming the field and never quoting a secret', () => {
    const good = adapter.settings(receivers);
    expect(channel.validate(good)).toMatchObject(good);
    const withSecrets = { ...good, ...(adapter.kind === 'email' ? { user: 'lookout', password: SMTP_PASSWORD } : {}) };
    const cases: [Record<string, unknown>, string][] = [
      ...adapter.required.map((field): [Record<string, unknown>, string] => [Object.fromEntries(Object.entries(withSecrets).filter(([name]) => name !== field)), field]),
      [{ ...withSecrets, [adapter.wrongType[0]]: adapter.wrongType[1] }, adapter.wrongType[0]],
      [{ ...withSecrets, [adapter.badScheme[0]]: adapter.badScheme[1] }, adapter.badScheme[0]],
      [{ ...withSecrets, colour: 'red' }, 'colour'],
    ];
    for (const [bad, field] of cases) {
      const error = refusal(adapter.kind, bad);
      expect(error.field, JSON.stringify(Object.keys(bad))).toBe(field);
      expect(error.message).toContain(field);
      expectNoSecret(error.message);
    }
    // A secret pasted into the wrong field is not quoted back either.
    for (const secret of adapter.secrets) {
      for (const field of Object.keys(good)) {
        try {
          channel.validate({ ...good, [field]: secret });
        } catch (error) {
          expect(error).toBeInstanceOf(BadInputError);
          expect((error as Error).message).not.toContain(secret);
        }
      }
    }
  });

  it('sends a trigger that reaches the receiver with the service, the severity and the reason', async () => {
    const receipt = await channel.send(makeNotice('trigger'), settings(), context());
    const text = await adapter.read(receivers);
    expect(text).toContain(adapter.marks.trigger);
    expect(text).toContain(adapter.incidentMark);
    expect(text).toContain('api');
    expect(text).toContain('critical');
    expect(text).toContain('HTTP 503 (expected 200-299)');
    if (adapter.kind === 'email') expect(receipt).toEqual({ detail: expect.stringMatching(/^250 .*Queued as/) });
    else expect(receipt.statusCode).toBe(adapter.kind === 'pagerduty' ? 202 : 200);
  });

  it('sends the acknowledge and the resolve of the same incident', async () => {
    await channel.send(makeNotice('acknowledge'), settings(), context());
    const acknowledged = await adapter.read(receivers);
    expect(acknowledged).toContain(adapter.marks.acknowledge);
    expect(acknowledged).toContain(adapter.incidentMark);
    await channel.send(makeNotice('resolve'), settings(), context());
    const resolved = await adapter.read(receivers);
    expect(resolved).toContain(adapter.marks.resolve);
    expect(resolved).toContain(adapter.incidentMark);
  });

  it('fails retryably when the receiver refuses for now, and for good when it refuses the notice', async () => {
    const echo = adapter.secrets[0];
    adapter.refuse(receivers, true, echo);
    const transient = await failure(channel.send(makeNotice('trigger'), settings(), context()));
    expect(transient).toMatchObject({ retryable: true, statusCode: adapter.refusedStatus(true) });
    expect(transient.message).toMatch(adapter.kind === 'email' ? /^SMTP 451 Try again later/ : /^HTTP 500: /);
    expectNoSecret(transient.message);

    adapter.refuse(receivers, false, echo);
    const permanent = await failure(channel.send(makeNotice('trigger'), settings(), context()));
    expect(permanent).toMatchObject({ retryable: false, statusCode: adapter.refusedStatus(false) });
    expect(permanent.message).toMatch(adapter.kind === 'email' ? /^SMTP 550 Mailbox unavailable/ : /^HTTP 400: /);
    expectNoSecret(permanent.message);
  });

  it('gives up on a receiver that never answers when the signal aborts', async () => {
    adapter.hang(receivers);
    const controller = new AbortController();
    const sending = failure(channel.send(makeNotice('trigger'), settings(), context(controller.signal, 20_000)));
    await adapter.arrived(receivers);
    const abortedAt = performance.now();
    controller.abort();
    const error = await sending;
    // Well within the attempt's 20 s: the abort ends it, not a library's own timeout.
    expect(performance.now() - abortedAt).toBeLessThan(5000);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/timed out|aborted/);
    expectNoSecret(error.message);
  });

  it('names only the host when nothing listens, never the secret or the URL path', async () => {
    const { http, smtp } = receivers;
    const good = adapter.settings(receivers);
    await (adapter.kind === 'email' ? smtp.close() : http.close());
    const error = await failure(channel.send(makeNotice('trigger'), channel.validate(good), context()));
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/connection refused by 127\.0\.0\.1:\d+/);
    expectNoSecret(error.message);
    // Closed already: afterEach closes again, which must not fail.
    receivers = adapter.kind === 'email' ? { http, smtp: await startSmtpReceiver() } : { http: await startHttpReceiver(), smtp };
  });
});

describe('webhook channel', () => {
  const webhook = getChannelKind('webhook');
  const settings = () => webhook.validate({ url: `${receivers.http.url}/hooks`, secret: WEBHOOK_SECRET });

  it('signs the body the Standard Webhooks way, verifiable by its library', async () => {
    const notice = makeNotice('trigger');
    await webhook.send(notice, settings(), context());
    const request = await receivers.http.next();
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/hooks');
    expect(request.headers).toMatchObject({ 'content-type': 'application/json', 'user-agent': 'Lookout', 'webhook-id': notice.id });
    expect(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    const verified = new Webhook(WEBHOOK_SECRET).verify(request.body, request.headers);
    expect(verified).toEqual({ type: 'incident.triggered', timestamp: notice.at, data: { incident: notice.incident } });
    expect(() => new Webhook(`whsec_${Buffer.from('another-key-another-key-another').toString('base64')}`).verify(request.body, request.headers)).toThrow(/signature/);
  });

  it('sends the same webhook-id on every attempt of one notice', async () => {
    const notice = makeNotice('remind');
    await webhook.send(notice, settings(), context());
    await webhook.send(notice, settings(), context());
    const [first, second] = [await receivers.http.next(), await receivers.http.next()];
    expect(first.headers['webhook-id']).toBe(notice.id);
    expect(second.headers['webhook-id']).toBe(notice.id);
    expect(JSON.parse(second.body)).toMatchObject({ type: 'incident.reminder' });
    new Webhook(WEBHOOK_SECRET).verify(second.body, second.headers);
  });

  it('names each event type', async () => {
    const types: Record<string, string> = {};
    for (const event of ['trigger', 'remind', 'acknowledge', 'resolve', 'test'] as const) {
      await webhook.send(makeNotice(event), settings(), context());
      types[event] = (JSON.parse((await receivers.http.next()).body) as { type: string }).type;
    }
    expect(types).toEqual({ trigger: 'incident.triggered', remind: 'incident.reminder', acknowledge: 'incident.acknowledged', resolve: 'incident.resolved', test: 'lookout.test' });
  });

  it('refuses a secret that is not a usable Standard Webhooks secret, without quoting it', () => {
    const url = 'https://example.com/hook';
    for (const secret of ['not-a-secret-at-all', 'whsec_', 'whsec_***notbase64***', `whsec_${Buffer.from('short').toString('base64')}`, `whsec_${Buffer.alloc(100, 1).toString('base64')}`]) {
      const error = refusal('webhook', { url, secret });
      expect(error.field).toBe('secret');
      expect(error.message).toMatch(/Standard Webhooks secret/);
      if (secret.length > 6) expect(error.message).not.toContain(secret.slice(6));
    }
  });

  it('refuses URLs with credentials, too long, or not http(s)', () => {
    expect(refusal('webhook', { url: 'https://user:pw@example.com/hook', secret: WEBHOOK_SECRET }).message).not.toContain('pw');
    expect(refusal('webhook', { url: `https://example.com/${'a'.repeat(2100)}`, secret: WEBHOOK_SECRET }).field).toBe('url');
    expect(refusal('webhook', { url: 'not a url', secret: WEBHOOK_SECRET }).field).toBe('url');
    expect(refusal('webhook', { url: 'https://example.com/hook', secret: WEBHOOK_SECRET, extra: 1 }).field).toBe('extra');
  });

  it('treats a redirect as a failure and does not follow it', async () => {
    receivers.http.respondWith(302, '', { location: 'https://elsewhere.example.com/' });
    const error = await failure(webhook.send(makeNotice('trigger'), settings(), context()));
    expect(error).toMatchObject({ statusCode: 302, retryable: false });
    expect(error.message).toMatch(/redirect/);
    expect(receivers.http.requests).toHaveLength(1);
  });

  it('reads a bounded part of a huge answer and quotes at most 200 characters of it, without control characters', async () => {
    receivers.http.respondWith(503, `\u001b[31mdown\r\n${'x'.repeat(100_000)}`);
    const error = await failure(webhook.send(makeNotice('trigger'), settings(), context()));
    expect(error).toMatchObject({ statusCode: 503, retryable: true });
    expect(error.message.length).toBeLessThanOrEqual('HTTP 503: '.length + 200);
    expect(error.message).toMatch(/^HTTP 503: \[31mdown x+…$/);
    receivers.http.respondWith(429, 'slow down');
    expect(await failure(webhook.send(makeNotice('trigger'), settings(), context()))).toMatchObject({ statusCode: 429, retryable: true, message: 'HTTP 429: slow down' });
    receivers.http.respondWith(408, '');
    expect(await failure(webhook.send(makeNotice('trigger'), settings(), context()))).toMatchObject({ statusCode: 408, retryable: true });
  });
});

describe('slack channel', () => {
  const slack = getChannelKind('slack');
  const settings = () => slack.validate({ url: `${receivers.http.url}${SLACK_PATH}` });

  it('sends a text fallback and header, section and context blocks as Slack documents them', async () => {
    await slack.send(makeNotice('trigger'), settings(), context());
    const request = await receivers.http.next();
    expect(request.path).toBe(SLACK_PATH);
    expect(request.headers['content-type']).toBe('application/json');
    const message = JSON.parse(request.body) as { text: string; blocks: Record<string, unknown>[] };
    expect(message.text).toContain('CRITICAL: API is down');
    expect(message.blocks.map((block) => block.type)).toEqual(['header', 'section', 'context']);
    const [header, section, contextBlock] = message.blocks as [
      { text: { type: string; text: string } },
      { text: { type: string; text: string }; fields: { type: string; text: string }[] },
      { elements: { type: string; text: string }[] },
    ];
    expect(header.text).toMatchObject({ type: 'plain_text', text: '🔴 CRITICAL: API is down' });
    expect(section.text.type).toBe('mrkdwn');
    expect(section.text.text).toContain('Reason: HTTP 503 (expected 200-299).');
    expect(section.fields).toEqual([
      { type: 'mrkdwn', text: '*Service*\napi' },
      { type: 'mrkdwn', text: '*Severity*\ncritical' },
      { type: 'mrkdwn', text: '*Status*\ndown' },
      { type: 'mrkdwn', text: '*Started*\n2025-03-01T10:00:00.000Z' },
    ]);
    expect(contextBlock.elements).toEqual([
      { type: 'mrkdwn', text: 'Lookout · API · incident 42' },
      { type: 'mrkdwn', text: '<https://lookout.example.com/alerts/42|Open in Lookout>' },
    ]);
  });

  it('escapes mrkdwn markup from outside and keeps within the block limits', async () => {
    const notice = makeNotice('trigger', { displayName: `<!channel> ${'N'.repeat(300)}`, reason: `<!here> & <https://evil.example|click> ${'r'.repeat(5000)}` });
    await slack.send(notice, settings(), context());
    const message = JSON.parse((await receivers.http.next()).body) as { text: string; blocks: { type: string; text?: { text: string }; fields?: { text: string }[] }[] };
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(message.blocks[0].text!.text.length).toBeLessThanOrEqual(150);
    expect(message.blocks[1].text!.text.length).toBeLessThanOrEqual(3000);
    for (const text of [message.text, message.blocks[1].text!.text]) {
      expect(text).not.toMatch(/<!channel>|<!here>|<https:\/\/evil/);
      expect(text).toContain('&lt;!here&gt; &amp; &lt;https://evil.example|click&gt;');
    }
  });

  it('quotes Slack\'s error code but never the URL token', async () => {
    receivers.http.respondWith(404, 'channel_not_found');
    const error = await failure(slack.send(makeNotice('trigger'), settings(), context()));
    expect(error).toMatchObject({ statusCode: 404, retryable: false, message: 'HTTP 404: channel_not_found' });
  });
});

describe('pagerduty channel', () => {
  const pagerduty = getChannelKind('pagerduty');
  const settings = () => pagerduty.validate({ routingKey: ROUTING_KEY, url: `${receivers.http.url}/v2/enqueue` });

  beforeEach(() => receivers.http.respondWith(202, JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: 'lookout-incident-42' })));

  it('sends Events API v2 trigger, acknowledge and resolve events with one dedup_key', async () => {
    const receipt = await pagerduty.send(makeNotice('trigger'), settings(), context());
    expect(receipt).toEqual({ statusCode: 202, detail: 'success: Event processed' });
    await pagerduty.send(makeNotice('acknowledge'), settings(), context());
    await pagerduty.send(makeNotice('resolve'), settings(), context());
    const [trigger, acknowledge, resolve] = await Promise.all([receivers.http.next(), receivers.http.next(), receivers.http.next()]);
    expect(trigger.path).toBe('/v2/enqueue');
    expect(JSON.parse(trigger.body)).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'lookout-incident-42',
      payload: {
        summary: 'API is down: HTTP 503 (expected 200-299)',
        source: 'api',
        severity: 'critical',
        timestamp: '2025-03-01T10:00:00.000Z',
        component: 'API',
        class: 'down',
        custom_details: expect.objectContaining({ incident_id: 42, reason: 'HTTP 503 (expected 200-299)', status: 'down' }),
      },
      client: 'Lookout',
      client_url: 'https://lookout.example.com/alerts/42',
      links: [{ href: 'https://lookout.example.com/alerts/42', text: 'Incident on Lookout' }],
    });
    expect(JSON.parse(acknowledge.body)).toEqual({ routing_key: ROUTING_KEY, event_action: 'acknowledge', dedup_key: 'lookout-incident-42' });
    expect(JSON.parse(resolve.body)).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: 'lookout-incident-42' });
  });

  it('sends a reminder as another trigger of the same alert, with severity warning when the incident is', async () => {
    await pagerduty.send(makeNotice('remind', { severity: 'warning', status: 'degraded' }), settings(), context());
    const body = JSON.parse((await receivers.http.next()).body) as { event_action: string; dedup_key: string; payload: { severity: string; summary: string } };
    expect(body).toMatchObject({ event_action: 'trigger', dedup_key: 'lookout-incident-42', payload: { severity: 'warning', summary: 'API is still degraded: HTTP 503 (expected 200-299)' } });
  });

  it('sends a test as a trigger then a resolve of its own alert', async () => {
    const notice = makeNotice('test');
    await pagerduty.send(notice, settings(), context());
    const [trigger, resolve] = [JSON.parse((await receivers.http.next()).body), JSON.parse((await receivers.http.next()).body)];
    expect(trigger).toMatchObject({ event_action: 'trigger', dedup_key: `lookout-test-${notice.id}`, payload: { summary: expect.stringContaining('test notice from Lookout') } });
    expect(resolve).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: `lookout-test-${notice.id}` });
  });

  it('bounds the summary to 1024 characters', async () => {
    await pagerduty.send(makeNotice('trigger', { reason: 'x'.repeat(5000) }), settings(), context());
    const body = JSON.parse((await receivers.http.next()).body) as { payload: { summary: string } };
    expect(body.payload.summary.length).toBeLessThanOrEqual(1024);
  });

  it('defaults to the US endpoint and takes the EU one; refuses a malformed routing key without quoting it', () => {
    expect(pagerduty.validate({ routingKey: ROUTING_KEY })).toEqual({ routingKey: ROUTING_KEY, url: PAGERDUTY_URL });
    expect(pagerduty.validate({ routingKey: ROUTING_KEY, url: 'https://events.eu.pagerduty.com/v2/enqueue' })).toMatchObject({ url: 'https://events.eu.pagerduty.com/v2/enqueue' });
    for (const routingKey of ['', 'has spaces in it', `${ROUTING_KEY}/../x`, 'k'.repeat(129)]) {
      const error = refusal('pagerduty', { routingKey });
      expect(error.field).toBe('routingKey');
      if (routingKey) expect(error.message).not.toContain(routingKey);
    }
  });
});

describe('email channel', () => {
  const email = getChannelKind('email');
  const settings = (extra: Record<string, unknown> = {}) =>
    email.validate({ host: '127.0.0.1', port: receivers.smtp.port, from: 'lookout@example.com', to: ['oncall@example.com', 'team@example.com'], ...extra });

  it('sends one message with the notice id as Message-ID, the subject and the recipients', async () => {
    const notice = makeNotice('trigger');
    const receipt = await email.send(notice, settings(), context());
    const mail = await receivers.smtp.next();
    expect(mail.from).toBe('lookout@example.com');
    expect(mail.user).toBeUndefined();
    expect(mail.to).toEqual(['oncall@example.com', 'team@example.com']);
    const text = readableMail(mail.raw);
    expect(text).toContain(`Message-ID: <${notice.id}@lookout>`);
    expect(text).toContain('Subject: [Lookout] CRITICAL: API is down');
    expect(text).toContain('To: oncall@example.com, team@example.com');
    expect(text).toMatch(/From: "?Lookout"? <lookout@example.com>/);
    expect(text).toContain('Open in Lookout: https://lookout.example.com/alerts/42');
    expect(receipt.detail).toMatch(/^250 /);
    expect(receipt.detail!.length).toBeLessThanOrEqual(200);
  });

  it('escapes what it puts into the HTML part', async () => {
    await email.send(makeNotice('trigger', { reason: '<script>alert(1)</script>' }), settings(), context());
    const text = readableMail((await receivers.smtp.next()).raw);
    expect(text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(text).not.toContain('<p>Reason: <script>');
  });

  it('refuses a password over a connection without TLS unless told otherwise, never quoting it', async () => {
    const secured = settings({ user: 'lookout', password: SMTP_PASSWORD });
    expect(secured).toMatchObject({ requireTls: true, port: receivers.smtp.port, secure: false });
    const error = await failure(email.send(makeNotice('trigger'), secured, context()));
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/^127\.0\.0\.1:\d+ could not start TLS/);
    expect(error.message).not.toContain(SMTP_PASSWORD);
    expect(receivers.smtp.messages).toHaveLength(0);
    // Told otherwise, it logs in over the plain connection.
    await email.send(makeNotice('trigger'), settings({ user: 'lookout', password: SMTP_PASSWORD, requireTls: false }), context());
    expect((await receivers.smtp.next()).user).toBe('lookout');
  });

  it('validates addresses one by one, naming the entry, and bounds the recipients', () => {
    const base = { host: 'smtp.example.com', from: 'lookout@example.com' };
    expect(email.validate({ ...base, to: ['a@example.com'] })).toEqual({ ...base, port: 587, secure: false, requireTls: false, to: ['a@example.com'] });
    expect(refusal('email', { ...base, to: ['a@example.com', 'not an address'] }).field).toBe('to[1]');
    expect(refusal('email', { ...base, to: ['a@example.com', 7] }).field).toBe('to[1]');
    expect(refusal('email', { ...base, to: [] }).field).toBe('to');
    expect(refusal('email', { ...base, to: Array.from({ length: 51 }, (_, i) => `a${i}@example.com`) }).field).toBe('to');
    expect(refusal('email', { ...base, to: 'a@example.com' }).field).toBe('to');
    expect(refusal('email', { ...base, to: ['a@example.com'], from: 'Lookout <x@example.com>\r\nBcc: y@example.com' }).field).toBe('from');
    expect(refusal('email', { ...base, to: ['a@example.com'], port: 70000 }).field).toBe('port');
    expect(refusal('email', { ...base, to: ['a@example.com'], secure: 'yes' }).field).toBe('secure');
    expect(refusal('email', { ...base, to: ['a@example.com'], password: SMTP_PASSWORD }).field).toBe('user');
  });

  it('refuses at RCPT TO as it does after the data', async () => {
    receivers.smtp.rejectWith(550, 'No such user', 'rcpt');
    const error = await failure(email.send(makeNotice('trigger'), settings(), context()));
    expect(error).toMatchObject({ retryable: false, statusCode: undefined });
    expect(error.message).toMatch(/550/);
  });
});

describe('the words of a notice', () => {
  it('titles each event for people', () => {
    expect(noticeTitle(makeNotice('trigger'))).toBe('API is down');
    expect(noticeTitle(makeNotice('trigger', { status: 'degraded' }))).toBe('API is degraded');
    expect(noticeTitle(makeNotice('resolve'))).toBe('API recovered after 4m 12s');
    expect(noticeTitle(makeNotice('acknowledge'))).toBe('API: acknowledged by alice');
    expect(noticeTitle(makeNotice('test'))).toBe('Test notice from Lookout');
    expect(noticeSubject(makeNotice('resolve'))).toBe('[Lookout] RESOLVED: API');
    expect(noticeSubject(makeNotice('trigger', { displayName: 'api\r\nBcc: x@example.com' }))).toBe('[Lookout] CRITICAL: api Bcc: x@example.com is down');
    expect([0, 12_000, 252_000, 7_500_000, 90_000_000].map(formatElapsed)).toEqual(['0s', '12s', '4m 12s', '2h 5m', '1d 1h']);
  });
});
