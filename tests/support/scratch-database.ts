/**
 * A fresh, empty database on a PostgreSQL server the caller names (its admin URL), dropped when done:
 * one per test file or benchmark run, so nothing they write meets another's data. Plain pg, no vitest:
 * the benchmarks use it too.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** `prefix`: what the database's name starts with (letters, digits and _), so a leftover says whose it is. */
export async function scratchDatabase(adminUrl: string, prefix: string): Promise<ScratchDatabase> {
  if (!/^[a-z][a-z0-9_]{0,40}$/.test(prefix)) throw new Error(`a database name prefix must be lowercase letters, digits and _, got ${JSON.stringify(prefix)}`);
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`).catch(() => {}) };
}
