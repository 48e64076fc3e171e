/**
 * The Overview grid's paging arithmetic (client/src/lib/grid-page.ts): 200 more each time, never past
 * what matches, never past the server's largest page. Regression: with more than 10,000 matching
 * services the grid asked for 10,200, the server refused, and every later refresh asked it again.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GRID_MAX, GRID_PAGE, nextPageSize } from '../../client/src/lib/grid-page.ts';

describe('the grid pages', () => {
  it('asks for 200 more, then what is left, then nothing', () => {
    expect(nextPageSize(200, 456)).toBe(400);
    expect(nextPageSize(400, 456)).toBe(456);
    expect(nextPageSize(456, 456)).toBeNull();
    expect(nextPageSize(0, 0)).toBeNull();
  });

  it("never asks past the server's largest page (10,000), however many match", () => {
    expect(nextPageSize(9_900, 20_000)).toBe(GRID_MAX);
    expect(nextPageSize(9_950, 10_050)).toBe(GRID_MAX);
    expect(nextPageSize(GRID_MAX, 10_050)).toBeNull();
    expect(GRID_MAX).toBe(10_000);
  });

  it("asks the first page with the size the page's own early query uses (the document's default)", async () => {
    const source = await fs.readFile(path.join(import.meta.dirname, '../../client/src/lib/overview-query.ts'), 'utf8');
    expect(/query HealthOverview\(\$filter: ServiceFilter, \$first: Int = (\d+)\)/.exec(source)?.[1]).toBe(String(GRID_PAGE));
  });
});
