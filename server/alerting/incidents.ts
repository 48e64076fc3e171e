/**
 * Incidents from the exact transition stream. One pass, under a transaction-scoped advisory lock
 * so that one replica at a time makes it: reads every transition after the alerting cursor
 * (monitoring/transitions.ts), opens, updates or resolves the service's incident for each, moves
 * the cursor — all in one transaction, so a transition is turned into an incident exactly once
 * whatever replica dies when — then sends what is due (escalations, reminders: due-notices.ts) to
 * the outbox in the same transaction. Nothing here talks to a receiver: the outbox does (outbox.ts).
 */
import type pg from 'pg';
import { prepared, runPrepared, type SqlClient } from '../db/sql.ts';
import type { TransactionEvents } from '../events/after-commit.ts';
import { transitionsAfter, transitionsHeldBack, type RecordedTransition } from '../monitoring/transitions.ts';
import type { Status } from '../monitoring/status.ts';
import type { NoticeEvent, Severity } from './channels/channel.ts';
import { enqueueNotices, INCIDENT_COLUMNS, publishChange, reconsiderSilenced, type IncidentRow, type PassContext } from './notices.ts';
import { covers } from './maintenance.ts';
import { PassConfig } from './pass-config.ts';
import { decideDueNotice, firstNoticeAt, NOTICES_PER_PASS, queueDueNotices } from './due-notices.ts';
import { resolveRemovedIncidents } from './removed-services.ts';

/** Arbitrary but fixed: the advisory lock of the alerting pass ("Aler"). */
export const ALERTING_LOCK_KEY = 0x416c6572;
/** Transitions one pass reads at most (the next pass reads on at once). */
const TRANSITIONS_PER_PASS = 500;
/** Channel kinds told of a recovery even when `notifyRecovery` is off: an incident left open there pages again. */
const ALWAYS_RESOLVED_KINDS = new Set(['pagerduty']);

export const severityOf = (status: Status): Severity => (status === 'down' ? 'critical' : 'warning');

