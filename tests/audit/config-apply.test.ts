/**
 * Regression: reloads of the config file added and removed services, alert channels (with their
 * secrets), maintenance windows and runtimes without a row in the audit log (found by an attack
 * review). Each load that applies a file whose content differs from the last one applied writes one
 * `config.apply` row (actor system, "config file"), naming the services it added, changed and
 * removed; loading the same file again writes none, whichever replica loads it.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { writeConfigFile } from '../alerting/support/alerting.ts';

const FIRST = `services:
  - { name: api, kind: tcp, target: "127.0.0.1:9", interval: 1h }
  - { name: web, kind: tcp, target: "127.0.0.1:9", interval: 1h }
`;

interface Row {
  actor_type: string;
  actor_label: string;
  target_id: string;
  input: { reason: string; sha256?: string; services?: { added?: string[]; updated?: string[]; removed?: string[] } };
}

describe('config file loads in the audit log', () => {
  let ts: TestServer;
  let file: string;
  const rows = async () => (await ts.server.app.sql.query<Row>(`select actor_type, actor_label, target_id, input from audit_log where action = 'config.apply' order by id`)).rows;

  beforeAll(async () => {
    file = await writeConfigFile(FIRST);
    ts = await startTestServer({ runScheduler: false, config: { configFile: file } });
  });
  afterAll(async () => {
    await ts?.close();
    await fs.rm(path.dirname(file), { recursive: true, force: true });
  });

  it('records the first load, with the services it added', async () => {
    const [first, ...more] = await rows();
    expect(more).toEqual([]);
    expect(first).toMatchObject({ actor_type: 'system', actor_label: 'config file', target_id: file, input: { reason: 'start', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(first.input.services?.added).toEqual(expect.arrayContaining(['api', 'web']));
  });

  it('records nothing for a reload of the same file', async () => {
    expect(await ts.server.app.configFile.reload('SIGHUP')).toBe(true);
    expect(await rows()).toHaveLength(1);
  });

  it('records a change with what it changed, once', async () => {
    await fs.writeFile(file, FIRST.replace('  - { name: web, kind: tcp, target: "127.0.0.1:9", interval: 1h }\n', '  - { name: cache, kind: tcp, target: "127.0.0.1:9", interval: 1h }\n').replace('name: api, kind: tcp, target: "127.0.0.1:9", interval: 1h', 'name: api, kind: tcp, target: "127.0.0.1:9", interval: 2h'));
    expect(await ts.server.app.configFile.reload('file changed')).toBe(true);
    expect(await ts.server.app.configFile.reload('SIGHUP')).toBe(true);
    const all = await rows();
    expect(all).toHaveLength(2);
    expect(all[1].input).toMatchObject({ reason: 'file changed', services: { added: ['cache'], updated: ['api'], removed: ['web'] } });
    expect(all[1].input.sha256).not.toBe(all[0].input.sha256);
  });

  it('records a change to a section other than services, by the file it applied', async () => {
    await fs.writeFile(file, `${await fs.readFile(file, 'utf8')}alerting:\n  channels:\n    - { name: ops, kind: webhook, url: "http://127.0.0.1:9/hook", secret: "whsec_${Buffer.alloc(32, 1).toString('base64')}" }\n`);
    expect(await ts.server.app.configFile.reload('file changed')).toBe(true);
    const all = await rows();
    expect(all).toHaveLength(3);
    expect(all[2].input.services).toBeUndefined();
    expect(JSON.stringify(all[2])).not.toContain('whsec_');
  });
});
