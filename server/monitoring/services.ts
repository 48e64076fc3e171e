/**
 * Service definitions: one validator for the config file and the API, and the changes the API may
 * make (create, update, delete, pause, resume). Services from the config file (or built in) are
 * changed only there; the API says so instead of silently diverging from the file.
 */
import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Clock } from '../clock.ts';
import { BadInputError, ConflictError, NotFoundError } from '../errors.ts';
import { getChecker } from './checkers/registry.ts';
import { firstHeartbeatCheckAt } from './checkers/heartbeat.ts';
import { parseDuration } from '../duration.ts';
import { Service, ServiceState, UptimeRecord, type ServiceSource } from './entities.ts';

export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,99}$/;
export const DEFAULT_INTERVAL_MS = 30_000;
export const MIN_INTERVAL_MS = 1000;
/** Stored as int4 milliseconds (24.8 days at most); a week is the far end of a check's interval. */
export const MAX_INTERVAL_MS = 7 * 86400_000;
export const MAX_TIMEOUT_MS = 300_000;

/** A definition as written by people (config file entry or API input). */
export interface ServiceInput {
  name: string;
  displayName?: string | null;
  kind: string;
  target?: string | null;
  options?: Record<string, unknown> | null;
  interval?: string | number | null;
  timeout?: string | number | null;
  degradedLatency?: string | number | null;
  failureThreshold?: number | null;
  recoveryThreshold?: number | null;
  critical?: boolean | null;
  tags?: string[] | null;
  dependsOn?: string[] | null;
  paused?: boolean | null;
}

/** A validated, normalised definition, ready to store. */
export interface ServiceDefinition {
  name: string;
  displayName: string;
  kind: string;
  target: string;
  options: Record<string, unknown>;
  intervalMs: number;
  timeoutMs: number;
  degradedLatencyMs: number | null;
  failureThreshold: number;
  recoveryThreshold: number;
  critical: boolean;
  tags: string[];
  dependsOn: string[];
  paused: boolean;
}

function threshold(value: number | null | undefined, field: string, fallback: number): number {
  if (value === null || value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > 100) throw new BadInputError(field, `${field} must be a whole number from 1 to 100.`);
  return value;
}

function nameList(values: string[] | null | undefined, field: string, pattern: RegExp, what: string): string[] {
  const list = [...new Set((values ?? []).map((v) => String(v).trim()))].filter(Boolean);
  const bad = list.find((v) => !pattern.test(v));
  if (bad !== undefined) throw new BadInputError(field, `${JSON.stringify(bad)} is not a valid ${what}.`);
  return list;
}

/**
 * Validates a definition; `prefix` names where it came from in error fields (e.g. `services[2].`).
 * `source` decides whether config-only kinds (command) are allowed.
 */
