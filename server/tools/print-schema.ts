/** `npm run schema:print`: writes schema.graphql, sorted, from the Pothos schema. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { printSortedSchema } from '../../schema/print.ts';
import { projectRoot } from '../config.ts';

await fs.writeFile(path.join(projectRoot, 'schema.graphql'), printSortedSchema());
console.log('Wrote schema.graphql');
