/**
 * The `email` channel: one mail through an SMTP server with nodemailer. A fresh connection per
 * notice (notices are rare; a pool would hold sockets open for nothing), every wait bounded by the
 * attempt's time limit, and the send cancelled when the attempt's signal fires. The Message-ID is
 * the notice's id, so a retry after a lost answer is the same message to a receiver that dedupes.
 */
import { BadInputError } from '../../errors.ts';
import { isHost } from '../../monitoring/checkers/network.ts';
import { DeliveryError, type ChannelKind, type Notice } from './channel.ts';
import { noticeSubject, noticeSummary, oneLine } from './format.ts';
import { cleanText } from './http.ts';
import { redact } from '../../secret-text.ts';
import { SettingsReader, typeOf } from './settings.ts';

export interface EmailSettings {
  host: string;
  port: number;
  /** TLS from the first byte (port 465). When false, STARTTLS is used if the server offers it. */
  secure: boolean;
  user?: string;
  password?: string;
  /** The sender address. */
  from: string;
  to: string[];
  /** Refuse to send unless the connection is encrypted (STARTTLS required). Defaults to on when a password is set. */
  requireTls: boolean;
}

export const MAX_RECIPIENTS = 50;
/** A plain address: what SMTP's envelope takes. No display names, comments or quoted locals. */
const ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*$/;

function checkAddress(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new BadInputError(field, `${field} must be an email address, got ${typeOf(value)}.`);
  if (value.length > 254 || !ADDRESS.test(value)) throw new BadInputError(field, `${field} must be a plain email address such as alerts@example.com.`);
  return value;
}

/** Escapes text for HTML. */
function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The plain-text body: the summary, then the facts one per line. */
function textBody(notice: Notice): string {
  const incident = notice.incident;
  const lines = [noticeSummary(notice), ''];
  if (notice.event !== 'test') {
    lines.push(`Service:  ${oneLine(incident.service, 200)}`, `Severity: ${incident.severity}`, `Status:   ${incident.status}`, `Started:  ${incident.startedAt}`);
    if (incident.resolvedAt) lines.push(`Resolved: ${incident.resolvedAt}`);
  }
  if (incident.url) lines.push('', `Open in Lookout: ${oneLine(incident.url, 2048)}`);
  lines.push('', '-- ', 'Sent by Lookout.');
  return lines.join('\n');
}

function htmlBody(notice: Notice): string {
  const link = notice.incident.url && /^https?:\/\//.test(notice.incident.url) ? `<p><a href="${escapeHtml(oneLine(notice.incident.url, 2048))}">Open in Lookout</a></p>` : '';
  return `<p>${escapeHtml(noticeSummary(notice))}</p>${link}<p style="color:#666">Sent by Lookout.</p>`;
}

/**
 * The password as it crosses the wire, each of which a server may echo in a reply: itself, and the
 * base64 of AUTH LOGIN (the password alone) and AUTH PLAIN (`\0user\0password`).
 */
function passwordForms(settings: EmailSettings): string[] {
  if (!settings.password) return [];
  const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  const plain = base64(`\u0000${settings.user ?? ''}\u0000${settings.password}`);
  // A base64 text quoted mid-way is still the secret: its stem without padding too.
  return [settings.password, base64(settings.password), plain, base64(settings.password).replace(/=+$/, ''), plain.replace(/=+$/, '')];
}

