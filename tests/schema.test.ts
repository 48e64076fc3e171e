import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printSortedSchema } from '../schema/print.ts';

describe('schema.graphql', () => {
  it('is the schema the server serves (run `npm run codegen` after changing schema/)', () => {
    const committed = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(committed === printSortedSchema(), 'schema.graphql is stale: run `npm run codegen` and commit the result').toBe(true);
  });
});
