/**
 * The alerting capability as the server runs it: its sections of the config file, the pass that
 * turns the exact transition stream into incidents and due notices (incidents.ts, one replica at a
 * time), the outbox that delivers them (outbox.ts, every replica), and what the API asks of it.
 *
 * Both loops are woken rather than left to poll: the pass when a transition is published (on any
 * replica) or a maintenance window changes, and the outbox when a pass has put deliveries in it.
 * Otherwise the pass sleeps until the earliest open incident is due a notice (an escalation, a
 * reminder, the end of a silence), at most `passIdleMaxMs` (5 s): a lost wake-up (a pub/sub message
 * lost between replicas, a service deleted) costs at most that. The outbox likewise sleeps until
 * its next attempt is due (a retry's backoff), at most 5 s.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type pg from 'pg';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { PubSub } from '../events/pubsub.ts';
import type { TransactionEvents } from '../events/after-commit.ts';
import { Channels } from '../events/channels.ts';
import type { ConfigFile } from '../config-file.ts';
import { inTransaction, type SqlClient } from '../db/sql.ts';
import { isDatabaseUnreachable, reportDatabaseError } from '../db/pool.ts';
import { ConflictError } from '../errors.ts';
import { alertingSection, maintenanceSection, type AlertingConfig, type MaintenanceConfig } from './config-file.ts';
import { alertingPass, passIsQuiet, TransitionsFailed, type PassResult } from './incidents.ts';
import { acknowledgeIncident, newMessageId, reconsiderOpenIncidents, type PassContext } from './notices.ts';
import { ATTEMPT_TIMEOUT_MS, attemptSend, deliverDue, nextDeliveryAt, startDue, type OutboxContext } from './outbox.ts';
import { DEFAULT_CONFIG_LOCK_KEY, findChannel, updateAlertConfig } from './store.ts';
import type { Notice } from './channels/channel.ts';
import { Loop } from './loop.ts';

/** Deliveries one replica's outbox loop sends at once (each is bounded by its attempt's limit). */
const MAX_SENDING = 200;

export interface AlertingOptions {
  orm: MikroORM;
  sql: pg.Pool;
  pubsub: PubSub;
  clock: Clock;
  logger: Logger;
  configFile?: ConfigFile;
  /** Run the loops (off in tests that drive passes by hand with `runPass` and `deliver`). */
  run?: boolean;
  /** The dashboard's base URL, for links in notices. */
  publicUrl?: () => string;
  /**
   * The pass's shortest wait (default 250 ms: after it found another replica's pass under way, or a
   * transition held back) and its longest when nothing is due (default 5 s); the outbox's shortest
   * wait between looks that found nothing (default 1 s).
   */
  passPollMs?: number;
  passIdleMaxMs?: number;
  outboxPollMs?: number;
  /** The outbox's longest sleep when nothing is due (default 5 s): another replica's new deliveries wake only that replica's outbox. */
  outboxIdleMaxMs?: number;
}

/** The outbox's longest sleep when nothing is due. */
const OUTBOX_IDLE_MAX_MS = 5000;

/** The pass's longest sleep when nothing is due: what a lost wake-up can cost. */
const PASS_IDLE_MAX_MS = 5000;

export class Alerting {
  readonly owner = `${hostname().slice(0, 100)}:${process.pid}:${randomBytes(4).toString('hex')}`;
  /** One delivery attempt's time limit: at most ATTEMPT_TIMEOUT_MS (tests shorten it to see a receiver that never answers). */
  attemptTimeoutMs = ATTEMPT_TIMEOUT_MS;
  readonly #o: AlertingOptions;
  readonly #pass: Loop;
  readonly #outbox: Loop;
  #listening: AbortController | undefined;

