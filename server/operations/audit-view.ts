/**
 * Audit rows about runs as a caller limited to some workspaces may read them: a row names only runs
 * and workspaces the caller may see. A batch row that also concerned other workspaces is trimmed to
 * the caller's part (and says so); a row about nothing the caller may see is left out.
 */
import type { Actor } from '../auth/actor.ts';
import type { AuditEntry } from '../audit/entities.ts';
import type { SqlClient } from '../db/sql.ts';
import { canUseWorkspace } from './workspaces.ts';

/** An audit row as shown to one caller. */
export type AuditView = AuditEntry & {
  /** Set when parts of the row concern what the caller may not see: they are left out, and this says so. */
  withheld: string | null;
};

/** Actions about runs; the others (users, tokens, services, workers, the checklist) concern no workspace. */
const RUN_ACTION = /^(operations\.runs?\.|platform\.system_console\.)/;

const asRunId = (value: unknown): number | null => {
  const n = Number(String(value).replace(/^#/, ''));
  return Number.isSafeInteger(n) && n > 0 ? n : null;
};

/** The runs and workspaces a row names: its targets, and the per-run entries and workspaces of its input. */
function concerns(entry: AuditEntry): { runIds: number[]; workspaces: string[] } | null {
  if (entry.targetType !== 'operation_run' && !RUN_ACTION.test(entry.action)) return null;
  const input = (entry.input ?? {}) as Record<string, unknown>;
  const ids = new Set<number>();
  const add = (value: unknown) => {
    const id = asRunId(value);
    if (id !== null) ids.add(id);
  };
  if (entry.targetType === 'operation_run') {
    if (entry.targetId) add(entry.targetId);
    for (const id of entry.targetIds ?? []) add(id);
  }
  if (input.id !== undefined) add(input.id);
  if (Array.isArray(input.ids)) input.ids.forEach(add);
  if (Array.isArray(input.completions)) for (const c of input.completions) add((c as { id?: unknown } | null)?.id);
  const workspaces = new Set<string>();
  if (typeof input.workspace === 'string') workspaces.add(input.workspace);
  if (Array.isArray(input.workspaces)) for (const w of input.workspaces) if (typeof w === 'string') workspaces.add(w);
  return { runIds: [...ids], workspaces: [...workspaces] };
}

const WITHHELD = 'and runs in other workspaces, not shown';
const WITHHELD_ERROR = `${WITHHELD}; the error message is withheld, as it may name them`;

/**
 * The rows as this caller may read them, in the same order. A caller with every workspace reads them
 * whole. For a limited caller, one query finds the workspace of every run the rows name; a run that
 * no longer exists, or never did, counts as one the caller may not see.
 */
export async function auditRowsFor(sql: SqlClient, actor: Pick<Actor, 'workspaces'> | null, entries: AuditEntry[]): Promise<AuditView[]> {
  if (actor && actor.workspaces === null) return entries.map((e) => ({ ...e, withheld: null }));
  const about = entries.map(concerns);
  const ids = [...new Set(about.flatMap((c) => c?.runIds ?? []))];
  const runs = new Map<number, { type: string; visible: boolean }>();
  if (ids.length) {
    const { rows } = await sql.query<{ id: string; type: string; slug: string }>(
      'select r.id, r.type, w.slug from operation_runs r join workspaces w on w.id = r.workspace_id where r.id = any($1::bigint[])',
      [ids],
    );
    for (const r of rows) runs.set(Number(r.id), { type: r.type, visible: canUseWorkspace(actor, r.slug) });
  }
  const views: AuditView[] = [];
  entries.forEach((entry, i) => {
    const concern = about[i];
    if (!concern || (!concern.runIds.length && !concern.workspaces.length)) {
      views.push({ ...entry, withheld: null }); // nothing of any workspace (a claim that found nothing, say)
      return;
    }
    const visibleIds = new Set(concern.runIds.filter((id) => runs.get(id)?.visible));
    const visibleWorkspaces = new Set(concern.workspaces.filter((w) => canUseWorkspace(actor, w)));
    if (concern.runIds.length ? !visibleIds.size : !visibleWorkspaces.size) return; // about nothing the caller may see
    if (visibleIds.size === concern.runIds.length && visibleWorkspaces.size === concern.workspaces.length) {
      views.push({ ...entry, withheld: null });
      return;
    }
    views.push(trimmed(entry, visibleIds, visibleWorkspaces, [...visibleIds].map((id) => runs.get(id)!.type)));
  });
  return views;
}

/** The caller's part of a row that also concerned runs or workspaces it may not see. */
function trimmed(entry: AuditEntry, visibleIds: Set<number>, visibleWorkspaces: Set<string>, visibleTypes: string[]): AuditView {
  const input = { ...((entry.input ?? {}) as Record<string, unknown>) };
  const seen = (value: unknown) => visibleIds.has(asRunId(value) ?? -1);
  if (Array.isArray(input.ids)) input.ids = input.ids.filter(seen);
  if (Array.isArray(input.completions)) input.completions = input.completions.filter((c) => seen((c as { id?: unknown } | null)?.id));
  if (Array.isArray(input.workspaces)) input.workspaces = input.workspaces.filter((w) => visibleWorkspaces.has(w as string));
  if (entry.action === 'operations.runs.submit') {
    // The batch's count and types covered every entry: recounted from the runs the caller may see.
    if (visibleIds.size) Object.assign(input, { count: visibleIds.size, types: [...new Set(visibleTypes)] });
    else {
      delete input.count;
      delete input.types;
    }
  }
  const failed = entry.errorMessage !== null && entry.errorMessage !== undefined;
  return {
    ...entry,
    input,
    targetIds: entry.targetIds ? entry.targetIds.filter(seen) : null,
    errorMessage: null,
    withheld: failed ? WITHHELD_ERROR : WITHHELD,
  };
}
