// Imported into a process under test (`--import`, or NODE_OPTIONS for its children too): as it
// exits, it writes on stderr whether Node's TypeScript stripper (amaro) was ever loaded in it.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  const loaded = process.moduleLoadList.includes('NativeModule internal/deps/amaro/dist/index');
  writeSync(2, `typescript-stripper pid=${process.pid} loaded=${loaded}\n`);
});