  constructor(options: AlertingOptions) {
    this.#o = options;
    const passPollMs = options.passPollMs ?? 250;
    const passIdleMaxMs = Math.max(passPollMs, options.passIdleMaxMs ?? PASS_IDLE_MAX_MS);
    this.#pass = new Loop(
      async () => {
        const result = await this.runPass();
        if (result.more) return 0;
        // Another replica's pass holds the lock: its snapshot may predate what woke this one, so look again soon.
        if (result.busy) return passPollMs;
        // A stored transition the stream holds back (an older transaction is still open): it shows soon.
        if (result.heldBack) return passPollMs;
        const untilDue = result.nextNoticeAt ? result.nextNoticeAt.getTime() - options.clock.now().getTime() : passIdleMaxMs;
        return Math.min(passIdleMaxMs, Math.max(passPollMs, untilDue));
      },
      passPollMs,
      (error) => reportDatabaseError(options.logger, error, 'the alerting pass failed'),
    );
    const outboxPollMs = options.outboxPollMs ?? 1000;
    const outboxIdleMaxMs = Math.max(outboxPollMs, options.outboxIdleMaxMs ?? OUTBOX_IDLE_MAX_MS);
    this.#outbox = new Loop(
      async () => {
        const round = await this.#sendDue();
        if (round.started) return 0;
        // Nothing claimable now: sleep until the next attempt is due (a retry's backoff, a lapsed claim).
        const next = round.nextAt !== undefined ? round.nextAt : await nextDeliveryAt(options.sql);
        const untilDue = next ? next.getTime() - options.clock.now().getTime() : outboxIdleMaxMs;
        return Math.min(outboxIdleMaxMs, Math.max(outboxPollMs, untilDue));
      },
      outboxPollMs,
      (error) => reportDatabaseError(options.logger, error, 'alert deliveries could not be claimed'),
    );
    options.configFile?.register(alertingSection, (config, tx) => this.#applyAlerting(config, tx));
    options.configFile?.register(maintenanceSection(() => options.clock.now()), (config, tx) => this.#applyMaintenance(config, tx));
  }

  start(): void {
    if (this.#o.run === false) return;
    this.#pass.start();
    this.#outbox.start();
    // A transition published (by this replica or another) is a reason to look now; the stream, not
    // this event, is what the pass reads.
    this.#listening = new AbortController();
    const transitions = this.#o.pubsub.subscribe(Channels.statusChanged, this.#listening.signal);
    void (async () => {
      try {
        for await (const _ of transitions) this.#pass.wake();
      } catch {
        // The subscription ended with the pub/sub; polling goes on.
      }
    })();
  }

  async stop(): Promise<void> {
    this.#listening?.abort();
    await Promise.all([this.#pass.stop(), this.#outbox.stop()]);
    // Sends under way end within their attempt's limit, and record it.
    await Promise.all(this.#sending);
  }

  /** Look at the transition stream now (results were stored on this replica). */
  wake(): void {
    this.#pass.wake();
  }

  /** The outbox is woken once the transaction that filled it commits: before, it would find nothing and sleep a poll. */
  #passContext(events: TransactionEvents): PassContext {
    return { now: this.#o.clock.now(), publicUrl: this.#o.publicUrl?.() ?? '', wakeOutbox: () => events.afterCommit(() => this.#outbox.wake()) };
  }

  /** Consecutive failed passes: after one, passes read a single transition; after three, that one is stepped over. */
  #passFailures = 0;

  /**
   * One pass over the transition stream and the due notices (tests drive it by hand). A pass that
   * keeps failing on what it reads must not hold up alerting for good: after a failure the next
   * passes read one transition at a time, and one that fails three times is stepped over, logged
   * as an error naming it (its incident is not made; every later one is).
   */
  async runPass(): Promise<PassResult> {
    const options = this.#passFailures === 0 ? {} : { limit: 1, skip: this.#passFailures >= 3 };
    if (this.#passFailures === 0) {
      // Most passes find nothing: one statement says so, without the pass's transaction and lock.
      const look = await passIsQuiet(this.#o.sql, this.#o.clock.now());
      if (look.quiet) return { busy: false, transitions: 0, notices: 0, more: false, nextNoticeAt: look.next, heldBack: false };
    }
    try {
      const result = await inTransaction(this.#o.sql, (sql, events) => alertingPass(sql, events, this.#passContext(events), options), this.#o.pubsub);
      if (result.skipped) {
        const { service, status, cursor } = result.skipped;
        this.#o.logger.error({ service, status, cursor: `${cursor.txid}:${cursor.id}` }, 'alerting stepped over a transition every pass failed on: no incident was made for it');
      }
      if (!result.busy) this.#passFailures = result.skipped ? 0 : this.#passFailures && result.transitions ? 0 : this.#passFailures;
      return result;
    } catch (error) {
      // Only a failure to act on transitions is theirs (an unreachable database is not): nothing else is stepped over.
      if (error instanceof TransitionsFailed && !isDatabaseUnreachable(error.cause)) this.#passFailures++;
      throw error;
    }
  }

  #outboxContext(): OutboxContext {
    return { sql: this.#o.sql, pubsub: this.#o.pubsub, logger: this.#o.logger, now: () => this.#o.clock.now(), owner: this.owner, attemptTimeoutMs: this.attemptTimeoutMs };
  }

  /** Sends what is due in the outbox and waits for every attempt; returns how many it attempted (tests drive it by hand). */
  deliver(): Promise<number> {
    return deliverDue(this.#outboxContext());
  }

  /** Sends under way from the outbox loop. */
  readonly #sending = new Set<Promise<void>>();

  /**
   * The outbox loop's round: claims what is due and starts it without waiting for the sends, so a
   * receiver that hangs for its whole attempt does not hold back notices that fall due meanwhile
   * (they are claimed at the next wake-up or poll). At most MAX_SENDING at once per replica.
   */
  async #sendDue(): Promise<{ started: boolean; nextAt?: Date | null }> {
    const room = MAX_SENDING - this.#sending.size;
    if (room <= 0) return { started: false };
    const { sends, nextAt } = await startDue(this.#outboxContext(), room);
    for (const send of sends) {
      const tracked: Promise<void> = send.finally(() => {
        this.#sending.delete(tracked);
        // Room again (the loop may have stopped claiming for want of it), or a retry now due at a
        // time the sleeping loop did not know of: it looks again (wake-ups coming together are one look).
        this.#outbox.wake();
      });
      this.#sending.add(tracked);
    }
    return sends.length > 0 ? { started: true } : { started: false, nextAt };
  }

  /** Passes and deliveries until neither finds work (tests with a manual clock). */
  async settle(): Promise<void> {
    for (let round = 0; round < 100; round++) {
      const pass = await this.runPass();
      const sent = await this.deliver();
      if (!pass.more && !pass.transitions && !pass.notices && !sent) return;
    }
  }

  acknowledge(sql: SqlClient, events: TransactionEvents, id: number, by: string): Promise<boolean> {
    return acknowledgeIncident(sql, events, id, by, this.#passContext(events));
  }

  /**
   * Sets a service's alert settings (the default's, `service` null) through the API. When they
   * changed, the open incidents they apply to are looked at again by the settings now in force
   * (the pass woken once this commits).
   */
  async updateConfig(sql: SqlClient, events: TransactionEvents, service: string | null, input: unknown, reset: string[]) {
    const now = this.#o.clock.now();
    const updated = await updateAlertConfig(sql, service, input, reset, now);
    if (updated.changed && (await reconsiderOpenIncidents(sql, now, updated.serviceId))) events.afterCommit(() => this.#pass.wake());
    return updated;
  }

  /** Sends a test notice through a channel now (not through the outbox) and returns the outcome. */
  async testChannel(sql: SqlClient, name: string) {
    const channel = await findChannel(sql, name);
    const now = this.#o.clock.now();
    const notice: Notice = {
      id: newMessageId(),
      event: 'test',
      at: now.toISOString(),
      incident: {
        id: 0, key: 'lookout-test', service: 'lookout', displayName: 'Lookout', severity: 'warning', status: 'healthy',
        reason: `A test notice from Lookout to the channel "${channel.name}".`, startedAt: now.toISOString(),
        acknowledgedAt: null, acknowledgedBy: null, resolvedAt: null, url: this.#o.publicUrl?.() || null,
      },
    };
    const outcome = await attemptSend(channel.kind, channel.settings, notice, this.attemptTimeoutMs);
    return { channel: channel.name, messageId: notice.id, ok: outcome.ok, statusCode: outcome.statusCode ?? null, latencyMs: outcome.latencyMs, error: outcome.error ?? null, detail: outcome.receipt?.detail ?? null };
  }

  /** Alerting's section of a valid config file, in the loader's transaction (after monitoring synced the services). */
  async #applyAlerting(config: AlertingConfig, tx: EntityManager): Promise<() => void> {
    const run = (query: string, params: unknown[] = []) => tx.getConnection().execute(query, params, 'all', tx.getTransactionContext()) as Promise<Record<string, any>[]>;
    const now = this.#o.clock.now();
    const names = JSON.stringify(config.channels.map((c) => c.name));
    const held = await run(`select name from alert_channels where source = 'api' and name in (select jsonb_array_elements_text(?::jsonb))`, [names]);
    if (held.length) throw new ConflictError(`The config file declares the alert channel "${held[0].name}", but an API channel already has that name; rename one of them.`);
    for (const channel of config.channels) {
      await run(
        `insert into alert_channels (name, kind, settings, source, created_at, updated_at) values (?, ?, ?::jsonb, 'config', ?, ?)
         on conflict (name) do update set kind = excluded.kind, settings = excluded.settings, updated_at = excluded.updated_at
         where alert_channels.kind <> excluded.kind or alert_channels.settings <> excluded.settings`,
        [channel.name, channel.kind, JSON.stringify(channel.settings), now, now],
      );
    }
    await run(`delete from alert_channels where source = 'config' and name not in (select jsonb_array_elements_text(?::jsonb))`, [names]);
    const settingsRow = (settings: Record<string, unknown>) => [
      settings.enabled ?? null,
      settings.channels === undefined ? null : JSON.stringify(settings.channels),
      settings.escalationDelayMs ?? null,
      settings.minDurationMs ?? null,
      settings.remindEveryMs ?? null,
      settings.notifyRecovery ?? null,
    ];
    const columns = `enabled = ?, channels = case when ?::jsonb is null then null else array(select jsonb_array_elements_text(?::jsonb)) end,
      escalation_delay_ms = ?, min_duration_ms = ?, remind_every_ms = ?, notify_recovery = ?, source = 'config', updated_at = ?`;
    const setValues = (settings: Record<string, unknown>) => {
      const [enabled, channels, ...rest] = settingsRow(settings);
      return [enabled, channels, channels, ...rest, now];
    };
    // The default: the file's when it has one; an API default is left alone when the file has none.
    await run('select pg_advisory_xact_lock(?)', [DEFAULT_CONFIG_LOCK_KEY]);
    const [defaultRow] = await run('select id, source from alert_configs where service_id is null');
    if (config.defaults) {
      if (defaultRow?.source === 'api') throw new ConflictError('The config file declares alerting.defaults, but the defaults were set through the API; remove them there first (updateAlertConfig with reset) or from the file.');
      if (defaultRow) await run(`update alert_configs set ${columns} where id = ?`, [...setValues(config.defaults), defaultRow.id]);
      else await run(`insert into alert_configs (service_id, source, updated_at) values (null, 'config', ?) returning id`, [now]).then(([row]) => run(`update alert_configs set ${columns} where id = ?`, [...setValues(config.defaults!), row.id]));
    } else if (defaultRow?.source === 'config') {
      await run('delete from alert_configs where id = ?', [defaultRow.id]);
    }
    const declared = new Set<number>();
    for (const { name, settings } of config.services) {
      const [service] = await run('select id from services where name = ?', [name]);
      if (!service) continue; // monitoring refused it already, or it is not a service of the file
      declared.add(service.id);
      // The service's row locked as the API locks it (updateAlertConfig), so neither inserts a second settings row.
      await run('select id from services where id = ? for update', [service.id]);
      const [row] = await run('select id, source from alert_configs where service_id = ?', [service.id]);
      const id = row?.id ?? (await run(`insert into alert_configs (service_id, source, updated_at) values (?, 'config', ?) returning id`, [service.id, now]))[0].id;
      await run(`update alert_configs set ${columns} where id = ?`, [...setValues(settings), id]);
    }
    await run(`delete from alert_configs where source = 'config' and service_id is not null and service_id not in (select jsonb_array_elements_text(?::jsonb)::int)`, [JSON.stringify([...declared])]);
    await reconsiderAll(run, now);
    return () => this.#pass.wake();
  }

  async #applyMaintenance(config: MaintenanceConfig, tx: EntityManager): Promise<() => void> {
    const run = (query: string, params: unknown[] = []) => tx.getConnection().execute(query, params, 'all', tx.getTransactionContext()) as Promise<Record<string, any>[]>;
    const names = JSON.stringify(config.windows.map((w) => w.name));
    const held = await run(`select name from maintenance_windows where source = 'api' and name in (select jsonb_array_elements_text(?::jsonb))`, [names]);
    if (held.length) throw new ConflictError(`The config file declares the maintenance window "${held[0].name}", but one created through the API already has that name; rename one of them.`);
    const now = this.#o.clock.now();
    for (const w of config.windows) {
      const values = [w.name, JSON.stringify(w.services), JSON.stringify(w.tags), w.everything, w.startsAt, w.endsAt, w.rrule, w.durationMs, w.reason, w.endWhenHealthy];
      await run(
        `insert into maintenance_windows (name, services, tags, everything, starts_at, ends_at, rrule, duration_ms, reason, end_when_healthy, source, created_by, created_at)
         values (?, array(select jsonb_array_elements_text(?::jsonb)), array(select jsonb_array_elements_text(?::jsonb)), ?, ?, ?, ?, ?, ?, ?, 'config', 'config file', ?)
         on conflict (name) do update set services = excluded.services, tags = excluded.tags, everything = excluded.everything, ends_at = excluded.ends_at,
           rrule = excluded.rrule, duration_ms = excluded.duration_ms, reason = excluded.reason, end_when_healthy = excluded.end_when_healthy,
           starts_at = case when excluded.rrule is null and maintenance_windows.rrule is null and excluded.ends_at = maintenance_windows.ends_at then maintenance_windows.starts_at else excluded.starts_at end`,
        [...values, now],
      );
    }
    await run(`delete from maintenance_windows where source = 'config' and name not in (select jsonb_array_elements_text(?::jsonb))`, [names]);
    // A window removed or shortened in the file: what it silenced is looked at again (the alerting
    // section, applied first in the same transaction, made every open incident due).
    return () => this.#pass.wake();
  }
}

/**
 * A reload of the config file may have changed any alert settings or maintenance window: every
 * open, unacknowledged incident is looked at again by the pass (which sends nothing before the
 * settings in force say so), as reconsiderOpenIncidents does for an API change. Run by the alerting
 * section, before the maintenance section writes its windows: incidents, then windows, the order
 * the pass locks them in.
 */
async function reconsiderAll(run: (query: string, params: unknown[]) => Promise<unknown>, now: Date): Promise<void> {
  await run(`update alert_incidents set next_notice_at = ? where state = 'open' and acknowledged_at is null and (next_notice_at is null or next_notice_at > ?)`, [now, now]);
}
