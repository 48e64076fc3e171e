/**
 * The server's config file (server/config-file.ts): one read and parse, within bounds; sections
 * that each capability registers and validates; reloads applied whole or not at all.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigFile, ConfigFileError, composeSections, readConfigDocument, type ConfigSection, type SectionInput } from '../server/config-file.ts';
import { createLogger } from '../server/logger.ts';
import { openDatabase, type Database } from '../server/db/orm.ts';
import { createInProcessPubSub } from '../server/events/pubsub.ts';
import { systemClock } from '../server/clock.ts';
import { monitoringSection, type MonitoringConfig } from '../server/monitoring/config-file.ts';
import { operationsSection, type OperationsConfig } from '../server/operations/config-file.ts';
import { Operations } from '../server/operations/operations.ts';
import { createTestDatabase, startTestServer, type TestServer } from './support/server.ts';
import { gql, gqlOk } from './support/graphql.ts';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-config-file-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

let files = 0;
async function writeConfig(text: string | Uint8Array): Promise<string> {
  const file = path.join(dir, `config-${++files}.yaml`);
  await fs.writeFile(file, text);
  return file;
}

/** The problems a file is refused with (read and parsed as the server does). */
async function problemsOf(text: string | Uint8Array, sections: ConfigSection<unknown>[] = [monitoringSection, operationsSection], limits = {}): Promise<string[]> {
  const file = await writeConfig(text);
  try {
    composeSections<unknown[]>(await readConfigDocument(file, limits), file, sections);
  } catch (error) {
    if (error instanceof ConfigFileError) return error.problems;
    throw error;
  }
  return [];
}

/** A stand-in for the next issues' sections: records what it is given. */
function recordingSection(keys: string[], entryKeys?: Record<string, string[]>): ConfigSection<SectionInput> & { seen: SectionInput[] } {
  const seen: SectionInput[] = [];
  return { keys, entryKeys, seen, parse: (input) => (seen.push(input), input) };
}

describe('sections', () => {
  it('refuses a top-level key no section owns, naming it and the known ones', async () => {
    expect(await problemsOf('services: []\nalerting:\n  channels: []\nretension:\n  rawDays: 3\n')).toEqual([
      'unknown top-level keys: alerting, retension (expected services, builtin_services, uptime, retention, operations, startup)',
    ]);
  });

  it('gives each section its own keys only, and the keys it owns inside another section’s entries', async () => {
    const alerting = recordingSection(['alerting'], { services: ['alerts'] });
    const file = await writeConfig(`
services:
  - name: api
    kind: tcp
    target: 127.0.0.1:9
    alerts: { channels: [pager] }
  - name: db
    kind: tcp
    target: 127.0.0.1:5
operations:
  types: [{ type: billing.invoice }]
alerting:
  channels: [{ name: pager }]
`);
    const [monitoring, operations] = composeSections<[MonitoringConfig, OperationsConfig, SectionInput]>(await readConfigDocument(file), file, [monitoringSection, operationsSection, alerting]);
    // Monitoring never sees `alerts:` (it would refuse it as an unknown option of the tcp kind).
    expect(monitoring.services.map((s) => [s.name, s.options])).toEqual([['api', {}], ['db', {}]]);
    expect(operations.types.map((t) => t.type)).toEqual(['billing.invoice']);
    expect(alerting.seen).toEqual([
      {
        file,
        values: { alerting: { channels: [{ name: 'pager' }] } },
        entries: { services: [{ index: 0, name: 'api', values: { alerts: { channels: ['pager'] } } }, { index: 1, name: 'db', values: {} }] },
      },
    ]);
  });

  it('lists the problems of every section at once, each with the entry and the reason', async () => {
    const problems = await problemsOf(`
services:
  - name: api
    kind: tcp
    target: 127.0.0.1:9
    tags: core
uptime: { degraded_weight: 2, weight: 1 }
operations:
  types:
    - type: billing.invoice
      retryable: "false"
    - type: billing.invoice
    - { type: report.daily, expected_duration: soon }
startup:
  optional: [worker_online, coffee]
  required: [/etc/key]
`);
    expect(problems).toEqual([
      'services[0] ("api"): tags: tags must be a list of names, got "core".',
      'uptime: unknown key "weight" (expected degradedWeight)',
      'uptime.degradedWeight must be a number from 0 to 1.',
      'operations.types[0].retryable must be true or false.',
      'operations.types[1].type: "billing.invoice" is declared twice.',
      'operations.types[2].expectedDuration must be a duration such as "500ms", "30s", "5m" or "1h", got "soon".',
      'startup.optional: unknown checks "coffee" (expected migrations, critical_services, worker_online, required_files)',
      'startup: unknown key "required" (expected requiredFiles, optional)',
    ]);
  });

  it('reads the catalog’s snake_case keys as the services’ (regression: expected_duration was silently ignored)', async () => {
    const file = await writeConfig('operations:\n  types:\n    - { type: report.daily, expected_duration: 45m, queued_too_long: 1m, heartbeat_timeout: 20s, max_attempts: 5, on_lease_expired: fail }\n');
    const [{ types }] = composeSections<[OperationsConfig]>(await readConfigDocument(file), file, [operationsSection]);
    expect(types[0]).toMatchObject({ expectedDurationMs: 45 * 60_000, queuedTooLongMs: 60_000, heartbeatTimeoutMs: 20_000, maxAttempts: 5, onLeaseExpired: 'fail' });
  });
});

