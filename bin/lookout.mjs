#!/usr/bin/env node
// The `lookout` command. Lookout needs Node >= 22.18; when started by an older system Node, this
// re-runs itself with the Node 22 that `npm install` put in node_modules (the `node` package).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
const here = path.dirname(fileURLToPath(import.meta.url));

if (major < 22 || (major === 22 && minor < 18)) {
  const bundled = path.join(here, '..', 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(bundled)) {
    console.error(`Lookout needs Node 22.18 or newer (this is ${process.version}). Run \`npm install\` in the project first.`);
    process.exit(1);
  }
  // The Node options it was started with (memory settings of `npm start`, say) apply to the real run.
  const child = spawn(bundled, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  // graphql-js runs extra (slow) development checks on every value unless NODE_ENV is production.
  process.env.NODE_ENV ??= 'production';
  // Node >= 22.18 runs TypeScript by stripping its types: no build step. Lookout's own are stripped
  // once and loaded from a cache, so the stripper itself stays out of memory (typescript-cache.mjs).
  await import('./typescript-cache.mjs');
  await import('../server/cli.ts');
}
