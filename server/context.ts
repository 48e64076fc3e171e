/**
 * What every GraphQL operation sees: its own EntityManager fork, the caller, and the process-wide
 * services. Built per HTTP request and per WebSocket operation by the same function.
 */
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type pg from 'pg';
import type { PubSub } from './events/pubsub.ts';
import { Channels, type ChannelName } from './events/channels.ts';
import type { TransactionEvents } from './events/after-commit.ts';
import type { ConfigFile } from './config-file.ts';
import type { Monitoring } from './monitoring/monitor.ts';
import type { Operations } from './operations/operations.ts';
import type { Alerting } from './alerting/alerting.ts';
import type { Runtimes } from './runtimes/runtimes.ts';
import type { ServiceActions } from './actions/actions.ts';
import type { HostMetrics } from './system/host-metrics.ts';
import type { Supervisor } from './supervisor/link.ts';
import type { Updater } from './updates/updater.ts';
import type { StatusPages } from './status-pages/status-pages.ts';
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import type { Actor } from './auth/actor.ts';
import { actorFromSession } from './auth/sessions.ts';
import { actorFromToken } from './auth/tokens.ts';
import { tokenCacheOf } from './auth/token-cache.ts';
import { audited, auditedCheck, auditedSql, type AuditSpec } from './audit/audit.ts';
import type { SqlClient } from './db/sql.ts';
import { safeEqual } from './auth/secrets.ts';
import { parseCookies, SESSION_COOKIE } from './http/cookies.ts';

/** Process-wide services shared by every request. */
export interface App {
  orm: MikroORM;
  /** Plain SQL for bulk reads and writes (the check time series). */
  sql: pg.Pool;
  pubsub: PubSub;
  /** LOOKOUT_CONFIG, its sections and reloads; `error` while the last good one stays in force. */
  configFile: ConfigFile;
  monitoring: Monitoring;
  operations: Operations;
  alerting: Alerting;
  /** The runtimes of the config file; `process` ones are this replica's own (server/runtimes/runtimes.ts). */
  runtimes: Runtimes;
  /** Services' restart actions and log sources from the config file (server/actions/actions.ts). */
  actions: ServiceActions;
  /** This replica's host metrics sampler (server/system/host-metrics.ts). */
  hostMetrics: HostMetrics;
  /** Base URL for links (setup, heartbeat pings). */
  publicUrl: string;
  config: Config;
  clock: Clock;
  logger: Logger;
  startedAt: Date;
  /** The database is the embedded PostgreSQL (opened by this process, or by Lookout's primary for its worker). */
  embeddedDatabase: boolean;
  version: string;
  /** The link to Lookout's primary: replaces this worker (restart, update); unavailable without the supervisor. */
  supervisor: Supervisor;
  /** Updates from git: check, execute, the runs (server/updates/updater.ts). */
  updater: Updater;
  /** Public status pages and badges: their config section and cached public views (server/status-pages/). */
  statusPages: StatusPages;
}

export interface RequestContext {
  app: App;
  em: EntityManager;
  actor: Actor | null;
  /** A valid session cookie came without the matching CSRF header: the caller is treated as anonymous. */
  csrfRejected: boolean;
  /** Credentials were sent but are not valid (unknown, expired or revoked). */
  credentialsRejected: boolean;
  transport: 'http' | 'ws';
  clientAddress: string | null;
  userAgent: string | null;
  /** Queues a Set-Cookie header for the HTTP response. */
  setCookie(cookie: string): void;
  /**
   * Runs a state-changing action with its audit row (see server/audit/audit.ts). The work records
   * its events on `events`; they are published once the transaction committed (events/after-commit.ts).
   */
  audited<T>(work: (em: EntityManager, events: TransactionEvents) => Promise<T>, spec: AuditSpec<T>): Promise<T>;
  /** An action's checks before its change, outside any transaction: a failure row when one refuses (see `auditedCheck`). */
  auditedCheck<T>(check: () => Promise<T>, spec: AuditSpec<never>): Promise<T>;
  /** The same, for actions written in plain SQL on the pool (workers' dispatch calls). */
  auditedSql<T>(work: (sql: SqlClient, events: TransactionEvents) => Promise<T>, spec: AuditSpec<T>): Promise<T>;
}

export interface Credentials {
  authorization?: string | null;
  cookieHeader?: string | null;
  /** The CSRF header (HTTP only); null on WebSocket, where the upgrade's Origin check protects. */
  csrfHeader?: string | null;
  transport: 'http' | 'ws';
}

export interface ResolvedCaller {
  actor: Actor | null;
  csrfRejected: boolean;
  credentialsRejected: boolean;
}

