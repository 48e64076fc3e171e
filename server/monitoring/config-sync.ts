/**
 * Makes the database's declared services (from the config file, or the built-ins) match a list of
 * definitions: inserts new ones, updates changed ones, removes the ones no longer declared. API
 * services are never touched; a declared name already used by an API service is refused.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Clock } from '../clock.ts';
import { ConflictError } from '../errors.ts';
import { Service, ServiceState } from './entities.ts';
import { insertService, type ServiceDefinition } from './services.ts';

const SYNC_LOCK_KEY = 0x4c6b5379;

export interface SyncResult {
  added: string[];
  updated: string[];
  removed: string[];
}

const DEFINITION_KEYS: (keyof ServiceDefinition)[] = [
  'displayName', 'kind', 'target', 'options', 'intervalMs', 'timeoutMs', 'degradedLatencyMs',
  'failureThreshold', 'recoveryThreshold', 'critical', 'tags', 'dependsOn',
];

function differs(service: Service, definition: ServiceDefinition): boolean {
  return DEFINITION_KEYS.some((key) => JSON.stringify(service[key as keyof Service]) !== JSON.stringify(definition[key]));
}

/** Must run inside a transaction (it takes a transaction-scoped advisory lock). */
/** A declared service and where it comes from: the config file (its path) or the built-ins. */
export interface DeclaredService {
  definition: ServiceDefinition;
  source: 'config' | 'builtin';
  sourcePath: string | null;
}

export async function syncDeclaredServices(em: EntityManager, declaredServices: DeclaredService[], clock: Clock): Promise<SyncResult> {
  await em.getConnection().execute('select pg_advisory_xact_lock(?)', [SYNC_LOCK_KEY], 'run', em.getTransactionContext());
  const existing = await em.find(Service, {});
  const byName = new Map(existing.map((s) => [s.name, s]));
  const result: SyncResult = { added: [], updated: [], removed: [] };
  for (const { definition, source, sourcePath } of declaredServices) {
    const current = byName.get(definition.name);
    if (current?.source === 'api') {
      throw new ConflictError(`The config file declares "${definition.name}", but an API service already has that name; rename one of them.`);
    }
    if (!current) {
      await insertService(em, definition, source, sourcePath, clock);
      result.added.push(definition.name);
    } else if (differs(current, definition) || current.source !== source || current.sourcePath !== sourcePath) {
      em.assign(current, { ...definition, paused: current.paused, source, sourcePath, updatedAt: clock.now() });
      await em.nativeUpdate(ServiceState, { serviceId: current.id }, { nextDueAt: clock.now() });
      result.updated.push(definition.name);
    }
  }
  const declared = new Set(declaredServices.map((d) => d.definition.name));
  for (const service of existing) {
    if (service.source !== 'api' && !declared.has(service.name)) {
      em.remove(service);
      result.removed.push(service.name);
    }
  }
  await em.flush();
  return result;
}
