/**
 * A pool that counts the statements sent through its `query` whose text matches, for tests that
 * pin how often a loop looks at the database (the scheduler's claims, its idle wait).
 */
import type pg from 'pg';

/** What a `query` call was given: a text, or a statement (prepared ones are `{ name, text, values }`). */
export type QueryInput = string | pg.QueryConfig;
/** The statement's text, whichever way it was given. */
export const textOf = (query: QueryInput): string => (typeof query === 'string' ? query : query.text);

export function countingPool<K extends string>(pool: pg.Pool, matchers: Record<K, (text: string) => boolean>): { pool: pg.Pool; counts: Record<K, number> } {
  const counts = Object.fromEntries(Object.keys(matchers).map((k) => [k, 0])) as Record<K, number>;
  const counted = new Proxy(pool, {
    get: (target, key) => {
      if (key !== 'query') return Reflect.get(target, key, target);
      return (query: QueryInput, values?: unknown[]) => {
        for (const k of Object.keys(matchers) as K[]) if (matchers[k](textOf(query))) counts[k]++;
        return target.query(query, values);
      };
    },
  }) as pg.Pool;
  return { pool: counted, counts };
}
