/**
 * `npm run migration:create [name]`: diffs the entities against the schema the existing migrations
 * build (on a throwaway embedded database, or DATABASE_URL) and writes the next migration, then
 * regenerates migrations/index.ts. Schema changes are never applied by auto-sync.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, migrationsDir } from '../db/orm.ts';
import { createLogger } from '../logger.ts';

const logger = createLogger(process.env.LOG_LEVEL ?? 'info');
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-migration-'));
const db = await openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir }, { logger });
try {
  const initial = (await db.orm.migrator.getExecuted()).length === 0;
  const result = await db.orm.migrator.create(migrationsDir, false, initial, process.argv[2]);
  if (!result.diff.up.length) console.log('No changes: entities match the migrations.');
  else console.log(`Created ${result.fileName}`);
  await writeIndex();
} finally {
  await db.close();
  await fs.rm(dataDir, { recursive: true, force: true });
}

async function writeIndex(): Promise<void> {
  const files = (await fs.readdir(migrationsDir)).filter((f) => /^Migration\d+.*\.ts$/.test(f)).sort();
  const imports = files.map((f, i) => `import { ${className(f)} as M${i} } from './${f}';`);
  const entries = files.map((f, i) => `  { name: '${f.replace(/\.ts$/, '')}', class: M${i} },`);
  const body = [
    '/** The migrations Lookout applies, in order. `npm run migration:create` regenerates this list. */',
    "import type { MigrationObject } from '@mikro-orm/core';",
    ...imports,
    '',
    'export const migrationsList: MigrationObject[] = [',
    ...entries,
    '];',
    '',
  ].join('\n');
  await fs.writeFile(path.join(migrationsDir, 'index.ts'), body);
}

function className(file: string): string {
  return file.replace(/\.ts$/, '');
}