describe('bounds', () => {
  it('refuses a file over 4 MiB without parsing it', async () => {
    const problems = await problemsOf(`services: []\n# ${'x'.repeat(4.5 * 1024 * 1024)}\n`);
    expect(problems).toEqual(['is 4.5 MiB; a config file may be at most 4.0 MiB']);
  });

  it('refuses a YAML alias bomb (each level nine aliases of the one before)', async () => {
    let bomb = 'a0: &a0 [x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 10; i++) bomb += `a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]\n`;
    expect(await problemsOf(bomb)).toEqual(['too many YAML aliases: at most 100 expansions of aliases (*name) are allowed']);
  });

  it('refuses nesting deeper than 64 levels', async () => {
    expect(await problemsOf(`services: ${'['.repeat(65)}${']'.repeat(65)}\n`)).toEqual(['nested deeper than 64 levels']);
    expect(await problemsOf(`services: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`)).toEqual(['nested deeper than 64 levels']);
  });

  it('refuses text that is not UTF-8, a directory and a FIFO (which would block the read) with a clear reason', async () => {
    expect(await problemsOf(Buffer.from([0x73, 0x3a, 0x20, 0xff, 0xfe, 0x0a]))).toEqual(['not UTF-8 text']);
    await expect(readConfigDocument(dir)).rejects.toThrow(/is not a regular file/);
    const fifo = path.join(dir, 'fifo.yaml');
    execFileSync('mkfifo', [fifo]);
    await expect(readConfigDocument(fifo)).rejects.toThrow(/is not a regular file/);
  });

  it('parses off the event loop, and gives up on a file it is too slow on (regression: 300,000 keys held the server for minutes)', async () => {
    // The yaml package checks a mapping's keys for duplicates pair by pair: quadratic.
    const file = await writeConfig(Array.from({ length: 300_000 }, (_, i) => `k${i}: 1`).join('\n'));
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    const started = Date.now();
    const refused = await readConfigDocument(file, { parseTimeoutMs: 1000 }).catch((e: ConfigFileError) => e);
    clearInterval(ticker);
    expect((refused as ConfigFileError).problems).toEqual(['took longer than 1 s to parse; make it smaller or simpler']);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(ticks).toBeGreaterThan(20); // the event loop kept turning meanwhile (held, it would not have ticked)
  });

  it('gives up on a file that needs more than its heap to parse', async () => {
    const file = await writeConfig(`list: [${Array(250_000).fill('"some text"').join(', ')}]\n`);
    const refused = await readConfigDocument(file, { parseHeapMb: 16 }).catch((e: ConfigFileError) => e);
    expect((refused as ConfigFileError).problems).toEqual(['needs more than 16 MB to parse; make it smaller or simpler']);
  });
});

describe('operations without monitoring', () => {
  let db: Database;
  let drop: () => Promise<void>;
  const logger = createLogger('silent');
  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    db = await openDatabase({ databaseUrl: database.url, dataDir: dir }, { logger });
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  it('reads and reloads its catalog and checklist settings through the config file alone', async () => {
    const file = await writeConfig('operations:\n  types: [{ type: billing.invoice, label: Invoices }]\nstartup:\n  optional: [worker_online]\n');
    const configFile = new ConfigFile({ path: file, orm: db.orm, logger });
    const operations = new Operations({ orm: db.orm, sql: db.sql, pubsub: createInProcessPubSub(), clock: systemClock, logger, configFile, runJobs: false });
    const others = recordingSection(['services']); // only what is in the file reaches each section
    configFile.register(others, async () => {});
    await configFile.load();
    expect(operations.catalog.get('billing.invoice').label).toBe('Invoices');
    expect(operations.checklist.settings).toEqual({ requiredFiles: [], optional: ['worker_online'] });
    expect(others.seen[0].values).toEqual({ services: undefined });

    await fs.writeFile(file, 'operations:\n  types: [{ type: billing.invoice, label: Invoice run }, { type: report.daily }]\n');
    expect(await configFile.reload('test')).toBe(true);
    expect(operations.catalog.all().map((p) => [p.type, p.label])).toEqual([['billing.invoice', 'Invoice run'], ['report.daily', 'report.daily']]);
    expect(operations.checklist.settings).toEqual({ requiredFiles: [], optional: [] });

    // Reloads asked for while one waits its turn are that one: a burst of SIGHUPs reads the file once.
    const parsed = others.seen.length;
    expect(await Promise.all(Array.from({ length: 5 }, () => configFile.reload('SIGHUP')))).toEqual([true, true, true, true, true]);
    expect(others.seen.length).toBe(parsed + 1);
    await configFile.close();
  });
});

