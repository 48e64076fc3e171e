// Run by bin/typescript-cache.mjs in a child process, so that Node's type stripper is loaded here
// and not in the server: reads its jobs as JSON on stdin, writes each source with
// its types stripped (Node's `stripTypeScriptTypes`, lines and columns kept) to `out` in the cache
// directory given as the argument. The input is `[{ file, source, out }]`: the text the parent read
// and named `out` by, so a file edited meanwhile cannot be kept under its old text's name. Each is written whole under a temporary name, then renamed: a
// reader sees a complete file or none, and processes that strip at once do not clash. A file that
// does not strip (a syntax error) is left out: Node reports it, as it would, when it is loaded.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import path from 'node:path';

const cacheDir = path.resolve(process.argv[2] ?? '');
const jobs = JSON.parse(readFileSync(0, 'utf8'));
if (!Array.isArray(jobs)) throw new Error('strip-types expects a JSON array of { file, source, out } on stdin');
mkdirSync(cacheDir, { recursive: true });
let failed = 0;
for (const { source, out } of jobs) {
  // Only into the cache directory, whatever the input says.
  if (typeof source !== 'string' || typeof out !== 'string' || path.dirname(path.resolve(out)) !== cacheDir) continue;
  let stripped;
  try {
    stripped = stripTypeScriptTypes(source, { mode: 'strip' });
  } catch {
    failed++;
    continue;
  }
  const temporary = `${out}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, stripped);
    renameSync(temporary, out);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
if (failed) process.stderr.write(`${failed} file(s) did not strip; Node will report them when they are loaded\n`);
