/**
 * GraphQL over HTTP (graphql-yoga): GraphiQL in the browser, body and document limits, depth / cost /
 * alias / directive limits, masked unexpected errors, per-operation metrics and the Set-Cookie
 * headers resolvers ask for.
 */
import proxyaddr from 'proxy-addr';
import type { IncomingMessage } from 'node:http';
import { createGraphQLError, createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { GraphQLError, GraphQLSchema, ValidationContext } from 'graphql';
import { LookoutError } from '../errors.ts';
import { isDatabaseUnreachable, reportDatabaseError } from '../db/pool.ts';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { useQueryCostLimit } from './query-cost.ts';
import { useSharedSubscriptions } from './shared-subscriptions.ts';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { buildContext, resolveCaller, type App, type RequestContext } from '../context.ts';
import { CSRF_HEADER } from './cookies.ts';
import { isAllowedOrigin, type OriginPolicy } from './origin.ts';
import type { Metrics } from '../system/metrics.ts';
import { DOCUMENT_LIMITS, useDocumentLimits } from './document-limits.ts';
import { useGraphQLRequestParsing } from './graphql-request.ts';
import { boundedErrorMessage, dropStackFrames, useBoundedRequestErrors, withBoundedMessage } from './error-messages.ts';
import { DocumentCache } from './document-cache.ts';
import { worthCompiling } from './jit-policy.ts';
import { useSubscriptionsOverWebSocketOnly } from './http-subscriptions.ts';

export const QUERY_LIMITS = { maxDepth: 12, maxCost: 5000, maxAliases: 30, maxDirectives: 50, ...DOCUMENT_LIMITS } as const;

/**
 * graphql-armor throws by default, which skips the validation-error path: no code, HTTP 200 whatever
 * the Accept header, and over WebSocket the whole socket closed. Reported, a refusal is an ordinary
 * GRAPHQL_VALIDATION_FAILED error.
 */
const reportedAsValidationError = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
};

interface ServerContext {
  req: IncomingMessage;
}

/** Resolvers queue cookies on the request; this adds them to the response. */
const pendingCookies = new WeakMap<Request, string[]>();

function useResponseCookies(): Plugin {
  return {
    onResponse({ request, response }) {
      for (const cookie of pendingCookies.get(request) ?? []) response.headers.append('set-cookie', cookie);
    },
  };
}

function useOperationMetrics(metrics: Metrics): Plugin<RequestContext> {
  const observe = (operation: string, started: number, ok: boolean) => {
    metrics.graphqlRequests.inc({ operation, outcome: ok ? 'ok' : 'error' });
    metrics.graphqlDuration.observe({ operation }, (performance.now() - started) / 1000);
  };
  return {
    onExecute({ args }) {
      const started = performance.now();
      const operation = operationType(args.document);
      return { onExecuteDone: ({ result }) => observe(operation, started, !('errors' in result && result.errors?.length)) };
    },
    onSubscribe({ args }) {
      const started = performance.now();
      return { onSubscribeResult: ({ result }) => observe('subscription', started, !('errors' in result && (result as { errors?: unknown[] }).errors?.length)) };
    },
  };
}

function operationType(document: { definitions: readonly { kind: string; operation?: string }[] }): string {
  return document.definitions.find((d) => d.kind === 'OperationDefinition')?.operation ?? 'unknown';
}

const trustFunctions = new WeakMap<readonly string[], (address: string, hop: number) => boolean>();

/**
 * The client's address, as the audit log and the sign-in throttle key it: the socket's, or, when
 * the socket is one of `trustedProxies` (LOOKOUT_TRUSTED_PROXIES), the nearest address in
 * X-Forwarded-For that is not itself trusted (proxy-addr): behind a proxy every user otherwise
 * shared its address, and one client's failed sign-ins locked everyone out.
 */
export function clientAddressOf(req: IncomingMessage | undefined, trustedProxies: readonly string[] = []): string | null {
  if (!req?.socket?.remoteAddress) return null;
  let address = req.socket.remoteAddress;
  if (trustedProxies.length) {
    let trust = trustFunctions.get(trustedProxies);
    if (!trust) trustFunctions.set(trustedProxies, (trust = proxyaddr.compile([...trustedProxies])));
    address = proxyaddr(req, trust);
  }
  return address.replace(/^::ffff:/, '').slice(0, 64);
}

export type LookoutYoga = YogaServerInstance<ServerContext, RequestContext>;

/** Whether masked errors carry the original's text (`detail`): in development only. */
const MASK_IS_DEV = process.env.NODE_ENV === 'development';
/** What an unexpected error says to the caller (yoga's default). */
const MASKED_MESSAGE = 'Unexpected error.';

/**
 * yoga's `maskError` for Lookout: Lookout's own errors and the request's (validation, limits,
 * coercion) pass, bounded; anything else is logged and becomes "Unexpected error."
 */
function errorMask(app: App) {
  return (error: unknown, message: string, isDev?: boolean): Error => {
    // Messages may quote the client's input (a field name, a variable's value): never at length.
    error = withBoundedMessage(error as GraphQLError);
    // graphql ships CommonJS and ESM builds and both may be loaded, so walk the chain by shape, not class.
    let original = error as { originalError?: unknown; locations?: unknown; extensions?: unknown };
    while (!(original instanceof LookoutError) && original.originalError) original = original.originalError as typeof original;
    if (original instanceof LookoutError) return error as Error;
    if (original !== null && typeof original === 'object' && 'extensions' in original && 'locations' in original) return error as Error; // validation, limits, coercion
    // An unreachable database is one outage in the log, not a stack per request.
    reportDatabaseError(app.logger, original, 'unexpected error in a GraphQL operation', { path: (error as { path?: unknown }).path });
    // Not a fault of the request: say so, so that clients retry instead of reporting a bug.
    if (isDatabaseUnreachable(original)) {
      return createGraphQLError('Lookout cannot reach its database right now: try again shortly (a change that failed this way was not made).', { extensions: { code: 'SERVICE_UNAVAILABLE' } });
    }
    return createGraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR', ...(isDev && { detail: String(original) }) } });
  };
}

