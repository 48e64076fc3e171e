/**
 * What users pay for, measured from outside: the CPU of a process and of PostgreSQL's whole
 * process tree (the postmaster, every backend and helper, and those that exited meanwhile), and
 * the bytes of every table and index in the database (WAL excluded).
 */
import fs from 'node:fs/promises';
import type { Database } from '../../server/db/orm.ts';

const TICKS_PER_S = 100; // USER_HZ on Linux

interface Stat {
  ppid: number;
  /** utime + stime, ms */
  own: number;
  /** cutime + cstime: children that exited and were waited for, ms */
  children: number;
}

async function readStat(pid: number): Promise<Stat | null> {
  const text = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (text === null) return null;
  const f = text.slice(text.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
  const ms = (i: number) => (Number(f[i]) / TICKS_PER_S) * 1000;
  return { ppid: Number(f[1]), own: ms(11) + ms(12), children: ms(13) + ms(14) };
}

/** CPU (ms) a process used so far, with its exited children (cutime + cstime). */
export async function processCpuMs(pid: number): Promise<number> {
  const s = await readStat(pid);
  if (!s) throw new Error(`process ${pid} is gone: no /proc/${pid}/stat to read its CPU from`);
  return s.own + s.children;
}

/** Every process's parent (from /proc). */
async function parents(): Promise<Map<number, number>> {
  const map = new Map<number, number>();
  for (const name of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = await readStat(Number(name));
    if (s) map.set(Number(name), s.ppid);
  }
  return map;
}

/** `root` and every live process under it (children, grandchildren…). */
export async function processTree(root: number): Promise<number[]> {
  const byParent = new Map<number, number[]>();
  for (const [pid, ppid] of await parents()) byParent.set(ppid, [...(byParent.get(ppid) ?? []), pid]);
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(byParent.get(tree[i]) ?? []));
  return tree;
}

/**
 * CPU (ms) used so far by `root`'s whole tree: each live process's own time and its exited
 * children's (cutime + cstime). A process alive at one reading and gone at the next moves into its
 * parent's cutime whole, so differences between readings count it once. Lookout's `serve` is a
 * primary and the worker it forks (server/supervisor/); PostgreSQL a postmaster and its backends.
 */
export async function treeCpuMs(root: number): Promise<number> {
  let total = 0;
  for (const pid of await processTree(root)) {
    const s = await readStat(pid);
    if (s) total += s.own + s.children;
  }
  return total;
}

/**
 * Memory of `root`'s tree: the sum of its processes' proportional set sizes (Pss: shared pages
 * divided among the processes sharing them, so PostgreSQL's shared buffers count once), bytes.
 */
export async function treePssBytes(root: number): Promise<number> {
  let total = 0;
  for (const pid of await processTree(root)) {
    const text = await fs.readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
    total += Number(/^Pss:\s+(\d+)/m.exec(text)?.[1] ?? 0) * 1024;
  }
  return total;
}

/** The postmaster of the server `db` talks to (the parent of one of its backends). */
export async function postmasterPid(db: Database): Promise<number> {
  const { rows } = await db.sql.query<{ pid: number }>('select pg_backend_pid() as pid');
  const backend = await readStat(rows[0].pid);
  if (!backend) throw new Error(`PostgreSQL backend ${rows[0].pid} is not a process on this machine: the whole-tree CPU needs a local server`);
  return backend.ppid;
}

/**
 * Bytes of every table, index and TOAST table outside PostgreSQL's own catalogs (what Lookout
 * writes: checks, rollups, states, windows…); WAL is not in it. Also the database's whole size.
 */
export async function databaseBytes(db: Database): Promise<{ relations: number; database: number }> {
  const { rows } = await db.sql.query<{ relations: string; database: string }>(
    `select coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint as relations, pg_database_size(current_database()) as database
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'm') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'`,
  );
  return { relations: Number(rows[0].relations), database: Number(rows[0].database) };
}

/** Bytes of each table (with its indexes and TOAST) outside the catalogs, by name. */
export async function relationBytes(db: Database): Promise<Map<string, number>> {
  const { rows } = await db.sql.query<{ name: string; bytes: string }>(
    `select c.relname as name, pg_total_relation_size(c.oid)::bigint as bytes
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'm') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'`,
  );
  return new Map(rows.map((r) => [r.name, Number(r.bytes)]));
}

/** The tables that grew most between two readings, bytes per check each (partitions by their parent's prefix). */
export function growthPerCheck(before: Map<string, number>, after: Map<string, number>, checks: number): Record<string, number> {
  const grown = new Map<string, number>();
  for (const [name, bytes] of after) {
    const key = name.replace(/_(\d{8}|default)$/, '_*');
    grown.set(key, (grown.get(key) ?? 0) + bytes - (before.get(name) ?? 0));
  }
  return Object.fromEntries([...grown].filter(([, b]) => b !== 0).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, b]) => [k, Math.round(b / checks)]));
}

/** Autovacuum's and autoanalyze's runs so far, per table (partitions by their parent's prefix). */
export async function maintenanceRuns(db: Database): Promise<Map<string, { vacuums: number; analyzes: number }>> {
  const { rows } = await db.sql.query<{ name: string; vacuums: string; analyzes: string }>(
    'select relname as name, autovacuum_count as vacuums, autoanalyze_count as analyzes from pg_stat_user_tables',
  );
  const runs = new Map<string, { vacuums: number; analyzes: number }>();
  for (const r of rows) {
    const key = r.name.replace(/_(\d{8}|default)$/, '_*');
    const run = runs.get(key) ?? { vacuums: 0, analyzes: 0 };
    run.vacuums += Number(r.vacuums);
    run.analyzes += Number(r.analyzes);
    runs.set(key, run);
  }
  return runs;
}

/** The runs between two readings of `maintenanceRuns`, for the tables that had any ("service_states": "2 vacuums, 1 analyze"). */
export function maintenanceBetween(before: Map<string, { vacuums: number; analyzes: number }>, after: Map<string, { vacuums: number; analyzes: number }>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, run] of after) {
    const vacuums = run.vacuums - (before.get(name)?.vacuums ?? 0);
    const analyzes = run.analyzes - (before.get(name)?.analyzes ?? 0);
    if (vacuums || analyzes) out[name] = `${vacuums} vacuum${vacuums === 1 ? '' : 's'}, ${analyzes} analyze${analyzes === 1 ? '' : 's'}`;
  }
  return out;
}

/** The 1-minute load average, to print beside the figures. */
export async function loadAverage(): Promise<string> {
  return (await fs.readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
}
