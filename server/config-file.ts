/**
 * The config file (LOOKOUT_CONFIG) is the server's: read and parsed once, within bounds, then
 * split into sections that each capability registers and validates itself. Reloaded on SIGHUP and
 * when the file changes; a reload is applied only when every section is valid, so the last good
 * configuration stays in force otherwise.
 */
import { createHash } from 'node:crypto';
import { constants, watch, type FSWatcher } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from './logger.ts';
import { BadInputError } from './errors.ts';
import type { ParseReply, ParseRequest } from './config-file-worker.ts';
import { systemClock, type Clock } from './clock.ts';
import { recordSystemActions } from './audit/audit.ts';
import { maskCredentials } from './secret-text.ts';

/** Bounds of a config file: it comes from outside, and a reload must not stall or exhaust the server. */
export interface ConfigLimits {
  maxBytes: number;
  /** Expansions of YAML aliases (`*name`) in all, the "billion laughs" bound. */
  maxAliases: number;
  /** Nesting of mappings and lists. */
  maxDepth: number;
  /** Parsing runs in a worker thread, stopped after this long or past this heap. */
  parseTimeoutMs: number;
  parseHeapMb: number;
}

export const CONFIG_LIMITS: ConfigLimits = { maxBytes: 4 * 1024 * 1024, maxAliases: 100, maxDepth: 64, parseTimeoutMs: 30_000, parseHeapMb: 512 };

/**
 * One part of the config file, read and checked by the capability that uses it. Today:
 * `monitoring/config-file.ts` (services, uptime, retention), `operations/config-file.ts`
 * (operations, startup). The next issues add theirs the same way, one file each, registered by
 * their capability: `alerting` (keys ['alerting'], and `entryKeys: { services: ['alerts'] }` for
 * each service's `alerts:`), `maintenance` (['maintenance']), `runtimes` (['runtimes']).
 */
export interface ConfigSection<T> {
  /** Its top-level keys; no two sections share one, and a key no section owns is refused. */
  readonly keys: readonly string[];
  /**
   * Keys inside each entry of a list another section owns (alerting: `{ services: ['alerts'] }`):
   * taken out of the owner's entries and handed to this section with the entry's index and name.
   */
  readonly entryKeys?: Readonly<Record<string, readonly string[]>>;
  /**
   * Checks its part and returns what the capability applies. Each problem is pushed to `problems`
   * with the entry and the reason (`services[2] ("api"): target: …`); the value is used only when
   * the whole file has none. No I/O: every section is checked before any is applied.
   */
  parse(input: SectionInput, problems: string[]): T;
}

export interface SectionInput {
  /** The file's path; null when there is no config file. */
  file: string | null;
  /** This section's top-level keys and their values (undefined when absent). */
  values: Readonly<Record<string, unknown>>;
  /** For `entryKeys`: per list, its mapping entries' index, name and this section's keys in them. */
  entries: Readonly<Record<string, { index: number; name: unknown; values: Record<string, unknown> }[]>>;
}

/**
 * What a capability does with its validated section: its database writes in `tx` (one transaction
 * for every section of the file), and the in-memory switch it returns, run once they all commit.
 */
export type ApplySection<T> = (value: T, tx: EntityManager, changes: ConfigChanges) => Promise<(() => void) | void>;

/** What a section's apply changed, by name, for the load's audit row (`config.apply`). */
export interface ConfigChanges {
  note(what: string, change: { added?: readonly string[]; updated?: readonly string[]; removed?: readonly string[] }): void;
}

