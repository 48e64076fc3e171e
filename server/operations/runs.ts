/**
 * Reading the run ledger: the Runs, Failures and Stuck lists (newest first, cursor-paged, filtered,
 * each row with its workspace and tenant in the same single query) and one run with its lineage.
 */
import type pg from 'pg';
import type { SqlClient } from '../db/sql.ts';
import type { StuckClass, StuckRunClassifier, StuckVerdict } from './stuck.ts';
import type { RunOutcome, RunStatus } from './entities.ts';
import type { Named } from './workspaces.ts';

export interface RunRow {
  id: number;
  workspace: Named;
  tenant: Named | null;
  initiatorName: string | null;
  type: string;
  status: RunStatus;
  outcome: RunOutcome;
  context: Record<string, unknown>;
  input: unknown;
  result: unknown;
  error: string | null;
  attempt: number;
  leaseWorker: string | null;
  leaseExpiresAt: Date | null;
  lastHeartbeatAt: Date | null;
  idempotencyKey: string | null;
  retryOfRunId: number | null;
  /** The retry of this run, when it was retried (the first, should older data hold several). */
  retriedById: number | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  /** Filled for runs the classifier finds stuck. */
  stuck: StuckVerdict | null;
}

export type RunList = 'runs' | 'failures' | 'stuck';

export interface RunFilter {
  workspace?: string | null;
  tenant?: string | null;
  type?: string | null;
  status?: RunStatus[] | null;
  outcome?: RunOutcome[] | null;
  initiator?: string | null;
  createdFrom?: Date | null;
  createdTo?: Date | null;
  /** Matches the id, type, initiator, idempotency key or error. */
  text?: string | null;
  stuckClass?: StuckClass[] | null;
}

/** Runs from `source` (a table or a CTE of run rows) as `alias`, with their workspace and tenant: what `toRunRow` reads. */
export function selectRunsFrom(source: string, alias: string): string {
  return `select ${alias}.*, w.slug as workspace_slug, w.name as workspace_name, t.slug as tenant_slug, t.name as tenant_name,
      (select min(x.id) from operation_runs x where x.retry_of_run_id = ${alias}.id) as retried_by_id
    from ${source} ${alias} join workspaces w on w.id = ${alias}.workspace_id left join tenants t on t.id = ${alias}.tenant_id`;
}

const SELECT_RUNS = selectRunsFrom('operation_runs', 'r');

export function toRunRow(r: Record<string, unknown>, classifier: StuckRunClassifier, now: Date): RunRow {
  const row: RunRow = {
    id: Number(r.id),
    workspace: { id: r.workspace_id as number, slug: r.workspace_slug as string, name: r.workspace_name as string },
    tenant: r.tenant_id ? { id: r.tenant_id as number, slug: r.tenant_slug as string, name: r.tenant_name as string } : null,
    initiatorName: r.initiator_name as string | null,
    type: r.type as string,
    status: r.status as RunStatus,
    outcome: r.outcome as RunOutcome,
    context: r.context as Record<string, unknown>,
    input: r.input,
    result: r.result,
    error: r.error as string | null,
    attempt: r.attempt as number,
    leaseWorker: r.lease_worker as string | null,
    leaseExpiresAt: r.lease_expires_at as Date | null,
    lastHeartbeatAt: r.last_heartbeat_at as Date | null,
    idempotencyKey: r.idempotency_key as string | null,
    retryOfRunId: r.retry_of_run_id === null ? null : Number(r.retry_of_run_id),
    retriedById: r.retried_by_id === null || r.retried_by_id === undefined ? null : Number(r.retried_by_id),
    createdAt: r.created_at as Date,
    startedAt: r.started_at as Date | null,
    completedAt: r.completed_at as Date | null,
    stuck: null,
  };
  row.stuck = classifier.classify(row, now);
  return row;
}

export interface RunPage {
  runs: RunRow[];
  endCursor: string | null;
  hasNextPage: boolean;
}

