/**
 * Per-item lists read for a whole list at once, within the request's history budget: the items of a
 * list asking the same field in the same turn are read in one statement (a DataLoader per request
 * and key), cut at what is left of the budget and refused if cut (server/monitoring/read-budget.ts).
 * Asked one statement per item, `{ alerts(filter: { limit: 500 }) { transitions { at } } }` was 500
 * queries of up to 1,000 rows each.
 */
import DataLoader from 'dataloader';
import type { RequestContext } from '../server/context.ts';
import { QUERY_UNITS, executionScope, readBudget, type ExecutionInfo } from '../server/monitoring/read-budget.ts';

/** One statement's rows for `keys`, at most `limit` in all, grouped by key. */
export type ReadMany<K, V> = (keys: K[], limit: number) => Promise<Map<K, V[]>>;

const loaders = new WeakMap<object, Map<string, DataLoader<unknown, unknown>>>();

/**
 * `key`'s items of `field`, read with the other keys asked in the same turn. `loaderKey` names the
 * statement and its arguments (the same for every item that may share it); `rowsOf` counts the rows
 * an item was read from (one unless told), all of which `read` counts against its limit.
 */
export function loadWithinBudget<K, V>(ctx: RequestContext, info: ExecutionInfo, field: string, loaderKey: string, read: ReadMany<K, V>, key: K, rowsOf: (item: V) => number = () => 1): Promise<V[]> {
  // Per execution: a subscription's events are each read afresh (a loader caches what it read).
  const scope = executionScope(ctx, info);
  let byName = loaders.get(scope);
  if (!byName) loaders.set(scope, (byName = new Map()));
  let loader = byName.get(loaderKey) as DataLoader<K, V[]> | undefined;
  if (!loader) {
    // Batching only, no cache: mutations run one after another in one request, and each must read afresh.
    loader = new DataLoader<K, V[]>(async (keys) => {
      const budget = readBudget(ctx, info);
      budget.take(field, QUERY_UNITS);
      const found = await budget.cutRead(field, (limit) => read([...keys], limit), (map) => {
        let rows = 0;
        for (const list of map.values()) for (const item of list) rows += rowsOf(item);
        return rows;
      });
      return keys.map((k) => found.get(k) ?? []);
    }, { cache: false });
    byName.set(loaderKey, loader as DataLoader<unknown, unknown>);
  }
  return loader.load(key);
}
