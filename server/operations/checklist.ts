/**
 * The start-up pre-flight checklist: migrations current, critical services reachable, at least one
 * worker online, required files present. Until every required check passes or is overridden by an
 * admin, the platform is not ready: submissions are refused and /health/ready answers 503.
 */
import { access } from 'node:fs/promises';
import type pg from 'pg';
import type { MikroORM } from '@mikro-orm/postgresql';
import { pendingMigrations } from '../db/migrate.ts';
import { WORKER_ONLINE_MS } from './workers.ts';

export type CheckState = 'passed' | 'failed' | 'pending';

export interface ChecklistItem {
  name: string;
  label: string;
  required: boolean;
  state: CheckState;
  error: string | null;
  override: { by: string; reason: string; at: Date } | null;
}

export interface ChecklistReport {
  ready: boolean;
  checkedAt: Date | null;
  items: ChecklistItem[];
  /** Required checks neither passed nor overridden. */
  failing: string[];
}

export interface ChecklistSettings {
  requiredFiles: string[];
  /** Which checks are required (all by default); the others are shown but do not block. */
  optional: string[];
}

/**
 * Reads the config file's `startup:` (`requiredFiles` or `required_files`, `optional`): each problem
 * is pushed to `problems`, naming the key and the reason.
 */
export function parseChecklistSettings(value: unknown, problems: string[]): ChecklistSettings {
  const settings: ChecklistSettings = { requiredFiles: [], optional: [] };
  if (value === undefined || value === null) return settings;
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push('startup: must be a mapping (requiredFiles, optional)');
    return settings;
  }
  const list = (v: unknown, field: string) => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      problems.push(`${field}: must be a list of strings`);
      return [];
    }
    return v as string[];
  };
  for (const [key, v] of Object.entries(value)) {
    if (key === 'requiredFiles' || key === 'required_files') settings.requiredFiles = list(v, `startup.${key}`);
    else if (key === 'optional') {
      settings.optional = list(v, 'startup.optional');
      const unknown = settings.optional.filter((name) => !CHECK_NAMES.includes(name));
      if (unknown.length) problems.push(`startup.optional: unknown checks ${unknown.map((n) => JSON.stringify(n.slice(0, 60))).join(', ')} (expected ${CHECK_NAMES.join(', ')})`);
    } else problems.push(`startup: unknown key ${JSON.stringify(key.slice(0, 60))} (expected requiredFiles, optional)`);
  }
  return settings;
}

const LABELS: Record<string, string> = {
  migrations: 'Database migrations are current',
  critical_services: 'Critical services are reachable',
  worker_online: 'At least one worker is online',
  required_files: 'Required files are present',
};
export const CHECK_NAMES = Object.keys(LABELS);

type Outcome = { state: CheckState; error: string | null };

/** How long migrations found current are taken as current (a rollback by hand shows within this). */
const MIGRATIONS_RECHECK_MS = 60_000;

export class StartupChecklist {
  #items: ChecklistItem[] = CHECK_NAMES.map((name) => ({ name, label: LABELS[name], required: true, state: 'pending', error: null, override: null }));
  #checkedAt: Date | null = null;
  readonly #orm: MikroORM;
  readonly #sql: pg.Pool;
  settings: ChecklistSettings;

  constructor(orm: MikroORM, sql: pg.Pool, settings: ChecklistSettings = { requiredFiles: [], optional: [] }) {
    this.#orm = orm;
    this.#sql = sql;
    this.settings = settings;
  }

