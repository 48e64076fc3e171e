/**
 * The one audit writer. `audited` runs a state-changing action in a transaction and writes its
 * audit row in that same transaction; when the action fails, the change rolls back and a row
 * recording the failure is written instead. Either way: exactly one row per action.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Clock } from '../clock.ts';
import { LookoutError } from '../errors.ts';
import type { Actor } from '../auth/actor.ts';
import { AuditEntry } from './entities.ts';

export interface AuditWho {
  actor: Actor | null;
  /** For actions with no actor: `system` (start-up, CLI) or `anonymous` (sign-in attempts). */
  fallback?: { type: 'system' | 'anonymous'; label?: string };
  clientAddress?: string | null;
}

export interface AuditTarget {
  type: string;
  id: string;
}

export interface AuditSpec<T> {
  action: string;
  input?: Record<string, unknown>;
  /** The target, when known before the action (update, revoke). */
  target?: AuditTarget;
  /** The target, from the result (create). */
  targetOf?: (result: T) => AuditTarget | undefined;
  /** Overrides the actor label from the result (sign-in: the account signed into). */
  actorOf?: (result: T) => { type: 'user' | 'token'; id: string; label: string } | undefined;
  /** Record only when this holds for the result (start-up tasks that often change nothing). */
  when?: (result: T) => boolean;
}

const SECRET_KEYS = /^(password|currentPassword|newPassword|secret|token|authorization)$/i;

/** The input as stored in the audit log: secrets replaced, long strings shortened. */
export function summarizeInput(input: unknown): unknown {
  if (Array.isArray(input)) return input.slice(0, 50).map(summarizeInput);
  if (input instanceof Date) return input.toISOString();
  if (input && typeof input === 'object') {
    return Object.fromEntries(
      Object.entries(input as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, SECRET_KEYS.test(k) ? '[redacted]' : summarizeInput(v)]),
    );
  }
  if (typeof input === 'string' && input.length > 500) return `${input.slice(0, 500)}…`;
  return input;
}

function actorColumns(who: AuditWho) {
  if (who.actor) return { actorType: who.actor.kind, actorId: who.actor.id, actorLabel: who.actor.label };
  return { actorType: who.fallback?.type ?? 'anonymous', actorId: null, actorLabel: who.fallback?.label ?? null };
}

export async function audited<T>(em: EntityManager, who: AuditWho, clock: Clock, work: (em: EntityManager) => Promise<T>, spec: AuditSpec<T>): Promise<T> {
  const base = {
    action: spec.action,
    input: (summarizeInput(spec.input ?? {}) as Record<string, unknown>) ?? null,
    clientAddress: who.clientAddress ?? null,
  };
  try {
    return await em.transactional(async (tx) => {
      const result = await work(tx);
      if (spec.when && !spec.when(result)) return result;
      const target = spec.targetOf?.(result) ?? spec.target;
      const actor = spec.actorOf?.(result);
      tx.create(AuditEntry, {
        ...base,
        ...actorColumns(who),
        ...(actor && { actorType: actor.type, actorId: actor.id, actorLabel: actor.label }),
        at: clock.now(),
        targetType: target?.type ?? null,
        targetId: target?.id ?? null,
        outcome: 'success',
      });
      return result;
    });
  } catch (error) {
    const known = error instanceof LookoutError;
    await em.fork().insert(AuditEntry, {
      ...base,
      ...actorColumns(who),
      at: clock.now(),
      targetType: spec.target?.type ?? null,
      targetId: spec.target?.id ?? null,
      outcome: 'failure',
      errorCode: known ? error.code : 'INTERNAL_SERVER_ERROR',
      errorMessage: known ? error.message : null,
    });
    throw error;
  }
}

export interface AuditFilter {
  action?: string | null;
  actorLabel?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  outcome?: string | null;
  since?: Date | null;
  until?: Date | null;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `after` for the next page; null on the last page. */
  endCursor: string | null;
  hasNextPage: boolean;
}

/** Newest first, cursor-paged by id (the cursor is the last id seen). */
export async function queryAuditLog(em: EntityManager, filter: AuditFilter, first: number, after?: string | null): Promise<AuditPage> {
  const where: Record<string, unknown> = {};
  if (filter.action) where.action = filter.action.endsWith('*') ? { $like: `${filter.action.slice(0, -1)}%` } : filter.action;
  if (filter.actorLabel) where.actorLabel = { $ilike: `%${filter.actorLabel}%` };
  if (filter.targetType) where.targetType = filter.targetType;
  if (filter.targetId) where.targetId = filter.targetId;
  if (filter.outcome) where.outcome = filter.outcome;
  if (filter.since || filter.until) where.at = { ...(filter.since && { $gte: filter.since }), ...(filter.until && { $lt: filter.until }) };
  if (after) where.id = { $lt: Number(after) };
  const rows = await em.find(AuditEntry, where, { orderBy: { id: 'desc' }, limit: first + 1 });
  const entries = rows.slice(0, first);
  const hasNextPage = rows.length > first;
  return { entries, hasNextPage, endCursor: hasNextPage ? String(entries.at(-1)!.id) : null };
}
