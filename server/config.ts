/**
 * Reads Lookout's settings from the environment, once, into a plain object.
 * Every setting has a default so `npm start` works with no configuration at all.
 */
import proxyaddr from 'proxy-addr';
import path from 'node:path';
import { BadInputError } from './errors.ts';

export interface Config {
  /** TCP port for HTTP and WebSocket; 0 picks a free one (tests). */
  port: number;
  host: string;
  /** External PostgreSQL; when unset the embedded database under `dataDir` is used. */
  databaseUrl?: string;
  redisUrl?: string;
  /** First part of every Redis channel name (LOOKOUT_REDIS_PREFIX), followed by REDIS_URL's database number: deployments sharing a Redis server stay apart. */
  redisPrefix: string;
  /** Where the embedded database and runtime files live. */
  dataDir: string;
  configFile?: string;
  /** Ensures an admin API token with exactly this secret exists after start-up. */
  bootstrapToken?: string;
  logLevel: string;
  /** Public URL used in printed links (the setup link); defaults to http://HOST:PORT. */
  publicUrl?: string;
  /** How long a sign-in session lasts. */
  sessionTtlMs: number;
  /** Set the `Secure` flag on cookies (on by default when publicUrl is https). */
  secureCookies: boolean;
  /** Directory holding the built dashboard. */
  clientDir: string;
  /** Extra origins allowed to open WebSockets (LOOKOUT_ALLOWED_ORIGINS, comma-separated), e.g. a Vite dev server. */
  allowedOrigins: string[];
  /** Largest request body accepted (LOOKOUT_MAX_BODY_BYTES); a larger one is refused with 413. */
  maxBodyBytes: number;
  /**
   * Set the database's autovacuum_naptime from the checks asked for and the rows written (LOOKOUT_PACE_AUTOVACUUM, true or
   * false; server/monitoring/autovacuum-pace.ts). Unset: on for the embedded PostgreSQL, off for
   * DATABASE_URL's server, which may serve others (on, it needs a superuser: ALTER SYSTEM).
   */
  paceAutovacuum?: boolean;
  /**
   * The embedded PostgreSQL's `shared_buffers` in MB (LOOKOUT_EMBEDDED_SHARED_BUFFERS_MB, default 32;
   * server/db/embedded.ts): every buffer once written stays in its processes' memory, so this bounds
   * what the database grows to as checks are written. Not used with DATABASE_URL.
   */
  embeddedSharedBuffersMb: number;
  /**
   * Whether /metrics lists every service by name without credentials (LOOKOUT_METRICS_PUBLIC,
   * default false): otherwise `lookout_service_status` goes only to a scraper with an API token
   * (any role), and anonymous scrapes get the rest.
   */
  metricsPublic?: boolean;
  /**
   * The reverse proxies in front of Lookout (LOOKOUT_TRUSTED_PROXIES: addresses, CIDR ranges, or
   * `loopback`, `linklocal`, `uniquelocal`, comma-separated): a request from one of them is taken to
   * be from the address its X-Forwarded-For names (the nearest not itself trusted). Unset: the
   * socket's address, and X-Forwarded-For is ignored.
   */
  trustedProxies?: string[];
}

const projectRoot = path.resolve(import.meta.dirname, '..');

function intFrom(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new BadInputError(name, `${name} must be a non-negative whole number, got "${raw}"`);
  }
  return value;
}

function booleanFrom(name: string, raw: string | undefined): boolean | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw new BadInputError(name, `${name} must be true or false, got "${raw.slice(0, 80)}"`);
}

/** LOOKOUT_TRUSTED_PROXIES, each entry checked (proxy-addr's forms): a typo must not trust the wrong address. */
function trustedProxiesFrom(raw: string | undefined): string[] {
  const list = (raw ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const entry of list) {
    try {
      proxyaddr.compile(entry);
    } catch {
      throw new BadInputError('LOOKOUT_TRUSTED_PROXIES', `LOOKOUT_TRUSTED_PROXIES: "${entry.slice(0, 80)}" is not an address, a CIDR range (10.0.0.0/8), loopback, linklocal or uniquelocal`);
    }
  }
  return list;
}

/** The embedded PostgreSQL's `shared_buffers` unless LOOKOUT_EMBEDDED_SHARED_BUFFERS_MB says otherwise. */
export const EMBEDDED_SHARED_BUFFERS_MB = 32;

function sharedBuffersFrom(raw: string | undefined): number {
  const name = 'LOOKOUT_EMBEDDED_SHARED_BUFFERS_MB';
  const mb = intFrom(name, raw, EMBEDDED_SHARED_BUFFERS_MB);
  // PostgreSQL needs at least two buffers a connection (100) and refuses to start on fewer.
  if (mb < 2 || mb > 1024 * 1024) throw new BadInputError(name, `${name} must be a whole number of MB from 2 to 1048576, got "${raw}"`);
  return mb;
}

const REDIS_PREFIX = /^[A-Za-z0-9._-]{1,64}$/;

function redisPrefixFrom(raw: string | undefined): string {
  if (raw === undefined || raw === '') return 'lookout';
  if (!REDIS_PREFIX.test(raw)) {
    throw new BadInputError('LOOKOUT_REDIS_PREFIX', `LOOKOUT_REDIS_PREFIX must be 1 to 64 letters, digits, ".", "_" or "-", got "${raw.slice(0, 80)}"`);
  }
  return raw;
}

/** Builds the configuration from `env` (process.env by default). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = intFrom('PORT', env.PORT, 4000);
  const host = env.HOST || '0.0.0.0';
  const publicUrl = env.LOOKOUT_PUBLIC_URL || undefined;
  return {
    port,
    host,
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    redisPrefix: redisPrefixFrom(env.LOOKOUT_REDIS_PREFIX),
    dataDir: path.resolve(env.LOOKOUT_DATA_DIR || '.lookout'),
    configFile: env.LOOKOUT_CONFIG || undefined,
    bootstrapToken: env.LOOKOUT_BOOTSTRAP_TOKEN || undefined,
    logLevel: env.LOG_LEVEL || 'info',
    publicUrl,
    sessionTtlMs: intFrom('LOOKOUT_SESSION_TTL_HOURS', env.LOOKOUT_SESSION_TTL_HOURS, 12) * 3600_000,
    secureCookies: env.LOOKOUT_SECURE_COOKIES ? env.LOOKOUT_SECURE_COOKIES === 'true' : publicUrl?.startsWith('https:') ?? false,
    clientDir: path.join(projectRoot, 'dist', 'client'),
    allowedOrigins: (env.LOOKOUT_ALLOWED_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean),
    maxBodyBytes: intFrom('LOOKOUT_MAX_BODY_BYTES', env.LOOKOUT_MAX_BODY_BYTES, 4 * 1024 * 1024),
    paceAutovacuum: booleanFrom('LOOKOUT_PACE_AUTOVACUUM', env.LOOKOUT_PACE_AUTOVACUUM),
    embeddedSharedBuffersMb: sharedBuffersFrom(env.LOOKOUT_EMBEDDED_SHARED_BUFFERS_MB),
    metricsPublic: booleanFrom('LOOKOUT_METRICS_PUBLIC', env.LOOKOUT_METRICS_PUBLIC) ?? false,
    trustedProxies: trustedProxiesFrom(env.LOOKOUT_TRUSTED_PROXIES),
  };
}

export { projectRoot };
