/** The audit log: one row per state-changing action, written in the same transaction as the change. */
import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';

export const AuditEntry = defineEntity({
  name: 'AuditEntry',
  tableName: 'audit_log',
  indexes: [
    // A run's (or any target's) trail: by its one target, or as one of a batch action's targets.
    { properties: ['targetType', 'targetId'] },
    { properties: ['targetIds'], type: 'gin' },
  ],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    at: p.datetime().index(),
    /** user | token | system | anonymous */
    actorType: p.string().length(16),
    actorId: p.string().length(64).nullable(),
    actorLabel: p.string().length(320).nullable(),
    action: p.string().length(100).index(),
    targetType: p.string().length(50).nullable(),
    targetId: p.string().length(200).nullable(),
    /** Every target of a batch action (a worker completing 100 runs in one call); null otherwise. */
    targetIds: p.array().nullable(),
    /** The mutation's input with secrets removed. */
    input: p.json<Record<string, unknown>>().nullable(),
    /** success | failure */
    outcome: p.string().length(16),
    errorCode: p.string().length(50).nullable(),
    errorMessage: p.text().nullable(),
    clientAddress: p.string().length(64).nullable(),
  },
});
export type AuditEntry = InferEntity<typeof AuditEntry>;
