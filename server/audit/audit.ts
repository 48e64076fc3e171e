/**
 * The one audit writer. `audited` runs a state-changing action in a transaction and writes its
 * audit row in that same transaction; when the action fails, the change rolls back and a row
 * recording the failure is written instead. Either way: exactly one row per action.
 */
import { isSecretName, maskCredentials } from '../secret-text.ts';
import type { EntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { inTransaction, type SqlClient } from '../db/sql.ts';
import { afterCommit, noEvents, type TransactionEvents } from '../events/after-commit.ts';
import type { PubSub } from '../events/pubsub.ts';
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
  /** Batch actions: every target, from the result (found by each one's trail). */
  targetsOf?: (result: T) => { type: string; ids: string[] };
  /** Overrides the actor label from the result (sign-in: the account signed into). */
  actorOf?: (result: T) => { type: 'user' | 'token'; id: string; label: string } | undefined;
  /** Record only when this holds for the result (start-up tasks that often change nothing). */
  when?: (result: T) => boolean;
}

/** Keys whose values never reach the audit log: credentials, and alert channels' secrets (a routing key, a URL that carries a token). */
const SECRET_KEYS = /^(password|currentPassword|newPassword|secret|token|leaseToken|authorization|routingKey|routing_key|url|webhookUrl|webhook_url)$/i;

/** The input as stored in the audit log: secrets replaced (by name, and URLs' passwords), long strings shortened. */
export function summarizeInput(input: unknown): unknown {
  if (Array.isArray(input)) return input.slice(0, 50).map(summarizeInput);
  if (input instanceof Date) return input.toISOString();
  if (input && typeof input === 'object') {
    return Object.fromEntries(
      Object.entries(input as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, SECRET_KEYS.test(k) || (typeof v === 'string' && isSecretName(k)) ? '[redacted]' : summarizeInput(v)]),
    );
  }
  // A URL's password (a service's target) never reaches the log either.
  if (typeof input === 'string') return maskCredentials(input.length > 500 ? `${input.slice(0, 500)}…` : input);
  return input;
}

function actorColumns(who: AuditWho) {
  if (who.actor) return { actorType: who.actor.kind, actorId: who.actor.id, actorLabel: who.actor.label };
  return { actorType: who.fallback?.type ?? 'anonymous', actorId: null, actorLabel: who.fallback?.label ?? null };
}

type AuditRow = Omit<AuditEntry, 'id'>;

/** A target's id as the caller gave it may be longer than the column (200): cut, or the row's insert fails. */
const storableTargetId = (id: string | null | undefined) => (id == null ? null : id.length > 200 ? `${id.slice(0, 199)}…` : id);

function successRow<T>(who: AuditWho, clock: Clock, spec: AuditSpec<T>, result: T): AuditRow {
  const targets = spec.targetsOf?.(result);
  const target = spec.targetOf?.(result) ?? spec.target ?? (targets?.ids.length === 1 ? { type: targets.type, id: targets.ids[0] } : undefined);
  const actor = spec.actorOf?.(result);
  return {
    ...baseColumns(who, spec),
    ...(actor && { actorType: actor.type, actorId: actor.id, actorLabel: actor.label }),
    at: clock.now(),
    targetType: target?.type ?? (targets?.ids.length ? targets.type : null),
    targetId: storableTargetId(target?.id),
    targetIds: targets && targets.ids.length > 1 ? targets.ids : null,
    outcome: 'success',
    errorCode: null,
    errorMessage: null,
  };
}

function failureRow(who: AuditWho, clock: Clock, spec: AuditSpec<never>, error: unknown): AuditRow {
  const known = error instanceof LookoutError;
  return {
    ...baseColumns(who, spec),
    at: clock.now(),
    targetType: spec.target?.type ?? null,
    targetId: storableTargetId(spec.target?.id),
    targetIds: null,
    outcome: 'failure',
    errorCode: known ? error.code : 'INTERNAL_SERVER_ERROR',
    // A refusal may quote the input (a target with its password).
    errorMessage: known ? maskCredentials(error.message) : null,
  };
}

function baseColumns(who: AuditWho, spec: AuditSpec<never>) {
  return {
    action: spec.action,
    input: (summarizeInput(spec.input ?? {}) as Record<string, unknown>) ?? null,
    clientAddress: who.clientAddress ?? null,
    ...actorColumns(who),
  };
}

/**
 * Runs `work` in an ORM transaction and writes its audit row in it (or a failure row after the
 * rollback). Given the pub/sub, the work gets the transaction's `events`, published once it committed.
 */
