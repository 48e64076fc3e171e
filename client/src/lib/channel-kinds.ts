/**
 * The settings form of each alert channel kind: which fields it asks for and how each is typed.
 * Which of them are secret comes from the server (`alertChannelKinds.secretFields`); a kind the
 * dashboard does not know yet is edited as JSON.
 */
export type ChannelFieldType = 'text' | 'url' | 'number' | 'checkbox' | 'list';

export interface ChannelField {
  name: string;
  label: string;
  type: ChannelFieldType;
  required?: boolean;
  hint?: string;
  placeholder?: string;
}

export const CHANNEL_FIELDS: Record<string, readonly ChannelField[]> = {
  webhook: [
    { name: 'url', label: 'URL', type: 'url', required: true, placeholder: 'https://hooks.example.com/lookout' },
    { name: 'secret', label: 'Signing secret', type: 'text', required: true, hint: 'Standard Webhooks: whsec_ followed by base64.', placeholder: 'whsec_…' },
  ],
  slack: [{ name: 'url', label: 'Incoming webhook URL', type: 'url', required: true, placeholder: 'https://hooks.slack.com/services/…' }],
  pagerduty: [
    { name: 'routingKey', label: 'Routing key', type: 'text', required: true, hint: 'The integration key of an Events API v2 integration.' },
    { name: 'url', label: 'Events API URL', type: 'url', hint: 'Optional; PagerDuty’s own by default.' },
  ],
  email: [
    { name: 'host', label: 'SMTP host', type: 'text', required: true, placeholder: 'smtp.example.com' },
    { name: 'port', label: 'Port', type: 'number', hint: 'Default 587.' },
    { name: 'secure', label: 'TLS from the start (port 465)', type: 'checkbox' },
    { name: 'user', label: 'User', type: 'text', hint: 'Optional.' },
    { name: 'password', label: 'Password', type: 'text' },
    { name: 'from', label: 'From', type: 'text', required: true, placeholder: 'lookout@example.com' },
    { name: 'to', label: 'To', type: 'list', required: true, hint: 'Addresses separated by commas.' },
  ],
};

/** The form's text for a stored value (lists joined, booleans as "true"/""). */
export function fieldText(field: ChannelField, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (field.type === 'list') return Array.isArray(value) ? value.join(', ') : String(value);
  if (field.type === 'checkbox') return value === true ? 'true' : '';
  return String(value);
}

/** The setting to send for a field's text, or undefined to leave it out. */
export function fieldValue(field: ChannelField, text: string): unknown {
  if (field.type === 'checkbox') return text === 'true';
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (field.type === 'number') return Number(trimmed);
  if (field.type === 'list') return trimmed.split(/[,\s]+/).filter(Boolean);
  return trimmed;
}
