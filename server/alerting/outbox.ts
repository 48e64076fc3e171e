/**
 * The delivery outbox: every notice to a channel is a row of `alert_deliveries`, put there in the
 * transaction that decided it (incidents.ts). Any replica claims due rows (`FOR UPDATE SKIP
 * LOCKED`, for a lease), sends each through its channel's kind, records the attempt (status code,
 * error, latency) and marks the row sent, due again after a backoff, or failed after its last
 * attempt. A replica that dies mid-send leaves its claim to lapse: the row is sent again, with the
 * same message id, which receivers deduplicate on (at least once; exactly once for receivers that do).
 */
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { inTransaction, prepared, runPrepared, type SqlClient } from '../db/sql.ts';
import type { PubSub } from '../events/pubsub.ts';
import { Channels } from '../events/channels.ts';
import type { Logger } from '../logger.ts';
import { DeliveryError, type DeliveryReceipt, type Notice } from './channels/channel.ts';
import { getChannelKind } from './channels/registry.ts';

/** One attempt's time limit. */
export const ATTEMPT_TIMEOUT_MS = 10_000;
/** A claim outlasts its attempt by this much: a dead replica's rows are sent again after it. */
const CLAIM_MARGIN_MS = 20_000;
/** Deliveries one replica sends at once. */
const CLAIM_BATCH = 50;
/** Backoff after attempt n: 5 s, 10 s, 20 s… up to 5 minutes. */
export const backoffMs = (attempt: number) => Math.min(300_000, 5000 * 2 ** Math.max(0, attempt - 1));
/** What a stored error or answer may hold: a receiver's body can be anything. */
const MAX_TEXT = 500;

const clean = (text: string | undefined | null) => (text == null ? null : text.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, MAX_TEXT));

export interface OutboxContext {
  sql: pg.Pool;
  pubsub: PubSub;
  logger: Logger;
  now(): Date;
  /** Who claims (host:pid:random). */
  owner: string;
  /** One attempt's time limit (ATTEMPT_TIMEOUT_MS unless shortened, as tests do). */
  attemptTimeoutMs?: number;
}

interface Claimed {
  id: number;
  incident_id: number | null;
  channel: string;
  event: string;
  notice: Notice;
  attempts: number;
  max_attempts: number;
  kind: string | null;
  settings: Record<string, unknown> | null;
}

/** Sends one notice through a channel's kind within the attempt's time; the outcome, never a throw. */
export async function attemptSend(kind: string, settings: Record<string, unknown>, notice: Notice, timeoutMs = ATTEMPT_TIMEOUT_MS): Promise<{ ok: boolean; latencyMs: number; receipt?: DeliveryReceipt; error?: string; statusCode?: number; retryable: boolean }> {
  const started = performance.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  try {
    const channel = getChannelKind(kind);
    // A send that ignores its signal still ends the attempt when the time is up.
    const aborted = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(new DeliveryError(`timed out after ${timeoutMs} ms`)), { once: true }));
    const receipt = await Promise.race([channel.send(notice, channel.validate(settings), { signal: controller.signal, timeoutMs }), aborted]);
    return { ok: true, latencyMs: Math.round(performance.now() - started), receipt, statusCode: receipt.statusCode, retryable: false };
  } catch (error) {
    const failure = error instanceof DeliveryError ? error : null;
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - started),
      error: clean((error as Error)?.message ?? String(error)) ?? 'failed',
      statusCode: failure?.statusCode,
      retryable: failure ? failure.retryable : true,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** When the outbox next has something to claim (see nextDeliveryAt), as one expression. */
const NEXT_DELIVERY_SQL = `select min(greatest(next_attempt_at, coalesce(claimed_until, next_attempt_at))) as at from alert_deliveries where state = 'pending'`;

/** claimDue's statement, prepared: each replica's outbox looks every few seconds. */
const CLAIM_DUE_DELIVERIES = prepared(
  'claim-due-deliveries',
  `with due as (
       select d.id from alert_deliveries d
        where d.state = 'pending' and d.next_attempt_at <= $1 and (d.claimed_until is null or d.claimed_until <= $1)
        order by d.next_attempt_at, d.id
        limit $4
        for update skip locked),
     claimed as (
     update alert_deliveries d set claimed_by = $2, claimed_until = $1::timestamptz + $3 * interval '1 millisecond', attempts = d.attempts + 1
       from due where d.id = due.id
     returning d.id::int as id, d.incident_id::int as incident_id, d.channel, d.event, d.notice, d.attempts, d.max_attempts,
               (select c.kind from alert_channels c where c.name = d.channel) as kind,
               (select c.settings from alert_channels c where c.name = d.channel) as settings)
     select c.*, case when c.id is null then (${NEXT_DELIVERY_SQL}) end as next_at
       from (select 1) one left join claimed c on true`,
);

/**
 * Claims up to `limit` due deliveries for `owner`, each attempt counted when claimed (a crash
 * mid-send still counts it); when it claims none, also when the outbox next has something to claim
 * (as nextDeliveryAt says), in the same statement: an idle outbox looks once, not twice.
 */