export async function audited<T>(em: EntityManager, who: AuditWho, clock: Clock, work: (em: EntityManager) => Promise<T>, spec: AuditSpec<T>): Promise<T>;
export async function audited<T>(em: EntityManager, who: AuditWho, clock: Clock, work: (em: EntityManager, events: TransactionEvents) => Promise<T>, spec: AuditSpec<T>, pubsub: PubSub): Promise<T>;
export async function audited<T>(em: EntityManager, who: AuditWho, clock: Clock, work: (em: EntityManager, events: TransactionEvents) => Promise<T>, spec: AuditSpec<T>, pubsub?: PubSub): Promise<T> {
  // Inside an outer transaction this one is a savepoint: its events would go out before the real commit.
  if (pubsub && em.isInTransaction()) throw new Error(`${spec.action}: audited work that records events must not run inside another transaction`);
  const transaction = (events: TransactionEvents) =>
    em.transactional(async (tx) => {
      const result = await work(tx, events);
      if (spec.when && !spec.when(result)) return result;
      // A plain insert, not the unit of work: nothing to track.
      await tx.insert(AuditEntry, successRow(who, clock, spec, result));
      return result;
    });
  try {
    return await (pubsub ? afterCommit(pubsub, transaction) : transaction(noEvents));
  } catch (error) {
    await em.fork().insert(AuditEntry, failureRow(who, clock, spec as AuditSpec<never>, error));
    throw error;
  }
}

/**
 * Runs the checks an action makes before its change, outside any transaction (a sign-in's password
 * hash, which must not hold a pooled connection): when one refuses, the same failure row as
 * `audited` writes; when all pass, the caller goes on to `audited` for the change and its row.
 */
export async function auditedCheck<T>(em: EntityManager, who: AuditWho, clock: Clock, check: () => Promise<T>, spec: AuditSpec<never>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    await em.fork().insert(AuditEntry, failureRow(who, clock, spec, error));
    throw error;
  }
}

/** One action the system took by itself (the lease sweep requeueing a run), with no caller. */
export interface SystemAction {
  action: string;
  target: AuditTarget;
  input?: Record<string, unknown>;
}

/**
 * Records actions Lookout took by itself, one success row each, actor `system` labelled `label`,
 * written on `em` (inside the caller's transaction, so the rows stand or fall with the change).
 */
export async function recordSystemActions(em: EntityManager, clock: Clock, label: string, actions: SystemAction[]): Promise<void> {
  if (!actions.length) return;
  const who: AuditWho = { actor: null, fallback: { type: 'system', label } };
  await em.insertMany(AuditEntry, actions.map((a) => successRow(who, clock, { action: a.action, input: a.input, target: a.target }, undefined)));
}

const INSERT_ROW = `insert into audit_log (at, actor_type, actor_id, actor_label, action, target_type, target_id, target_ids, input, outcome, error_code, error_message, client_address)
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`;

async function insertRow(sql: SqlClient, row: AuditRow): Promise<void> {
  await sql.query(INSERT_ROW, [
    row.at, row.actorType, row.actorId, row.actorLabel, row.action, row.targetType, row.targetId, row.targetIds,
    row.input === null ? null : JSON.stringify(row.input), row.outcome, row.errorCode, row.errorMessage, row.clientAddress,
  ]);
}

/**
 * The same guarantee as `audited`, for work written in plain SQL (the dispatch paths that workers
 * call hundreds of times a second): one transaction on one pooled connection, the audit row in it;
 * its events published once it committed.
 */
export async function auditedSql<T>(pool: pg.Pool, who: AuditWho, clock: Clock, work: (sql: SqlClient, events: TransactionEvents) => Promise<T>, spec: AuditSpec<T>, pubsub: PubSub): Promise<T> {
  try {
    return await inTransaction(
      pool,
      async (sql, events) => {
        const result = await work(sql, events);
        if (!spec.when || spec.when(result)) await insertRow(sql, successRow(who, clock, spec, result));
        return result;
      },
      pubsub,
    );
  } catch (error) {
    await insertRow(pool, failureRow(who, clock, spec as AuditSpec<never>, error));
    throw error;
  }
}

/**
 * The audit row of a change made by one statement, written by that same statement: what a
 * single-call worker path (claim, complete, submit) uses to cost one round trip instead of four
 * (begin, change, audit row, commit). One statement is one transaction, so the row still stands or
 * falls with the change.
 */
export interface StatementAudit {
  /**
   * A CTE (`audit_row as (…)`) to add to the change's statement: it inserts the success row when
   * `targets` (a select of `id` and `ord` columns: the changed rows, in the order the audit lists
   * them) is not empty, and nothing when it is: a call that changed nothing leaves no row. Appends
   * its parameters to `params`. Use it in exactly one statement.
   */
  cte(targets: string, targetType: string, params: unknown[]): string;
}

/**
 * The same guarantee as `audited`, for work whose change is one statement that carries its own
 * audit row (`audit.cte`): run in autocommit on the pool, no transaction around it; a failure row
 * after any error. The spec's target rules are `successRow`'s (a fixed `target`, else the one
 * changed row, with every id in `target_ids` when there are several); `when` is the statement's:
 * no changed row, no row. The work must make its whole change in that one statement.
 */