export function validateService(input: ServiceInput, source: ServiceSource, prefix = ''): ServiceDefinition {
  const name = String(input.name ?? '').trim();
  if (!NAME_PATTERN.test(name)) {
    throw new BadInputError(`${prefix}name`, `The name ${JSON.stringify(input.name ?? '')} must be 1–100 characters of a–z, 0–9, ".", "_" or "-", starting with a letter or digit.`);
  }
  const checker = (() => {
    try {
      return getChecker(String(input.kind ?? ''));
    } catch (error) {
      if (error instanceof BadInputError) throw new BadInputError(`${prefix}kind`, error.message);
      throw error;
    }
  })();
  if (checker.configOnly && source === 'api') {
    throw new BadInputError(`${prefix}kind`, `Services of kind "${checker.kind}" run commands on the Lookout host, so they can only be declared in the config file.`);
  }
  let normalized: { target: string; options: Record<string, unknown> };
  try {
    normalized = checker.validate(String(input.target ?? ''), { ...(input.options ?? {}) }) as typeof normalized;
  } catch (error) {
    if (error instanceof BadInputError) throw new BadInputError(`${prefix}${error.field}`, error.message);
    throw error;
  }
  const intervalMs = input.interval === null || input.interval === undefined ? DEFAULT_INTERVAL_MS : parseDuration(input.interval, `${prefix}interval`);
  if (intervalMs < MIN_INTERVAL_MS) throw new BadInputError(`${prefix}interval`, `The interval must be at least 1s, got ${intervalMs} ms.`);
  if (intervalMs > MAX_INTERVAL_MS) throw new BadInputError(`${prefix}interval`, 'The interval must be at most 7d.');
  const timeoutMs = input.timeout === null || input.timeout === undefined ? Math.min(10_000, Math.floor(intervalMs * 0.8)) : parseDuration(input.timeout, `${prefix}timeout`);
  if (timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) throw new BadInputError(`${prefix}timeout`, 'The timeout must be between 1ms and 5m.');
  const degradedLatencyMs = input.degradedLatency === null || input.degradedLatency === undefined ? null : parseDuration(input.degradedLatency, `${prefix}degradedLatency`);
  if (degradedLatencyMs !== null && degradedLatencyMs >= timeoutMs) {
    throw new BadInputError(`${prefix}degradedLatency`, 'The degraded-latency threshold must be below the timeout.');
  }
  const displayName = String(input.displayName ?? '').trim() || name;
  if (displayName.length > 200) throw new BadInputError(`${prefix}displayName`, 'The display name must be at most 200 characters.');
  const dependsOn = nameList(input.dependsOn, `${prefix}dependsOn`, NAME_PATTERN, 'service name');
  if (dependsOn.includes(name)) throw new BadInputError(`${prefix}dependsOn`, 'A service cannot depend on itself.');
  return {
    name,
    displayName,
    kind: checker.kind,
    target: normalized.target,
    options: normalized.options,
    intervalMs,
    timeoutMs,
    degradedLatencyMs,
    failureThreshold: threshold(input.failureThreshold, `${prefix}failureThreshold`, 2),
    recoveryThreshold: threshold(input.recoveryThreshold, `${prefix}recoveryThreshold`, 1),
    critical: input.critical ?? false,
    tags: nameList(input.tags, `${prefix}tags`, /^[\w.:/-]{1,50}$/, 'tag (letters, digits and . _ : / -, up to 50)'),
    dependsOn,
    paused: input.paused ?? false,
  };
}

/** Refuses dependencies on services that do not exist (among `known`). */
export function checkDependencies(definition: ServiceDefinition, known: Set<string>, field = 'dependsOn'): void {
  const missing = definition.dependsOn.filter((n) => !known.has(n));
  if (missing.length) throw new BadInputError(field, `Unknown services in dependsOn: ${missing.join(', ')}.`);
}

export async function findService(em: EntityManager, name: string): Promise<Service> {
  const service = await em.findOne(Service, { name });
  if (!service) throw new NotFoundError('Service', name);
  return service;
}

function refuseUnlessApi(service: Service): void {
  if (service.source === 'api') return;
  const where = service.source === 'builtin' ? 'is built in (it monitors Lookout itself)' : `comes from the config file ${service.sourcePath ?? ''}`.trim();
  throw new ConflictError(`The service "${service.name}" ${where}; change it there, not through the API.`, { source: service.source });
}

/** Inserts a service and its state row (due now; a heartbeat service once period + grace have passed, pending until then). */
export async function insertService(em: EntityManager, definition: ServiceDefinition, source: ServiceSource, sourcePath: string | null, clock: Clock): Promise<Service> {
  const now = clock.now();
  const service = em.create(Service, {
    ...definition,
    source,
    sourcePath,
    pingToken: definition.kind === 'heartbeat' ? randomBytes(18).toString('base64url') : null,
    createdAt: now,
    updatedAt: now,
  });
  await em.flush();
  const nextDueAt = definition.kind === 'heartbeat' ? firstHeartbeatCheckAt(definition.options, now) : now;
  em.create(ServiceState, { serviceId: service.id, pendingCount: 0, recentLatencies: [], nextDueAt, lastPingFailed: false });
  if (definition.paused) em.create(UptimeRecord, { serviceId: service.id, status: 'paused', startedAt: now, reason: 'created paused' });
  await em.flush();
  return service;
}

