// Imported into a process under test (`--import`, or NODE_OPTIONS for its children too): as it
// exits, it writes on stderr what it loaded that Lookout keeps out of memory until needed —
// Node's TypeScript stripper (amaro), and SOFA (sofa-api, the REST paths' generator).
//   loaded-report pid=<pid> stripper=<true|false> sofa=<true|false>
import { writeSync } from 'node:fs';
import { registerHooks } from 'node:module';

let sofa = false;
registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    if (resolved.url.includes('/node_modules/sofa-api/')) sofa = true;
    return resolved;
  },
});

process.on('exit', () => {
  const stripper = process.moduleLoadList.includes('NativeModule internal/deps/amaro/dist/index');
  writeSync(2, `loaded-report pid=${process.pid} stripper=${stripper} sofa=${sofa}\n`);
});
