/**
 * Monitoring tables managed by the ORM: service definitions, their current state (one row each,
 * updated by every check) and uptime windows. The time series (`health_checks`, partitioned by
 * day) and the rollups are plain SQL tables written in batches; see migrations and `results.ts`.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';

/**
 * A display name as the dashboard orders it: lower case, every run of digits padded to 20, so that
 * byte order reads numbers in numeric order ("worker-9" before "worker-10"). As the migration that
 * added the column wrote it (Migration20261208090000_service_sort_key).
 */
export const SORT_KEY = `regexp_replace(regexp_replace(lower(display_name), '([0-9]+)', '0000000000000000000\\1', 'g'), '(?<![0-9])0*([0-9]{20})(?![0-9])', '\\1', 'g')`;

export const SERVICE_SOURCES = ['config', 'api', 'builtin'] as const;
export type ServiceSource = (typeof SERVICE_SOURCES)[number];

export const Service = defineEntity({
  name: 'Service',
  tableName: 'services',
  properties: {
    id: p.integer().primary().autoincrement(),
    /** Unique and URL-safe: used in URLs, config files and the API. */
    name: p.string().length(100).unique(),
    displayName: p.string().length(200),
    /** The display name as the dashboard orders it (numbers in numeric order); written by PostgreSQL. */
    sortKey: p.text().generated(`(${SORT_KEY}) stored`).ignoreSchemaChanges('type', 'extra').nullable(),
    kind: p.string().length(30),
    target: p.text(),
    options: p.json<Record<string, unknown>>(),
    intervalMs: p.integer(),
    timeoutMs: p.integer(),
    degradedLatencyMs: p.integer().nullable(),
    failureThreshold: p.integer(),
    recoveryThreshold: p.integer(),
    critical: p.boolean(),
    tags: p.array(),
    dependsOn: p.array(),
    paused: p.boolean(),
    source: p.enum(SERVICE_SOURCES),
    /** The config file a `config` service comes from. */
    sourcePath: p.text().nullable(),
    /** Secret part of a heartbeat service's ping URL. */
    pingToken: p.string().length(64).nullable().unique(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type Service = InferEntity<typeof Service>;

export const ServiceState = defineEntity({
  name: 'ServiceState',
  tableName: 'service_states',
  properties: {
    serviceId: () => p.oneToOne(Service).primary().mapToPk().deleteRule('cascade').fieldName('service_id'),
    /** Null until the first check. */
    status: p.string().length(10).nullable(),
    statusSince: p.datetime().nullable(),
    /** A different status seen in a row, not yet confirmed by the thresholds. */
    pendingStatus: p.string().length(10).nullable(),
    pendingCount: p.integer(),
    lastCheckedAt: p.datetime().nullable(),
    lastLatencyMs: p.integer().nullable(),
    lastError: p.text().nullable(),
    lastDetails: p.json<Record<string, unknown>>().nullable(),
    /** The last few latencies, newest last: the overview's sparkline without touching the time series. */
    recentLatencies: p.type('integer[]').columnType('int[]'),
    nextDueAt: p.datetime().index(),
    /** Set while a scheduler runs the check and holds its result; a dead replica's claim expires. */
    claimedUntil: p.datetime().nullable(),
    /** The replica (scheduler) that holds the claim: it may claim the check again while its claim lasts. */
    claimedBy: p.text().nullable(),
    /** Counts the claims: the writer lets a claim go only when it stores that claim's result. */
    claimSeq: p.bigint('number').default(0),
    lastPingAt: p.datetime().nullable(),
    lastPingFailed: p.boolean(),
  },
});
export type ServiceState = InferEntity<typeof ServiceState>;

export const UptimeRecord = defineEntity({
  name: 'UptimeRecord',
  tableName: 'uptime_records',
  indexes: [{ properties: ['serviceId', 'startedAt'] }, { properties: ['recordedAt'] }, { properties: ['txid', 'id'] }],
  // At most one open window per service.
  uniques: [{ name: 'uptime_records_open', expression: 'create unique index "uptime_records_open" on "uptime_records" ("service_id") where "ended_at" is null' }],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    serviceId: () => p.manyToOne(Service).mapToPk().deleteRule('cascade').fieldName('service_id'),
    /** healthy | degraded | down | paused */
    status: p.string().length(10),
    startedAt: p.datetime(),
    /** Null while the window is open (the current status). */
    endedAt: p.datetime().nullable(),
    durationMs: p.bigint('number').nullable(),
    /** Why the service entered this status (the transition's reason; `paused`, `resumed`). */
    reason: p.text().nullable(),
    /**
     * When the window was stored (its transaction's start): a check is stored when it ends and its
     * batch is written, up to its timeout and more after `startedAt`. Replays of transitions go by it.
     */
    recordedAt: p.datetime().defaultRaw('now()'),
    /**
     * The transaction that stored the window: with the id, the exact cursor of the transitions
     * (monitoring/transitions.ts `transitionsAfter`), which a start time cannot be — a transaction
     * that began earlier may commit later.
     */
    txid: p.string().columnType('xid8').defaultRaw('pg_current_xact_id()'),
  },
});
export type UptimeRecord = InferEntity<typeof UptimeRecord>;