export async function auditedStatement<T>(pool: pg.Pool, who: AuditWho, clock: Clock, work: (sql: SqlClient, events: TransactionEvents, audit: StatementAudit) => Promise<T>, spec: AuditSpec<T>, pubsub: PubSub): Promise<T> {
  let used = 0;
  const audit: StatementAudit = {
    cte(targets, targetType, params) {
      used++;
      const row = successRow(who, clock, { action: spec.action, input: spec.input, target: spec.target }, undefined as never);
      const p = (value: unknown) => `$${params.push(value)}`;
      const fixedType = p(row.targetType);
      const fixedId = p(row.targetId);
      return `audit_row as (insert into audit_log (at, actor_type, actor_id, actor_label, action, target_type, target_id, target_ids, input, outcome, error_code, error_message, client_address)
        select ${p(row.at)}::timestamptz, ${p(row.actorType)}::text, ${p(row.actorId)}::text, ${p(row.actorLabel)}::text, ${p(row.action)}::text,
               coalesce(${fixedType}::text, ${p(targetType)}::text), coalesce(${fixedId}::text, case when count(*) = 1 then min(a.id)::text end),
               case when count(*) > 1 then array_agg(a.id::text order by a.ord) end,
               ${p(row.input === null ? null : JSON.stringify(row.input))}::jsonb, 'success', null, null, ${p(row.clientAddress)}::text
          from (${targets}) a having count(*) > 0)`;
    },
  };
  try {
    return await afterCommit(pubsub, async (events) => {
      const result = await work(pool, events, audit);
      if (used !== 1) throw new Error(`${spec.action}: its audit row was put in ${used} statements instead of one`);
      return result;
    });
  } catch (error) {
    await insertRow(pool, failureRow(who, clock, spec as AuditSpec<never>, error));
    throw error;
  }
}

export interface AuditFilter {
  action?: string | null;
  actorLabel?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  outcome?: string | null;
  /** user | token | system | anonymous: who acted (a person, automation, or Lookout itself). */
  actorType?: string | null;
  since?: Date | null;
  until?: Date | null;
}

export interface AuditPage<E = AuditEntry> {
  entries: E[];
  /** Pass as `after` for the next page; null on the last page. */
  endCursor: string | null;
  hasNextPage: boolean;
}

/**
 * How one caller may read rows (the rows it may see, each perhaps trimmed), in their order: the
 * caller's workspace limit, applied by the capability that knows what a row names.
 */
export type AuditRowView<E extends { id: number }> = (rows: AuditEntry[]) => Promise<E[]>;

/** How many pages of rows one page of a viewed log reads at most, when the view leaves rows out. */
const MAX_VIEW_ROUNDS = 5;

/**
 * Newest first, cursor-paged by id (the cursor is the last id seen). With a view, rows it leaves out
 * do not count: more rows are read until the page is full, up to a bound, after which the page is
 * shorter and its cursor is the last row read (so the next page goes on from there).
 */
export async function queryAuditLog(em: EntityManager, filter: AuditFilter, first: number, after?: string | null): Promise<AuditPage>;
export async function queryAuditLog<E extends { id: number }>(em: EntityManager, filter: AuditFilter, first: number, after: string | null | undefined, view: AuditRowView<E>): Promise<AuditPage<E>>;
export async function queryAuditLog<E extends { id: number }>(
  em: EntityManager,
  filter: AuditFilter,
  first: number,
  after?: string | null,
  view: AuditRowView<E> = async (rows) => rows as unknown as E[],
): Promise<AuditPage<E>> {
  const where: Record<string, unknown> = {};
  if (filter.action) where.action = filter.action.endsWith('*') ? { $like: `${filter.action.slice(0, -1)}%` } : filter.action;
  if (filter.actorLabel) where.actorLabel = { $ilike: `%${filter.actorLabel}%` };
  if (filter.targetType) where.targetType = filter.targetType;
  if (filter.targetId) where.$or = [{ targetId: filter.targetId }, { targetIds: { $contains: [filter.targetId] } }];
  if (filter.outcome) where.outcome = filter.outcome;
  if (filter.actorType) where.actorType = filter.actorType;
  if (filter.since || filter.until) where.at = { ...(filter.since && { $gte: filter.since }), ...(filter.until && { $lt: filter.until }) };
  const entries: E[] = [];
  let cursor = after ? Number(after) : null;
  for (let round = 0; round < MAX_VIEW_ROUNDS; round++) {
    const rows = await em.find(AuditEntry, { ...where, ...(cursor !== null && { id: { $lt: cursor } }) }, { orderBy: { id: 'desc' }, limit: first + 1 });
    entries.push(...(await view(rows)));
    if (entries.length > first) return { entries: entries.slice(0, first), hasNextPage: true, endCursor: String(entries[first - 1].id) };
    if (rows.length <= first) return { entries, hasNextPage: false, endCursor: null };
    cursor = rows.at(-1)!.id;
  }
  return { entries, hasNextPage: true, endCursor: String(cursor) };
}
