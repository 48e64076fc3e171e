import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigFileError, composeSections, readConfigDocument } from '../../server/config-file.ts';
import { monitoringSection, type MonitoringConfig } from '../../server/monitoring/config-file.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/graphql.ts';

const GOOD = `
services:
  - name: api
    kind: http
    target: http://127.0.0.1:9/health
    interval: 30s
    timeout: 2s
    critical: true
    tags: [core]
  - name: db
    kind: tcp
    target: 127.0.0.1:5
    depends_on: [api]
    failure_threshold: 3
uptime:
  degradedWeight: 0.25
`;

/** GOOD with more TCP services. */
const withServices = (...extra: string[]) => GOOD.replace('uptime:', `${extra.map((name) => `  - name: ${name}\n    kind: tcp\n    target: 127.0.0.1:7\n`).join('')}uptime:`);

/** Saves as atomic writers and many editors do: a temp file in the same directory, renamed over the file. */
async function saveByRename(file: string, text: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  await fs.writeFile(temp, text);
  await fs.rename(temp, file);
}

/** Waits (up to 10 s) for the file watcher to have loaded a service. */
async function waitForService(ts: TestServer, name: string): Promise<void> {
  const known = async () => (await gqlOk<{ services: { name: string }[] }>(ts, '{ services { name } }', {}, { token: ts.adminToken })).services.some((s) => s.name === name);
  const deadline = Date.now() + 10_000;
  while (!(await known()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

/** Monitoring's section of `text`, read from a real file as the server reads it. */
async function parseConfig(text: string, name = 'lookout.yaml'): Promise<MonitoringConfig> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-parse-'));
  try {
    const file = path.join(dir, name);
    await fs.writeFile(file, text);
    return composeSections<[MonitoringConfig]>(await readConfigDocument(file), file, [monitoringSection])[0];
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

describe('config file parsing', () => {
  it('reads services with durations, snake_case keys and settings', async () => {
    const config = await parseConfig(GOOD);
    expect(config.services.map((s) => [s.name, s.intervalMs, s.timeoutMs, s.critical])).toEqual([
      ['api', 30_000, 2000, true],
      ['db', 30_000, 10_000, false],
    ]);
    expect(config.services[1]).toMatchObject({ dependsOn: ['api'], failureThreshold: 3 });
    expect(config.settings.degradedWeight).toBe(0.25);
  });

  it('refuses a bad file with the path, the entry and the reason, listing every problem', async () => {
    const bad = `
services:
  - name: api
    kind: http
    target: http://x
    interval: sometimes
  - name: api
    kind: tcp
    target: 127.0.0.1:1
  - name: worker
    kind: tcp
    target: nowhere
  - name: reporter
    kind: tcp
    target: 127.0.0.1:2
    dependsOn: [ghost]
`;
    const error = await parseConfig(bad, 'srv-lookout.yaml').catch((e: unknown) => e as ConfigFileError);
    expect(error).toBeInstanceOf(ConfigFileError);
    expect((error as ConfigFileError).message).toMatch(/^Invalid config file \/.*\/srv-lookout\.yaml:/);
    expect((error as ConfigFileError).problems).toEqual([
      expect.stringMatching(/^services\[0\] \("api"\): interval: interval must be a duration/),
      expect.stringMatching(/^services\[1\] \("api"\): name: the name "api" is used twice/),
      expect.stringMatching(/^services\[2\] \("worker"\): target: /),
      expect.stringMatching(/^services \("reporter"\): dependsOn: Unknown services in dependsOn: ghost/),
    ]);
  });

  it('says where YAML syntax is broken', async () => {
    await expect(parseConfig('services:\n  - name: [unclosed\n')).rejects.toThrow(/not valid YAML \(line \d+\)/);
  });

  it('refuses a field of the wrong type, naming it (regression: `tags: core` failed with "values.map is not a function")', async () => {
    const error = await parseConfig(`
services:
  - { name: api, kind: tcp, target: "127.0.0.1:9", tags: core }
  - { name: db, kind: tcp, target: "127.0.0.1:5", depends_on: api, critical: "yes" }
  - { name: web, kind: tcp, target: "127.0.0.1:8", options: [1], failure_threshold: "3" }
retention: { raw_days: 3, rollups: 10 }
`).catch((e: unknown) => e as ConfigFileError);
    expect((error as ConfigFileError).problems).toEqual([
      'services[0] ("api"): tags: tags must be a list of names, got "core".',
      'services[1] ("db"): dependsOn: dependsOn must be a list of names, got "api".',
      'services[2] ("web"): options: options must be a mapping, got [1].',
      'retention: unknown key "rollups" (expected rawDays, rollupDays)',
    ]);
    await expect(parseConfig('services:\n  - { name: db, kind: tcp, target: "127.0.0.1:5", critical: "yes" }\n')).rejects.toThrow(/critical: critical must be true or false, got "yes"/);
    await expect(parseConfig('services:\n  - { name: db, kind: tcp, target: "127.0.0.1:5", failure_threshold: "3" }\n')).rejects.toThrow(/failureThreshold: failureThreshold must be a whole number, got "3"/);
  });

  it('refuses keys named like Object.prototype properties as the unknown options they are (regression: `__proto__` in a service was dropped silently, `constructor` said "must be undefined")', async () => {
    const refused = async (extra: string) => ((await parseConfig(`services:\n  - { name: api, kind: http, target: "http://127.0.0.1:9/", ${extra} }\n`).catch((e: unknown) => e)) as ConfigFileError).problems;
    expect(await refused('__proto__: { method: POST }')).toEqual([expect.stringMatching(/^services\[0\] \("api"\): options\.__proto__: Unknown option "__proto__" for a http check/)]);
    expect(await refused('constructor: 1')).toEqual([expect.stringMatching(/^services\[0\] \("api"\): options\.constructor: Unknown option "constructor"/)]);
    expect(await refused('toString: x')).toEqual([expect.stringMatching(/options\.toString: Unknown option "toString"/)]);
    expect(await refused('options: { __proto__: 1 }')).toEqual([expect.stringMatching(/options\.__proto__: Unknown option "__proto__"/)]);
    // A header of that name is kept and sent like any other, not dropped.
    const config = await parseConfig('services:\n  - { name: api, kind: http, target: "http://127.0.0.1:9/", headers: { __proto__: x, constructor: y } }\n');
    expect(Object.entries(config.services[0].options.headers as object)).toEqual([['__proto__', 'x'], ['constructor', 'y']]);
  });

  it('refuses an interval too long to store (regression: 30d reached the int4 column and failed there)', async () => {
    await expect(parseConfig('services:\n  - { name: db, kind: tcp, target: "127.0.0.1:5", interval: 30d }\n')).rejects.toThrow(/services\[0\] \("db"\): interval: The interval must be at most 7d\./);
    await expect(parseConfig('services:\n  - { name: db, kind: tcp, target: "127.0.0.1:5", interval: 1e400 }\n')).rejects.toThrow(/interval: interval must be at most 366d\./);
  });

  it('allows command services only from the file', async () => {
    const config = await parseConfig('services:\n  - name: backup\n    kind: command\n    target: /bin/true\n');
    expect(config.services[0].kind).toBe('command');
  });
});

describe('a server with LOOKOUT_CONFIG', () => {
  let ts: TestServer;
  let dir: string;
  let file: string;
  const admin = () => ({ token: ts.adminToken });
  const all = async () => (await gqlOk<{ services: { name: string; source: string }[] }>(ts, '{ services { name source } }', {}, admin())).services;
  /** The file's services (the built-in self-monitoring is kept beside them). */
  const names = async () => (await all()).filter((s) => s.source !== 'BUILTIN');

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-config-'));
    file = path.join(dir, 'lookout.yaml');
    await fs.writeFile(file, GOOD);
    ts = await startTestServer({ runScheduler: false, config: { configFile: file } });
  });
  afterAll(async () => {
    await ts?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('monitors the services of the file beside its own built-in ones (regression: setting LOOKOUT_CONFIG silently dropped the self-monitoring)', async () => {
    expect(await names()).toEqual([
      { name: 'api', source: 'CONFIG' },
      { name: 'db', source: 'CONFIG' },
    ]);
    expect((await all()).filter((s) => s.source === 'BUILTIN').map((s) => s.name).sort()).toEqual(['event-bus', 'filesystem', 'host', 'lookout', 'postgres']);
  });

  it('refuses to edit or delete a config service through the API, saying where it comes from', async () => {
    const result = await gql(ts, 'mutation { updateService(name: "api", input: { kind: "http", target: "http://x" }) { name } }', {}, admin());
    expect(result.errors?.[0].extensions?.code).toBe('CONFLICT');
    expect(result.errors?.[0].message).toContain(file);
    const pause = await gqlOk<{ pauseService: { paused: boolean } }>(ts, 'mutation { pauseService(name: "db") { paused } }', {}, admin());
    expect(pause.pauseService.paused).toBe(true); // operators may still pause it
  });

  it('keeps the last good config when the file becomes invalid, and reports the error', async () => {
    await fs.writeFile(file, 'services:\n  - name: api\n    kind: http\n    target: not a url\n');
    expect(await ts.server.app.configFile.reload('test')).toBe(false);
    expect((await names()).map((s) => s.name)).toEqual(['api', 'db']);
    const overview = await gqlOk<{ healthOverview: { configError: string } }>(ts, '{ healthOverview { configError } }', {}, admin());
    expect(overview.healthOverview.configError).toMatch(/services\[0\] \("api"\): target/);
  });

  it('reloads by itself when the file changes', async () => {
    await fs.writeFile(file, `${GOOD}\n  - name: cache\n    kind: tcp\n    target: 127.0.0.1:7\n`.replace('uptime:\n  degradedWeight: 0.25\n', '') + 'uptime:\n  degradedWeight: 0.25\n');
    const deadline = Date.now() + 10_000;
    while (!(await names()).some((s) => s.name === 'cache') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((await names()).map((s) => s.name)).toEqual(['api', 'cache', 'db']);
    const overview = await gqlOk<{ healthOverview: { configError: string | null } }>(ts, '{ healthOverview { configError } }', {}, admin());
    expect(overview.healthOverview.configError).toBeNull();
  });

  it('keeps reloading after saves that replace the file (a temp file renamed over it)', async () => {
    await saveByRename(file, withServices('cache', 'queue'));
    await waitForService(ts, 'queue');
    // The second replacement is the one a watch on the file itself missed: it followed the old inode.
    await saveByRename(file, withServices('cache', 'queue', 'mail'));
    await waitForService(ts, 'mail');
    expect((await names()).map((s) => s.name)).toEqual(['api', 'cache', 'db', 'mail', 'queue']);
  });

  it('refuses through the API too an interval too long to store (regression: it answered INTERNAL_SERVER_ERROR)', async () => {
    const result = await gql(ts, 'mutation { createService(input: { name: "weekly", kind: "tcp", target: "127.0.0.1:9", interval: "30d" }) { name } }', {}, admin());
    expect(result.errors?.[0]).toMatchObject({ message: 'The interval must be at most 7d.', extensions: { code: 'BAD_USER_INPUT', field: 'interval' } });
  });

  it('refuses to start with an invalid file, naming the path, entry and reason', async () => {
    const badFile = path.join(dir, 'bad.yaml');
    await fs.writeFile(badFile, 'services:\n  - name: x\n    kind: tcp\n    target: 127.0.0.1:1\n    interval: 10ms\n');
    await expect(startTestServer({ config: { configFile: badFile } })).rejects.toThrow(/Invalid config file .*bad\.yaml:\n {2}- services\[0\] \("x"\): interval: The interval must be at least 1s/);
  });
});

describe('a server with LOOKOUT_CONFIG mounted from a Kubernetes ConfigMap', () => {
  let ts: TestServer;
  let dir: string;

  /** Updates the mount as the kubelet does: a new `..<version>` directory, then the `..data` symlink swapped to it. */
  async function publish(version: string, text: string): Promise<void> {
    await fs.mkdir(path.join(dir, `..${version}`));
    await fs.writeFile(path.join(dir, `..${version}`, 'lookout.yaml'), text);
    await fs.symlink(`..${version}`, path.join(dir, '..data_tmp'));
    await fs.rename(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
  }

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-configmap-'));
    await publish('v1', GOOD);
    await fs.symlink('..data/lookout.yaml', path.join(dir, 'lookout.yaml'));
    ts = await startTestServer({ runScheduler: false, config: { configFile: path.join(dir, 'lookout.yaml') } });
  });
  afterAll(async () => {
    await ts?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reloads on every update, though lookout.yaml itself never changes', async () => {
    await publish('v2', withServices('queue'));
    await waitForService(ts, 'queue');
    await publish('v3', withServices('queue', 'mail'));
    await waitForService(ts, 'mail');
    const { services } = await gqlOk<{ services: { name: string; source: string }[] }>(ts, '{ services { name source } }', {}, { token: ts.adminToken });
    expect(services.filter((s) => s.source === 'CONFIG').map((s) => s.name)).toEqual(['api', 'db', 'mail', 'queue']);
  });
});

describe('the built-in self-monitoring beside a config file', () => {
  const start = async (text: string) => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-builtins-'));
    const file = path.join(dir, 'lookout.yaml');
    await fs.writeFile(file, text);
    const ts = await startTestServer({ runScheduler: false, config: { configFile: file } });
    const { services } = await gqlOk<{ services: { name: string; source: string; kind: string }[] }>(ts, '{ services { name source kind } }', {}, { token: ts.adminToken });
    await ts.close();
    await fs.rm(dir, { recursive: true, force: true });
    return services.map((s) => `${s.name}:${s.source}:${s.kind}`).sort();
  };

  it('is dropped with builtin_services: false, and an entry of the file named like a built-in replaces it', async () => {
    expect(await start('builtin_services: false\nservices:\n  - { name: api, kind: tcp, target: "127.0.0.1:9" }\n')).toEqual(['api:CONFIG:tcp']);
    expect(await start('services:\n  - { name: host, kind: tcp, target: "127.0.0.1:9", depends_on: [postgres] }\n')).toEqual([
      'event-bus:BUILTIN:event-bus', 'filesystem:BUILTIN:filesystem', 'host:CONFIG:tcp', 'lookout:BUILTIN:lookout', 'postgres:BUILTIN:postgres',
    ]);
  });

  it('checks each replica’s own data directory (target data-dir), not a path one replica stored for all', async () => {
    const ts = await startTestServer({ runScheduler: false });
    try {
      const { service } = await gqlOk<{ service: { target: string } }>(ts, '{ service(name: "filesystem") { target } }', {}, { token: ts.adminToken });
      expect(service.target).toBe('data-dir');
      const { recheckService } = await gqlOk<{ recheckService: { status: string; error: string | null } }>(ts, 'mutation { recheckService(name: "filesystem") { status error } }', {}, { token: ts.adminToken });
      expect(recheckService).toMatchObject({ status: expect.stringMatching(/HEALTHY|DEGRADED/) });
      await fs.rm(ts.config.dataDir, { recursive: true, force: true });
      const gone = await gqlOk<{ recheckService: { status: string; error: string | null } }>(ts, 'mutation { recheckService(name: "filesystem") { status error } }', {}, { token: ts.adminToken });
      expect(gone.recheckService).toMatchObject({ status: 'DOWN', error: expect.stringContaining(ts.config.dataDir) });
    } finally {
      await ts.close();
    }
  });

  it('refuses builtin_services that is not true or false, naming it', async () => {
    await expect(parseConfig('builtin_services: "no"\nservices: []\n')).rejects.toThrow(/builtin_services: must be true or false/);
  });
});
