/**
 * Keeps the caller of every open WebSocket current, so that no credential outlives its revocation on
 * a socket opened before it. The caller is resolved again for each operation started on a socket,
 * and every few seconds the credentials of all open sockets are read again in a bounded number of
 * queries (at once when any replica announces an access change): a revoked or expired token, a
 * signed-out or expired session or a disabled user closes the socket (4403); a changed role or
 * workspace limit becomes the socket's caller.
 */
import type { Actor } from '../auth/actor.ts';
import { currentSessionActors } from '../auth/sessions.ts';
import { currentTokenActors } from '../auth/tokens.ts';
import { Channels } from '../events/channels.ts';
import { resolveCaller, type App, type Credentials } from '../context.ts';

/** How often open sockets' credentials are read again (a revocation reaches them within this). */
export const CALLER_SWEEP_MS = 2000;

/** An open socket, as the watch sees it. */
export interface WatchedSocket {
  /** The credentials given at connection_init. */
  readonly credentials: Credentials;
  /** The caller as last resolved; null for an anonymous socket, which has nothing to re-check. */
  readonly actor: Actor | null;
  /** The credentials no longer hold: close the socket. */
  revoked(): void;
  /** The same credentials now grant something else: operations see `actor` from now on. */
  regranted(actor: Actor): void;
}

/** The socket's caller may no longer act. */
export const REVOKED = Symbol('revoked');

export class CallerWatch {
  readonly #app: App;
  readonly #sockets = new Set<WatchedSocket>();
  #timer: NodeJS.Timeout | undefined;
  #events: AsyncIterator<unknown> | undefined;
  #sweeping: Promise<void> | null = null;
  #again = false;
  #failing = false;
  #closed = false;

  constructor(app: App) {
    this.#app = app;
  }

  start(): void {
    this.#timer = setInterval(() => this.#wake(), CALLER_SWEEP_MS);
    this.#timer.unref();
    const events = this.#app.pubsub.subscribe(Channels.accessChanged);
    this.#events = events;
    void (async () => {
      for await (const _ of events) this.#wake();
    })().catch((err: unknown) => this.#app.logger.warn({ err }, 'stopped listening for access changes: open WebSockets are re-checked on the timer only'));
  }

  add(socket: WatchedSocket): void {
    this.#sockets.add(socket);
  }

  delete(socket: WatchedSocket): void {
    this.#sockets.delete(socket);
  }

  /**
   * The caller for an operation starting on `socket`, resolved again from its credentials (so an
   * operation never runs for a credential revoked since the last sweep); REVOKED when they no
   * longer hold, after telling the socket.
   */
  async forOperation(socket: WatchedSocket): Promise<Actor | null | typeof REVOKED> {
    if (!socket.actor) return null;
    const { actor } = await resolveCaller(this.#app, this.#app.orm.em.fork(), socket.credentials);
    if (!socket.actor) return REVOKED; // revoked by a sweep meanwhile
    if (!actor || actor.id !== socket.actor.id) {
      socket.revoked();
      return REVOKED;
    }
    if (!sameGrant(socket.actor, actor)) socket.regranted(actor);
    return actor;
  }

  /** Reads the credentials of every authenticated socket again: one query per 1,000 tokens and per 1,000 sessions. */
  async sweep(): Promise<void> {
    const watched = [...this.#sockets].filter((s) => s.actor);
    if (!watched.length) return;
    const tokenIds = new Set<string>();
    const sessionIds = new Set<string>();
    for (const { actor } of watched) {
      if (actor!.session) sessionIds.add(actor!.session.id);
      else tokenIds.add(actor!.id);
    }
    const em = this.#app.orm.em.fork();
    const tokens = await currentTokenActors(em, [...tokenIds], this.#app.clock);
    const sessions = await currentSessionActors(em, [...sessionIds], this.#app.clock);
    for (const socket of watched) {
      const before = socket.actor;
      if (!before || !this.#sockets.has(socket)) continue;
      const now = before.session ? sessions.get(before.session.id) : tokens.get(before.id);
      if (!now) socket.revoked();
      else if (!sameGrant(before, now)) socket.regranted(now);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#events?.return?.();
    await this.#sweeping;
  }

  /** Sweeps now, or once more right after the sweep under way (which may have read before the change). */
  #wake(): void {
    if (this.#closed) return;
    if (this.#sweeping) {
      this.#again = true;
      return;
    }
    this.#sweeping = (async () => {
      do {
        this.#again = false;
        await this.sweep().then(
          () => {
            if (this.#failing) this.#app.logger.info('open WebSockets are re-checked again');
            this.#failing = false;
          },
          (err: unknown) => {
            // Sockets stay open while the database cannot say: logged once per outage, not every 2 s.
            if (!this.#failing) this.#app.logger.warn({ err: String(err) }, 'could not re-check the callers of open WebSockets');
            this.#failing = true;
          },
        );
      } while (this.#again && !this.#closed);
      this.#sweeping = null;
    })();
  }
}

/** Whether two resolutions of one credential grant the same: role, capabilities and workspace limit. */
export function sameGrant(a: Actor, b: Actor): boolean {
  const sameSet = (x: Iterable<string>, y: Iterable<string>) => {
    const left = new Set(x);
    const right = [...y];
    return left.size === new Set(right).size && right.every((v) => left.has(v));
  };
  if (a.id !== b.id || a.role !== b.role || !sameSet(a.capabilities, b.capabilities)) return false;
  if (a.workspaces === null || b.workspaces === null) return a.workspaces === b.workspaces;
  return sameSet(a.workspaces, b.workspaces);
}