export async function createService(em: EntityManager, input: ServiceInput, clock: Clock): Promise<Service> {
  const definition = validateService(input, 'api');
  if (await em.count(Service, { name: definition.name })) throw new ConflictError(`A service named "${definition.name}" already exists.`, { field: 'name' });
  const names = new Set((await em.find(Service, {}, { fields: ['name'] })).map((s) => s.name));
  checkDependencies(definition, names);
  return insertService(em, definition, 'api', null, clock);
}

/** Replaces an API service's definition (its name cannot change); it is checked again at once. */
export async function updateService(em: EntityManager, name: string, input: Omit<ServiceInput, 'name'>, clock: Clock): Promise<Service> {
  const service = await findService(em, name);
  refuseUnlessApi(service);
  const definition = validateService({ ...input, name, paused: service.paused }, 'api');
  const names = new Set((await em.find(Service, {}, { fields: ['name'] })).map((s) => s.name));
  checkDependencies(definition, names);
  em.assign(service, { ...definition, updatedAt: clock.now() });
  if (definition.kind === 'heartbeat' && !service.pingToken) service.pingToken = randomBytes(18).toString('base64url');
  await em.flush();
  // A heartbeat service never pinged stays pending until period + grace after its creation, edited or not.
  const state = await em.findOneOrFail(ServiceState, { serviceId: service.id });
  const waitForPing = definition.kind === 'heartbeat' && !state.lastPingAt && state.status === null;
  const due = waitForPing ? new Date(Math.max(clock.now().getTime(), firstHeartbeatCheckAt(definition.options, service.createdAt).getTime())) : clock.now();
  await em.nativeUpdate(ServiceState, { serviceId: service.id }, { nextDueAt: due });
  return service;
}

export async function deleteService(em: EntityManager, name: string): Promise<Service> {
  const service = await findService(em, name);
  refuseUnlessApi(service);
  const dependents = await em.find(Service, { dependsOn: { $contains: [name] } }, { fields: ['name'] });
  if (dependents.length) throw new ConflictError(`Other services depend on "${name}": ${dependents.map((d) => d.name).join(', ')}. Change them first.`);
  await em.nativeDelete(Service, { id: service.id });
  return service;
}

/**
 * Pausing stops checks and closes the current uptime window (paused time is left out of uptime);
 * resuming opens a window in the last known status and checks at once.
 */
export async function setPaused(em: EntityManager, name: string, paused: boolean, clock: Clock): Promise<Service> {
  // Locks the service before reading it, as the check writer does (results.ts): the two never
  // deadlock, and two pauses at once cannot both pass the check below.
  await em.getConnection().execute('select 1 from services where name = ? for update', [name], 'all', em.getTransactionContext());
  const service = await findService(em, name);
  if (service.paused === paused) throw new ConflictError(`The service "${name}" is already ${paused ? 'paused' : 'running'}.`);
  const now = clock.now();
  const state = await em.findOneOrFail(ServiceState, { serviceId: service.id });
  await closeOpenWindow(em, service.id, now);
  if (paused) em.create(UptimeRecord, { serviceId: service.id, status: 'paused', startedAt: now, reason: 'paused' });
  else if (state.status) em.create(UptimeRecord, { serviceId: service.id, status: state.status, startedAt: now, reason: 'resumed' });
  service.paused = paused;
  service.updatedAt = now;
  state.nextDueAt = now;
  state.claimedUntil = null;
  // Counting towards a threshold starts afresh: results seen while paused do not carry over.
  state.pendingStatus = null;
  state.pendingCount = 0;
  await em.flush();
  return service;
}

async function closeOpenWindow(em: EntityManager, serviceId: number, at: Date): Promise<void> {
  await em.getConnection().execute(
    'update uptime_records set ended_at = ?, duration_ms = greatest(0, (extract(epoch from (?::timestamptz - started_at)) * 1000)::bigint) where service_id = ? and ended_at is null',
    [at, at, serviceId],
    'run',
    em.getTransactionContext(),
  );
}
