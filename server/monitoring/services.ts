/**
 * Service definitions: one validator for the config file and the API, and the changes the API may
 * make (create, update, delete, pause, resume). Services from the config file (or built in) are
 * changed only there; the API says so instead of silently diverging from the file.
 */
import { sameJson } from '../same-json.ts';
import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
// MikroORM's own query layer (a dependency of @mikro-orm/sql): its raw queries carry real bind parameters.
import { CompiledQuery } from 'kysely';
import type { Clock } from '../clock.ts';
import { BadInputError, ConflictError, NotFoundError } from '../errors.ts';
import { getChecker } from './checkers/registry.ts';
import { firstHeartbeatCheckAt } from './checkers/heartbeat.ts';
import { parseDuration } from '../duration.ts';
import { Service, ServiceState, UptimeRecord, type ServiceSource } from './entities.ts';
import { PAUSED_DUE } from './claims.ts';

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
  const nextDueAt = definition.paused ? PAUSED_DUE : definition.kind === 'heartbeat' ? firstHeartbeatCheckAt(definition.options, now) : now;
  em.create(ServiceState, { serviceId: service.id, pendingCount: 0, recentLatencies: [], nextDueAt, lastPingFailed: false });
  if (definition.paused) em.create(UptimeRecord, { serviceId: service.id, status: 'paused', startedAt: now, reason: 'created paused' });
  await em.flush();
  return service;
}

/**
 * Runs `sql` (placeholders $1, $2…) in `em`'s transaction with bind parameters. MikroORM's `execute`
 * writes the parameters into the query's text instead: half a second for the 2 MB of JSON that
 * 10,000 definitions make.
 */
export async function queryIn<R>(em: EntityManager, sql: string, params: unknown[]): Promise<R[]> {
  return (await em.getKysely().executeQuery<R>(CompiledQuery.raw(sql, params))).rows;
}

/** The names among `names` that services have (one query, whatever the count). */
async function takenNames(em: EntityManager, names: string[]): Promise<Set<string>> {
  if (!names.length) return new Set();
  const rows = await queryIn<{ name: string }>(em, 'select s.name from services s join jsonb_array_elements_text($1::jsonb) n(name) on n.name = s.name', [
    JSON.stringify([...new Set(names)]),
  ]);
  return new Set(rows.map((r) => r.name));
}

export async function createService(em: EntityManager, input: ServiceInput, clock: Clock): Promise<Service> {
  const definition = validateService(input, 'api');
  if (await em.count(Service, { name: definition.name })) throw new ConflictError(`A service named "${definition.name}" already exists.`, { field: 'name' });
  // Only the names it depends on are looked up: not every service's, at 10,000 of them.
  checkDependencies(definition, await takenNames(em, definition.dependsOn));
  return insertService(em, definition, 'api', null, clock);
}

/** A validated definition to store, and where it comes from (the API, the config file, the built-ins). */
export interface NewService {
  definition: ServiceDefinition;
  source: ServiceSource;
  sourcePath: string | null;
}

/** The columns of a definition as `jsonb_to_recordset` reads them (the JSON built by `definitionRecords`). */
export const DEFINITION_RECORD = `d(ord int, name text, display_name text, kind text, target text, options jsonb, interval_ms int, timeout_ms int,
  degraded_latency_ms int, failure_threshold int, recovery_threshold int, critical boolean, tags text[], depends_on text[], paused boolean,
  source text, source_path text, ping_token text, next_due_at timestamptz, first_wait_ms bigint)`;

/**
 * Definitions as one JSON array of records for `jsonb_to_recordset(…) as DEFINITION_RECORD`: a
 * single statement then writes any number of them. Each carries its first due time (now; a
 * heartbeat service once period + grace have passed) and, for a heartbeat service, a fresh ping token.
 */
export function definitionRecords(services: NewService[], now: Date): string {
  return JSON.stringify(
    services.map(({ definition: d, source, sourcePath }, ord) => ({
      ord,
      name: d.name,
      display_name: d.displayName,
      kind: d.kind,
      target: d.target,
      options: d.options,
      interval_ms: d.intervalMs,
      timeout_ms: d.timeoutMs,
      degraded_latency_ms: d.degradedLatencyMs,
      failure_threshold: d.failureThreshold,
      recovery_threshold: d.recoveryThreshold,
      critical: d.critical,
      tags: d.tags,
      depends_on: d.dependsOn,
      paused: d.paused,
      source,
      source_path: sourcePath,
      ping_token: d.kind === 'heartbeat' ? randomBytes(18).toString('base64url') : null,
      next_due_at: (d.paused ? PAUSED_DUE : d.kind === 'heartbeat' ? firstHeartbeatCheckAt(d.options, now) : now).toISOString(),
      // How long after its creation a heartbeat service never pinged stays pending (period + grace).
      first_wait_ms: d.kind === 'heartbeat' ? firstHeartbeatCheckAt(d.options, new Date(0)).getTime() : null,
    })),
  );
}

/**
 * Inserts many services with their state rows (and a paused window for those created paused) in
 * one statement, whatever the count: what `insertService` does for one. A name already taken is
 * skipped; the names inserted are returned, in the order given.
 */