async function claimDue(sql: pg.Pool, owner: string, now: Date, limit = CLAIM_BATCH): Promise<{ claimed: Claimed[]; nextAt: Date | null }> {
  const { rows } = await runPrepared<Claimed & { next_at: Date | null }>(sql, CLAIM_DUE_DELIVERIES, [
    now,
    owner,
    ATTEMPT_TIMEOUT_MS + CLAIM_MARGIN_MS,
    Math.max(1, Math.min(CLAIM_BATCH, Math.floor(limit))),
  ]);
  const claimed = rows.filter((r) => r.id !== null);
  return { claimed, nextAt: claimed.length ? null : (rows[0]?.next_at ?? null) };
}

/**
 * When the outbox next has something to claim: the earliest pending delivery's next attempt, or the
 * end of another replica's claim on it if later (that replica may have died mid-send); null if none.
 */
export async function nextDeliveryAt(sql: pg.Pool): Promise<Date | null> {
  const { rows } = await sql.query<{ at: Date | null }>(NEXT_DELIVERY_SQL);
  return rows[0].at;
}

/** One round: claim what is due, send it all at once, record each attempt. Returns how many were attempted. */
export async function deliverDue(context: OutboxContext): Promise<number> {
  const { sends } = await startDue(context);
  await Promise.all(sends);
  return sends.length;
}

/**
 * Claims up to `limit` due deliveries and starts sending them; resolves once they are claimed,
 * with one promise per send (each records its attempt, and never rejects) and, when none was due,
 * when one next is. The outbox loop claims
 * again without waiting for them: a receiver that hangs for the whole attempt must not hold back
 * the notices that fall due meanwhile.
 */
export async function startDue(context: OutboxContext, limit = CLAIM_BATCH): Promise<{ sends: Promise<void>[]; nextAt: Date | null }> {
  const { claimed, nextAt } = await claimDue(context.sql, context.owner, context.now(), limit);
  const sends = claimed.map((delivery) =>
    deliverOne(context, delivery).catch((error: unknown) => context.logger.error({ err: error, delivery: delivery.id }, 'an alert delivery attempt failed unexpectedly')),
  );
  return { sends, nextAt };
}

async function deliverOne(context: OutboxContext, delivery: Claimed): Promise<void> {
  const startedAt = context.now();
  const outcome =
    delivery.kind && delivery.settings
      ? await attemptSend(delivery.kind, delivery.settings, delivery.notice, Math.min(context.attemptTimeoutMs ?? ATTEMPT_TIMEOUT_MS, ATTEMPT_TIMEOUT_MS))
      : { ok: false, latencyMs: 0, error: `the channel "${delivery.channel}" is not defined (deleted since)`, retryable: false, statusCode: undefined, receipt: undefined };
  const now = context.now();
  const last = !outcome.ok && (!outcome.retryable || delivery.attempts >= delivery.max_attempts);
  const state = outcome.ok ? 'sent' : last ? 'failed' : 'pending';
  if (!outcome.ok) context.logger.warn({ delivery: delivery.id, channel: delivery.channel, attempt: delivery.attempts, error: outcome.error, statusCode: outcome.statusCode }, last ? 'alert delivery failed for good' : 'alert delivery failed; retrying');
  try {
    await inTransaction(
      context.sql,
      async (sql: SqlClient, events) => {
        await sql.query(
          `insert into alert_delivery_attempts (delivery_id, attempt, started_at, latency_ms, ok, status_code, error, detail) values ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [delivery.id, delivery.attempts, startedAt, outcome.latencyMs, outcome.ok, outcome.statusCode ?? null, outcome.ok ? null : outcome.error, clean(outcome.receipt?.detail)],
        );
        // Only the claim's holder moves the row on: one whose claim lapsed (and was taken) records its attempt, nothing more.
        const { rows } = await sql.query<{ incident_id: number | null }>(
          `update alert_deliveries set state = $3, sent_at = $4, last_error = $5, next_attempt_at = $6, claimed_by = null, claimed_until = null
            where id = $1 and claimed_by = $2 and state = 'pending' returning incident_id::int as incident_id`,
          [delivery.id, context.owner, state, outcome.ok ? now : null, outcome.ok ? null : outcome.error, state === 'pending' ? new Date(now.getTime() + backoffMs(delivery.attempts)) : now],
        );
        const incidentId = rows[0]?.incident_id;
        if (incidentId != null) {
          const { rows: incident } = await sql.query(
            `select i.id::int as id, i.service_name as service, i.state, i.severity, i.status, i.acknowledged_at is not null as acknowledged from alert_incidents i where i.id = $1`,
            [incidentId],
          );
          if (incident[0]) events.record(Channels.alertChanged, { ...incident[0], at: now.toISOString() });
        }
      },
      context.pubsub,
    );
  } catch (error) {
    // The claim lapses and the delivery is attempted again (same message id): at least once.
    context.logger.error({ err: error, delivery: delivery.id }, 'could not record an alert delivery attempt');
  }
}