/** The same mask for results made outside yoga's envelope (broadcast.ts). */
export function resultErrorMask(app: App): (error: GraphQLError) => GraphQLError {
  const mask = errorMask(app);
  return (error) => mask(error, MASKED_MESSAGE, MASK_IS_DEV) as GraphQLError;
}

export function createGraphQL(app: App, schema: GraphQLSchema, metrics: Metrics, originPolicy: OriginPolicy): LookoutYoga {
  return createYoga<ServerContext, RequestContext>({
    schema,
    // CORS only for Lookout's own origins (LOOKOUT_PUBLIC_URL, LOOKOUT_ALLOWED_ORIGINS, the Host it is
    // reached at): yoga's default answers every origin, with credentials, so any page could read what
    // a signed-in user's cookies fetched. A request of another origin is refused in http.ts unless it
    // carries an API token; its answer is readable only when the origin is allowed.
    cors: (request) => {
      const origin = request.headers.get('origin');
      if (origin === null || !isAllowedOrigin(origin, request.headers.get('host') ?? undefined, originPolicy)) return false;
      return { origin: [origin], credentials: true, methods: ['GET', 'POST'], allowedHeaders: ['content-type', 'authorization', CSRF_HEADER], maxAge: 600 };
    },
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // useGraphQLRequestParsing counts the body as it streams (a declared Content-Length over the limit
    // was refused in server/http.ts); yoga's own count would cancel the stream and reset the connection.
    maxRequestBodySize: false,
    // Parsed documents are cached by their size as well as their count (see document-cache.ts).
    parserAndValidationCache: { documentCache: new DocumentCache(), errorCache: new DocumentCache() },
    // Nothing in the API takes files: multipart bodies are refused instead of parsed.
    multipart: false,
    graphiql: { title: 'Lookout GraphQL', subscriptionsProtocol: 'WS' },
    logging: {
      debug: (...args) => app.logger.trace({ yoga: args.map(String) }, 'graphql'),
      info: (...args) => app.logger.debug({ yoga: args.map(String) }, 'graphql'),
      warn: (...args) => app.logger.warn({ yoga: args.map(String) }, 'graphql'),
      error: (...args) => app.logger.debug({ yoga: args.map(String) }, 'graphql error'),
    },
    maskedErrors: {
      isDev: MASK_IS_DEV,
      // Unexpected errors are logged in full here; callers only see "Unexpected error." (INTERNAL_SERVER_ERROR).
      maskError: errorMask(app),
    },
    plugins: [
      useGraphQLRequestParsing(app.config.maxBodyBytes),
      useDocumentLimits(),
      useBoundedRequestErrors(),
      maxDepthPlugin({ n: QUERY_LIMITS.maxDepth, ...reportedAsValidationError }),
      useQueryCostLimit(QUERY_LIMITS.maxCost),
      maxAliasesPlugin({ n: QUERY_LIMITS.maxAliases, ...reportedAsValidationError }),
      maxDirectivesPlugin({ n: QUERY_LIMITS.maxDirectives, ...reportedAsValidationError }),
      // Queries are compiled (graphql-jit): the overview grid resolves ~17 fields per service, and
      // compiled execution is several times faster than graphql-js's interpreter for that. A
      // document is compiled when it is asked a second time: compiling costs more than one
      // interpreted run, and a stream of one-off documents (a client generating queries, a fuzzer)
      // spent the event loop compiling what never ran again (bench/fuzz). See jit-policy.ts.
      ...(process.env.LOOKOUT_GRAPHQL_JIT === 'off' ? [] : [useGraphQlJit({}, {
        enableIf: (args) => worthCompiling(args.document),
        // A document graphql-jit cannot compile keeps answering its errors (the plugin caches them with
        // the document): said in Lookout's log, not on the console, and kept without stack frames.
        onError: (result) => {
          for (const error of result.errors ?? []) dropStackFrames(error);
          app.logger.warn({ errors: result.errors?.map((e) => boundedErrorMessage(e.message)) }, 'graphql-jit could not compile a document');
        },
      })]),
      // A status change or a check reaching many sockets is executed once per distinct subscription, not per socket.
      useSharedSubscriptions(),
      useOperationMetrics(metrics),
      useResponseCookies(),
      useSubscriptionsOverWebSocketOnly(),
    ],
    context: async ({ request, req }) => {
      const em = app.orm.em.fork();
      const caller = await resolveCaller(app, em, {
        transport: 'http',
        authorization: request.headers.get('authorization'),
        cookieHeader: request.headers.get('cookie'),
        csrfHeader: request.headers.get(CSRF_HEADER),
      });
      const cookies: string[] = [];
      pendingCookies.set(request, cookies);
      return buildContext(app, {
        ...caller,
        em,
        transport: 'http',
        clientAddress: clientAddressOf(req, app.config.trustedProxies),
        userAgent: request.headers.get('user-agent'),
        setCookie: (cookie) => cookies.push(cookie),
      });
    },
  });
}