export async function insertServices(em: EntityManager, services: NewService[], clock: Clock): Promise<string[]> {
  if (!services.length) return [];
  const now = clock.now();
  const rows = await queryIn<{ name: string }>(
    em,
    `with d as materialized (select * from jsonb_to_recordset($1::jsonb) as ${DEFINITION_RECORD}),
     i as (
       insert into services (name, display_name, kind, target, options, interval_ms, timeout_ms, degraded_latency_ms, failure_threshold,
                             recovery_threshold, critical, tags, depends_on, paused, source, source_path, ping_token, created_at, updated_at)
       select d.name, d.display_name, d.kind, d.target, d.options, d.interval_ms, d.timeout_ms, d.degraded_latency_ms, d.failure_threshold,
              d.recovery_threshold, d.critical, d.tags, d.depends_on, d.paused, d.source, d.source_path, d.ping_token, $2::timestamptz, $2::timestamptz
         from d
        -- Skipped before the insert, not only by its conflict clause, which would use up an id for each.
        where not exists (select 1 from services s where s.name = d.name)
        order by d.ord
       on conflict (name) do nothing
       returning id, name, paused),
     st as (
       insert into service_states (service_id, pending_count, recent_latencies, next_due_at, last_ping_failed)
       select i.id, 0, '{}', d.next_due_at, false from i join d on d.name = i.name),
     up as (
       insert into uptime_records (service_id, status, started_at, reason)
       select i.id, 'paused', $2::timestamptz, 'created paused' from i where i.paused)
     select i.name from i join d on d.name = i.name order by d.ord`,
    [definitionRecords(services, now), now],
  );
  return rows.map((r) => r.name);
}

/** The most services one `createServices` call may create. */
export const MAX_CREATE_BATCH = 10_000;

/**
 * Creates API services in one go, all or nothing: every entry is validated first and a problem
 * names its entry (`services[3].target`); then a few statements write them all, whatever the count.
 * Dependencies may name existing services or others of the same batch. Returns the names, in order.
 */
export async function createServices(em: EntityManager, inputs: ServiceInput[], clock: Clock, field = 'services'): Promise<string[]> {
  if (!inputs.length) throw new BadInputError(field, 'Give at least one service.');
  if (inputs.length > MAX_CREATE_BATCH) throw new BadInputError(field, `At most ${MAX_CREATE_BATCH} services at once, got ${inputs.length}.`);
  const definitions = inputs.map((input, i) => validateService(input, 'api', `${field}[${i}].`));
  const firstIndex = new Map<string, number>();
  definitions.forEach((d, i) => {
    const earlier = firstIndex.get(d.name);
    if (earlier !== undefined) throw new BadInputError(`${field}[${i}].name`, `The name "${d.name}" is also given to ${field}[${earlier}].`);
    firstIndex.set(d.name, i);
  });
  const taken = await takenNames(em, definitions.flatMap((d) => [d.name, ...d.dependsOn]));
  const clash = definitions.findIndex((d) => taken.has(d.name));
  if (clash >= 0) {
    throw new ConflictError(`${field}[${clash}].name: a service named "${definitions[clash].name}" already exists.`, { field: `${field}[${clash}].name` });
  }
  const known = new Set([...taken, ...firstIndex.keys()]);
  definitions.forEach((d, i) => checkDependencies(d, known, `${field}[${i}].dependsOn`));
  const inserted = await insertServices(em, definitions.map((definition) => ({ definition, source: 'api' as const, sourcePath: null })), clock);
  if (inserted.length !== definitions.length) {
    // Another caller took a name between the check and the insert: the transaction is rolled back.
    const stored = new Set(inserted);
    const missing = definitions.findIndex((d) => !stored.has(d.name));
    throw new ConflictError(`${field}[${missing}].name: a service named "${definitions[missing].name}" already exists.`, { field: `${field}[${missing}].name` });
  }
  return inserted;
}

/** Replaces an API service's definition (its name cannot change); it is checked again at once. */
export async function updateService(em: EntityManager, name: string, input: Omit<ServiceInput, 'name'>, clock: Clock): Promise<{ service: Service; changed: boolean }> {
  // Locks the service before reading it, as setPaused does: a resume committed between this read
  // and the write below left a running service never due (its paused state read before the resume).
  await em.getConnection().execute('select 1 from services where name = ? for update', [name], 'all', em.getTransactionContext());
  const service = await findService(em, name);
  refuseUnlessApi(service);
  const definition = validateService({ ...input, name, paused: service.paused }, 'api');
  checkDependencies(definition, await takenNames(em, definition.dependsOn));
  // The same definition again changes nothing: no write, no audit row, no check moved.
  if (Object.entries(definition).every(([key, value]) => sameJson(service[key as keyof typeof service], value))) return { service, changed: false };
  em.assign(service, { ...definition, updatedAt: clock.now() });
  if (definition.kind === 'heartbeat' && !service.pingToken) service.pingToken = randomBytes(18).toString('base64url');
  await em.flush();
  // A heartbeat service never pinged stays pending until period + grace after its creation, edited or not.
  const state = await em.findOneOrFail(ServiceState, { serviceId: service.id });
  const waitForPing = definition.kind === 'heartbeat' && !state.lastPingAt && state.status === null;
  const due = waitForPing ? new Date(Math.max(clock.now().getTime(), firstHeartbeatCheckAt(definition.options, service.createdAt).getTime())) : clock.now();
  await em.nativeUpdate(ServiceState, { serviceId: service.id }, { nextDueAt: service.paused ? PAUSED_DUE : due });
  return { service, changed: true };
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
  state.nextDueAt = paused ? PAUSED_DUE : now;
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