/** An SMTP failure as a DeliveryError: 4xx replies and broken connections are worth a retry, 5xx are not. */
function deliveryError(error: unknown, settings: EmailSettings, elapsedMs: number, timeoutMs: number): DeliveryError {
  const secrets = passwordForms(settings);
  const failure = error as { code?: string; responseCode?: number; response?: string; message?: string; name?: string } | undefined;
  const where = `${settings.host}:${settings.port}`;
  if (failure?.code === 'EABORT' || failure?.name === 'AbortError') {
    return new DeliveryError(`no answer from ${where}: timed out after ${Math.round(elapsedMs)} ms (aborted; the attempt's limit is ${timeoutMs} ms)`, { retryable: true });
  }
  if (failure?.code === 'ETLS') {
    // Sending it again gets the same refusal; nothing (no password, no message) went over a plain connection.
    const reply = failure.response ? ` (${cleanText(redact(failure.response, secrets), 100)})` : '';
    return new DeliveryError(`${where} could not start TLS${reply}; with requireTls or secure on, nothing is sent over a plain connection`, { retryable: false });
  }
  if (typeof failure?.responseCode === 'number') {
    const reply = cleanText(redact(failure.response ?? failure.message ?? '', secrets));
    // RFC 5321: 4yz is a transient refusal, 5yz permanent (sending it again gets the same answer).
    const code = failure.responseCode;
    const permanent = code >= 500 && code < 600;
    const prefix = reply.startsWith(String(code)) ? 'SMTP ' : `SMTP ${code}: `;
    return new DeliveryError(`${prefix}${reply}`, { retryable: !permanent });
  }
  if (failure?.code === 'ETIMEDOUT') return new DeliveryError(`no answer from ${where}: timed out after ${Math.round(elapsedMs)} ms`, { retryable: true });
  if (failure?.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(failure?.message ?? '')) return new DeliveryError(`connection refused by ${where} (nothing listening?)`, { retryable: true });
  const message = cleanText(redact(failure?.message ?? String(error), secrets));
  return new DeliveryError(`SMTP to ${where} failed: ${message}`, { retryable: failure?.code !== 'EAUTH' });
}

export const emailChannel: ChannelKind<EmailSettings> = {
  kind: 'email',
  description: 'Mails the incident to a list of addresses through an SMTP server.',
  secretFields: ['password'],

  validate(settings) {
    const read = new SettingsReader('email', settings);
    const host = read.string('host', true, { max: 253, expected: 'a host name or IP address' });
    if (!isHost(host)) throw new BadInputError('host', 'host must be a host name or IP address (no scheme, port or path).');
    read.integer('port', 587, 1, 65535);
    read.boolean('secure', false);
    const user = read.string('user', false, { max: 256 });
    const password = read.string('password', false, { max: 1024 });
    if (password !== undefined && user === undefined) throw new BadInputError('user', 'user is required when a password is set.');
    checkAddress(read.string('from', true, { max: 254, expected: 'an email address' }), 'from');
    read.list('to', 1, MAX_RECIPIENTS, checkAddress);
    // A password never crosses the network in the clear unless asked for explicitly.
    read.boolean('requireTls', password !== undefined);
    return read.finish<EmailSettings>();
  },

  async send(notice, settings, context) {
    // Loaded by the first email sent: ~650 KB of source a server without an email channel never needs.
    const { createTransport } = await import('nodemailer');
    const transport = createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      requireTLS: settings.requireTls,
      auth: settings.user !== undefined ? { user: settings.user, pass: settings.password ?? '' } : undefined,
      connectionTimeout: context.timeoutMs,
      greetingTimeout: context.timeoutMs,
      socketTimeout: context.timeoutMs,
      dnsTimeout: context.timeoutMs,
      // What the message is made of is ours: no file or URL contents pulled into it.
      disableFileAccess: true,
      disableUrlAccess: true,
      logger: false,
    });
    const onAbort = () => transport.close();
    context.signal.addEventListener('abort', onAbort, { once: true });
    const started = performance.now();
    try {
      const info = await transport.sendMail({
        from: { name: 'Lookout', address: settings.from },
        to: settings.to,
        subject: oneLine(noticeSubject(notice), 250),
        messageId: `<${notice.id}@lookout>`,
        date: new Date(notice.at),
        text: textBody(notice),
        html: htmlBody(notice),
        headers: { 'X-Lookout-Incident': oneLine(notice.incident.key, 200), 'Auto-Submitted': 'auto-generated' },
        signal: context.signal,
      });
      const response = typeof info.response === 'string' ? cleanText(redact(info.response, passwordForms(settings))) : '';
      return { detail: response || 'accepted' };
    } catch (error) {
      throw deliveryError(error, settings, performance.now() - started, context.timeoutMs);
    } finally {
      context.signal.removeEventListener('abort', onAbort);
      transport.close();
    }
  },
};
