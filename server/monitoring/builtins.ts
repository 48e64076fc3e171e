/** With no config file, Lookout monitors itself: the process, its database, its disk, the host and the event bus. */
import { validateService, type ServiceDefinition } from './services.ts';

export function builtinServices(dataDir: string): ServiceDefinition[] {
  const entries = [
    { name: 'lookout', displayName: 'Lookout', kind: 'lookout', target: 'lookout', critical: true, tags: ['lookout'] },
    { name: 'postgres', displayName: 'PostgreSQL (Lookout)', kind: 'postgres', target: 'self', critical: true, tags: ['lookout'] },
    { name: 'filesystem', displayName: 'Data directory', kind: 'filesystem', target: dataDir, tags: ['lookout'] },
    { name: 'host', displayName: 'Host', kind: 'host', target: 'localhost', tags: ['lookout'] },
    { name: 'event-bus', displayName: 'Event bus', kind: 'event-bus', target: 'lookout', tags: ['lookout'] },
  ];
  return entries.map((entry) => validateService({ ...entry, interval: '30s' }, 'config'));
}