/** A pass failed while acting on the transitions it read (not on the due notices, nor reading them). */
export class TransitionsFailed extends Error {
  constructor(cause: unknown) {
    super(`alerting could not act on the transitions it read: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'TransitionsFailed';
  }
}

export interface PassOptions {
  /** Transitions to read at most (one, to find the one a failing pass fails on). */
  limit?: number;
  /** Step over the next transition without acting on it (every pass failed on it). */
  skip?: boolean;
}

export interface PassResult {
  /** The transition stepped over (`skip`). */
  skipped?: RecordedTransition;
  /** Another replica held the lock: nothing was read. */
  busy: boolean;
  transitions: number;
  /** Deliveries put in the outbox. */
  notices: number;
  /** The pass read as many transitions or due incidents as it may: there may be more. */
  more: boolean;
  /** When the earliest open incident is next due a notice or a look (escalation, reminder, end of a silence); null when none is. */
  nextNoticeAt?: Date | null;
  /** A transition after the cursor is stored but held back by an older open transaction: look again soon. */
  heldBack?: boolean;
}

/** passIsQuiet's statement, prepared: alerting looks a few times a second while checks are stored. */
const PASS_IS_QUIET = prepared(
  'alerting-pass-is-quiet',
  `select exists (select 1 from alerting_cursor where id = 1)
            -- Quiet when the newest window is not after the cursor: the newest is one step down the
            -- (txid, id) index. "No window after the cursor" (not exists) was planned as a read of
            -- every window there is, stopping at the first after it: all of them when there is none.
            and coalesce((select (u.txid, u.id) from uptime_records u order by u.txid desc, u.id desc limit 1)
                           <= (select (c.txid, c.window_id) from alerting_cursor c where c.id = 1), true)
            and not exists (select 1 from alert_incidents where state = 'open' and (service_id is null or next_notice_at <= $1)) as quiet,
            (select min(next_notice_at) from alert_incidents where state = 'open') as next`,
);

/**
 * Whether a pass would find nothing to do: no transition stored after the cursor, no open incident
 * due or without its service. One statement outside any transaction (a pass is seven, with its
 * transaction and lock), so an idle Lookout looks every few seconds for almost nothing; when the
 * answer is no, the whole pass runs and decides. `next` is when the earliest open incident's notice
 * is due. A transition held back by an older open transaction is committed, so seen here: the
 * pass that follows says it is held back.
 */
export async function passIsQuiet(sql: pg.Pool, now: Date): Promise<{ quiet: boolean; next: Date | null }> {
  const { rows } = await runPrepared<{ quiet: boolean; next: Date | null }>(sql, PASS_IS_QUIET, [now]);
  return rows[0];
}

/** One pass: transitions into incidents, then due notices. Runs its own transaction on `sql` (a connection in one). */
export async function alertingPass(sql: SqlClient, events: TransactionEvents, context: PassContext, options: PassOptions = {}): Promise<PassResult> {
  const { rows: locked } = await sql.query<{ ok: boolean }>('select pg_try_advisory_xact_lock($1) as ok', [ALERTING_LOCK_KEY]);
  if (!locked[0].ok) return { busy: true, transitions: 0, notices: 0, more: false };
  // Not `for update`: the advisory lock already makes this pass the only one, and a row lock would
  // give this transaction an id before the read, holding back the snapshot xmin the read goes by.
  const { rows: cursorRows } = await sql.query<{ txid: string; window_id: string }>('select txid::text as txid, window_id from alerting_cursor where id = 1');
  const cursor = cursorRows[0] ? { txid: cursorRows[0].txid, id: Number(cursorRows[0].window_id) } : { txid: '0', id: 0 };
  const read = await transitionsAfter(sql, cursor, options.limit ?? TRANSITIONS_PER_PASS);
  if (options.skip && read.transitions.length) {
    // The one transition every pass failed on: stepped over, so that it does not hold up the rest.
    await sql.query('update alerting_cursor set txid = $1::xid8, window_id = $2, updated_at = $3 where id = 1', [read.cursor.txid, read.cursor.id, context.now]);
    return { busy: false, transitions: 0, notices: 0, more: true, skipped: read.transitions[0] };
  }
  const limit = options.limit ?? TRANSITIONS_PER_PASS;
  const heldBack = read.transitions.length < limit && (await transitionsHeldBack(sql, read.cursor));
  if (!read.transitions.length) {
    // Nothing new in the stream (most passes): one look at the open incidents says whether any is
    // due or lost its service; if not, the pass ends here, without loading the alerting config.
    const { rows: open } = await sql.query<{ removed: boolean | null; due: boolean | null; next: Date | null }>(
      `select bool_or(service_id is null) as removed, bool_or(next_notice_at <= $1) as due, min(next_notice_at) as next
         from alert_incidents where state = 'open'`,
      [context.now],
    );
    if (!open[0].removed && !open[0].due) return { busy: false, transitions: 0, notices: 0, more: false, nextNoticeAt: open[0].next, heldBack };
  }
  const config = await PassConfig.load(sql, context.now);
  const pass = new Pass(sql, context, config);
  if (read.transitions.length) {
    try {
      await pass.loadOpen(read.transitions);
      for (const transition of read.transitions) pass.transition(transition);
      await pass.write();
    } catch (error) {
      throw new TransitionsFailed(error);
    }
    await sql.query('update alerting_cursor set txid = $1::xid8, window_id = $2, updated_at = $3 where id = 1', [read.cursor.txid, read.cursor.id, context.now]);
  }
  await pass.resolveRemoved();
  const due = await pass.dueNotices();
  pass.announce(events);
  const { rows: next } = await sql.query<{ at: Date | null }>(`select min(next_notice_at) as at from alert_incidents where state = 'open'`);
  return {
    busy: false,
    transitions: read.transitions.length,
    notices: pass.notices,
    more: read.transitions.length === (options.limit ?? TRANSITIONS_PER_PASS) || due === NOTICES_PER_PASS,
    nextNoticeAt: next[0].at,
    heldBack,
  };
}

type Worsening = RecordedTransition & { status: 'degraded' | 'down' };
const isWorsening = (t: RecordedTransition): t is Worsening => t.status === 'degraded' || t.status === 'down';

/** An incident as a pass holds it: a row read (and locked) or one it opened, with what it changed. */
interface Held extends IncidentRow {
  next_notice_at: Date | null;
  resolution: string | null;
  reminders: number;
  /** Opened in this pass: its id is given when the pass writes. */
  isNew: boolean;
  /** Changed by a transition of this pass (written back once, at the end). */
  dirty: boolean;
  /** Paged by this pass as it recovered (`#pageLate`): its channels and first notice are written back too. */
  pagedLate?: boolean;
}

/**
 * One pass's work. Its transitions are applied in memory to the open incidents of their services
 * (read and locked in one statement), then written back in a handful of statements whatever their
 * number: a mass outage of a hundred services is a few round trips, not five per service.
 */
class Pass {
  notices = 0;
  readonly sql: SqlClient;
  readonly context: PassContext;
  readonly config: PassConfig;
  /** Open incidents by service id, as the transitions so far leave them. */
  readonly #open = new Map<number, Held>();
  /** Every incident the pass touched (opened, changed, resolved), in order. */
  readonly #touched: Held[] = [];
  readonly #transitions: { incident: Held; t: RecordedTransition }[] = [];
  /** Notices decided, each with the incident as it was then. */
  readonly #queued: { incident: Held; snapshot: IncidentRow; event: NoticeEvent; channels: string[] }[] = [];
  /**
   * What subscribers hear once the pass commits (one event per incident, its last state, as
   * announce() goes by id); the removed and due phases key each incident by its new state.
   */
  readonly #changed = new Map<IncidentRow, IncidentRow>();
  readonly #windowsEnded = new Set<number>();
  /** Parents no longer down: dependents held back as `caused by <parent>` are looked at again. */
  readonly #recovered = new Set<string>();
  #services = new Map<number, { name: string; display_name: string; tags: string[]; depends_on: string[] }>();
  /** Services (by name) down now or down in this pass's transitions, among the parents of its services: what holds a late page back. */
  readonly #parentsDown = new Set<string>();

  constructor(sql: SqlClient, context: PassContext, config: PassConfig) {
    this.sql = sql;
    this.context = context;
    this.config = config;
  }

  /** The services of `transitions` and their open incidents, locked (statements one after another: they share the connection). */
  async loadOpen(transitions: RecordedTransition[]): Promise<void> {
    const ids = [...new Set(transitions.map((t) => t.serviceId))];
    const { rows: services } = await this.sql.query<{ id: number; name: string; display_name: string; tags: string[]; depends_on: string[] }>(
      'select id, name, display_name, tags, depends_on from services where id = any($1::int[])',
      [ids],
    );
    this.#services = new Map(services.map((s) => [s.id, s]));
    const { rows } = await this.sql.query<Held>(
      `select ${INCIDENT_COLUMNS}, i.next_notice_at, i.resolution, i.reminders, false as "isNew", false as dirty
         from alert_incidents i left join services s on s.id = i.service_id
        where i.service_id = any($1::int[]) and i.state = 'open' for update of i`,
      [ids],
    );
    for (const row of rows) this.#open.set(row.service_id, row);
    const parents = [...new Set(services.flatMap((s) => s.depends_on))];
    if (parents.length) {
      const { rows: down } = await this.sql.query<{ name: string }>(
        `select s.name from services s join service_states st on st.service_id = s.id where s.name = any($1::text[]) and st.status = 'down' and not s.paused`,
        [parents],
      );
      for (const { name } of down) this.#parentsDown.add(name);
    }
    await this.config.loadServices(ids);
  }

  transition(t: RecordedTransition): void {
    const open = this.#open.get(t.serviceId);
    if (t.status === 'down') this.#parentsDown.add(t.service);
    if (isWorsening(t)) {
      if (open) this.#worsen(open, t);
      else this.#openIncident(t);
    } else if (open) {
      this.#resolve(open, t, t.status === 'paused' ? 'paused' : 'recovered');
    }
    if (t.status === 'healthy') this.#endWindowsWhenHealthy(t);
    if (t.previousStatus === 'down' && t.status !== 'down') this.#recovered.add(t.service);
  }

  #openIncident(t: Worsening): void {
    const service = this.#services.get(t.serviceId);
    if (!service) return; // deleted since its transition was stored: nothing to alert on
    const settings = this.config.settings(t.serviceId);
    // Counted from when the bad status began, not from when this pass saw it: a pass that runs late
    // (a backlog after a restart) must not add its lateness to the escalation delay.
    const startedAt = new Date(t.at);
    const incident: Held = {
      id: 0, service_id: t.serviceId, service: service.name, display_name: service.display_name, tags: service.tags, depends_on: service.depends_on,
      state: 'open', severity: severityOf(t.status), status: t.status, reason: t.reason.slice(0, 2000), started_at: startedAt,
      acknowledged_at: null, acknowledged_by: null, resolved_at: null, suppressed_by: null, notified_at: null, told: [],
      next_notice_at: firstNoticeAt(settings, startedAt), resolution: null, reminders: 0, isNew: true, dirty: true,
    };
    this.#open.set(t.serviceId, incident);
    this.#touch(incident, t);
  }

  #worsen(incident: Held, t: Worsening): void {
    const before = incident.severity;
    incident.severity = before === 'critical' || t.status === 'down' ? 'critical' : 'warning';
    incident.status = t.status;
    incident.reason = t.reason.slice(0, 2000);
    this.#touch(incident, t);
    // Worse than the channels were told: they hear it (PagerDuty re-triggers with the same dedup_key).
    if (incident.severity !== before && incident.told.length && !incident.acknowledged_at) this.#enqueue(incident, 'trigger', incident.told);
  }