  report(): ChecklistReport {
    const failing = this.#items.filter((i) => i.required && i.state !== 'passed' && !i.override).map((i) => i.name);
    return { ready: failing.length === 0, checkedAt: this.#checkedAt, items: this.#items.map((i) => ({ ...i })), failing };
  }

  /** Runs every check; returns the report (and whether anything changed, for subscribers). */
  async run(now: Date): Promise<{ report: ChecklistReport; changed: boolean }> {
    const fingerprint = (r: ChecklistReport) => JSON.stringify({ ready: r.ready, items: r.items });
    const before = fingerprint(this.report());
    const facts = await this.#readFacts(now);
    const outcomes: Record<string, Outcome> = {
      migrations: await this.#migrations(now),
      critical_services: criticalServices(facts.critical),
      worker_online: facts.workersOnline > 0 ? { state: 'passed', error: null } : { state: 'failed', error: 'no worker has sent a heartbeat in the last minute' },
      required_files: await this.#requiredFiles(),
    };
    const overrides = new Map(facts.overrides.map((o) => [o.check_name, { by: o.by_label, reason: o.reason, at: new Date(o.at) }]));
    this.#items = CHECK_NAMES.map((name) => ({
      name,
      label: LABELS[name],
      required: !this.settings.optional.includes(name),
      ...outcomes[name],
      // an override lasts while the check still fails; once it passes it is no longer needed
      override: outcomes[name].state === 'passed' ? null : (overrides.get(name) ?? null),
    }));
    this.#checkedAt = now;
    const passedWithOverride = this.#items.filter((i) => i.state === 'passed' && overrides.has(i.name)).map((i) => i.name);
    if (passedWithOverride.length) await this.#sql.query('delete from checklist_overrides where check_name = any($1)', [passedWithOverride]);
    const report = this.report();
    return { report, changed: fingerprint(report) !== before };
  }

  /** When the migrations were last found current: they stay so (this process's code does not change), so that is read again once a minute, not every refresh. */
  #migrationsCurrentAt: number | null = null;

  async #migrations(now: Date): Promise<Outcome> {
    if (this.#migrationsCurrentAt !== null && Math.abs(now.getTime() - this.#migrationsCurrentAt) < MIGRATIONS_RECHECK_MS) return { state: 'passed', error: null };
    try {
      const pending = await pendingMigrations(this.#orm);
      this.#migrationsCurrentAt = pending.length ? null : now.getTime();
      return pending.length ? { state: 'failed', error: `pending migrations: ${pending.join(', ')}` } : { state: 'passed', error: null };
    } catch (error) {
      this.#migrationsCurrentAt = null;
      return { state: 'failed', error: `cannot read the migrations: ${(error as Error).message}` };
    }
  }

  /**
   * What the database says, in one statement (it runs every 5 s on every replica, so an idle
   * Lookout sends one round trip for it rather than three): the critical services' statuses, the
   * workers online, the latest override of each check.
   */
  async #readFacts(now: Date): Promise<ChecklistFacts> {
    const { rows } = await this.#sql.query<ChecklistFacts>(
      `select
         (select json_build_object(
                   'down', (select coalesce(json_agg(name order by name), '[]'::json) from (${criticalNamed("st.status = 'down'")}) n),
                   'downCount', (${criticalCount("st.status = 'down'")}),
                   'unchecked', (select coalesce(json_agg(name order by name), '[]'::json) from (${criticalNamed('st.status is null')}) n),
                   'uncheckedCount', (${criticalCount('st.status is null')}))) as critical,
         (select count(*)::int from workers where last_heartbeat_at > $1) as "workersOnline",
         (select coalesce(json_agg(o), '[]'::json) from (
            select distinct on (check_name) check_name, reason, by_label, at from checklist_overrides order by check_name, at desc) o) as overrides`,
      [new Date(now.getTime() - WORKER_ONLINE_MS)],
    );
    return rows[0];
  }

  async #requiredFiles(): Promise<Outcome> {
    const missing: string[] = [];
    for (const file of this.settings.requiredFiles) await access(file).catch(() => missing.push(file));
    return missing.length ? { state: 'failed', error: `missing: ${missing.join(', ')}` } : { state: 'passed', error: null };
  }
}

/**
 * The critical services in a status: at most NAMED of their names, and how many. Every critical
 * service's name and status was read every 5 s on every replica, and every down one named in the
 * check's error (published to every subscriber): at 100,000 critical services, megabytes each time.
 */
const NAMED = 20;
const CRITICAL = 'from services s join service_states st on st.service_id = s.id where s.critical and not s.paused';
const criticalNamed = (condition: string) => `select s.name ${CRITICAL} and ${condition} order by s.name limit ${NAMED}`;
const criticalCount = (condition: string) => `select count(*)::int ${CRITICAL} and ${condition}`;

/** "a, b, c" or "a, b, … and 1,234 more". */
function someNames(names: string[], count: number): string {
  const more = count - names.length;
  return more > 0 ? `${names.join(', ')} and ${more.toLocaleString('en')} more` : names.join(', ');
}

type ChecklistFacts = {
  critical: { down: string[]; downCount: number; unchecked: string[]; uncheckedCount: number };
  workersOnline: number;
  overrides: { check_name: string; reason: string; by_label: string; at: string }[];
};

function criticalServices(facts: ChecklistFacts['critical']): Outcome {
  if (facts.downCount) return { state: 'failed', error: `down: ${someNames(facts.down, facts.downCount)}` };
  if (facts.uncheckedCount) return { state: 'pending', error: `not checked yet: ${someNames(facts.unchecked, facts.uncheckedCount)}` };
  return { state: 'passed', error: null };
}