/** Finds the caller from a bearer token or the session cookie. */
export async function resolveCaller(app: App, em: EntityManager, credentials: Credentials): Promise<ResolvedCaller> {
  const bearer = /^Bearer\s+(.+)$/i.exec(credentials.authorization?.trim() ?? '')?.[1];
  if (bearer) {
    // HTTP calls use the replica's short-lived token cache; a WebSocket reads its token fresh (its
    // re-check on an access change must never see the cache before the change empties it).
    const cache = credentials.transport === 'http' ? tokenCacheOf(app.pubsub) : undefined;
    const actor = await actorFromToken(em, bearer, app.clock, cache);
    return { actor, csrfRejected: false, credentialsRejected: !actor };
  }
  const cookies = parseCookies(credentials.cookieHeader);
  const secret = cookies[SESSION_COOKIE];
  if (!secret) return { actor: null, csrfRejected: false, credentialsRejected: false };
  const actor = await actorFromSession(em, secret, app.clock);
  if (!actor) return { actor: null, csrfRejected: false, credentialsRejected: false };
  if (credentials.transport === 'http') {
    const header = credentials.csrfHeader ?? '';
    if (!header || !safeEqual(header, actor.session!.csrfToken)) return { actor: null, csrfRejected: true, credentialsRejected: false };
  }
  return { actor, csrfRejected: false, credentialsRejected: false };
}

/** Audited actions after which a credential may grant less than before, or nothing. */
const ACCESS_REDUCING_ACTIONS = new Set(['auth.token.revoke', 'auth.session.delete', 'auth.user.set_role', 'auth.user.set_workspaces', 'auth.user.disable']);

/**
 * Records, in the action's transaction, that access changed: every replica re-checks its open
 * WebSockets once it has committed (the periodic re-check still catches it if the event is lost).
 */
function announceAccessChange(app: App, events: TransactionEvents, action: string): void {
  if (!ACCESS_REDUCING_ACTIONS.has(action)) return;
  events.record(Channels.accessChanged, { action });
  // This replica's cached tokens go at once, before the caller hears back (other replicas: the event).
  events.afterCommit(() => tokenCacheOf(app.pubsub).forget());
}

export interface ContextInput extends ResolvedCaller {
  transport: 'http' | 'ws';
  clientAddress: string | null;
  userAgent: string | null;
  em: EntityManager;
  setCookie?: (cookie: string) => void;
  /**
   * Ends the operation's pub/sub subscriptions when it aborts. A subscription's source suspended
   * while waiting for an event cannot be returned before that event comes (an async generator's
   * `return()` waits), so on a quiet channel it would stay listening after the client left.
   */
  signal?: AbortSignal;
}

/**
 * Events one client's subscription may leave waiting for it before it is ended (`FellBehind`): a
 * batch of stored checks is up to 500 checks (~100 KB), so a hundred of them; any other event is a
 * few hundred bytes. Past that the client is not reading (its socket is full), and holding every
 * later event for it would grow the server's memory for as long as it stays connected.
 */
export const CLIENT_QUEUE_LIMITS: { readonly [N in ChannelName]?: number } & { default: number } = { [Channels.checksRecorded]: 100, default: 10_000 };

/**
 * The app as one operation sees it: every pub/sub subscription it makes ends when `signal` aborts,
 * and holds a bounded number of events for its client (CLIENT_QUEUE_LIMITS).
 */
function scopedApp(app: App, signal: AbortSignal): App {
  const subscribe: PubSub['subscribe'] = <N extends ChannelName>(channel: N, own?: AbortSignal) =>
    app.pubsub.subscribe(channel, own ? AbortSignal.any([own, signal]) : signal, { maxQueued: CLIENT_QUEUE_LIMITS[channel] ?? CLIENT_QUEUE_LIMITS.default });
  const pubsub: PubSub = Object.create(app.pubsub, { subscribe: { value: subscribe } });
  return Object.create(app, { pubsub: { value: pubsub } });
}

export function buildContext(app: App, input: ContextInput): RequestContext {
  const who = () => ({ actor: context.actor, clientAddress: input.clientAddress });
  const context: RequestContext = {
    app: input.signal ? scopedApp(app, input.signal) : app,
    em: input.em,
    actor: input.actor,
    csrfRejected: input.csrfRejected,
    credentialsRejected: input.credentialsRejected,
    transport: input.transport,
    clientAddress: input.clientAddress,
    userAgent: input.userAgent,
    setCookie: input.setCookie ?? (() => {}),
    audited: (work, spec) =>
      audited(
        input.em,
        who(),
        app.clock,
        async (em, events) => {
          const result = await work(em, events);
          // A call that changed nothing changes no one's access either.
          if (!spec.when || spec.when(result)) announceAccessChange(app, events, spec.action);
          return result;
        },
        spec,
        app.pubsub,
      ),
    auditedCheck: (check, spec) => auditedCheck(input.em, who(), app.clock, check, spec),
    auditedSql: (work, spec) =>
      auditedSql(
        app.sql,
        who(),
        app.clock,
        async (sql, events) => {
          const result = await work(sql, events);
          if (!spec.when || spec.when(result)) announceAccessChange(app, events, spec.action);
          return result;
        },
        spec,
        app.pubsub,
      ),
  };
  return context;
}