/** A config file that cannot be used, with every reason found. */
export class ConfigFileError extends Error {
  readonly path: string | null;
  readonly problems: string[];
  constructor(path: string | null, problems: string[]) {
    super(`Invalid config file ${path ?? '(none)'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigFileError';
    this.path = path;
    this.problems = problems;
  }
}

/** A key or value as a message may quote it: an attacker's megabyte is not echoed into logs. */
export function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 1)} MiB`;

/** Reads at most `maxBytes` (+1 to know it is more), from a regular file only: a FIFO or a device could block or never end. */
async function readBounded(path: string, maxBytes: number): Promise<Uint8Array> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO would otherwise wait for a writer, holding start-up.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new ConfigFileError(path, [`cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`]);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ConfigFileError(path, ['is not a regular file']);
    const tooBig = (size: string) => new ConfigFileError(path, [`is ${size}; a config file may be at most ${mib(maxBytes)}`]);
    if (stat.size > maxBytes) throw tooBig(mib(stat.size));
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const chunk = new Uint8Array(Math.min(64 * 1024, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw tooBig(`over ${mib(maxBytes)}`); // it grew while being read
    }
    return Buffer.concat(chunks);
  } finally {
    await handle.close();
  }
}

/** Parses in a worker thread, bounded in time and heap; resolves with the document or throws ConfigFileError. */
function parseInWorker(path: string, bytes: Uint8Array, limits: ConfigLimits): Promise<unknown> {
  const request: ParseRequest = { bytes, maxAliases: limits.maxAliases, maxDepth: limits.maxDepth };
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./config-file-worker.ts', import.meta.url), {
      workerData: request,
      resourceLimits: { maxOldGenerationSizeMb: limits.parseHeapMb },
    });
    let settled = false;
    const settle = (problem: string | null, document?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      if (problem === null) resolve(document);
      else reject(new ConfigFileError(path, [problem]));
    };
    const timer = setTimeout(() => settle(`took longer than ${limits.parseTimeoutMs / 1000} s to parse; make it smaller or simpler`), limits.parseTimeoutMs);
    worker.once('message', (reply: ParseReply) => (reply.ok ? settle(null, reply.document) : settle(reply.problem)));
    worker.once('error', (error: Error & { code?: string }) =>
      settle(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `needs more than ${limits.parseHeapMb} MB to parse; make it smaller or simpler` : `cannot be parsed: ${error.message}`),
    );
    worker.once('exit', (code) => settle(`cannot be parsed: the parser stopped (exit code ${code})`));
  });
}

/** Reads and parses a config file within `limits`; throws ConfigFileError naming the path and the reason. */
export async function readConfigDocument(path: string, limits: Partial<ConfigLimits> = {}): Promise<unknown> {
  return (await readConfigFile(path, limits)).document;
}

