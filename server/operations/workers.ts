/** Workers: they register the types they run and their capacity, and show as online while seen. */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Clock } from '../clock.ts';
import { BadInputError } from '../errors.ts';
import { TYPE_PATTERN } from './catalog.ts';
import { Worker } from './entities.ts';

/** A worker seen (registered, claimed, heartbeat) within this long is online. */
export const WORKER_ONLINE_MS = 60_000;

/** How many operation types one worker may name (a claim's `types`, a registration's). */
export const MAX_WORKER_TYPES = 200;

export function validateWorkerName(worker: string): string {
  const name = worker.trim();
  if (!name || name.length > 200) throw new BadInputError('worker', 'worker must be a name of 1–200 characters.');
  return name;
}

/** The operation types a worker names, each a valid type name. */
export function validateTypeNames(types: string[]): string[] {
  if (types.length > MAX_WORKER_TYPES) throw new BadInputError('types', `Name at most ${MAX_WORKER_TYPES} operation types, got ${types.length}.`);
  const bad = types.find((t) => !TYPE_PATTERN.test(t));
  if (bad !== undefined) throw new BadInputError('types', `${JSON.stringify(bad)} is not an operation type name.`);
  return types;
}

/** Registers (or re-registers) a worker: its name, the types it runs and its capacity. Doubles as a heartbeat. */
export async function registerWorker(em: EntityManager, input: { name: string; types: string[]; capacity?: number | null }, clock: Clock): Promise<Worker> {
  const name = validateWorkerName(input.name);
  validateTypeNames(input.types);
  const capacity = input.capacity ?? 1;
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1000) throw new BadInputError('capacity', 'capacity must be a whole number from 1 to 1000.');
  const now = clock.now();
  await em.getConnection().execute(
    // The types go as JSON, not as an array literal made by joining them: in a literal the type
    // "null" (a valid name) is SQL NULL, and the worker then failed every query of its types.
    `insert into workers (name, types, capacity, registered_at, last_heartbeat_at) values (?, array(select jsonb_array_elements_text(?::jsonb)), ?, ?, ?)
     on conflict (name) do update set types = excluded.types, capacity = excluded.capacity, last_heartbeat_at = excluded.last_heartbeat_at`,
    [name, JSON.stringify(input.types), capacity, now, now], 'run', em.getTransactionContext(),
  );
  return em.findOneOrFail(Worker, { name }, { refresh: true });
}
