/**
 * bench/postgres-memory: what the embedded PostgreSQL's processes hold as rows are written, for
 * each `shared_buffers` asked for. A fresh embedded server per setting; rows of the raw checks'
 * shape written as the writer writes them (ordinary inserts of 1,000 rows, a checkpoint after every
 * 200), and the whole tree's PSS (postmaster, helpers, the one backend) after every ~9 MB.
 *
 *   node bench/postgres-memory/run.ts [--mb 160] [--shared-buffers 128,32]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openEmbeddedDatabase } from '../../server/db/embedded.ts';
import { createLogger } from '../../server/logger.ts';
import { loadAverage, treePssBytes } from '../checks/tree.ts';

const { values } = parseArgs({ options: { mb: { type: 'string', default: '160' }, 'shared-buffers': { type: 'string', default: '128,32' } } });
const ROW_BYTES = 44; // a raw check on its page (tests/monitoring/check-outcome.test.ts)
console.log(`load at start: ${await loadAverage()}`);
for (const sharedBuffersMb of values['shared-buffers'].split(',').map(Number)) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lookout-pg-memory-'));
  fs.chmodSync(dir, 0o755); // as root, PostgreSQL runs as postgres, which must reach it
  const db = await openEmbeddedDatabase(path.join(dir, 'db'), { logger: createLogger('silent'), ephemeral: true, sharedBuffersMb });
  const pool = new pg.Pool({ connectionString: db.url, max: 1 });
  try {
    await pool.query('create table checks (checked_at timestamptz not null, service_id int not null, outcome int, error text)');
    const pss = async () => Math.round((await treePssBytes(db.pid)) / 1048576);
    const points = [`0 MB: ${await pss()} MB`];
    for (let written = 0; written < Number(values.mb); ) {
      for (let i = 0; i < 200; i++) await pool.query(`insert into checks select now(), g, g * 4, null from generate_series(1, 1000) g`);
      written += (200 * 1000 * ROW_BYTES) / 1048576;
      await pool.query('checkpoint');
      points.push(`${Math.round(written)} MB: ${await pss()} MB`);
    }
    console.log(`shared_buffers ${sharedBuffersMb} MB — rows written: PostgreSQL's PSS — ${points.join(', ')}`);
  } finally {
    await pool.end();
    await db.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
