/** Every entity the ORM knows; each capability defines its own next to its code. */
import { ApiToken, AuthThrottle, Session, SetupToken, User } from '../auth/entities.ts';
import { AuditEntry } from '../audit/entities.ts';
import { Service, ServiceState, UptimeRecord } from '../monitoring/entities.ts';
import { ChecklistOverride, DispatchEvent, IdempotencyKey, OperationRun, Tenant, Worker, Workspace } from '../operations/entities.ts';
import { PeriodicJobRow } from '../jobs.ts';

export const entities = [
  User, Session, ApiToken, AuthThrottle, SetupToken, AuditEntry, Service, ServiceState, UptimeRecord,
  Workspace, Tenant, OperationRun, IdempotencyKey, Worker, DispatchEvent, ChecklistOverride, PeriodicJobRow,
];

/** Tables written with plain SQL (partitioned time series, rollups, alerting's outbox and incidents, the config file applied): the schema diff leaves them alone. */
export const sqlOnlyTables = [/^health_checks/, /^health_rollups/, /^alert_/, /^alerting_cursor$/, /^maintenance_windows$/, /^host_samples$/, /^update_run/, /^status_pages$/, /^config_file_state$/];
/** Views made by migrations (`health_checks_decoded`: the raw checks' status and latency): the schema diff leaves them alone. */
export const sqlOnlyViews = [/^health_checks_decoded$/];