  #resolve(incident: Held, t: RecordedTransition, resolution: 'recovered' | 'paused'): void {
    // Held back when last looked at (a parent down, a window): that was decided in time, and stands.
    if (resolution === 'recovered' && !incident.notified_at && !incident.suppressed_by) this.#pageLate(incident, new Date(t.at));
    if (t.status !== 'paused') incident.status = t.status as Status;
    incident.state = 'resolved';
    incident.resolved_at = new Date(t.at);
    incident.resolution = resolution;
    incident.next_notice_at = null;
    this.#open.delete(t.serviceId);
    this.#touch(incident, t);
    if (incident.told.length) {
      const settings = this.config.settings(incident.service_id);
      const told = incident.told.filter((name) => settings.notifyRecovery || ALWAYS_RESOLVED_KINDS.has(this.config.channelKinds.get(name) ?? ''));
      if (told.length) this.#enqueue(incident, 'resolve', told);
    }
  }

  /**
   * An incident that recovers before it paged, having lasted past its first page (started at plus
   * the escalation delay or the minimum duration): the transitions reached alerting late — a long
   * transaction anywhere on the database server holds the stream back, so does a stalled database
   * or no replica running alerting — and the pass sees the outage and its end together. Its
   * channels are told now, what they would have been told then (unless a parent was down, a window
   * held it, or it was acknowledged), then of its recovery as usual. Outages shorter than that
   * page nobody, however late they are seen.
   */
  #pageLate(incident: Held, recoveredAt: Date): void {
    const settings = this.config.settings(incident.service_id);
    const decision = decideDueNotice(incident, settings, { now: recoveredAt, downParents: this.#parentsDown, windows: this.config.windows });
    if (decision.notice?.event !== 'trigger') return;
    incident.told = decision.notice.channels;
    incident.notified_at = this.context.now;
    incident.suppressed_by = null;
    incident.pagedLate = true;
    this.#enqueue(incident, 'trigger', incident.told);
  }

  /** One-off windows set to end once their services are healthy again end with the first recovery they cover. */
  #endWindowsWhenHealthy(t: RecordedTransition): void {
    if (t.previousStatus !== 'down' && t.previousStatus !== 'degraded') return;
    const service = { name: t.service, tags: this.#services.get(t.serviceId)?.tags ?? [] };
    const now = this.context.now;
    for (const window of this.config.windows) {
      if (!window.endWhenHealthy || window.rrule || window.endedAt || window.startsAt > now || (window.endsAt ?? now) <= now) continue;
      if (!covers(window, service)) continue;
      window.endedAt = now;
      this.#windowsEnded.add(window.id);
    }
  }

  #touch(incident: Held, t: RecordedTransition): void {
    incident.dirty = true;
    if (!this.#touched.includes(incident)) this.#touched.push(incident);
    this.#transitions.push({ incident, t });
    this.#changed.set(incident, { ...incident });
  }

  #enqueue(incident: Held, event: NoticeEvent, channels: string[]): void {
    if (channels.length) this.#queued.push({ incident, snapshot: { ...incident }, event, channels });
  }

  /** Writes what the transitions did: changed incidents, then new ones (one open per service), their transitions, and the rest. */
  async write(): Promise<void> {
    const sql = this.sql;
    const changed = this.#touched.filter((i) => !i.isNew);
    if (changed.length) {
      await sql.query(
        `update alert_incidents i set state = x.state, severity = x.severity, status = x.status, reason = x.reason, resolved_at = x.resolved_at,
                resolution = x.resolution, next_notice_at = x.next_notice_at,
                notified_at = coalesce(x.notified_at, i.notified_at), last_notice_at = coalesce(x.notified_at, i.last_notice_at),
                told = case when x.notified_at is null then i.told else array(select jsonb_array_elements_text(x.told)) end, suppressed_by = case when x.notified_at is null then i.suppressed_by end
           from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::jsonb[])
                as x(id, state, severity, status, reason, resolved_at, resolution, next_notice_at, notified_at, told)
          where i.id = x.id`,
        [changed.map((i) => i.id), changed.map((i) => i.state), changed.map((i) => i.severity), changed.map((i) => i.status), changed.map((i) => i.reason),
          changed.map((i) => i.resolved_at), changed.map((i) => i.resolution), changed.map((i) => i.next_notice_at),
          changed.map((i) => (i.pagedLate ? i.notified_at : null)), changed.map((i) => (i.pagedLate ? JSON.stringify(i.told) : null))],
      );
    }
    const created = this.#touched.filter((i) => i.isNew);
    if (created.length) {
      // Ids first, so that transitions and notices can name their incident in the statements below.
      const { rows } = await sql.query<{ id: number }>(`select nextval(pg_get_serial_sequence('alert_incidents', 'id'))::int as id from generate_series(1, $1)`, [created.length]);
      created.forEach((incident, i) => (incident.id = rows[i].id));
      await sql.query(
        `insert into alert_incidents (id, service_id, service_name, display_name, state, severity, status, reason, started_at, opened_at, resolved_at, resolution, next_notice_at, notified_at, last_notice_at, told)
         select x.id, x.service_id, x.service_name, x.display_name, x.state, x.severity, x.status, x.reason, x.started_at, $12, x.resolved_at, x.resolution, x.next_notice_at,
                x.notified_at, x.notified_at, case when x.notified_at is null then '{}'::text[] else array(select jsonb_array_elements_text(x.told)) end
           from unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::timestamptz[], $9::text[], $10::timestamptz[], $11::int[], $13::text[], $14::text[], $15::timestamptz[], $16::jsonb[])
                as x(id, service_id, state, severity, status, reason, started_at, resolved_at, resolution, next_notice_at, n, service_name, display_name, notified_at, told)
          order by x.n`,
        [created.map((i) => i.id), created.map((i) => i.service_id), created.map((i) => i.state), created.map((i) => i.severity), created.map((i) => i.status),
          created.map((i) => i.reason), created.map((i) => i.started_at), created.map((i) => i.resolved_at), created.map((i) => i.resolution),
          created.map((i) => i.next_notice_at), created.map((_, n) => n), this.context.now, created.map((i) => i.service), created.map((i) => i.display_name),
          created.map((i) => (i.pagedLate ? i.notified_at : null)), created.map((i) => (i.pagedLate ? JSON.stringify(i.told) : null))],
      );
      for (const incident of created) incident.isNew = false;
    }
    const rows = this.#transitions;
    await sql.query(
      `insert into alert_incident_transitions (incident_id, window_id, previous_status, status, reason, at)
       select * from unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])`,
      [rows.map((r) => r.incident.id), rows.map((r) => r.t.cursor.id), rows.map((r) => r.t.previousStatus), rows.map((r) => r.t.status), rows.map((r) => r.t.reason.slice(0, 2000)), rows.map((r) => r.t.at)],
    );
    if (this.#windowsEnded.size) {
      await sql.query('update maintenance_windows set ended_at = $2 where id = any($1::int[]) and ended_at is null', [[...this.#windowsEnded], this.context.now]);
      // Other services the ended window covered, still not healthy, are looked at again now.
      await reconsiderSilenced(sql, this.context.now);
    }
    if (this.#recovered.size) {
      // After the incidents above are written: a dependent held back is looked at again now.
      await sql.query(
        `update alert_incidents set next_notice_at = $2 where state = 'open' and acknowledged_at is null and suppressed_by = any($1::text[])`,
        [[...this.#recovered].map((name) => `caused by ${name}`), this.context.now],
      );
    }
    await this.#flushNotices();
  }

  /** Open incidents whose service was removed since: resolved now (removed-services.ts). */
  async resolveRemoved(): Promise<void> {
    const removed = await resolveRemovedIncidents(this.sql, this.config.channelKinds, this.context);
    this.notices += removed.notices;
    for (const state of removed.changed) this.#changed.set(state, state);
  }

  /** Open incidents whose escalation, reminder or hold is due (due-notices.ts). Returns how many it looked at. */
  async dueNotices(): Promise<number> {
    const due = await queueDueNotices(this.sql, this.config, this.context);
    this.notices += due.notices;
    for (const state of due.changed) this.#changed.set(state, state);
    return due.looked;
  }

  /** The notices decided so far, into the outbox in one statement. */
  async #flushNotices(): Promise<void> {
    const queued = this.#queued.splice(0);
    const notices = queued.flatMap(({ incident, snapshot, event, channels }) => channels.map((channel) => ({ incident: { ...snapshot, id: incident.id }, event, channel })));
    this.notices += await enqueueNotices(this.sql, notices, this.config.channelKinds, this.context);
  }

  /** Once the pass's writes are done: what subscribers hear after it commits. */
  announce(events: TransactionEvents): void {
    const last = new Map<number, IncidentRow>();
    for (const [incident, state] of this.#changed) last.set(incident.id, { ...state, id: incident.id });
    for (const state of last.values()) publishChange(events, state, this.context.now);
  }
}
