/**
 * A pool that counts the statements sent through its `query` whose text matches, for tests that
 * pin how often a loop looks at the database (the scheduler's claims, its idle wait).
 */
import type pg from 'pg';

export function countingPool<K extends string>(pool: pg.Pool, matchers: Record<K, (text: string) => boolean>): { pool: pg.Pool; counts: Record<K, number> } {
  const counts = Object.fromEntries(Object.keys(matchers).map((k) => [k, 0])) as Record<K, number>;
  const counted = new Proxy(pool, {
    get: (target, key) => {
      if (key !== 'query') return Reflect.get(target, key, target);
      return (text: string, values?: unknown[]) => {
        for (const k of Object.keys(matchers) as K[]) if (matchers[k](text)) counts[k]++;
        return target.query(text, values);
      };
    },
  }) as pg.Pool;
  return { pool: counted, counts };
}
