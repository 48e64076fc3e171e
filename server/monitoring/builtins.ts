/**
 * Lookout monitors itself: the process, its database, its disk, the host and the event bus. With no
 * config file these are the services; a config file keeps them beside its own unless it says
 * `builtin_services: false` (an entry of the file with one of these names replaces that one).
 */
import { validateService, type ServiceDefinition } from './services.ts';

export const BUILTIN_NAMES = ['lookout', 'postgres', 'filesystem', 'host', 'event-bus'] as const;

export function builtinServices(): ServiceDefinition[] {
  const entries = [
    { name: 'lookout', displayName: 'Lookout', kind: 'lookout', target: 'lookout', critical: true, tags: ['lookout'] },
    { name: 'postgres', displayName: 'PostgreSQL (Lookout)', kind: 'postgres', target: 'self', critical: true, tags: ['lookout'] },
    // Each replica checks its own data directory (`data-dir`): no one replica's path is stored for all.
    { name: 'filesystem', displayName: 'Data directory', kind: 'filesystem', target: 'data-dir', tags: ['lookout'] },
    { name: 'host', displayName: 'Host', kind: 'host', target: 'localhost', tags: ['lookout'] },
    { name: 'event-bus', displayName: 'Event bus', kind: 'event-bus', target: 'lookout', tags: ['lookout'] },
  ];
  return entries.map((entry) => validateService({ ...entry, interval: '30s' }, 'config'));
}
