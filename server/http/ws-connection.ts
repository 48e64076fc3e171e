/**
 * One open GraphQL WebSocket: its caller (kept current by ws-callers.ts), its running subscriptions
 * (restarted for a new caller, ended at once at shutdown) and the client's messages in hand, which
 * are checked against the protocol and bounded in number. graphql-ws's protocol core drives it.
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { CloseCode, MessageType, parseMessage, type SubscribePayload } from 'graphql-ws';
import { GraphQLError, getOperationAST, type ExecutionArgs } from 'graphql';
import type { Logger } from '../logger.ts';
import type { Actor } from '../auth/actor.ts';
import { buildContext, resolveCaller, type App, type Credentials, type RequestContext } from '../context.ts';
import { clientAddressOf, type LookoutYoga } from './yoga.ts';
import { LiveSubscription } from './live-subscription.ts';
import { REVOKED, type CallerWatch, type WatchedSocket } from './ws-callers.ts';
import { asGraphQLError, documentError, revokedError, TryAgainLater, unexpected } from './ws-errors.ts';
import type { Broadcast, BroadcastSocket } from './broadcast.ts';
import { takePushable } from './shared-subscriptions.ts';
import { Wire } from './ws-wire.ts';
import { closeReason, declaredVariables, isAsyncIterable, isCompleteOf, payloadBytes, within } from './ws-messages.ts';

/** Bounds on what one socket may ask of the server (its messages are bounded like HTTP bodies). */
export const WS_LIMITS = {
  /** Sockets open at once on one process: past it, an upgrade gets 503 (each holds a file descriptor and memory). */
  maxSockets: 10_000,
  /** Operations in progress at once on one socket, running subscriptions included. */
  maxOperations: 100,
  /** Messages in hand at once before reading from the socket pauses (until half are done). */
  maxPendingMessages: 256,
  /** Their bytes in hand at once before reading pauses likewise (a hundred 4 MiB mutations are 400 MiB). */
  maxPendingBytes: 16 * 1024 * 1024,
  /**
   * A connection_init message: its payload is kept for the socket's life, and only `authorization`
   * is read from it (3.5 MB payloads on 400 anonymous sockets held 1.2 GB).
   */
  maxInitBytes: 16 * 1024,
  /**
   * What running subscriptions keep of their messages (query and declared variables; variables the
   * operation does not declare are dropped): 1 MiB each — ten thousand service names —, 8 MiB
   * together on one socket (100 subscriptions with 3.5 MB of variables each held 700 MB).
   */
  maxSubscriptionBytes: 1024 * 1024,
  maxRetainedBytes: 8 * 1024 * 1024,
} as const;

/** The longest operation id a client may choose (graphql-transport-ws sets no bound; ids are usually counters or UUIDs). */
const MAX_OPERATION_ID_CHARS = 128;
/** The largest ping payload a pong carries back (graphql-ws echoes any). */
const MAX_ECHOED_PING_BYTES = 1024;
/** At shutdown, how long operations in progress may take to finish, and the close handshake. */
const SHUTDOWN_GRACE_MS = 5_000;
const CLOSE_HANDSHAKE_MS = 1_000;
/** Messages a client may send (graphql-transport-ws); `next`, `error` and `connection_ack` are the server's. */
const CLIENT_MESSAGES: ReadonlySet<string> = new Set([MessageType.ConnectionInit, MessageType.Ping, MessageType.Pong, MessageType.Subscribe, MessageType.Complete]);

interface Envelope {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- yoga's envelope returns graphql-js results
  execute: (args: ExecutionArgs) => any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  subscribe: (args: ExecutionArgs) => any;
}

/** An operation prepared on a connection; `ended` aborts its pub/sub subscriptions. */
interface Operation {
  envelope: Envelope;
  connection: Connection;
  id: string;
  ended: AbortController;
}

/** What every connection of an endpoint shares. */
export interface ConnectionServices {
  app: App;
  yoga: LookoutYoga;
  watch: CallerWatch;
  logger: Logger;
  /** By context value: the envelope the operation was prepared with, and its connection. */
  operations: WeakMap<object, Operation>;
  /** Delivers shared subscriptions without a pipeline per subscriber. */
  broadcast: Broadcast;
}