describe('a reload', () => {
  let ts: TestServer;
  let file: string;
  const admin = () => ({ token: ts.adminToken });
  const GOOD = `
services:
  - { name: api, kind: tcp, target: "127.0.0.1:9" }
operations:
  types: [{ type: billing.invoice, label: Invoices }]
startup:
  optional: [worker_online]
builtin_services: false
`;
  const state = async () => {
    const data = await gqlOk<{ services: { name: string }[]; operationTypes: { type: string; label: string }[]; healthOverview: { configError: string | null } }>(
      ts,
      '{ services { name } operationTypes { type label } healthOverview { configError } }',
      {},
      admin(),
    );
    return { services: data.services.map((s) => s.name), types: data.operationTypes.map((t) => `${t.type}: ${t.label}`), configError: data.healthOverview.configError };
  };

  beforeAll(async () => {
    file = await writeConfig(GOOD);
    ts = await startTestServer({ runScheduler: false, config: { configFile: file } });
  });
  afterAll(async () => {
    await ts?.close();
  });

  it('keeps the last good config when it reads the file empty mid-save (regression: a watch-triggered reload read a truncated file and removed every service and type)', async () => {
    await fs.writeFile(file, ''); // what a save looks like between its truncate and its write
    expect(await ts.server.app.configFile.reload('test')).toBe(false);
    expect(await state()).toEqual({ services: ['api'], types: ['billing.invoice: Invoices'], configError: expect.stringMatching(/config-\d+\.yaml:\n {2}- is empty \(read while being saved\?\); .*`services: \[\]`/) });
    await fs.writeFile(file, '# only a comment\n');
    expect(await ts.server.app.configFile.reload('test')).toBe(false);
    await fs.writeFile(file, GOOD);
    expect(await ts.server.app.configFile.reload('test')).toBe(true);
    expect(await state()).toEqual({ services: ['api'], types: ['billing.invoice: Invoices'], configError: null });
  });

  it('is refused whole when one section is invalid: the others keep their last good values too', async () => {
    // Services change validly; operations do not.
    await fs.writeFile(file, GOOD.replace('services:', 'services:\n  - { name: cache, kind: tcp, target: "127.0.0.1:7" }').replace('label: Invoices', 'label: Invoices, maxAttempts: 0'));
    expect(await ts.server.app.configFile.reload('test')).toBe(false);
    expect(await state()).toEqual({
      services: ['api'],
      types: ['billing.invoice: Invoices'],
      configError: expect.stringMatching(/^Invalid config file .*config-\d+\.yaml:\n {2}- operations\.types\[0\]\.maxAttempts must be a whole number from 1 to 100\.$/),
    });
    // And the other way round.
    await fs.writeFile(file, GOOD.replace('label: Invoices', 'label: Invoice run').replace('"127.0.0.1:9"', '"nowhere"'));
    expect(await ts.server.app.configFile.reload('test')).toBe(false);
    expect(await state()).toMatchObject({ services: ['api'], types: ['billing.invoice: Invoices'], configError: expect.stringMatching(/services\[0\] \("api"\): target: /) });
  });

  it('whose writes fail (a name an API service holds) leaves every section as it was', async () => {
    await gqlOk(ts, 'mutation { createService(input: { name: "mail", kind: "tcp", target: "127.0.0.1:25" }) { name } }', {}, admin());
    await fs.writeFile(file, GOOD.replace('label: Invoices', 'label: Invoice run').replace('services:', 'services:\n  - { name: mail, kind: tcp, target: "127.0.0.1:26" }'));
    expect(await ts.server.app.configFile.reload('test')).toBe(false);
    expect(await state()).toEqual({ services: ['api', 'mail'], types: ['billing.invoice: Invoices'], configError: expect.stringMatching(/an API service already has that name/) });
    const mail = await gql<{ service: { target: string; source: string } }>(ts, '{ service(name: "mail") { target source } }', {}, admin());
    expect(mail.data?.service).toEqual({ target: '127.0.0.1:25', source: 'API' });
  });

  it('is applied whole once the file is good again, and clears the error', async () => {
    await fs.writeFile(file, GOOD.replace('label: Invoices', 'label: Invoice run').replace('services:', 'services:\n  - { name: cache, kind: tcp, target: "127.0.0.1:7" }'));
    expect(await ts.server.app.configFile.reload('test')).toBe(true);
    expect(await state()).toEqual({ services: ['api', 'cache', 'mail'], types: ['billing.invoice: Invoice run'], configError: null });
  });
});
