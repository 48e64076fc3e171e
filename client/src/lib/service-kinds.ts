/**
 * The checker kinds the API accepts, with what their target is, for the service form. Mirrors
 * server/monitoring/checkers/registry.ts, which the browser cannot import (it pulls in node:http);
 * `command` is left out because the API refuses it (config file only).
 */
export interface KindInfo {
  kind: string;
  target: string;
  example: string;
}

export const SERVICE_KINDS: readonly KindInfo[] = [
  { kind: 'http', target: 'An http:// or https:// URL', example: 'https://api.example.com/health' },
  { kind: 'tcp', target: 'host:port', example: 'db.internal:5432' },
  { kind: 'websocket', target: 'A ws:// or wss:// URL', example: 'wss://push.example.com/socket' },
  { kind: 'postgres', target: 'A postgres:// URL, or "self" for Lookout’s own database', example: 'postgres://monitor@db:5432/app' },
  { kind: 'redis', target: 'A redis:// URL', example: 'redis://cache:6379/0' },
  { kind: 'filesystem', target: 'A directory path', example: '/var/lib/app' },
  { kind: 'host', target: '"localhost" (the machine Lookout runs on)', example: 'localhost' },
  { kind: 'event-bus', target: '"lookout" (Lookout’s own pub/sub)', example: 'lookout' },
  { kind: 'heartbeat', target: 'A label; jobs ping the URL Lookout gives it', example: 'nightly-backup' },
  { kind: 'lookout', target: '"lookout" (the Lookout process itself)', example: 'lookout' },
];

export function kindInfo(kind: string): KindInfo | undefined {
  return SERVICE_KINDS.find((k) => k.kind === kind);
}