export class Connection implements WatchedSocket, BroadcastSocket {
  credentials: Credentials = { transport: 'ws' };
  actor: Actor | null = null;
  /** Items its broadcast subscribers hold while it is backed up (broadcast.ts counts them). */
  heldItems = 0;
  /** Shutting down, revoked or gone: no new subscription runs. */
  #closing = false;
  #revoked = false;
  #warned = false;
  /** Operations in progress by id (being prepared, executed or streamed), each with its message's token. */
  readonly #operations = new Map<string, object>();
  /** Bumped by each new grant, so that a slower restart for an older one is dropped. */
  #grant = 0;
  /** Running subscriptions, how each started, and what ends the pub/sub subscriptions of its current source. */
  readonly #live = new Map<LiveSubscription<unknown>, { args: ExecutionArgs; subscribe: Envelope['subscribe']; id: string; ended: AbortController }>();
  readonly #inHand = new Set<Promise<void>>();
  #bytesInHand = 0;
  /** What each running subscription keeps of its message, by its message's token (`maxRetainedBytes`). */
  readonly #retained = new Map<object, number>();
  #retainedBytes = 0;
  /** At a restart: the subscriptions whose `complete` is not sent (the client resubscribes them). */
  #restarting: Set<string> | null = null;
  readonly #socket: WebSocket;
  /** Its writes, coalesced per turn, and its keep-alive. */
  readonly #wire: Wire;
  readonly #request: IncomingMessage;
  readonly #services: ConnectionServices;

