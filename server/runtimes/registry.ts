/** Every runtime kind by name: the one place a new kind is registered. */
import { BadInputError } from '../errors.ts';
import { commandRuntime } from './command.ts';
import { httpRuntime } from './http.ts';
import { processRuntime } from './process.ts';
import type { RuntimeKind } from './runtime.ts';

// Each kind's settings type is its own; the registry hands them out by name, so by the common shape.
const all = [processRuntime, httpRuntime, commandRuntime] as unknown as RuntimeKind[];

/** The kind names, in the order docs list them. */
export const RUNTIME_KINDS: readonly string[] = Object.freeze(all.map((kind) => kind.kind));

/** All runtime kinds, in the order of RUNTIME_KINDS. */
export function runtimeKinds(): readonly RuntimeKind[] {
  return all;
}

/** The kind named `kind`; throws BadInputError naming `kind` when there is none. */
export function getRuntimeKind(kind: unknown): RuntimeKind {
  const found = typeof kind === 'string' ? all.find((k) => k.kind === kind) : undefined;
  if (!found) {
    const shown = typeof kind === 'string' ? JSON.stringify(kind.slice(0, 40)) : kind === undefined ? 'nothing' : `a ${typeof kind}`;
    throw new BadInputError('kind', `kind must be one of ${RUNTIME_KINDS.join(', ')}, got ${shown}.`);
  }
  return found;
}
