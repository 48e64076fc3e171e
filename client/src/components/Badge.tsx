/** A status label with a colour and its word: colour alone never carries the meaning. */
import type { JSX } from 'solid-js';

export type Tone = 'ok' | 'warn' | 'bad' | 'neutral' | 'info';

export function Badge(props: { tone: Tone; children: JSX.Element; testid?: string }) {
  return (
    <span class={`badge badge--${props.tone}`} data-testid={props.testid}>
      {props.children}
    </span>
  );
}

const HEALTH_TONES: Record<string, Tone> = { HEALTHY: 'ok', DEGRADED: 'warn', DOWN: 'bad' };
const TOKEN_TONES: Record<string, Tone> = { ACTIVE: 'ok', EXPIRED: 'warn', REVOKED: 'bad' };

export function healthTone(status: string | undefined): Tone {
  return (status && HEALTH_TONES[status]) || 'neutral';
}

export function tokenTone(status: string): Tone {
  return TOKEN_TONES[status] ?? 'neutral';
}
