/**
 * `lookout maintenance start|end|list`: silence notices around a deploy from a shell or a CI job.
 * With LOOKOUT_URL and LOOKOUT_TOKEN (or --url/--token) it goes through the GraphQL API, as a CI
 * runner with no database access must; otherwise it opens the database as the other commands do.
 * Either way the change is audited (as the token, or as `cli`).
 */
import { parseOptions } from './cli-args.ts';
import { formatDuration, parseDuration } from './duration.ts';
import { LookoutError } from './errors.ts';
import { readBoundedText } from './http/bounded-response.ts';

export class MaintenanceUsageError extends Error {}

export const MAINTENANCE_USAGE = `  maintenance start (--service S ... | --tag T ... | --all) --for D [--reason R] [--name N] [--end-when-healthy]
                                Hold alert notices for those services from now for D ("30m")
  maintenance end [--name N | --service S]
                                End a window now: the named one, those covering S, or (alone)
                                every one-off window this caller started that is still running
  maintenance list              Active and upcoming windows
                                (with LOOKOUT_URL and LOOKOUT_TOKEN, or --url/--token: through the API)`;

interface WindowOut {
  id: number;
  name: string;
  services: string[];
  tags: string[];
  all: boolean;
  active: boolean;
  currentOrNextStart: string | null;
  currentOrNextEnd: string | null;
  reason: string | null;
  source: string;
  createdBy: string | null;
  rrule: string | null;
}

/** What the command needs, through the API or the database. */
interface Backend {
  start(input: Record<string, unknown>): Promise<WindowOut>;
  end(id: number): Promise<WindowOut>;
  list(): Promise<WindowOut[]>;
  /** Who this caller is in `createdBy`. */
  caller(): Promise<string>;
  close(): Promise<void>;
}

const WINDOW_FIELDS = 'id name services tags all active currentOrNextStart currentOrNextEnd reason source createdBy rrule';

/** How long the CLI waits for the server's answer. */
const API_TIMEOUT_MS = 30_000;
/** The most of an answer the CLI reads (its lists are of maintenance windows: far less); past it, not Lookout's answer. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** Text from outside on one short line (a page's start, a server's message). */
const oneLine = (text: string, limit = 200) => text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim().slice(0, limit);

/**
 * The server's GraphQL endpoint from --url / LOOKOUT_URL: an http(s) URL, or a usage error (a bare
 * "fetch failed" or "Failed to parse URL" told nobody what to fix).
 */
function endpointOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new MaintenanceUsageError(`--url (LOOKOUT_URL) must be the server's address, such as http://lookout.internal:4000; got ${JSON.stringify(oneLine(url, 100))}.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new MaintenanceUsageError('--url (LOOKOUT_URL) must be an http:// or https:// address, such as http://lookout.internal:4000.');
  return `${parsed.toString().replace(/\/$/, '')}/graphql`;
}

/** Why a request got no answer, in one sentence naming the server (fetch says only "fetch failed"; the reason is its cause). */
function unreachable(endpoint: string, error: unknown): Error {
  const host = new URL(endpoint).host;
  if ((error as Error)?.name === 'TimeoutError') return new Error(`No answer from Lookout at ${host} within ${API_TIMEOUT_MS / 1000} s.`);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: string })?.code;
  const reason =
    code === 'ECONNREFUSED' ? 'the connection was refused (nothing listening there?)'
    : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'the host name does not resolve'
    : code === 'ECONNRESET' ? 'the connection was reset'
    : oneLine((cause as Error)?.message ?? String(cause));
  return new Error(`Could not reach Lookout at ${host}: ${reason}. Check --url (LOOKOUT_URL).`);
}

function apiBackend(url: string, token: string): Backend {
  const endpoint = endpointOf(url);
  const call = async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    let response: Response;
    let text: string;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(API_TIMEOUT_MS),
      });
      text = await readBoundedText(response, MAX_ANSWER_BYTES);
    } catch (error) {
      throw unreachable(endpoint, error);
    }
    let body: { data?: T; errors?: { message: string; extensions?: { field?: string } }[] };
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`${endpoint} answered HTTP ${response.status} with something that is not GraphQL (is --url the address of a Lookout server?): ${oneLine(text, 100)}`);
    }
    if (body.errors?.length) {
      const [first] = body.errors;
      throw new Error(`${first.extensions?.field ? `(${first.extensions.field}) ` : ''}${first.message}`);
    }
    return body.data as T;
  };
  return {
    start: async (input) => (await call<{ createMaintenanceWindow: WindowOut }>(`mutation($input: MaintenanceWindowInput!) { createMaintenanceWindow(input: $input) { ${WINDOW_FIELDS} } }`, { input })).createMaintenanceWindow,
    end: async (id) => (await call<{ endMaintenanceWindow: WindowOut }>(`mutation($id: Int) { endMaintenanceWindow(id: $id) { ${WINDOW_FIELDS} } }`, { id })).endMaintenanceWindow,
    list: async () => (await call<{ maintenanceWindows: WindowOut[] }>(`{ maintenanceWindows { ${WINDOW_FIELDS} } }`)).maintenanceWindows,
    caller: async () => (await call<{ me: { name: string } | null }>('{ me { name } }').catch(() => ({ me: null }))).me?.name ?? '',
    close: async () => {},
  };
}

async function databaseBackend(): Promise<Backend> {
  const [{ loadConfig }, { createLogger }, { systemClock }, { openDatabase }, { auditedSql }, { createInProcessPubSub }, store, maintenance] = await Promise.all([
    import('./config.ts'),
    import('./logger.ts'),
    import('./clock.ts'),
    import('./db/orm.ts'),
    import('./audit/audit.ts'),
    import('./events/pubsub.ts'),
    import('./alerting/store.ts'),
    import('./alerting/maintenance.ts'),
  ]);
  const db = await openDatabase(loadConfig(), { logger: createLogger(process.env.LOG_LEVEL ?? 'warn', 2) });
  // No server to tell: a running one finds the change at its next pass (a quarter of a second).
  const pubsub = createInProcessPubSub();
  const who = { actor: null, fallback: { type: 'system' as const, label: 'cli' } };
  const view = (w: Awaited<ReturnType<typeof maintenance.loadWindows>>[number]): WindowOut => {
    const now = systemClock.now();
    const occurrence = maintenance.currentOrNext(w, now);
    return {
      id: w.id, name: w.name, services: w.services, tags: w.tags, all: w.everything, active: maintenance.occurrenceAt(w, now) !== null,
      currentOrNextStart: occurrence?.start.toISOString() ?? null, currentOrNextEnd: occurrence?.end.toISOString() ?? null,
      reason: w.reason, source: w.source, createdBy: w.createdBy, rrule: w.rrule,
    };
  };
  return {
    start: async (input) =>
      view(
        await auditedSql(db.sql, who, systemClock, (sql) => store.createMaintenance(sql, input, 'cli', systemClock.now()), {
          action: 'alerting.maintenance.create', input, targetOf: (w) => ({ type: 'maintenance_window', id: w.name }),
        }, pubsub),
      ),
    end: async (id) =>
      view(
        (await auditedSql(db.sql, who, systemClock, (sql) => store.endMaintenance(sql, id, systemClock.now()), {
          action: 'alerting.maintenance.end', input: { id }, target: { type: 'maintenance_window', id: String(id) }, when: (r) => r.changed,
        }, pubsub)).window,
      ),
    list: async () => (await maintenance.loadWindows(db.sql)).map(view),
    caller: async () => 'cli',
    close: () => db.close(),
  };
}

const describeWindow = (w: WindowOut) =>
  `"${w.name}" (${w.all ? 'every service' : [...w.services, ...w.tags.map((t) => `tag ${t}`)].join(', ')})${w.active ? ` until ${w.currentOrNextEnd}` : w.currentOrNextStart ? ` from ${w.currentOrNextStart} to ${w.currentOrNextEnd}` : ' (over)'}`;

export async function maintenanceCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  const { values } = parsedArgs(rest);
  if (sub !== 'start' && sub !== 'end' && sub !== 'list') throw new MaintenanceUsageError('Use: lookout maintenance start|end|list (see below).');
  const url = values.url ?? process.env.LOOKOUT_URL;
  const token = values.token ?? process.env.LOOKOUT_TOKEN;
  if (url && !token) throw new MaintenanceUsageError('--url (LOOKOUT_URL) needs --token (LOOKOUT_TOKEN): an API token of an operator.');
  if (url) endpointOf(url);
  return run(sub, values, url, token);
}

/** The options, or a usage error (parseArgs throws a TypeError with a code, which read as a crash). */
function parsedArgs(args: string[]) {
  try {
    return parseOptions(args, OPTIONS);
  } catch (error) {
    throw new MaintenanceUsageError((error as Error).message);
  }
}

const OPTIONS = {
  service: { type: 'string', multiple: true },
  tag: { type: 'string', multiple: true },
  all: { type: 'boolean' },
  for: { type: 'string' },
  reason: { type: 'string' },
  name: { type: 'string' },
  'end-when-healthy': { type: 'boolean' },
  url: { type: 'string' },
  token: { type: 'string' },
} as const;

async function run(sub: 'start' | 'end' | 'list', values: ReturnType<typeof parsedArgs>['values'], url: string | undefined, token: string | undefined): Promise<void> {
  let input: Record<string, unknown> | undefined;
  if (sub === 'start') {
    if (!values.for) throw new MaintenanceUsageError('--for is required: how long to hold notices, e.g. --for 30m.');
    const ms = parseDuration(values.for, '--for');
    const services = values.service ?? [];
    const tags = values.tag ?? [];
    if (!services.length && !tags.length && !values.all) throw new MaintenanceUsageError('Name what to silence: --service S (repeatable), --tag T or --all.');
    if (values.all && (services.length || tags.length)) throw new MaintenanceUsageError('--all covers every service: give it alone, or name services (--service) and tags (--tag) without it.');
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-').toLowerCase();
    input = {
      name: values.name ?? `cli-${(services[0] ?? tags[0] ?? 'all').replace(/[^a-z0-9._-]/gi, '-').toLowerCase().slice(0, 60)}-${stamp}`,
      services, tags, all: values.all ?? false, duration: formatDuration(ms), reason: values.reason ?? null, endWhenHealthy: values['end-when-healthy'] ?? false,
    };
  }
  const backend = url && token ? apiBackend(url, token) : await databaseBackend();
  try {
    if (sub === 'start') {
      const window = await backend.start(input!);
      console.log(`Maintenance window ${describeWindow(window)} started. End it early with: lookout maintenance end --name ${window.name}`);
      return;
    }
    const windows = await backend.list();
    if (sub === 'list') {
      if (!windows.length) console.log('No active or upcoming maintenance windows.');
      for (const w of windows) console.log(`${w.active ? 'active  ' : 'upcoming'} ${describeWindow(w)}${w.rrule ? ` [${w.rrule}]` : ''}${w.reason ? ` — ${w.reason}` : ''}`);
      return;
    }
    const me = await backend.caller();
    // --service ends the windows that name the service; one covering it by a tag or as `all` covers
    // others too, and is ended by its --name (said below), not by naming one of them.
    const ending = values.name
      ? windows.filter((w) => w.name === values.name)
      : values.service
        ? windows.filter((w) => w.active && w.source !== 'config' && values.service!.some((s) => w.services.includes(s)))
        : windows.filter((w) => w.active && w.source !== 'config' && !w.rrule && w.createdBy === me);
    if (!ending.length) {
      if (values.name) throw new LookoutError('NOT_FOUND', `No maintenance window named "${values.name}" is active or upcoming.`);
      if (values.service) {
        const broad = windows.filter((w) => w.active && w.source !== 'config' && (w.all || w.tags.length)).map((w) => w.name);
        throw new LookoutError('NOT_FOUND', `No active maintenance window names ${values.service.map((s) => `"${s}"`).join(', ')}.${broad.length ? ` Windows covering tags or every service are ended by name: --name ${broad.slice(0, 5).join(' | ')}.` : ''}`);
      }
      throw new LookoutError('NOT_FOUND', 'No active maintenance window to end (give --name or --service).');
    }
    for (const w of ending) console.log(`Ended maintenance window ${describeWindow(await backend.end(w.id))}.`);
  } finally {
    await backend.close();
  }
}
