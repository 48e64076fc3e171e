/**
 * Profiling aid for `lookout serve` (`--compare-options="--import ./bench/checks/count-statements.ts"`):
 * counts the SQL statements the process sends, by their first words, and writes the counts to
 * $LOOKOUT_STATEMENT_COUNTS (or stderr) on exit. pg_stat_statements is not loaded in the embedded
 * server, and logging every statement costs more than the statements.
 */
import fs from 'node:fs';
import pg from 'pg';

const counts = new Map<string, number>();
const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const config = args[0] as string | { text?: string };
  const text = typeof config === 'string' ? config : (config?.text ?? '?');
  const key = text.replace(/\s+/g, ' ').trim().slice(0, 110);
  counts.set(key, (counts.get(key) ?? 0) + 1);
  return original.apply(this, args);
} as typeof pg.Client.prototype.query;

const started = Date.now();
process.on('exit', () => {
  const lines = [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${String(n).padStart(7)}  ${k}`);
  const text = `statements over ${Math.round((Date.now() - started) / 1000)} s (pid ${process.pid}):\n${lines.join('\n')}\n`;
  if (process.env.LOOKOUT_STATEMENT_COUNTS) fs.appendFileSync(process.env.LOOKOUT_STATEMENT_COUNTS, text);
  else process.stderr.write(text);
});