  constructor(socket: WebSocket, request: IncomingMessage, services: ConnectionServices) {
    this.#socket = socket;
    this.#request = request;
    this.#services = services;
    this.#wire = new Wire(socket, request.socket);
    // `ws` closes the socket itself after a frame error (1009 too big, 1002 malformed): say why once.
    socket.on('error', (err: Error & { code?: string }) => this.#warn('closed a WebSocket that sent a bad frame', err.code ?? err.message));
  }

  /** connection_init: the caller from `authorization` in the payload, or the upgrade's session cookie. */
  async connect(params: Record<string, unknown> | undefined): Promise<boolean> {
    const auth = params?.authorization;
    // graphql-ws keeps the payload for the socket's life: only what is read of it stays.
    if (params) for (const key of Object.keys(params)) if (key !== 'authorization') delete params[key];
    this.credentials = {
      transport: 'ws',
      authorization: typeof auth === 'string' ? (/^Bearer\s/i.test(auth) ? auth : `Bearer ${auth}`) : null,
      cookieHeader: this.#request.headers.cookie,
    };
    let caller;
    try {
      caller = await resolveCaller(this.#services.app, this.#services.app.orm.em.fork(), this.credentials);
    } catch (error) {
      throw new TryAgainLater(error);
    }
    // Credentials that do not check out close the connection (4403); no credentials is anonymous.
    if (caller.credentialsRejected) return false;
    this.actor = caller.actor;
    if (this.actor && !this.#closing) this.#services.watch.add(this);
    return true;
  }

  /** subscribe: the operation's execution arguments, or the errors that end this operation alone. */
  async prepare(id: string, payload: SubscribePayload): Promise<ExecutionArgs | readonly GraphQLError[]> {
    // While the server shuts down, operations still run and subscriptions complete at once (subscribe()).
    if (this.#revoked) return [revokedError()];
    if (this.#operations.size > WS_LIMITS.maxOperations) {
      return [new GraphQLError(`Too many operations on this connection (at most ${WS_LIMITS.maxOperations} at once).`, { extensions: { code: 'RATE_LIMITED' } })];
    }
    let actor: Actor | null | typeof REVOKED;
    try {
      actor = await this.#services.watch.forOperation(this);
    } catch (error) {
      this.#services.logger.warn({ err: String(error) }, 'could not check the caller of a WebSocket operation');
      return [new GraphQLError('Lookout cannot check the credentials of this connection right now: try again.', { extensions: { code: 'SERVICE_UNAVAILABLE' } })];
    }
    if (actor === REVOKED) return [revokedError()];
    try {
      const envelope = this.#services.yoga.getEnveloped({ req: this.#request, params: payload });
      const document = envelope.parse(payload.query);
      const errors = envelope.validate(envelope.schema, document);
      if (errors.length) return errors.map(asGraphQLError);
      const operation = getOperationAST(document, payload.operationName ?? undefined);
      let variableValues = payload.variables;
      if (operation?.operation === 'subscription') {
        // Kept while it runs: only the variables it declares, within the bounds.
        variableValues = declaredVariables(operation, payload.variables);
        const bytes = payloadBytes({ ...payload, variables: variableValues });
        if (bytes > WS_LIMITS.maxSubscriptionBytes) {
          return [new GraphQLError(`A subscription's query and variables may be at most ${WS_LIMITS.maxSubscriptionBytes / 1024} KiB (it is kept while it runs).`, { extensions: { code: 'BAD_USER_INPUT' } })];
        }
        if (this.#retainedBytes + bytes > WS_LIMITS.maxRetainedBytes) {
          return [new GraphQLError(`This connection's subscriptions keep at most ${WS_LIMITS.maxRetainedBytes / 1024 / 1024} MiB of queries and variables together: end some first, or open another connection.`, { extensions: { code: 'RATE_LIMITED' } })];
        }
        // Counted until its message is done (receive), however the subscription ends.
        const token = this.#operations.get(id);
        if (token) {
          this.#retained.set(token, bytes);
          this.#retainedBytes += bytes;
        }
      }
      const ended = new AbortController();
      const contextValue = this.#context(actor, ended.signal);
      this.#services.operations.set(contextValue, { envelope, connection: this, id, ended });
      return { schema: envelope.schema, document, operationName: payload.operationName, variableValues, contextValue };
    } catch (error) {
      return [documentError(this.#services.logger, error)];
    }
  }

  /** A subscription through yoga's envelope, which a new caller restarts and shutdown ends at once. */
  async subscribe(args: ExecutionArgs): Promise<unknown> {
    const { envelope, id, ended } = this.#services.operations.get(args.contextValue as object)!;
    const { subscribe } = envelope;
    let result: unknown;
    try {
      result = await this.#start(subscribe, args, id);
    } catch (error) {
      ended.abort();
      return { errors: [unexpected(this.#services.logger, error, 'a WebSocket subscription failed to start')] };
    }
    if (!isAsyncIterable(result)) {
      ended.abort();
      return result;
    }
    // Ended (by the client's `complete`, say): no longer counted, even before its message is done.
    const live: LiveSubscription<unknown> = new LiveSubscription(result, () => {
      this.#live.get(live)?.ended.abort();
      this.#live.delete(live);
      this.#operations.delete(id);
    });
    this.#live.set(live, { args, subscribe, id, ended });
    if (this.#closing) {
      this.#restarting?.add(id);
      void live.return();
    }
    return live;
  }

  /** A message from the client: checked against the protocol, then handled with the others in hand. */
  receive(text: string, handle: (data: string) => Promise<void>): void {
    if (!this.#wire.open) return;
    let type: string;
    let id: string | undefined;
    try {
      const message = parseMessage(text);
      type = message.type;
      if (message.type === MessageType.Subscribe || message.type === MessageType.Complete) id = message.id;
    } catch (error) {
      return this.#violation(`not a graphql-transport-ws message (${String((error as Error).message).slice(0, 100)})`);
    }
    // The id comes back with every message of its operation: a long one would make the socket a mirror.
    if (id !== undefined && id.length > MAX_OPERATION_ID_CHARS) return this.#violation(`an operation id longer than ${MAX_OPERATION_ID_CHARS} characters`);
    if (type === MessageType.Complete) id = undefined;
    if (!CLIENT_MESSAGES.has(type)) return this.#violation(`a client may not send "${type}"`);
    if (type === MessageType.ConnectionInit && text.length > WS_LIMITS.maxInitBytes) return this.#violation(`a connection_init over ${WS_LIMITS.maxInitBytes / 1024} KiB`);
    // An id in use, even while its subscribe is still being prepared (graphql-ws sees it only once it
    // runs): each reuse had started another operation, uncounted and beyond the client's reach.
    if (id !== undefined && this.#operations.has(id)) return this.#violation(`a second operation with the id of one in progress`, 4409, `Subscriber for ${id} already exists`);
    const token = {};
    if (id !== undefined) this.#operations.set(id, token);
    const bytes = text.length;
    this.#bytesInHand += bytes;
    const handling: Promise<void> = handle(text)
      .catch((error: unknown) => this.#failed(error))
      .finally(() => {
        if (id !== undefined && this.#operations.get(id) === token) this.#operations.delete(id);
        const retained = this.#retained.get(token);
        if (retained !== undefined) {
          this.#retainedBytes -= retained;
          this.#retained.delete(token);
        }
        this.#inHand.delete(handling);
        this.#bytesInHand -= bytes;
        if (this.#socket.isPaused && this.#inHand.size <= WS_LIMITS.maxPendingMessages / 2 && this.#bytesInHand <= WS_LIMITS.maxPendingBytes / 2) this.#socket.resume();
      });
    this.#inHand.add(handling);
    // A flood waits in the kernel (and slows its sender), not in our memory or on the event loop.
    if ((this.#inHand.size > WS_LIMITS.maxPendingMessages || this.#bytesInHand > WS_LIMITS.maxPendingBytes) && !this.#socket.isPaused) this.#socket.pause();
  }

  /** A ping's pong carries its payload back only when it is small: a socket is no mirror for big inputs. */
  pong(payload: Record<string, unknown> | undefined): Promise<void> {
    const echoed = payload === undefined ? undefined : JSON.stringify(payload);
    const carried = echoed !== undefined && echoed.length <= MAX_ECHOED_PING_BYTES;
    return this.send(carried ? `{"type":"pong","payload":${echoed}}` : '{"type":"pong"}');
  }

  /**
   * Starts a subscription through the envelope. A shared subscription whose source says what it
   * takes from its channel is delivered by the broadcast instead: its source, not yet iterated (so
   * not yet listening), is let go.
   */
  async #start(subscribe: Envelope['subscribe'], args: ExecutionArgs, id: string): Promise<unknown> {
    const result: unknown = await subscribe(args);
    const pushable = takePushable(args.contextValue);
    if (!pushable || !isAsyncIterable(result)) return result;
    void Promise.resolve(result[Symbol.asyncIterator]().return?.()).catch(() => {});
    return this.#services.broadcast.member(pushable, this, id);
  }

  /** Open, and not revoked: a broadcast event may be written to it. */
  get deliverable(): boolean {
    return !this.#revoked && this.#wire.open;
  }

  get bufferedBytes(): number {
    return this.#wire.bufferedBytes;
  }

  /** Writes a broadcast `next` message now, without waiting for it to be flushed. */
  sendNow(data: string): void {
    this.#wire.sendNow(data);
  }

  whenDrained(callback: () => void): void {
    this.#wire.whenDrained(callback);
  }

  /** graphql-ws's messages; at a restart, not the `complete` of a subscription the client is to resubscribe. */
  send(data: string): Promise<void> {
    if (this.#restarting?.size && isCompleteOf(data, this.#restarting)) return Promise.resolve();
    return this.#wire.send(data);
  }

  /** graphql-ws closes with a protocol code when the client broke the protocol (4400, 4401, 4409, 4429…). */
  close(code: number, reason: string): void {
    if (code >= 4400 && code < 4500 && code !== CloseCode.Forbidden && code !== CloseCode.ConnectionInitialisationTimeout) {
      this.#warn('closed a WebSocket that broke the protocol', `${code} ${reason}`);
    }
    // graphql-ws's reasons may quote the client's operation id: cut to what a close frame carries.
    this.#socket.close(code, closeReason(reason));
  }

  revoked(): void {
    if (this.#revoked) return;
    this.#services.logger.info({ caller: this.actor?.kind, id: this.actor?.id }, 'closed a WebSocket whose credentials were revoked or expired');
    this.#revoked = true;
    this.#closing = true;
    this.actor = null;
    // After the current tick, so that an operation refused for it still gets its `error` message first.
    setImmediate(() => this.#socket.close(CloseCode.Forbidden, 'Forbidden: the credentials were revoked or have expired'));
  }

  /** Operations from now on see `actor`; running subscriptions start again for it, or end if it may not run them. */
  regranted(actor: Actor): void {
    this.actor = actor;
    const grant = ++this.#grant;
    for (const [live, started] of this.#live) {
      const ended = new AbortController();
      const restarted = this.#start(started.subscribe, { ...started.args, contextValue: this.#context(actor, ended.signal) }, started.id);
      restarted.then(
        (result: unknown) => {
          const current = grant === this.#grant && !live.ended;
          if (!current || !isAsyncIterable(result)) ended.abort();
          if (!current) return;
          if (isAsyncIterable(result)) {
            const previous = this.#live.get(live)!.ended;
            this.#live.set(live, { ...started, ended });
            live.replace(result);
            return previous.abort();
          }
          const errors = (result as { errors?: readonly GraphQLError[] }).errors;
          live.fail(asGraphQLError(errors?.[0] ?? new GraphQLError('This subscription is no longer allowed.', { extensions: { code: 'FORBIDDEN' } })));
        },
        (error: unknown) => {
          ended.abort();
          const failure = unexpected(this.#services.logger, error, 'a WebSocket subscription failed to restart for a new caller');
          if (grant === this.#grant) live.fail(failure);
        },
      );
    }
  }

  /** The socket is gone (whatever closed it). */
  closed(): void {
    this.#wire.stop();
    this.#closing = true;
    this.#services.watch.delete(this);
    for (const live of this.#live.keys()) void live.return();
  }

  /**
   * Server shutdown: subscriptions complete, operations in progress finish, then close 1001. At a
   * `restart` (another worker serves) the subscriptions end without their `complete` — a client
   * resubscribes what was not completed — and the socket closes with 1012 (service restart), which
   * graphql-ws clients retry: they reconnect to the new worker.
   */
  async shutdown({ restart = false } = {}): Promise<void> {
    this.#closing = true;
    if (restart) this.#restarting = new Set([...this.#live.values()].map(({ args }) => this.#services.operations.get(args.contextValue as object)?.id).filter((id) => id !== undefined));
    for (const live of this.#live.keys()) void live.return();
    await within(SHUTDOWN_GRACE_MS, Promise.allSettled(this.#inHand));
    if (this.#socket.readyState === this.#socket.CLOSED) return;
    const gone = new Promise<void>((resolve) => this.#socket.once('close', () => resolve()));
    if (restart) this.#socket.close(1012, 'Service restart');
    else this.#socket.close(1001, 'Server shutting down');
    if (!(await within(CLOSE_HANDSHAKE_MS, gone))) this.#socket.terminate();
  }

  #context(actor: Actor | null, signal: AbortSignal): RequestContext {
    return buildContext(this.#services.app, {
      signal,
      actor,
      csrfRejected: false,
      credentialsRejected: false,
      em: this.#services.app.orm.em.fork(),
      transport: 'ws',
      clientAddress: clientAddressOf(this.#request, this.#services.app.config.trustedProxies),
      userAgent: this.#request.headers['user-agent'] ?? null,
    });
  }

  /** A message handler threw: the database could not say who the caller is, or a bug (logged, 4500). */
  #failed(error: unknown): void {
    if (this.#socket.readyState !== this.#socket.OPEN) return; // a send on a socket that went away
    if (error instanceof TryAgainLater) {
      this.#services.logger.warn({ err: String(error.cause) }, 'could not check the caller of a new WebSocket: asked it to try again');
      return this.#socket.close(1013, 'Try again later');
    }
    unexpected(this.#services.logger, error, 'a WebSocket message could not be handled');
    this.#socket.close(CloseCode.InternalServerError, 'Internal server error');
  }

  #violation(reason: string, code: number = CloseCode.BadRequest, text = 'Bad request'): void {
    this.#warn('closed a WebSocket that broke the protocol', reason);
    this.#socket.close(code, closeReason(text));
  }

  /** One warning per socket, without a stack: a misbehaving client must not flood the log. */
  #warn(message: string, reason: string): void {
    if (this.#warned) return;
    this.#warned = true;
    this.#services.logger.warn({ reason, clientAddress: clientAddressOf(this.#request, this.#services.app.config.trustedProxies) }, message);
  }
}