export async function listRuns(
  sql: pg.Pool,
  list: RunList,
  scope: number[] | null,
  filter: RunFilter,
  first: number,
  after: string | null | undefined,
  classifier: StuckRunClassifier,
  now: Date,
): Promise<RunPage> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (value: unknown) => `$${params.push(value)}`;
  if (scope) where.push(`r.workspace_id = any(${p(scope)}::int[])`);
  if (list === 'failures') where.push("r.status = 'completed' and r.outcome = 'failed'");
  if (list === 'stuck' || filter.stuckClass?.length) {
    const conditions = classifier.sqlConditions(now, params.length + 1);
    params.push(...conditions.params);
    where.push(filter.stuckClass?.length ? `(${filter.stuckClass.map((c) => conditions.byClass[c]).join(' or ')})` : conditions.any);
  }
  if (filter.workspace) where.push(`w.slug = ${p(filter.workspace)}`);
  if (filter.tenant) where.push(`t.slug = ${p(filter.tenant)}`);
  if (filter.type) where.push(`r.type = ${p(filter.type)}`);
  if (filter.status?.length) where.push(`r.status = any(${p(filter.status)}::text[])`);
  if (filter.outcome?.length) where.push(`r.outcome = any(${p(filter.outcome)}::text[])`);
  if (filter.initiator) where.push(`r.initiator_name ilike ${p(`%${filter.initiator}%`)}`);
  if (filter.createdFrom) where.push(`r.created_at >= ${p(filter.createdFrom)}`);
  if (filter.createdTo) where.push(`r.created_at < ${p(filter.createdTo)}`);
  if (filter.text) {
    const text = filter.text.trim().replace(/^#/, '');
    const like = p(`%${text}%`);
    const asId = /^\d{1,15}$/.test(text) ? ` or r.id = ${p(Number(text))}` : '';
    where.push(`(r.type ilike ${like} or r.initiator_name ilike ${like} or r.idempotency_key ilike ${like} or r.error ilike ${like}${asId})`);
  }
  if (after) where.push(`r.id < ${p(Number(after))}`);
  const { rows } = await sql.query(`${SELECT_RUNS} ${where.length ? `where ${where.join(' and ')}` : ''} order by r.id desc limit ${p(first + 1)}`, params);
  const runs = rows.slice(0, first).map((r) => toRunRow(r, classifier, now));
  const hasNextPage = rows.length > first;
  return { runs, hasNextPage, endCursor: hasNextPage ? String(rows[first - 1].id) : null };
}

export async function getRun(sql: pg.Pool, id: number, scope: number[] | null, classifier: StuckRunClassifier, now: Date): Promise<RunRow | null> {
  const { rows } = await sql.query(`${SELECT_RUNS} where r.id = $1 ${scope ? 'and r.workspace_id = any($2::int[])' : ''}`, scope ? [id, scope] : [id]);
  return rows[0] ? toRunRow(rows[0], classifier, now) : null;
}

/**
 * Runs this one retried (oldest first) and the retries of it (in order), both ways along
 * retry_of_run_id. The walk itself stays in the caller's workspaces: a link to a run of another
 * workspace ends it there, so nothing beyond is named either (a retry is queued in its original's
 * workspace, so a lineage never crosses one; this keeps it so should a link ever do).
 */
export async function lineage(sql: pg.Pool, id: number, scope: number[] | null, classifier: StuckRunClassifier, now: Date): Promise<{ ancestors: RunRow[]; descendants: RunRow[] }> {
  const inScope = (alias: string) => `($2::int[] is null or ${alias}.workspace_id = any($2::int[]))`;
  const { rows: up } = await sql.query(
    `with recursive up(id, depth) as (select r.retry_of_run_id, 1 from operation_runs r where r.id = $1 and r.retry_of_run_id is not null and ${inScope('r')}
       union all select r.retry_of_run_id, up.depth + 1 from operation_runs r join up on r.id = up.id
                  where r.retry_of_run_id is not null and up.depth < 100 and ${inScope('r')})
     select id from up order by depth desc`,
    [id, scope],
  );
  const { rows: down } = await sql.query(
    `with recursive down(id, depth) as (select r.id, 1 from operation_runs r where r.retry_of_run_id = $1 and ${inScope('r')}
       union all select r.id, down.depth + 1 from operation_runs r join down on r.retry_of_run_id = down.id where down.depth < 100 and ${inScope('r')})
     select id from down order by depth, id`,
    [id, scope],
  );
  const load = async (ids: number[]) => {
    if (!ids.length) return [];
    const { rows } = await sql.query(`${SELECT_RUNS} where r.id = any($1::bigint[]) and ($2::int[] is null or r.workspace_id = any($2::int[]))`, [ids, scope]);
    const byId = new Map(rows.map((r) => [Number(r.id), toRunRow(r, classifier, now)]));
    return ids.map((i) => byId.get(i)).filter((r): r is RunRow => !!r);
  };
  return { ancestors: await load(up.map((r) => Number(r.id))), descendants: await load(down.map((r) => Number(r.id))) };
}

/** Runs by id as the API shows them (workspace and tenant joined), in one query. */
export async function runRowsById(sql: SqlClient, ids: number[], classifier: StuckRunClassifier, now: Date): Promise<Map<number, RunRow>> {
  if (!ids.length) return new Map();
  const { rows } = await sql.query(`${SELECT_RUNS} where r.id = any($1::bigint[])`, [ids]);
  return new Map(rows.map((r) => [Number(r.id), toRunRow(r, classifier, now)]));
}
