/**
 * The run ledger: workspaces and tenants, the operation runs workers execute (with their lease and
 * idempotency key), the workers themselves, and dispatch events counted by the ops summary.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';

export const Workspace = defineEntity({
  name: 'Workspace',
  tableName: 'workspaces',
  properties: {
    id: p.integer().primary().autoincrement(),
    /** URL-safe and unique: how the API names a workspace. */
    slug: p.string().length(100).unique(),
    name: p.string().length(200),
    createdAt: p.datetime(),
  },
});
export type Workspace = InferEntity<typeof Workspace>;

export const Tenant = defineEntity({
  name: 'Tenant',
  tableName: 'tenants',
  uniques: [{ properties: ['workspaceId', 'slug'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    workspaceId: () => p.manyToOne(Workspace).mapToPk().deleteRule('cascade').fieldName('workspace_id'),
    slug: p.string().length(100),
    name: p.string().length(200),
    createdAt: p.datetime(),
  },
});
export type Tenant = InferEntity<typeof Tenant>;

export const RUN_STATUSES = ['queued', 'running', 'completed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const RUN_OUTCOMES = ['pending', 'succeeded', 'failed', 'cancelled'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

export const OperationRun = defineEntity({
  name: 'OperationRun',
  tableName: 'operation_runs',
  indexes: [
    { properties: ['status', 'type', 'createdAt'] },
    { properties: ['workspaceId', 'createdAt'] },
    { properties: ['outcome', 'completedAt'] },
    { properties: ['leaseExpiresAt'] },
  ],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    workspaceId: () => p.manyToOne(Workspace).mapToPk().deleteRule('cascade').fieldName('workspace_id'),
    tenantId: () => p.manyToOne(Tenant).mapToPk().nullable().deleteRule('set null').fieldName('tenant_id'),
    initiatorName: p.string().length(200).nullable(),
    type: p.string().length(100),
    status: p.enum(RUN_STATUSES),
    outcome: p.enum(RUN_OUTCOMES),
    /** Triage metadata lives here (`context.triage.*`). */
    context: p.json<Record<string, unknown>>(),
    input: p.json<unknown>(),
    result: p.json<unknown>().nullable(),
    error: p.text().nullable(),
    attempt: p.integer(),
    leaseWorker: p.string().length(200).nullable(),
    /** sha256 of the lease token given to the worker. */
    leaseTokenHash: p.string().length(64).nullable(),
    leaseExpiresAt: p.datetime().nullable(),
    lastHeartbeatAt: p.datetime().nullable(),
    idempotencyKey: p.string().length(200).nullable(),
    inputHash: p.string().length(64),
    retryOfRunId: p.bigint('number').nullable().index(),
    createdAt: p.datetime(),
    startedAt: p.datetime().nullable(),
    completedAt: p.datetime().nullable(),
  },
});
export type OperationRun = InferEntity<typeof OperationRun>;

export const IdempotencyKey = defineEntity({
  name: 'IdempotencyKey',
  tableName: 'idempotency_keys',
  properties: {
    workspaceId: p.integer().primary(),
    key: p.string().length(200).primary(),
    runId: p.bigint('number'),
    inputHash: p.string().length(64),
    createdAt: p.datetime().index(),
  },
});
export type IdempotencyKey = InferEntity<typeof IdempotencyKey>;

export const Worker = defineEntity({
  name: 'Worker',
  tableName: 'workers',
  properties: {
    id: p.integer().primary().autoincrement(),
    name: p.string().length(200).unique(),
    types: p.array(),
    capacity: p.integer(),
    registeredAt: p.datetime(),
    lastHeartbeatAt: p.datetime(),
  },
});
export type Worker = InferEntity<typeof Worker>;

/** Replays, conflicts, dispatch timeouts and lease expiries, counted by the ops summary. */
export const DispatchEvent = defineEntity({
  name: 'DispatchEvent',
  tableName: 'dispatch_events',
  indexes: [{ properties: ['at'] }],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    at: p.datetime(),
    /** idempotency_replay | idempotency_conflict | dispatch_timeout | lease_expired */
    kind: p.string().length(40),
    workspaceId: p.integer().nullable(),
    runId: p.bigint('number').nullable(),
  },
});
export type DispatchEvent = InferEntity<typeof DispatchEvent>;

/** An admin's override of a failing start-up check (audited), kept until the next start-up. */
export const ChecklistOverride = defineEntity({
  name: 'ChecklistOverride',
  tableName: 'checklist_overrides',
  properties: {
    id: p.integer().primary().autoincrement(),
    checkName: p.string().length(100),
    reason: p.text(),
    byLabel: p.string().length(320),
    at: p.datetime(),
  },
});
export type ChecklistOverride = InferEntity<typeof ChecklistOverride>;