/** The same, with the sha256 of the bytes read (what the audit tells one applied file from another by). */
export async function readConfigFile(path: string, limits: Partial<ConfigLimits> = {}): Promise<{ document: unknown; sha256: string }> {
  const bounds = { ...CONFIG_LIMITS, ...limits };
  const bytes = await readBounded(path, bounds.maxBytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { document: await parseInWorker(path, bytes, bounds), sha256 };
}

/**
 * Splits a parsed document into the sections' values, in their order, each checked by its
 * section. Keys no section owns are refused, naming them and the known ones (`ignore`: left
 * alone, for a command that reads one section). Throws ConfigFileError with every problem found.
 */
export function composeSections<Values extends unknown[]>(
  document: unknown,
  file: string | null,
  sections: { readonly [K in keyof Values]: ConfigSection<Values[K]> },
  otherKeys: 'refuse' | 'ignore' = 'refuse',
): Values {
  const root = (document ?? {}) as Record<string, unknown>;
  if (typeof root !== 'object' || Array.isArray(root)) throw new ConfigFileError(file, ['the file must be a mapping of sections (services:, operations:, …)']);
  const problems: string[] = [];
  const known = sections.flatMap((s) => s.keys);
  const unknown = Object.keys(root).filter((key) => !known.includes(key));
  if (unknown.length && otherKeys === 'refuse') {
    const named = unknown.slice(0, 10).map((key) => (/^[\w.-]{1,60}$/.test(key) ? key : quote(key)));
    problems.push(`unknown top-level keys: ${named.join(', ')}${unknown.length > 10 ? ` and ${unknown.length - 10} more` : ''} (expected ${known.join(', ')})`);
  }
  // Entry keys owned by another section: list key → those keys.
  const foreign = new Map<string, Set<string>>();
  for (const section of sections) {
    for (const [list, keys] of Object.entries(section.entryKeys ?? {})) for (const key of keys) foreign.set(list, (foreign.get(list) ?? new Set()).add(key));
  }
  const entriesOf = (list: string) => (Array.isArray(root[list]) ? (root[list] as unknown[]) : []).map((entry, index) => ({ entry, index })).filter(({ entry }) => isMapping(entry));
  const values = sections.map((section) => {
    const own: Record<string, unknown> = {};
    for (const key of section.keys) {
      const taken = foreign.get(key);
      own[key] = taken && Array.isArray(root[key]) ? (root[key] as unknown[]).map((entry) => (isMapping(entry) ? without(entry, taken) : entry)) : root[key];
    }
    const entries: SectionInput['entries'] = Object.fromEntries(
      Object.entries(section.entryKeys ?? {}).map(([list, keys]) => [
        list,
        entriesOf(list).map(({ entry, index }) => ({ index, name: (entry as Record<string, unknown>).name, values: pick(entry as Record<string, unknown>, keys) })),
      ]),
    );
    try {
      return section.parse({ file, values: own, entries }, problems);
    } catch (error) {
      // A section's own refusal (the first problem it met), or a value it could not handle.
      const message = (error as Error).message;
      if (!(error instanceof BadInputError)) problems.push(`${section.keys.join(', ')}: ${message}`);
      else problems.push(message.startsWith(error.field) ? message : `${error.field}: ${message}`);
      return undefined;
    }
  });
  if (problems.length) throw new ConfigFileError(file, problems);
  return values as Values;
}

const isMapping = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const without = (entry: Record<string, unknown>, keys: Set<string>) => Object.fromEntries(Object.entries(entry).filter(([key]) => !keys.has(key)));
const pick = (entry: Record<string, unknown>, keys: readonly string[]) => Object.fromEntries(keys.filter((key) => key in entry).map((key) => [key, entry[key]]));

export interface ConfigFileOptions {
  /** LOOKOUT_CONFIG; undefined: no file (each section is given no values and `file: null`). */
  path?: string;
  orm: MikroORM;
  logger: Logger;
  limits?: Partial<ConfigLimits>;
  /** For the audit rows of applied files (default: the system's). */
  clock?: Clock;
}

interface Registered {
  section: ConfigSection<unknown>;
  apply: ApplySection<unknown>;
}

/** The server's config file: capabilities register their sections, then `load` at start-up, `reload` on SIGHUP and on change. */
export class ConfigFile {
  readonly path: string | null;
  /** Why the file was not (re)loaded, while the last good configuration stays in force; null after a good load. */
  error: string | null = null;
  readonly #o: ConfigFileOptions;
  readonly #sections: Registered[] = [];
  #queue: Promise<unknown> = Promise.resolve();
  #waiting: Promise<boolean> | undefined;
  #watcher: FSWatcher | undefined;
  #reloadTimer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Whether the last good load found a document: an empty file after one is a save caught halfway. */
  #hadDocument = false;

  constructor(options: ConfigFileOptions) {
    this.#o = options;
    this.path = options.path ?? null;
  }

  /** A capability's section and the one callback through which it gets each new value of it. */
  register<T>(section: ConfigSection<T>, apply: ApplySection<T>): void {
    const taken = new Set(this.#sections.flatMap((r) => r.section.keys));
    const clash = section.keys.filter((key) => taken.has(key));
    if (clash.length) throw new Error(`Config keys registered twice: ${clash.join(', ')}`);
    this.#sections.push({ section, apply: apply as ApplySection<unknown> });
  }

  /** Reads, checks and applies the file; throws (ConfigFileError: path, entry, reason), so that start-up refuses a bad file. */
  load(): Promise<void> {
    return this.#serial(() => this.#loadNow(false, 'start'));
  }

  /** On SIGHUP or a change: never throws; false, with `error` set, when the last good configuration stays in force. */
  reload(reason: string): Promise<boolean> {
    // A reload still waiting for its turn will read the file as it is then: a second would read the same.
    if (this.#waiting) return this.#waiting;
    const reload = this.#serial(async () => {
      this.#waiting = undefined;
      if (this.#closed) return false;
      try {
        await this.#loadNow(true, reason);
        this.#o.logger.info({ reason, file: this.path }, 'config reloaded');
        return true;
      } catch (error) {
        // Viewers read it (healthOverview.configError): a target's credentials quoted in it are masked.
        this.error = maskCredentials((error as Error).message);
        this.#o.logger.error({ reason, file: this.path, error: this.error }, 'config not reloaded: the last good config stays in force');
        return false;
      }
    });
    this.#waiting = reload;
    return reload;
  }

  /**
   * Watches the file's directory, not the file: editors, atomic writers (a temp file renamed over
   * it) and Kubernetes ConfigMaps (a symlink swap) replace the file, and a watch on the file would
   * follow the old inode and miss every later save.
   */
  watch(): void {
    if (!this.path || this.#closed) return;
    const name = basename(this.path);
    try {
      this.#watcher = watch(dirname(this.path), (_event, changed) => {
        // null: the platform did not say which entry changed. `..data` & co: a ConfigMap's swap.
        if (changed !== null && changed !== name && !changed.startsWith('..')) return;
        clearTimeout(this.#reloadTimer);
        this.#reloadTimer = setTimeout(() => void this.reload('file changed'), 300);
      });
      this.#watcher.on('error', () => {});
    } catch (err) {
      this.#o.logger.warn({ err, path: this.path }, 'cannot watch the config file; reload with SIGHUP');
    }
  }

  /** Stops watching and waits for a reload in progress (its writes must not meet a closed database). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#watcher?.close();
    clearTimeout(this.#reloadTimer);
    await this.#queue;
  }

  /** Every section checked first, then all applied in one transaction, then their in-memory switches. */
  async #loadNow(reloading: boolean, reason: string): Promise<void> {
    const read = this.path ? await this.#readSettled(this.path) : { document: {}, sha256: null };
    const document = read.document;
    // An editor or `>` truncates before it writes: a reload that reads between the two would remove
    // every service and type the file declares. Emptying the file on purpose is written as such.
    const empty = document === null || document === undefined;
    if (reloading && empty && this.#hadDocument) {
      throw new ConfigFileError(this.path, ['is empty (read while being saved?); to remove everything it declares, write the sections as empty lists, e.g. `services: []`']);
    }
    const values = composeSections<unknown[]>(document, this.path, this.#sections.map((r) => r.section));
    const switches = await this.#o.orm.em.fork().transactional(async (tx) => {
      const after: ((() => void) | void)[] = [];
      const noted: Record<string, Record<string, unknown>> = {};
      const changes: ConfigChanges = {
        note(what, change) {
          const lists = Object.entries(change).filter(([, names]) => names && names.length > 0);
          if (lists.length) noted[what] = Object.fromEntries(lists.flatMap(([key, names]) => [[key, names!.slice(0, 50)], [`${key}Count`, names!.length]]));
        },
      };
      for (const [i, { apply }] of this.#sections.entries()) after.push(await apply(values[i], tx, changes));
      await this.#audit(tx, read.sha256, reason, noted);
      return after;
    });
    for (const switchOver of switches) switchOver?.();
    this.#hadDocument = !empty;
    this.error = null;
  }

  /**
   * One audit row (actor `system`, "config file") for a load that applied a file whose content
   * differs from the last one applied at this path — on any replica — or that changed what a
   * section noted (a built-in service of a new version): a load of the same file again writes none.
   */
  async #audit(tx: EntityManager, sha256: string | null, reason: string, noted: Record<string, Record<string, unknown>>): Promise<void> {
    let fileChanged = false;
    if (this.path && sha256) {
      const rows = await tx.getConnection().execute<unknown[]>(
        `insert into config_file_state (path, sha256, applied_at) values (?, ?, ?)
         on conflict (path) do update set sha256 = excluded.sha256, applied_at = excluded.applied_at where config_file_state.sha256 <> excluded.sha256
         returning 1`,
        [this.path, sha256, (this.#o.clock ?? systemClock).now()],
        'all',
        tx.getTransactionContext(),
      );
      fileChanged = rows.length > 0;
    }
    if (!fileChanged && Object.keys(noted).length === 0) return;
    await recordSystemActions(tx, this.#o.clock ?? systemClock, 'config file', [
      { action: 'config.apply', target: { type: 'config_file', id: this.path ?? 'built-in' }, input: { reason, ...(sha256 && { sha256 }), ...noted } },
    ]);
  }

  /**
   * Reads and parses the file, again if it changed while it was read (size, mtime or inode moved): a
   * reload started by the watch while a writer was still writing in place (`>`, fs.writeFile) would
   * otherwise apply a prefix of the new file — a target cut short, the services after the cut
   * removed — and the next reload would apply the rest.
   */
  async #readSettled(path: string): Promise<{ document: unknown; sha256: string }> {
    const fingerprint = async () => {
      const s = await stat(path).catch(() => null);
      return s ? `${s.ino}:${s.size}:${s.mtimeMs}` : null;
    };
    for (let attempt = 1; ; attempt++) {
      const before = await fingerprint();
      const read = await readConfigFile(path, this.#o.limits);
      const after = await fingerprint();
      if (before === after || attempt >= 5) return read;
      this.#o.logger.info({ path }, 'the config file changed while it was read: reading it again');
    }
  }

  /** One load at a time: a SIGHUP during a watch-triggered reload waits its turn. */
  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work);
    this.#queue = run.catch(() => {});
    return run;
  }
}
